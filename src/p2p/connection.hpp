#pragma once
// Connection: one TCP peer (docs/p2p.md, "Handshake", "Keep-alive and timeouts",
// "Fairness"). It owns the socket, the frame decoder, the write queue and the peer's
// timers, runs the version/verack handshake and the pings itself, and hands every other
// message to its owner (the Network).
//
//   auto c = std::make_shared<Connection>(std::move(socket), id, inbound, limits, identity, owner);
//   c->start(our_version);     // sends version, starts reading and the timers
//   c->send(Inv{...});         // queued; written in order (control messages first)
//   c->close({P2pError::kBanned, "..."});
//
// Reading is fair: after each frame the connection posts the handling of the next one
// to the io_context instead of looping, and reads from the socket only when no whole
// frame is buffered, so a flooding peer gets one frame per turn of the io_context and
// TCP flow control pushes back on it.
//
// Threads: every member is touched only on the io_context's thread (the network runs
// one). The owner's callbacks arrive there too; on_closed is posted (never called from
// inside send() or close()), so the owner may close or send while iterating its peers.
// The connection keeps itself alive through its pending handlers (shared_from_this).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "p2p/error.hpp"
#include "p2p/frame.hpp"
#include "p2p/messages.hpp"

namespace cloudchain::p2p {

struct NetworkConfig;

using SteadyClock = std::chrono::steady_clock;

/// Timeouts and limits of one connection (from NetworkConfig).
struct ConnectionLimits {
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds ping_interval{15'000};
  std::chrono::milliseconds ping_timeout{20'000};
  std::chrono::milliseconds frame_timeout{20'000};
  std::chrono::milliseconds idle_timeout{90'000};
  std::size_t max_send_queue_bytes = std::size_t{32} << 20;
};
ConnectionLimits limits_from(const NetworkConfig& config);

/// What a peer's version is checked against.
struct LocalIdentity {
  std::uint32_t chain_id = 0;
  Hash256 genesis{};
  std::uint64_t nonce = 0;  // ours; a version carrying it means we dialled ourselves
};

class Connection;

/// The connection's owner (the Network). Called on the io_context thread.
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  /// Both version and verack have arrived and the version passed the checks.
  virtual void on_ready(Connection& c) = 0;
  /// A message after the handshake, other than ping and pong (which the connection
  /// answers itself), with the frame it came in (its payload's bytes and SHA-256: a
  /// consensus message is de-duplicated and relayed by them).
  virtual void on_message(Connection& c, Message message, const Frame& frame) = 0;
  /// The connection is closed (once, posted after close()); `why` is the reason.
  virtual void on_closed(Connection& c, const P2pFailure& why) = 0;
  /// Everything queued has been written (the owner may queue more bulk data).
  virtual void on_drained(Connection& c) = 0;
  /// Bytes just written to / read from the socket (the network's traffic totals).
  virtual void on_traffic(std::uint64_t /*sent*/, std::uint64_t /*received*/) {}
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using tcp = boost::asio::ip::tcp;

  Connection(tcp::socket socket, std::uint64_t id, bool inbound, ConnectionLimits limits, LocalIdentity identity,
             ConnectionOwner& owner);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Sends `ours`, then reads and runs the timers.
  void start(Version ours);

  /// Queues a message. Ping, pong, version and verack go ahead of everything else not
  /// yet being written. Over the send-queue limit the connection closes with
  /// kSendQueueFull. Ignored once closed.
  void send(const Message& message);
  /// Queues an already encoded frame (the same frame sent to many peers).
  void send_frame(std::shared_ptr<const Bytes> frame, bool control = false);

  /// Closes the socket and cancels the timers; the owner's on_closed follows (posted).
  /// Idempotent: the first reason wins.
  void close(P2pFailure why);

  std::uint64_t id() const { return m_id; }
  bool inbound() const { return m_inbound; }
  bool ready() const { return m_ready; }
  bool closed() const { return m_closed; }
  /// "ip:port" of the remote end (IPv4 as a.b.c.d, IPv6 in brackets).
  const std::string& address() const { return m_address; }
  /// The remote IP alone (the ban key).
  const std::string& ip() const { return m_ip; }
  /// The peer's version; set once it arrived and passed the checks.
  const std::optional<Version>& version() const { return m_version; }

  std::uint64_t bytes_sent() const { return m_bytes_sent; }
  /// Frames written, and the socket writes they took (several frames share one write).
  std::uint64_t frames_sent() const { return m_frames_sent; }
  std::uint64_t writes() const { return m_writes; }
  std::uint64_t bytes_received() const { return m_bytes_received; }
  std::uint64_t connected_ms() const { return m_connected_ms; }
  std::optional<std::uint64_t> ping_rtt_ms() const { return m_ping_rtt_ms; }
  std::size_t queued_bytes() const { return m_queued_bytes; }

 private:
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void handle_next();
  void handle_frame(Frame frame);
  void handle_version(Version v);
  void maybe_ready();
  void write_next();
  void arm_tick();
  void on_tick();

  tcp::socket m_socket;
  boost::asio::steady_timer m_tick;
  const std::uint64_t m_id;
  const bool m_inbound;
  const ConnectionLimits m_limits;
  const LocalIdentity m_identity;
  const Magic m_magic;
  ConnectionOwner& m_owner;
  std::string m_address;
  std::string m_ip;

  FrameDecoder m_decoder;
  Bytes m_read_buffer;
  bool m_closed = false;
  bool m_started = false;

  // Handshake.
  std::optional<Version> m_version;
  bool m_got_verack = false;
  bool m_ready = false;

  // Write queue: control frames first. The frames being written (several of one queue,
  // gathered into one write, at most 256 KiB unless one frame is larger) stay in
  // m_writing.
  std::deque<std::shared_ptr<const Bytes>> m_control;
  std::deque<std::shared_ptr<const Bytes>> m_bulk;
  std::vector<std::shared_ptr<const Bytes>> m_writing;
  std::size_t m_writing_bytes = 0;
  std::size_t m_queued_bytes = 0;  // queued + being written

  // Timers (checked on each tick).
  SteadyClock::time_point m_handshake_deadline;
  std::optional<SteadyClock::time_point> m_frame_deadline;  // the frame in progress; reset as each completes
  SteadyClock::time_point m_last_receive;
  SteadyClock::time_point m_next_ping;
  std::optional<std::uint64_t> m_ping_nonce;  // outstanding ping
  std::uint64_t m_ping_nonce_base = 0;        // random per connection
  std::uint64_t m_pings_sent = 0;
  SteadyClock::time_point m_ping_sent;
  std::chrono::milliseconds m_tick_interval;

  std::uint64_t m_bytes_sent = 0;
  std::uint64_t m_frames_sent = 0;
  std::uint64_t m_writes = 0;
  std::uint64_t m_bytes_received = 0;
  std::uint64_t m_connected_ms = 0;
  std::optional<std::uint64_t> m_ping_rtt_ms;
};

/// Unix time in milliseconds (wall clock; for display only).
std::uint64_t unix_ms();

}  // namespace cloudchain::p2p
