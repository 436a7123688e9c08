#pragma once
// Network: the node's P2P side (docs/p2p.md). It listens, dials seeds and addresses it
// learns, runs the handshake, keep-alive and timeouts of every peer, scores and bans
// misbehaving peers, gossips blocks and transactions with inventory de-duplication and
// consensus messages (proposals, votes) as the node's verdicts say, and drives
// headers-first sync with parallel block download.
//
//   p2p::Network net(config, hooks, logger);
//   if (auto r = net.start(); !r) ...          // binds the listener, starts the thread
//   net.announce_block(hash);                  // after a new tip (any thread)
//   net.peers(); net.sync_status();            // snapshots for the API (any thread)
//   net.stop();                                // closes every peer, joins the thread
//
// Threads: one io_context thread ("p2p") owns every peer; public methods may be called
// from any thread (they post to it or read a mutex-guarded snapshot). NodeHooks
// callbacks arrive on the node's actor thread and are posted back here.
//
// This header keeps Boost.Asio out of its includers (pimpl).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "p2p/error.hpp"
#include "p2p/hooks.hpp"

namespace spdlog {
class logger;
}

namespace cloudchain::p2p {

/// `[p2p]` of config.toml (docs/node.md lists every key).
struct NetworkConfig {
  bool enabled = true;
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 8646;  // 0: an ephemeral port (tests); listen_port() tells which
  std::vector<std::string> seeds;    // "host:port", dialled at start and when below max_outbound
  std::uint32_t max_inbound = 32;
  std::uint32_t max_outbound = 8;
  std::uint64_t handshake_timeout_ms = 10'000;
  std::uint64_t ping_interval_ms = 15'000;
  std::uint64_t ping_timeout_ms = 20'000;
  std::uint64_t frame_timeout_ms = 20'000;  // a started frame must complete (slow-loris)
  std::uint64_t idle_timeout_ms = 90'000;
  std::uint64_t ban_seconds = 3600;
  std::uint64_t max_send_queue_bytes = std::uint64_t{32} << 20;
  friend bool operator==(const NetworkConfig&, const NetworkConfig&) = default;
};

struct PeerInfo {
  std::uint64_t id = 0;
  std::string address;  // "ip:port" of the socket's remote end
  bool inbound = false;
  bool ready = false;             // handshake complete
  std::uint64_t best_height = 0;  // from its version, raised by its announcements
  std::string user_agent;
  std::uint32_t score = 0;  // misbehaviour, decayed to now (docs/p2p.md)
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t frames_sent = 0;  // frames written to it, in `writes` socket writes
  std::uint64_t writes = 0;
  std::uint64_t connected_ms = 0;            // Unix ms
  std::optional<std::uint64_t> ping_rtt_ms;  // last pong
  std::uint32_t blocks_in_flight = 0;
};

struct BanInfo {
  std::string ip;
  std::uint64_t until_ms = 0;  // Unix ms
  std::string reason;          // the P2pError name, or "admin"
};

/// Bytes written to and read from every peer's socket since start, closed connections
/// included (frames and their headers; not TCP/IP overhead).
struct Traffic {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};

struct SyncStatus {
  bool syncing = false;             // a peer has more work than we have
  std::uint64_t height = 0;         // our tip
  std::uint64_t target_height = 0;  // best header height we know of
  double percent = 100.0;
  double blocks_per_second = 0.0;  // over the last 10 s
  std::optional<std::uint64_t> eta_seconds;
};

class Network {
 public:
  Network(NetworkConfig config, NodeHooks& hooks, std::shared_ptr<spdlog::logger> logger);
  /// stop().
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  /// Binds the listener (if enabled) and starts the thread; dials the seeds.
  /// Errors: kIo with "listen 0.0.0.0:8646: address in use" and the like.
  util::Result<void, P2pError> start();
  /// Closes every connection and joins the thread. Idempotent.
  void stop();

  /// The port the listener is bound to (after start; 0 if not listening).
  std::uint16_t listen_port() const;

  /// A new active tip / a newly admitted transaction: announce to every ready peer that
  /// does not know it yet. Any thread.
  void announce_block(const Hash256& hash, std::uint64_t height);
  void announce_tx(const Hash256& txid);
  /// Several newly admitted transactions: one hand-over to the network thread, and one inv
  /// per peer for all of them.
  void announce_txs(std::vector<Hash256> txids);
  /// This node's own consensus messages: send to every ready peer (and remember the
  /// payload's hash, so an echo from a peer is dropped as seen). Any thread; the message
  /// is encoded on the caller's thread. REQUIRES: block_hash(block.header) ==
  /// proposal.block_hash, and the proposal and vote keep their codecs' rules (else the
  /// process aborts, as encode_payload does: a bug in the caller).
  void broadcast_proposal(const primitives::Proposal& proposal, const primitives::Block& block);
  void broadcast_vote(const primitives::Vote& vote);

  /// Admin: dial "host:port" now (kept as an outbound peer if the handshake succeeds).
  void connect(const std::string& host_port);
  /// Admin: ban an IP for `duration` and drop its connections.
  void ban(const std::string& ip, std::chrono::seconds duration);
  void unban(const std::string& ip);

  std::vector<PeerInfo> peers() const;
  std::vector<BanInfo> bans() const;
  SyncStatus sync_status() const;
  /// Any thread; lock-free.
  Traffic traffic() const;

  /// Runs `fn` on the network thread (what NodeHooks callbacks use). False once stopped.
  bool post(std::function<void()> fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace cloudchain::p2p
