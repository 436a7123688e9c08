#include "node/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace cloudchain::node {

namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::strerror(err); }

/// Closes a descriptor once.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  /// Closes now and returns 0 or the errno of close().
  int close() {
    const int rc = ::close(m_fd);
    m_fd = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int m_fd;
};

util::Result<void, ConfigError> io_fail(std::string_view what, const fs::path& path, int err) {
  return config_fail(ConfigError::kIo, path.string(), "", std::string(what) + ": " + errno_text(err));
}

}  // namespace

util::Result<std::string, ConfigError> read_text_file(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return config_fail(ConfigError::kFileMissing, path.string(), "",
                         "no such file (create a home with `cloudchaind init --home DIR`)");
    }
    return std::unexpected(io_fail("cannot open", path, err).error());
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected(io_fail("cannot stat", path, errno).error());
  if (!S_ISREG(st.st_mode)) return config_fail(ConfigError::kIo, path.string(), "", "not a regular file");
  if (static_cast<std::size_t>(st.st_size) > kMaxHomeFileBytes) {
    return config_fail(ConfigError::kIo, path.string(), "",
                       "larger than " + std::to_string(kMaxHomeFileBytes) + " bytes");
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_fail("cannot read", path, errno).error());
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxHomeFileBytes) {
      return config_fail(ConfigError::kIo, path.string(), "",
                         "larger than " + std::to_string(kMaxHomeFileBytes) + " bytes");
    }
  }
  return out;
}

util::Result<void, ConfigError> write_file_atomic(const fs::path& path, std::string_view content, mode_t mode) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  // A dot-name the node never reads, unique enough that two writers do not collide.
  std::random_device rd;
  const fs::path temp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(rd()));
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return io_fail("cannot create", temp, errno);
  // The umask may have cleared bits of `mode`; the file gets exactly `mode`.
  if (::fchmod(fd.get(), mode) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_fail("cannot chmod", temp, err);
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::unlink(temp.c_str());
      return io_fail("cannot write", temp, err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_fail("cannot fsync", temp, err);
  }
  if (const int err = fd.close(); err != 0) {
    ::unlink(temp.c_str());
    return io_fail("cannot close", temp, err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_fail("cannot rename into place", path, err);
  }
  // Without this the rename itself may be lost in a crash.
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) return io_fail("cannot open directory", dir, errno);
  if (::fsync(dir_fd.get()) != 0) return io_fail("cannot fsync directory", dir, errno);
  return {};
}

}  // namespace cloudchain::node
