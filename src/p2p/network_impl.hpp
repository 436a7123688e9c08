#pragma once
// Network internals shared by network.cpp (life cycle, listener, dialler, bans,
// snapshots), network_messages.cpp (what each message does, gossip) and
// network_sync.cpp (headers-first sync). Not part of the layer's API.
//
// Threads: everything below "io thread only" is touched on the network's io_context
// thread alone. The gate, the ban list and the snapshots have their own mutexes.

#include <spdlog/logger.h>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "p2p/addrman.hpp"
#include "p2p/connection.hpp"
#include "p2p/inventory.hpp"
#include "p2p/network.hpp"
#include "p2p/score.hpp"
#include "p2p/sync.hpp"

namespace cloudchain::p2p {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Transactions asked of one peer and not yet delivered; inv items beyond are ignored
// (the peer may announce them again later), so a peer announcing junk cannot make us
// remember without bound.
inline constexpr std::size_t kMaxTxRequestsPerPeer = 5000;
// A transaction asked for and not delivered by then is forgotten (and may be asked of
// another peer that announces it).
inline constexpr std::chrono::seconds kTxRequestTimeout{60};
/// Transactions received from peers are handed to the node together (NodeHooks::submit_txs)
/// once no more arrive in a round of the io queue, or once this many wait, or after
/// kMaxRelayRounds rounds.
inline constexpr std::size_t kMaxRelayBatch = 256;
inline constexpr std::size_t kMaxRelayRounds = 64;
// getdata items waiting to be served to one peer; more are answered notfound.
inline constexpr std::size_t kMaxPendingGetData = 2 * kMaxInvItems;
// Blocks are served only while the peer's send queue holds less than this, so one
// getdata for many blocks is answered as the peer reads, not buffered all at once.
inline constexpr std::size_t kServeBudgetBytes = std::size_t{8} << 20;
// Items remembered per peer as known to it (announced by or to it).
inline constexpr std::size_t kKnownInventoryPerPeer = KnownInventory::kDefaultCapacity;
// addr entries a peer may send per second beyond the answer to our getaddr (as Bitcoin
// Core: one every 10 s); more are ignored, not punished.
inline constexpr double kAddrPerSecond = 0.1;
// Block items of one inv that are looked at (the last ones: the newest). An honest peer
// announces one block per inv; each item costs a block index read.
inline constexpr std::size_t kMaxBlockAnnouncementsPerInv = 8;
// Proposals and votes remembered by payload hash (both kinds in one set, at least the
// last kConsensusSeen), so that a repeat or an echo is dropped before the node is asked again. A few
// heights' worth of a large validator set's votes.
inline constexpr std::size_t kConsensusSeen = 16'384;
// Progress is logged this often while syncing.
inline constexpr std::chrono::seconds kProgressInterval{5};
inline constexpr std::string_view kUserAgent = "cloudchaind/0.1.0";

/// A posting gate shared with the NodeHooks callbacks, so that a callback arriving
/// after stop() (or after the Network is gone) does nothing.
struct PostGate {
  std::mutex mutex;
  asio::io_context* io = nullptr;  // guarded by mutex; null when closed
  bool post(std::function<void()> fn);
  void close();
};

struct Peer {
  explicit Peer(std::shared_ptr<Connection> c) : conn(std::move(c)) {}
  std::shared_ptr<Connection> conn;
  std::string target;       // outbound: the dial target ("host:port"); empty for inbound
  MisbehaviourScore score;  // steady_ms() time; decays one point a minute
  bool banned = false;
  bool reported = false;  // reported to the node as connected (NodeHooks::on_peer_event)
  std::uint64_t best_height = 0;
  KnownInventory known{kKnownInventoryPerPeer};
  // Asked of it, not arrived. Open addressing (as tx_in_flight): a few inserts, lookups
  // and erasures per relayed transaction.
  absl::flat_hash_map<Hash256, SteadyClock::time_point> tx_requests;
  std::deque<InvItem> pending_getdata;  // asked by it, not yet served
  std::vector<Hash256> pending_tx_inv;  // to announce at the next flush (< kMaxInvItems)
  bool getaddr_answered = false;
  // addr entries it may still send (token bucket: kAddrPerSecond, at most kMaxAddrs;
  // kMaxAddrs more when we send it getaddr).
  double addr_tokens = 1.0;
  SteadyClock::time_point addr_tokens_at = SteadyClock::now();
};

// An address being dialled or connected to as an outbound peer, or one the operator
// named (seeds, connect()); learned addresses live in the AddressBook until dialled.
struct DialTarget {
  bool manual = false;  // a seed or an admin connect(): dialled even if banned, kept
  bool busy = false;    // dialling, or connected as an outbound peer
  // The node (version nonce) it led to, when that node is connected to us through
  // another connection (our dial was the duplicate closed): not dialled while it is.
  std::optional<std::uint64_t> covered_by;
};

/// A steady clock in milliseconds (the SyncPlanner's time).
std::uint64_t steady_ms();
inline ChainPoint point_of(const ChainSummary& s) { return ChainPoint{s.hash, s.height, s.work}; }

struct Network::Impl final : ConnectionOwner {
  Impl(NetworkConfig cfg, NodeHooks& h, std::shared_ptr<spdlog::logger> l);
  ~Impl() override;

  // --- life cycle (network.cpp) ---
  util::Result<void, P2pError> start();
  void stop();
  void run_thread();
  void shutdown_all();  // io thread: closes the listener, timers and every peer
  void accept();
  void tick();
  void arm_tick();
  void dial_some();
  void dial(const std::string& target);
  void dial_failed(const std::string& target, const std::string& why);
  void add_peer(tcp::socket socket, bool inbound, const std::string& target);
  /// The node (version nonce) of a connected peer whose IP and version listen_port are
  /// `target`'s ("ip:port"; a host name never matches).
  std::optional<std::uint64_t> node_listening_at(const std::string& target) const;
  /// True if `target` ("ip:port") is where we listen: the listen IP, or a loopback IP when
  /// listening on every address, and our port. Such a target is never dialled.
  bool is_own_address(const std::string& target) const;
  /// True if a ready connection other than `except` leads to the node with `nonce`.
  bool connected_to(std::uint64_t nonce, std::uint64_t except = 0) const;
  /// `p` just became ready: if its node is already connected through another ready
  /// connection, closes the one the rule drops when we dialled it (docs/p2p.md "One
  /// connection per node"). True if that was `p`.
  bool close_if_duplicate(Peer& p);
  Version our_version() const;
  void refresh_snapshot();

  // --- bans (network.cpp; any thread) ---
  bool is_banned(const std::string& ip);
  void add_ban(const std::string& ip, std::chrono::seconds duration, std::string reason);
  void learn(const std::string& ip, std::uint32_t listen_port, std::uint64_t last_seen_ms);
  /// Scores `p` for `code`; at kBanScore bans its IP and closes it. Io thread.
  void misbehave(Peer& p, P2pError code, const std::string& detail);

  // --- ConnectionOwner ---
  void on_ready(Connection& c) override;
  void on_message(Connection& c, Message message, const Frame& frame) override;
  void on_closed(Connection& c, const P2pFailure& why) override;
  void on_traffic(std::uint64_t sent, std::uint64_t received) override {
    bytes_sent.fetch_add(sent, std::memory_order_relaxed);
    bytes_received.fetch_add(received, std::memory_order_relaxed);
  }
  void on_drained(Connection& c) override;

  // --- messages and gossip (network_messages.cpp; io thread) ---
  void handle(Peer& p, const Inv& inv);
  void handle(Peer& p, const GetData& getdata);
  void handle(Peer& p, const NotFound& notfound);
  void handle(Peer& p, const GetAddr&);
  void handle(Peer& p, const Addr& addr);
  void handle(Peer& p, const GetHeaders& getheaders);
  void handle(Peer& p, Headers headers);
  void handle(Peer& p, BlockMsg block);
  void handle(Peer& p, TxMsg tx);
  /// A consensus message (proposal or vote) from `p`, in `frame`: dropped if its payload
  /// was seen, else `ask` gives the node's verdict, which may relay the payload and
  /// score `p`.
  void consensus_in(Peer& p, const Frame& frame, const std::function<ConsensusVerdict()>& ask);
  /// Our own consensus message: remembered as seen, sent to every ready peer.
  void broadcast_consensus(MessageType type, const Bytes& payload);
  /// Sends a consensus payload to every ready peer but `except_peer` (docs/p2p.md
  /// "Consensus gossip": a proposal skips a peer whose send queue is backed up).
  void send_consensus(MessageType type, const Bytes& payload, const Hash256& payload_sha256, std::uint64_t except_peer);
  void serve_getdata(Peer& p);
  void announce(const InvItem& item, std::uint64_t except_peer);
  // Announces each of `txids` to every ready peer that may not have it; `from[i]`, where
  // given, is the peer txids[i] came from (not announced back to it).
  void announce_txs(std::span<const Hash256> txids, std::span<const std::uint64_t> from);
  void flush_tx_inv(Peer& p);  // one inv with the peer's pending transaction announcements
  bool tx_inv_flush_posted = false;
  // Transactions received and not yet handed to the node; each stays in tx_in_flight
  // until then, so another announcer's copy is not asked for meanwhile.
  struct RelayedTx {
    primitives::Transaction tx;
    Hash256 id;
    std::uint64_t peer = 0;
  };
  std::vector<RelayedTx> relayed_txs;
  bool relay_flush_posted = false;
  std::size_t relay_flush_seen = 0;    // relayed_txs.size() when the flush was (re)posted
  std::size_t relay_flush_rounds = 0;  // times it was posted again for newcomers
  void on_relay_flush();
  void submit_relayed();
  void expire_tx_requests(SteadyClock::time_point now);
  Peer* find(std::uint64_t id);

  // --- sync (network_sync.cpp; io thread) ---
  void sync_run();
  void follow_tip();
  void on_block_verdict(const Hash256& hash, PeerId source, const Verdict& v);
  void sync_peer_ready(Peer& p);
  // Each of these feeds a whole message to the planner, then runs it once.
  void sync_blocks_announced(Peer& p, const std::vector<Hash256>& hashes);
  void sync_headers(Peer& p, Headers headers);
  void sync_block(Peer& p, primitives::Block block);
  void sync_notfound(Peer& p, const std::vector<Hash256>& hashes);
  void sync_peer_gone(std::uint64_t id);
  void sync_tick(SteadyClock::time_point now);
  std::uint32_t blocks_in_flight(std::uint64_t id) const;
  void announce_new_block(const Hash256& hash, std::uint64_t height);

  const NetworkConfig config;
  NodeHooks& hooks;
  const std::shared_ptr<spdlog::logger> log;
  const ConnectionLimits limits;
  LocalIdentity identity;
  Magic magic;
  std::chrono::milliseconds tick_interval;

  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::shared_ptr<PostGate> gate = std::make_shared<PostGate>();
  std::mutex life_mutex;  // start/stop
  bool started = false;
  bool stopped = false;
  std::atomic<std::uint16_t> port{0};
  // Every connection's traffic since start (written on the io thread, read anywhere).
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> bytes_received{0};

  // --- io thread only ---
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> timer;
  std::optional<asio::steady_timer> accept_backoff;
  std::optional<tcp::resolver> resolver;
  std::map<std::uint64_t, Peer> peers;
  std::uint64_t next_id = 1;
  std::map<std::string, DialTarget> targets;  // "host:port"
  std::set<std::string> self_targets;         // turned out to be ourselves: never dialled
  DialBackoff backoff;
  absl::flat_hash_map<Hash256, std::uint64_t> tx_in_flight;  // txid -> the peer asked
  KnownInventory consensus_seen{kConsensusSeen};             // SHA-256 of proposal and vote payloads
  std::mt19937_64 rng{std::random_device{}()};
  SteadyClock::time_point last_progress{};
  SyncPlanner planner;

  // --- the address book and the ban list: any thread ---
  mutable std::mutex book_mutex;
  AddressBook book{std::random_device{}()};  // guarded by book_mutex

  // --- snapshots: written on the io thread, read anywhere ---
  mutable std::mutex snapshot_mutex;
  std::vector<PeerInfo> peer_snapshot;  // guarded by snapshot_mutex
  SyncStatus sync_snapshot;             // guarded by snapshot_mutex
};

}  // namespace cloudchain::p2p
