#pragma once
// SHA-256 of a file, streamed in 1 MiB chunks so a file of any size hashes in constant
// memory. This is the digest an anchor commits (protocol.md section 5) and that
// `sha256sum FILE` prints.

#include <filesystem>
#include <string>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::cli {

enum class FileError {
  kOpen,  // the file can be opened for reading (detail: path and the system's reason)
  kRead,  // reading it succeeds to the end (detail: path and the system's reason)
};
std::string_view to_string(FileError e);

/// Errors: kOpen, kRead.
util::Result<util::Hash256, FileError> sha256_file(const std::filesystem::path& path);

/// The whole file as text, refusing files above `max_bytes` (kRead). Errors: kOpen, kRead.
util::Result<std::string, FileError> read_text_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace cloudchain::cli
