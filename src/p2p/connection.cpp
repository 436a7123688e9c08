#include "p2p/connection.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <utility>

#include "p2p/network.hpp"

namespace cloudchain::p2p {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// One socket read at most; a frame larger than this arrives over several reads.
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
// At most this many bytes of queued frames go into one write (one frame may be larger).
constexpr std::size_t kGatherBytes = std::size_t{256} * 1024;

std::string ip_string(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return a.to_v6().to_v4().to_string();
  return a.to_string();
}

bool is_control(MessageType t) {
  return t == MessageType::kPing || t == MessageType::kPong || t == MessageType::kVersion || t == MessageType::kVerack;
}

std::uint64_t random_u64() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

}  // namespace

std::uint64_t unix_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

ConnectionLimits limits_from(const NetworkConfig& config) {
  using std::chrono::milliseconds;
  ConnectionLimits l;
  l.handshake_timeout = milliseconds(config.handshake_timeout_ms);
  l.ping_interval = milliseconds(config.ping_interval_ms);
  l.ping_timeout = milliseconds(config.ping_timeout_ms);
  l.frame_timeout = milliseconds(config.frame_timeout_ms);
  l.idle_timeout = milliseconds(config.idle_timeout_ms);
  l.max_send_queue_bytes = static_cast<std::size_t>(config.max_send_queue_bytes);
  return l;
}

Connection::Connection(tcp::socket socket, std::uint64_t id, bool inbound, ConnectionLimits limits,
                       LocalIdentity identity, ConnectionOwner& owner)
    : m_socket(std::move(socket)),
      m_tick(m_socket.get_executor()),
      m_id(id),
      m_inbound(inbound),
      m_limits(limits),
      m_identity(identity),
      m_magic(magic_for(identity.genesis)),
      m_owner(owner),
      m_decoder(m_magic),
      m_read_buffer(kReadChunk) {
  error_code ec;
  const auto remote = m_socket.remote_endpoint(ec);
  if (!ec) {
    m_ip = ip_string(remote.address());
    m_address = remote.address().is_v6() && !remote.address().to_v6().is_v4_mapped()
                    ? fmt::format("[{}]:{}", m_ip, remote.port())
                    : fmt::format("{}:{}", m_ip, remote.port());
  } else {
    m_ip = "?";
    m_address = "?";
  }
  // The shortest timeout decides how finely the tick must look at the deadlines.
  const auto shortest = std::min({m_limits.handshake_timeout, m_limits.ping_interval, m_limits.ping_timeout,
                                  m_limits.frame_timeout, m_limits.idle_timeout});
  m_tick_interval = std::clamp(shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
}

Connection::~Connection() {
  error_code ignored;
  [[maybe_unused]] const auto r = m_socket.close(ignored);  // nothing to do about it
}

void Connection::start(Version ours) {
  if (m_started) return;
  m_started = true;
  const auto now = SteadyClock::now();
  m_connected_ms = unix_ms();
  m_handshake_deadline = now + m_limits.handshake_timeout;
  m_last_receive = now;
  m_ping_nonce_base = random_u64();
  error_code ignored;
  [[maybe_unused]] const auto r = m_socket.set_option(tcp::no_delay(true), ignored);  // only latency
  send(ours);
  read();
  arm_tick();
}

void Connection::send(const Message& message) {
  if (m_closed) return;
  send_frame(std::make_shared<const Bytes>(encode_frame(m_magic, message)), is_control(type_of(message)));
}

void Connection::send_frame(std::shared_ptr<const Bytes> frame, bool control) {
  if (m_closed) return;
  m_queued_bytes += frame->size();
  if (m_queued_bytes > m_limits.max_send_queue_bytes) {
    close({P2pError::kSendQueueFull, fmt::format("{} bytes queued to a peer that does not read", m_queued_bytes)});
    return;
  }
  (control ? m_control : m_bulk).push_back(std::move(frame));
  if (m_writing.empty()) write_next();
}

// Frames queued meanwhile go out in one write (a burst of small tx frames costs one
// system call, not one each), control frames first and never mixed with bulk ones, so a
// ping waits at most for one gathered write of bulk frames.
void Connection::write_next() {
  if (m_closed) return;
  auto& queue = m_control.empty() ? m_bulk : m_control;
  if (queue.empty()) {
    const bool was_writing = !m_writing.empty();
    m_writing.clear();
    m_writing_bytes = 0;
    if (was_writing) m_owner.on_drained(*this);
    return;
  }
  m_writing.clear();
  m_writing_bytes = 0;
  std::vector<asio::const_buffer> buffers;
  while (!queue.empty() && (m_writing.empty() || m_writing_bytes + queue.front()->size() <= kGatherBytes)) {
    m_writing_bytes += queue.front()->size();
    buffers.push_back(asio::buffer(*queue.front()));
    m_writing.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  m_frames_sent += m_writing.size();
  ++m_writes;
  asio::async_write(m_socket, buffers, [self = shared_from_this()](const error_code& ec, std::size_t n) {
    self->m_bytes_sent += n;
    self->m_owner.on_traffic(n, 0);
    self->m_queued_bytes -= self->m_writing_bytes;
    if (self->m_closed) return;
    if (ec) return self->close({P2pError::kIo, "write: " + ec.message()});
    self->write_next();
  });
}

void Connection::close(P2pFailure why) {
  if (m_closed) return;
  m_closed = true;
  // Errors here (the peer already gone) change nothing: the socket is dropped either way.
  error_code ignored;
  [[maybe_unused]] const auto r1 = m_socket.shutdown(tcp::socket::shutdown_both, ignored);
  [[maybe_unused]] const auto r2 = m_socket.close(ignored);
  m_tick.cancel();
  m_control.clear();
  m_bulk.clear();
  asio::post(m_socket.get_executor(),
             [self = shared_from_this(), why = std::move(why)] { self->m_owner.on_closed(*self, why); });
}

void Connection::read() {
  if (m_closed) return;
  if (m_decoder.mid_frame()) {
    if (!m_frame_deadline) m_frame_deadline = SteadyClock::now() + m_limits.frame_timeout;
  } else {
    m_frame_deadline.reset();
  }
  m_socket.async_read_some(asio::buffer(m_read_buffer),
                           [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  if (m_closed) return;
  if (ec) {
    close({P2pError::kIo, ec == asio::error::eof ? std::string("closed by peer") : "read: " + ec.message()});
    return;
  }
  m_bytes_received += n;
  m_owner.on_traffic(0, n);
  m_last_receive = SteadyClock::now();
  m_decoder.feed(ByteSpan(m_read_buffer.data(), n));
  handle_next();
}

// One frame per call; the next call is posted, so every other connection's handlers
// run in between (fairness). Reads from the socket only when no whole frame is buffered.
void Connection::handle_next() {
  if (m_closed) return;
  auto next = m_decoder.next();
  if (!next) return read();
  if (!*next) return close(next->error());
  // The slow-loris deadline is per frame: the next one, if its start is buffered, gets
  // its own when the connection goes to read.
  m_frame_deadline.reset();
  handle_frame(std::move(**next));
  if (m_closed) return;
  asio::post(m_socket.get_executor(), [self = shared_from_this()] { self->handle_next(); });
}

void Connection::handle_frame(Frame frame) {
  auto decoded = decode_message(frame.type, frame.payload);
  if (!decoded) return close(decoded.error());
  Message& message = *decoded;
  if (auto* v = std::get_if<Version>(&message)) return handle_version(std::move(*v));
  if (std::holds_alternative<Verack>(message)) {
    if (m_got_verack) return close({P2pError::kDuplicateHandshake, "second verack"});
    m_got_verack = true;
    return maybe_ready();
  }
  if (!m_ready) {
    return close(
        {P2pError::kUnexpectedMessage, fmt::format("{} before the handshake completed", to_string(type_of(message)))});
  }
  if (const auto* ping = std::get_if<Ping>(&message)) return send(Pong{ping->nonce});
  if (const auto* pong = std::get_if<Pong>(&message)) {
    // A pong that answers no outstanding ping is ignored (a late answer, or a peer's
    // unsolicited keep-alive); only a missing one is punished (by the timeout).
    if (m_ping_nonce && pong->nonce == *m_ping_nonce) {
      m_ping_rtt_ms = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - m_ping_sent).count());
      m_ping_nonce.reset();
    }
    return;
  }
  m_owner.on_message(*this, std::move(message), frame);
}

void Connection::handle_version(Version v) {
  if (m_version) return close({P2pError::kDuplicateHandshake, "second version"});
  if (v.protocol_version != kProtocolVersion) {
    return close({P2pError::kVersionMismatch,
                  fmt::format("protocol version {}, we speak {}", v.protocol_version, kProtocolVersion)});
  }
  if (v.chain_id != m_identity.chain_id) {
    return close({P2pError::kWrongChain, fmt::format("chain id {}, ours is {}", v.chain_id, m_identity.chain_id)});
  }
  if (v.genesis != m_identity.genesis) return close({P2pError::kWrongChain, "a different genesis block"});
  if (v.nonce == m_identity.nonce) return close({P2pError::kSelfConnection, "our own nonce: we dialled ourselves"});
  m_version = std::move(v);
  send(Verack{});
  maybe_ready();
}

void Connection::maybe_ready() {
  if (m_ready || !m_version || !m_got_verack) return;
  m_ready = true;
  m_next_ping = SteadyClock::now() + m_limits.ping_interval;
  m_owner.on_ready(*this);
}

void Connection::arm_tick() {
  if (m_closed) return;
  m_tick.expires_after(m_tick_interval);
  m_tick.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->on_tick();
  });
}

void Connection::on_tick() {
  if (m_closed) return;
  const auto now = SteadyClock::now();
  const auto ms = [](std::chrono::milliseconds d) { return d.count(); };
  if (!m_ready && now >= m_handshake_deadline) {
    return close({P2pError::kTimeout, fmt::format("no handshake within {} ms", ms(m_limits.handshake_timeout))});
  }
  if (m_frame_deadline && now >= *m_frame_deadline) {
    return close({P2pError::kTimeout,
                  fmt::format("a frame not completed within {} ms (slow-loris)", ms(m_limits.frame_timeout))});
  }
  if (now - m_last_receive >= m_limits.idle_timeout) {
    return close({P2pError::kTimeout, fmt::format("silent for {} ms", ms(m_limits.idle_timeout))});
  }
  if (m_ping_nonce && now - m_ping_sent >= m_limits.ping_timeout) {
    return close({P2pError::kTimeout, fmt::format("no pong within {} ms", ms(m_limits.ping_timeout))});
  }
  if (m_ready && !m_ping_nonce && now >= m_next_ping) {
    m_ping_nonce = m_ping_nonce_base + m_pings_sent++;
    m_ping_sent = now;
    m_next_ping = now + m_limits.ping_interval;
    send(Ping{*m_ping_nonce});
  }
  arm_tick();
}

}  // namespace cloudchain::p2p
