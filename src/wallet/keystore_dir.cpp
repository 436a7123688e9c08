#include "wallet/keystore_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>

namespace cloudchain::wallet {

namespace fs = std::filesystem;

namespace {

using util::fail;

std::string io_detail(std::string_view what, const fs::path& path, int err) {
  // std::generic_category().message is thread-safe, unlike strerror.
  return std::string(what) + " " + path.string() + ": " + std::generic_category().message(err);
}

std::unexpected<KeystoreResultError> io_error(std::string_view what, const fs::path& path, int err) {
  return fail(KeystoreError::kIo, io_detail(what, path, err));
}

std::string mode_string(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

/// Closes a file descriptor on scope exit unless released.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }
  /// Closes now and reports close()'s errno (0 on success): on some file systems a
  /// failed write only shows up here.
  int close() {
    const int rc = ::close(std::exchange(m_fd, -1));
    return rc == 0 ? 0 : errno;
  }

 private:
  int m_fd;
};

/// Unlinks a temporary file on scope exit unless dismissed.
class TempFile {
 public:
  explicit TempFile(std::string path) : m_path(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!m_path.empty()) ::unlink(m_path.c_str());
  }
  const std::string& path() const { return m_path; }
  void dismiss() { m_path.clear(); }

 private:
  std::string m_path;
};

util::Result<void, KeystoreError> check_directory(const fs::path& dir) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return fail(KeystoreError::kNotFound, "keystore directory " + dir.string() + " does not exist");
    return io_error("stat", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) return fail(KeystoreError::kIo, "keystore " + dir.string() + " is not a directory");
  if ((st.st_mode & 077) != 0) {
    return fail(KeystoreError::kIo, "keystore directory " + dir.string() + " has mode " + mode_string(st.st_mode) +
                                        ", which lets other users read or replace keys; run chmod 700 on it");
  }
  return {};
}

util::Result<void, KeystoreError> write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

/// Renames `from` to `to` unless `to` exists. renameat2 does it in one step; file systems
/// without RENAME_NOREPLACE get link (which also refuses an existing name) + unlink.
util::Result<void, KeystoreError> rename_no_replace(const std::string& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return {};
  int err = errno;
  if (err == EINVAL || err == ENOSYS) {
    if (::link(from.c_str(), to.c_str()) == 0) {
      ::unlink(from.c_str());
      return {};
    }
    err = errno;
  }
  if (err == EEXIST) return fail(KeystoreError::kExists, to.string() + " already exists");
  return io_error("rename to", to, err);
}

util::Result<void, KeystoreError> fsync_directory(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("open", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("fsync", dir, errno);
  return {};
}

/// One *.json file of the directory and, when it parsed, its contents.
struct Scanned {
  KeyEntry entry;
  std::optional<KeystoreFile> file;
};

util::Result<std::vector<Scanned>, KeystoreError> scan(const fs::path& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return io_error("read directory", dir, ec.value());
  std::vector<Scanned> out;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return io_error("read directory", dir, ec.value());
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    // Dot-files are our temporaries (complete or not); anything else is not a key file.
    if (name.starts_with('.') || !name.ends_with(".json")) continue;
    Scanned scanned;
    scanned.entry.file = path;
    auto file = read_keystore_file(path);
    if (file) {
      scanned.entry.address = file->address;
      scanned.entry.label = file->label;
      scanned.file = std::move(*file);
    } else {
      scanned.entry.error = std::move(file.error());
    }
    out.push_back(std::move(scanned));
  }
  if (ec) return io_error("read directory", dir, ec.value());
  std::sort(out.begin(), out.end(), [](const Scanned& a, const Scanned& b) { return a.entry.file < b.entry.file; });
  return out;
}

}  // namespace

util::Result<KeystoreFile, KeystoreError> read_keystore_file(const fs::path& path) {
  // O_NONBLOCK: opening a FIFO planted in the directory must not hang; regular files
  // ignore it.
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    const int err = errno;
    return fail(KeystoreError::kIo, io_detail("open", path, err) + (err == ELOOP ? " (a symbolic link)" : ""));
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return io_error("stat", path, errno);
  if (!S_ISREG(st.st_mode)) return fail(KeystoreError::kIo, path.string() + " is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > kMaxKeystoreBytes) {
    return fail(KeystoreError::kMalformedJson,
                path.string() + " is larger than " + std::to_string(kMaxKeystoreBytes) + " bytes");
  }
  // Read one byte past the limit so a file that grew after fstat is still caught.
  std::string text(kMaxKeystoreBytes + 1, '\0');
  std::size_t size = 0;
  while (size < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + size, text.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path, errno);
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  if (size > kMaxKeystoreBytes) {
    return fail(KeystoreError::kMalformedJson,
                path.string() + " is larger than " + std::to_string(kMaxKeystoreBytes) + " bytes");
  }
  text.resize(size);
  auto file = parse_keystore(text);
  if (!file) return fail(file.error().code, path.string() + ": " + file.error().detail);
  return file;
}

util::Result<Keystore, KeystoreError> Keystore::create(const fs::path& dir) {
  if (dir.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(dir.parent_path(), ec);
    if (ec) return io_error("create directory", dir.parent_path(), ec.value());
  }
  if (::mkdir(dir.c_str(), 0700) == 0) {
    // The umask may have taken bits away (even the owner's); set exactly 0700.
    if (::chmod(dir.c_str(), 0700) != 0) return io_error("chmod", dir, errno);
  } else if (errno != EEXIST) {
    return io_error("create directory", dir, errno);
  }
  return open(dir);
}

util::Result<Keystore, KeystoreError> Keystore::open(const fs::path& dir) {
  if (auto ok = check_directory(dir); !ok) return std::unexpected(ok.error());
  return Keystore(dir);
}

util::Result<std::vector<KeyEntry>, KeystoreError> Keystore::list() const {
  auto scanned = scan(m_dir);
  if (!scanned) return std::unexpected(scanned.error());
  std::vector<KeyEntry> out;
  out.reserve(scanned->size());
  for (Scanned& s : *scanned) out.push_back(std::move(s.entry));
  return out;
}

util::Result<fs::path, KeystoreError> Keystore::save(const KeystoreFile& file) const {
  if (auto ok = check_keystore(file); !ok) return std::unexpected(ok.error());
  auto scanned = scan(m_dir);
  if (!scanned) return std::unexpected(scanned.error());
  for (const Scanned& s : *scanned) {
    if (!s.file) continue;
    if (s.file->address == file.address) {
      return fail(KeystoreError::kExists, "address " + file.address + " is already in " + s.entry.file.string());
    }
    if (!file.label.empty() && s.file->label == file.label) {
      return fail(KeystoreError::kExists, "label '" + file.label + "' is already used by " + s.entry.file.string());
    }
  }

  fs::path target = m_dir / (file.address + ".json");
  std::string pattern = (m_dir / ("." + file.address + ".json.tmp-XXXXXX")).string();
  // mkostemp creates the file with mode 0600 and O_EXCL, whatever the umask.
  Fd fd(::mkostemp(pattern.data(), O_CLOEXEC));
  if (fd.get() < 0) return io_error("create temporary file in", m_dir, errno);
  TempFile temp(pattern);
  if (::fchmod(fd.get(), 0600) != 0) return io_error("chmod", temp.path(), errno);
  if (auto ok = write_all(fd.get(), to_json(file), temp.path()); !ok) return std::unexpected(ok.error());
  if (::fsync(fd.get()) != 0) return io_error("fsync", temp.path(), errno);
  if (const int err = fd.close(); err != 0) return io_error("close", temp.path(), err);
  if (auto ok = rename_no_replace(temp.path(), target); !ok) return std::unexpected(ok.error());
  temp.dismiss();
  // Without this the rename itself may be lost in a crash, and with it the key.
  if (auto ok = fsync_directory(m_dir); !ok) {
    return fail(KeystoreError::kIo, "key written to " + target.string() + " but not yet durable: " + ok.error().detail);
  }
  return target;
}

util::Result<KeystoreFile, KeystoreError> Keystore::load(std::string_view address_or_label) const {
  auto scanned = scan(m_dir);
  if (!scanned) return std::unexpected(scanned.error());
  const auto pick = [&](auto matches) -> std::optional<util::Result<KeystoreFile, KeystoreError>> {
    const Scanned* found = nullptr;
    for (const Scanned& s : *scanned) {
      if (!s.file || !matches(*s.file)) continue;
      if (found != nullptr) {
        return fail(KeystoreError::kAmbiguous, "'" + std::string(address_or_label) + "' names both " +
                                                   found->entry.file.string() + " and " + s.entry.file.string());
      }
      found = &s;
    }
    if (found == nullptr) return std::nullopt;
    return *found->file;
  };
  if (auto by_address = pick([&](const KeystoreFile& f) { return f.address == address_or_label; })) {
    return *by_address;
  }
  if (!address_or_label.empty()) {
    if (auto by_label = pick([&](const KeystoreFile& f) { return f.label == address_or_label; })) return *by_label;
  }
  return fail(KeystoreError::kNotFound,
              "no key with address or label '" + std::string(address_or_label) + "' in " + m_dir.string());
}

}  // namespace cloudchain::wallet
