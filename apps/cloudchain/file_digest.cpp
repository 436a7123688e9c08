#include "file_digest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "crypto/sha256.hpp"

namespace cloudchain::cli {

std::string_view to_string(FileError e) {
  switch (e) {
    case FileError::kOpen: return "file_open";
    case FileError::kRead: return "file_read";
  }
  return "file_unknown";
}

namespace {

// Owns a file descriptor; closes it on every path.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }

 private:
  int m_fd;
};

std::string system_reason(const std::filesystem::path& path, int err) {
  return path.string() + ": " + std::strerror(err);
}

// Reads the whole file in chunks, handing each to `sink`. Errors as sha256_file.
template <typename Sink>
util::Result<void, FileError> stream_file(const std::filesystem::path& path, std::size_t max_bytes, Sink&& sink) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return util::fail(FileError::kOpen, system_reason(path, errno));
  std::vector<std::uint8_t> buffer(std::size_t{1} << 20);
  // The file may be a password file: leave no copy of it in freed memory.
  struct Wipe {
    std::vector<std::uint8_t>& b;
    ~Wipe() { explicit_bzero(b.data(), b.size()); }
  } wipe{buffer};
  std::size_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return util::fail(FileError::kRead, system_reason(path, errno));
    }
    if (n == 0) return {};
    total += static_cast<std::size_t>(n);
    if (total > max_bytes) {
      return util::fail(FileError::kRead, path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    sink(util::ByteSpan(buffer.data(), static_cast<std::size_t>(n)));
  }
}

}  // namespace

util::Result<util::Hash256, FileError> sha256_file(const std::filesystem::path& path) {
  crypto::Sha256 hasher;
  auto ok =
      stream_file(path, std::numeric_limits<std::size_t>::max(), [&](util::ByteSpan chunk) { hasher.update(chunk); });
  if (!ok) return std::unexpected(ok.error());
  return hasher.finish();
}

util::Result<std::string, FileError> read_text_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::string text;
  // Reserved up front so that growing never leaves a copy of the contents (perhaps a
  // password) behind in freed memory.
  text.reserve(std::min(max_bytes, std::size_t{1} << 20));
  auto ok = stream_file(path, max_bytes, [&](util::ByteSpan chunk) { text.append(chunk.begin(), chunk.end()); });
  if (!ok) return std::unexpected(ok.error());
  return text;
}

}  // namespace cloudchain::cli
