#pragma once
// Small whole-file reads and crash-safe writes for the home directory's files
// (config.toml, genesis.json, admin.token). Callable from any thread; each call works
// on its own file descriptors.

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "node/error.hpp"

namespace cloudchain::node {

/// Home files are small; a larger file is refused rather than read into memory.
inline constexpr std::size_t kMaxHomeFileBytes = std::size_t{4} << 20;

/// The whole file. Errors: kFileMissing (no such file), kIo (unreadable, a directory,
/// larger than kMaxHomeFileBytes), each naming the path.
util::Result<std::string, ConfigError> read_text_file(const std::filesystem::path& path);

/// Writes `content` to `path` with permission bits `mode`: a temporary file in the same
/// directory is written, fsynced and renamed over `path`, then the directory is fsynced.
/// A crash leaves the old file or the new one, never a torn one, and a secret is never
/// readable by others, not even for an instant (the temporary is created with `mode`).
/// Errors: kIo naming the path and the system error.
util::Result<void, ConfigError> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                                                  mode_t mode);

}  // namespace cloudchain::node
