#pragma once
// Small whole-file reads and crash-safe whole-file writes, for the few files a node keeps
// outside its database (home files, the validator's signing state).
//
// Crash safety of write_file_atomic: the content goes to a temporary file in the same
// directory, which is fsynced, renamed over the target, and then the directory is
// fsynced. After a crash (kill -9 or power loss) the target holds the old content or the
// new one, never a mix; once the call returned, the new content survives a crash.
//
// Thread-safety: callable from any thread; each call works on its own descriptors. Two
// concurrent writers of one path each leave a whole file; the last rename wins.

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace cloudchain::util {

enum class FileError {
  kMissing,   // the file does not exist
  kIo,        // the system refused (open, read, write, fsync, rename) or not a regular file
  kTooLarge,  // the file is larger than the caller's limit
};
std::string_view to_string(FileError e);

/// The whole file, at most `max_bytes` bytes. Errors: kMissing (no such file), kIo
/// (unreadable, a directory), kTooLarge; each detail names the path.
Result<std::string, FileError> read_file(const std::filesystem::path& path, std::size_t max_bytes);

/// Writes `content` to `path` with permission bits `mode` (see the top of this file). A
/// secret is never readable by others, not even for an instant: the temporary is created
/// with `mode`. Errors: kIo naming the path, the step and the system error; the
/// temporary is removed, and the target keeps its old content unless only the final
/// directory fsync failed (then the new content is in place but may not survive a crash).
Result<void, FileError> write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode);

}  // namespace cloudchain::util
