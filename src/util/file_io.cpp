#include "util/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace cloudchain::util {

namespace {

namespace fs = std::filesystem;

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

std::unexpected<Error<FileError>> io_fail(std::string_view what, const fs::path& path, int err) {
  return fail(FileError::kIo, path.string() + ": " + std::string(what) + ": " + std::strerror(err));
}

}  // namespace

std::string_view to_string(FileError e) {
  switch (e) {
    case FileError::kMissing: return "missing";
    case FileError::kIo: return "io";
    case FileError::kTooLarge: return "too_large";
  }
  return "unknown";
}

Result<std::string, FileError> read_file(const fs::path& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return fail(FileError::kMissing, path.string() + ": no such file");
    return io_fail("cannot open", path, err);
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return io_fail("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return fail(FileError::kIo, path.string() + ": not a regular file");
  const std::string too_large = path.string() + ": larger than " + std::to_string(max_bytes) + " bytes";
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return fail(FileError::kTooLarge, too_large);
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_fail("cannot read", path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) return fail(FileError::kTooLarge, too_large);
  }
  return out;
}

Result<void, FileError> write_file_atomic(const fs::path& path, std::string_view content, mode_t mode) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  // A dot-name nobody reads, unique enough that two writers do not collide.
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

}  // namespace cloudchain::util
