#pragma once
// PipeReader<T>: reads fixed-size records of a trivially copyable T from a pipe, for the
// crash tests (header-only; the library does not use it). A forked child writes one
// record after each step it completed (a committed block, a signed vote); the parent,
// after killing the child with SIGKILL at a random instant, drains what is left: every
// record written before the death is still in the pipe, so `last` is the newest step the
// child reported done.
//
//   util::PipeReader<std::uint64_t> acks(fds[0]);
//   while (acks.count < n && acks.read_one(std::chrono::seconds(20))) {}
//   ... kill, waitpid ...
//   while (acks.read_one(std::chrono::milliseconds(0))) {}

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

namespace cloudchain::util {

template <typename T>
class PipeReader {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  explicit PipeReader(int fd) : m_fd(fd) {}

  /// Reads the next whole record, waiting up to `timeout` for its bytes; false on EOF,
  /// error or timeout.
  bool read_one(std::chrono::milliseconds timeout) {
    while (m_buffered < sizeof(T)) {
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
      const ssize_t n = ::read(m_fd, m_buffer + m_buffered, sizeof m_buffer - m_buffered);
      if (n <= 0) return false;
      m_buffered += static_cast<std::size_t>(n);
    }
    T record;
    std::memcpy(&record, m_buffer, sizeof record);
    std::memmove(m_buffer, m_buffer + sizeof record, m_buffered - sizeof record);
    m_buffered -= sizeof record;
    last = record;
    ++count;
    records.push_back(record);
    return true;
  }

  std::optional<T> last;
  std::size_t count = 0;
  std::vector<T> records;  // every record read, oldest first

 private:
  int m_fd;
  std::uint8_t m_buffer[sizeof(T) * 8] = {};
  std::size_t m_buffered = 0;
};

}  // namespace cloudchain::util
