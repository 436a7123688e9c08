#pragma once
// A keystore directory: one keystore file per key, named <address>.json, next to nothing
// else the wallet writes. Layout and crash-safety argument: docs/keystore.md.
//
// - The directory is mode 0700 and every key file 0600, whatever the umask. A directory
//   that group or other users may access is refused (they could copy the encrypted keys
//   for offline guessing, or swap in their own).
// - save() writes a temporary file ".<address>.json.tmp-XXXXXX" in the same directory,
//   fsyncs it, renames it to <address>.json without replacing anything
//   (renameat2 RENAME_NOREPLACE, or link + unlink where the file system lacks it) and
//   fsyncs the directory. A crash leaves either no key file or a complete one, at worst
//   plus a dot-file temporary that list() ignores.
// - Files are read with O_NOFOLLOW and at most kMaxKeystoreBytes, so a symlink or a huge
//   file in the directory is reported, not followed or slurped.
//
// Thread-safety: a Keystore is immutable after open; its methods may run concurrently
// from many threads and processes. Two saves of one address never both succeed (the
// rename is atomic and refuses to replace); two saves of one label at the same instant
// may (the label check is a scan before the rename), which load() then reports as
// kAmbiguous.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"
#include "wallet/keystore.hpp"

namespace cloudchain::wallet {

/// One *.json file of the directory, as list() found it.
struct KeyEntry {
  std::filesystem::path file;
  std::string address;  // empty when unreadable
  std::string label;    // empty when unreadable
  /// Set when the file could not be read or parsed (e.g. kIo, kMalformedJson from a file
  /// some other tool left half-written); such an entry never matches load().
  std::optional<KeystoreResultError> error;
};

class Keystore {
 public:
  /// Opens `dir`, creating it (mode 0700; missing parents with the default mode) when it
  /// does not exist. Errors: kIo when it cannot be created, is not a directory, or allows
  /// group/other access.
  static util::Result<Keystore, KeystoreError> create(const std::filesystem::path& dir);
  /// Opens an existing keystore directory. Errors: kNotFound when `dir` does not exist;
  /// kIo when it is not a directory or allows group/other access.
  static util::Result<Keystore, KeystoreError> open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return m_dir; }

  /// Every regular-looking "*.json" entry (dot-files excluded), sorted by file name.
  /// Unreadable or invalid files are listed with `error` set rather than failing the call.
  /// Errors: kIo when the directory itself cannot be read.
  util::Result<std::vector<KeyEntry>, KeystoreError> list() const;

  /// Writes `file` as <address>.json, crash-safely (see above), and returns its path.
  /// Errors: whatever check_keystore reports for an invalid file (nothing is written);
  /// kExists when a key with the same address, or a non-empty label equal to this one, is
  /// already present, or <address>.json exists (even unreadable); kIo on a failed system
  /// call (no temporary file is left behind).
  util::Result<std::filesystem::path, KeystoreError> save(const KeystoreFile& file) const;

  /// The key whose address is `address_or_label`, or else the one whose label is.
  /// Errors: kNotFound; kAmbiguous when several readable files carry that label (or that
  /// address: copies under other names); kIo when the directory cannot be read.
  util::Result<KeystoreFile, KeystoreError> load(std::string_view address_or_label) const;

 private:
  explicit Keystore(std::filesystem::path dir) : m_dir(std::move(dir)) {}
  std::filesystem::path m_dir;
};

/// Reads and parses one keystore file (O_NOFOLLOW, at most kMaxKeystoreBytes).
/// Errors: kIo (path and strerror), kMalformedJson when larger, any parse_keystore error.
util::Result<KeystoreFile, KeystoreError> read_keystore_file(const std::filesystem::path& path);

}  // namespace cloudchain::wallet
