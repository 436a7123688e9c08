// Mempool::save and Mempool::load: the pool's only I/O, on an explicit path. The byte
// layout is pool_file.hpp's.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "mempool/mempool.hpp"
#include "mempool/pool_file.hpp"

namespace cloudchain::mempool {

namespace {

std::string errno_text(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

// Owns a POSIX file descriptor (fsync needs one; iostreams offer none).
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }
  /// Closes now, reporting the error close() may return (a deferred write error).
  bool close() {
    const int fd = m_fd;
    m_fd = -1;
    return ::close(fd) == 0;
  }

 private:
  int m_fd;
};

util::Result<void, MempoolError> write_all(const std::filesystem::path& path, util::ByteSpan data) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return util::fail(MempoolError::kIoError, errno_text("open", path));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return util::fail(MempoolError::kIoError, errno_text("write", path));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return util::fail(MempoolError::kIoError, errno_text("fsync", path));
  if (!fd.close()) return util::fail(MempoolError::kIoError, errno_text("close", path));
  return {};
}

}  // namespace

util::Result<std::size_t, MempoolError> Mempool::save(const std::filesystem::path& path) const {
  // Sender by sender, in nonce order: reloading admits each sender's nonces ascending,
  // so none is refused for a gap that the next entry would have filled.
  std::vector<const SenderMap::value_type*> senders;
  senders.reserve(m_senders.size());
  for (const auto& item : m_senders) senders.push_back(&item);
  std::sort(senders.begin(), senders.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::vector<StoredTx> entries;
  entries.reserve(m_entries.size());
  for (const auto* item : senders) {
    for (const auto& [nonce, entry] : item->second.by_nonce) entries.push_back(StoredTx{entry->tx, entry->arrival_ms});
  }
  const util::Bytes data = encode_pool_file(entries);

  std::filesystem::path tmp = path;
  tmp += ".tmp";
  if (auto written = write_all(tmp, data); !written) return std::unexpected(written.error());
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return util::fail(MempoolError::kIoError, "rename " + tmp.string() + ": " + ec.message());
  // Make the rename itself durable. A failure here leaves a complete file under one of
  // the two names, so it is not worth failing the save for.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) static_cast<void>(::fsync(dir_fd.get()));
  return entries.size();
}

util::Result<LoadResult, MempoolError> Mempool::load(const std::filesystem::path& path, std::uint64_t time_ms,
                                                     AccountView& view) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return util::fail(MempoolError::kIoError, "stat " + path.string() + ": " + ec.message());
    return util::fail(MempoolError::kFileMissing, path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return util::fail(MempoolError::kIoError, errno_text("open", path));
  util::Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return util::fail(MempoolError::kIoError, errno_text("read", path));

  ParsedPoolFile parsed = parse_pool_file(data);
  LoadResult out;
  out.read = parsed.entries.size();
  for (const StoredTx& stored : parsed.entries) {
    if (time_ms >= stored.arrival_ms && time_ms - stored.arrival_ms >= m_limits.expiry_ms) {
      ++out.expired;
    } else if (add(stored.tx, stored.arrival_ms, view)) {
      ++out.added;
    } else {
      ++out.rejected;
    }
  }
  if (parsed.error) {
    parsed.error->detail =
        path.string() + ": " + parsed.error->detail + " (" + std::to_string(out.added) + " earlier entries kept)";
    return std::unexpected(std::move(*parsed.error));
  }
  return out;
}

}  // namespace cloudchain::mempool
