#pragma once
// TempDir: a fresh empty directory under the system temporary directory, removed with
// everything in it on destruction. For tests (header-only; the library does not use it).
//
//   util::TempDir dir("pos");          // e.g. /tmp/cloudchain-pos-Ab12Cd
//   write_file(dir.path() / "state", ...);
//
// Throws std::runtime_error when the directory cannot be made (test set-up).

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace cloudchain::util {

class TempDir {
 public:
  explicit TempDir(std::string_view tag = "test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("cloudchain-" + std::string(tag) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
    m_path = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

}  // namespace cloudchain::util
