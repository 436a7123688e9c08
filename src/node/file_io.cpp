#include "node/file_io.hpp"

#include "util/file_io.hpp"

namespace cloudchain::node {

// The work is util's (shared with the validator's signing state); this layer keeps its
// ConfigError codes and the hint for a missing home file.

util::Result<std::string, ConfigError> read_text_file(const std::filesystem::path& path) {
  auto text = util::read_file(path, kMaxHomeFileBytes);
  if (text) return std::move(*text);
  if (text.error().code == util::FileError::kMissing) {
    return config_fail(ConfigError::kFileMissing, path.string(), "",
                       "no such file (create a home with `cloudchaind init --home DIR`)");
  }
  return util::fail(ConfigError::kIo, text.error().detail);
}

util::Result<void, ConfigError> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                                  mode_t mode) {
  if (auto ok = util::write_file_atomic(path, content, mode); !ok)
    return util::fail(ConfigError::kIo, ok.error().detail);
  return {};
}

}  // namespace cloudchain::node
