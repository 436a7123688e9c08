#include "p2p/raw_peer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <random>

#include "p2p/test_node.hpp"

namespace cloudchain::p2p::test {

RawPeer::RawPeer(std::uint16_t port, const Hash256& genesis) : m_magic(magic_for(genesis)), m_decoder(m_magic) {
  m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (m_fd < 0) std::abort();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  const int one = 1;
  ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  m_version.chain_id = kChainId;
  m_version.genesis = genesis;
  m_version.best_hash = genesis;  // at height 0 (the node asks a peer whose best block it does not know)
  m_version.nonce = std::random_device{}() | 1;
  m_version.user_agent = "rawpeer/1";
}

RawPeer::~RawPeer() {
  if (m_fd >= 0) ::close(m_fd);
}

bool RawPeer::send_bytes(ByteSpan bytes) {
  const std::lock_guard lock(m_send_mutex);
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(m_fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool RawPeer::send(const Message& m) { return send_bytes(encode_frame(m_magic, m)); }

bool RawPeer::fill(std::chrono::steady_clock::time_point deadline) {
  if (m_closed) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{m_fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  std::uint8_t buf[65536];
  const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
  if (n <= 0) {
    m_closed = true;
    return false;
  }
  m_decoder.feed(ByteSpan(buf, static_cast<std::size_t>(n)));
  return true;
}

std::optional<Message> RawPeer::read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto f = m_decoder.next()) {
      if (!*f) return std::nullopt;
      auto m = decode_message((*f)->type, (*f)->payload);
      if (!m) return std::nullopt;
      if (const auto* ping = std::get_if<Ping>(&*m); ping != nullptr && auto_pong) {
        send(Pong{ping->nonce});
        continue;
      }
      return std::move(*m);
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

std::optional<Message> RawPeer::read_until(MessageType t, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto m = read(left);
    if (!m) return std::nullopt;
    if (type_of(*m) == t) return m;
  }
}

bool RawPeer::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!m_closed && std::chrono::steady_clock::now() < deadline) {
    while (m_decoder.next()) {
    }
    fill(deadline);
  }
  return m_closed;
}

bool RawPeer::handshake(std::uint64_t best_height) {
  m_version.best_height = best_height;
  if (!send(m_version)) return false;
  bool got_version = false;
  bool got_verack = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!(got_version && got_verack)) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto m = read(left);
    if (!m) return false;
    if (std::holds_alternative<Version>(*m)) {
      got_version = true;
      if (!send(Verack{})) return false;
    } else if (std::holds_alternative<Verack>(*m)) {
      got_verack = true;
    }
  }
  return true;
}

}  // namespace cloudchain::p2p::test
