#pragma once
// SyncPlanner: headers-first download planning (docs/p2p.md, "Sync") as a pure state
// machine. It owns no socket and reads no clock: the network tells it what happened
// (a peer is ready or gone, headers or a block arrived, the node connected a block)
// and asks it what to send (tick) and what to hand to the node (take_ready).
//
//   SyncPlanner sync(tip, now_ms, limits, lookup);
//   sync.peer_ready(id, version.best_height, version.best_hash);
//   Tick t = sync.tick(now_ms);                       // on a timer and after each event
//   for (id : t.getheaders) send(id, GetHeaders{sync.locator(id) + hooks.locator(), {}});
//   for (r : t.getdata)     send(r.peer, GetData{blocks r.hashes});
//   for (id : t.stalled, t.stalled_headers) drop(id, kTimeout);
//   if (auto r = sync.precheck_headers(id, headers); !r) misbehave(id, r.error());  // cheap, first
//   work = hooks.check_headers(headers);                                            // proof of work
//   if (auto r = sync.on_headers(id, headers, work); !r) misbehave(id, r.error());
//   if (auto r = sync.on_block(id, block, now_ms); !r) misbehave(id, r.error());
//   for (auto& [source, b] : sync.take_ready()) hooks.submit_block(b, ...);  // in height order
//   verdict: on_stored(hash) | on_rejected(hash) (hash invalid) | on_not_stored(hash, now_ms, bad_sender)
//   sync.on_connected(hooks.best() as ChainPoint, now_ms);         // after a new tip
//
// Model:
// - Header tree: headers above our chain that peers sent, each with its height and
//   cumulative work, linked to a header in the tree or to a block the chain has (our
//   tip, a block connected since, or `lookup`). The best header is the one with most
//   work; the path is the best header's branch from where it leaves our chain.
// - A peer "has" a block of the path when the best header it is known to have (the
//   last header it sent, a block it announced, or the best hash of its version once
//   that header is in the tree) is on the path at that height or above.
// - Downloads: only path blocks in the window (at most `window` heights above the
//   lowest path block the node has not stored yet) are requested, each from one peer
//   that has it, peers that delivered blocks before those that did not, then the least
//   busy, at most `max_in_flight_per_peer` per peer. A request unanswered for
//   `block_timeout_ms` since it was sent and since its peer's last delivery goes back to
//   the queue (another peer gets it) and its peer is reported stalled. So at most
//   `window` blocks are ever held, and at most `max_held_bytes` of received blocks wait
//   for their parent: beyond that only the blocks below the lowest waiting one are
//   requested. When the block the hand-off waits for (received blocks above it) is in
//   flight for `second_ask_ms`, it is also asked of a second peer: the first copy wins.
// - Submission: blocks leave (take_ready) in path order, each once its parent is
//   connected or submitted; an early block waits in the window. The node's verdict comes
//   back: stored (any branch: the window moves on), not stored (a body that failed on its
//   own, a missing parent, a local failure: fetched again, after a delay that doubles
//   with each failure, and not from a sender whose body was invalid) or the hash itself
//   invalid (on_rejected).
// - Headers: a peer is asked for headers when its version or an announcement names a
//   block we do not know, and again after each full batch (kMaxHeaders) from it. At
//   most one getheaders per peer is outstanding; headers nobody asked for are
//   kUnrequestedData. The tree holds at most `max_headers` headers: requests stop while
//   it is full.
// - Work per header: NodeHooks::check_headers gives the work of a whole batch, so a
//   batch's last header gets its parent's cumulative work plus the batch's (exact when
//   the parent's is: a block of the chain or another batch's last header) and the ones
//   before it an even share. The node's fork choice, not the planner, decides what is
//   connected.
// - Known headers: the part of a batch the planner already knows (in the tree, or a
//   block of the chain) is skipped; only the rest counts as new.
// - Low work: a batch that is not full (the peer has nothing more) whose last header
//   has no more work than our tip is dropped. Once a peer has sent more than
//   kLowWorkGrace new such headers, it is kLowWorkHeaders (and the count restarts): a
//   short honest fork (a race, a healed partition) costs nothing, a flood is punished.
//   Full batches that stay behind our tip are kept (the branch may overtake later) but
//   counted too: more than the depth of the branch's fork below our tip plus
//   `headers_per_batch` of them without the branch ever overtaking is kLowWorkHeaders.
//   Headers that beat our tip reset both counts.
//
// Not thread-safe: owned by the network thread. Time is `now_ms`, any monotonic clock.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "p2p/error.hpp"
#include "primitives/block.hpp"
#include "util/bytes.hpp"
#include "util/uint256.hpp"

namespace cloudchain::p2p {

using PeerId = std::uint64_t;

/// A block of our chain (or any stored block), as far as sync cares.
struct ChainPoint {
  util::Hash256 hash{};
  std::uint64_t height = 0;
  util::Uint256 work;  // cumulative
  friend bool operator==(const ChainPoint&, const ChainPoint&) = default;
};

/// Height and cumulative work of a block the node has stored (any branch); nullopt if
/// it has none. May be empty: then only our tip and the blocks connected since the
/// planner started are known (enough unless a peer's branch forks below them).
using ChainLookup = std::function<std::optional<ChainPoint>(const util::Hash256&)>;

struct SyncLimits {
  std::size_t max_in_flight_per_peer = 16;
  std::uint64_t block_timeout_ms = 30'000;              // a peer with requests must deliver one within this
  std::uint64_t headers_timeout_ms = 30'000;            // a getheaders must be answered within this
  std::size_t window = 1024;                            // heights above the lowest unstored path block
  std::size_t max_held_bytes = std::size_t{256} << 20;  // received blocks waiting for their parent
  std::uint64_t retry_delay_ms = 1'000;  // a block not stored: 0, then 1 s, 2 s, 4 s ... before refetching
  std::uint64_t max_retry_delay_ms = 60'000;
  std::uint64_t second_ask_ms = 5'000;   // the block the hand-off waits for is also asked of another peer after this
  std::size_t max_headers = 100'000;     // headers held in the tree
  std::size_t headers_per_batch = 2000;  // a batch this long means "ask again" (kMaxHeaders)
};

struct BlockRequest {
  PeerId peer = 0;
  std::vector<util::Hash256> hashes;  // one getdata (kind block), lowest height first
  friend bool operator==(const BlockRequest&, const BlockRequest&) = default;
};

/// What to send now.
struct Tick {
  std::vector<PeerId> getheaders;       // send GetHeaders{locator(peer) + chain locator, zero stop}
  std::vector<BlockRequest> getdata;    // at most one per peer
  std::vector<PeerId> stalled;          // its block requests timed out: drop it (kTimeout)
  std::vector<PeerId> stalled_headers;  // its getheaders timed out: drop it (kTimeout)
};

/// A block for the node, with the peer that delivered it (to blame if it is invalid).
struct ReadyBlock {
  PeerId source = 0;
  primitives::Block block;
};

struct SyncProgress {
  bool syncing = false;                      // a known header has more work than our tip
  std::uint64_t height = 0;                  // our tip
  std::uint64_t target_height = 0;           // best header's height (our tip's when not syncing)
  double percent = 100.0;                    // height / target_height
  double blocks_per_second = 0.0;            // connected over the last 10 s
  std::optional<std::uint64_t> eta_seconds;  // while syncing with a known rate
};

class SyncPlanner {
 public:
  static constexpr std::uint64_t kLowWorkGrace = 100;
  static constexpr std::uint64_t kRateWindowMs = 10'000;

  SyncPlanner(ChainPoint tip, std::uint64_t now_ms, SyncLimits limits = {}, ChainLookup lookup = {});

  // ---- peers ---------------------------------------------------------------------------
  /// A peer finished its handshake; `best_*` from its version. Asks it for headers if its
  /// best block is unknown to us, whatever height it claims (a branch at our height or
  /// below may have more work).
  void peer_ready(PeerId peer, std::uint64_t best_height, const util::Hash256& best_hash);
  /// Its requests go back to the queue; its outstanding getheaders is forgotten.
  void peer_gone(PeerId peer);
  /// The peer announced a block (inv): it has it; if we do not know it, ask for headers.
  void on_block_announced(PeerId peer, const util::Hash256& hash);

  // ---- headers -------------------------------------------------------------------------
  /// The checks of a headers reply that cost nothing, made before the proof of work is
  /// checked (NodeHooks::check_headers): kUnrequestedData (no getheaders outstanding to
  /// `peer`), kHeadersNotConnecting (the first header's parent is unknown or not one
  /// height below it), kInvalidHeaders (the batch does not link in order with heights
  /// +1). After either of the last two the request counts as answered. An empty batch
  /// passes.
  util::Result<void, P2pError> precheck_headers(PeerId peer, const std::vector<primitives::BlockHeader>& headers);
  /// The start of a getheaders locator for `peer`, newest first: the best header it is
  /// known to have (else our best header), then back 1, 2, 4, ... headers in the tree.
  /// Empty when the tree is. The caller appends the chain's locator (NodeHooks::locator).
  std::vector<util::Hash256> locator(PeerId peer) const;
  /// A headers reply from `peer`. `batch_work` is what NodeHooks::check_headers returned
  /// for it (the caller checked the proof of work first). Errors: kUnrequestedData (no
  /// getheaders outstanding to it), kHeadersNotConnecting (the first header's parent is
  /// unknown or not one height below it), kInvalidHeaders (the batch does not link in
  /// order with heights +1, it builds on a block the node rejected, or the work
  /// overflows), kLowWorkHeaders (see the header comment). On error nothing of the batch
  /// is kept.
  util::Result<void, P2pError> on_headers(PeerId peer, const std::vector<primitives::BlockHeader>& headers,
                                          const util::Uint256& batch_work);

  // ---- blocks --------------------------------------------------------------------------
  /// A block from `peer`. Errors: kUnrequestedData unless we asked this peer for it (a
  /// late answer to a timed-out request is fine). Returns true if the block was kept (it
  /// will leave take_ready with `peer` as its source); false if it is no longer needed
  /// or another peer's copy arrived first (dropped).
  util::Result<bool, P2pError> on_block(PeerId peer, primitives::Block block, std::uint64_t now_ms);
  /// The peer does not have `hash`: ask another peer.
  void on_notfound(PeerId peer, const util::Hash256& hash);
  /// Received blocks whose parent is connected or submitted, in height order, with the
  /// peer each came from; each is returned once (the caller submits them to the node in
  /// this order and reports each verdict with one of the three calls below).
  std::vector<ReadyBlock> take_ready();
  /// The node stored `hash` (on any branch, or it had it already): the window moves past it.
  void on_stored(const util::Hash256& hash);
  /// The node did not store `hash`, and the hash is not known invalid: a body that failed
  /// on its own (another peer may have the real one), a missing parent (an earlier block
  /// failed), a clock or a local failure. It is fetched again: at once the first time,
  /// then after retry_delay_ms doubling per failure; never again from `bad_sender` (the
  /// peer whose copy proved invalid, if it was that).
  void on_not_stored(const util::Hash256& hash, std::uint64_t now_ms, std::optional<PeerId> bad_sender);
  /// The node connected `tip` (its new best block; possibly several blocks at once, or a
  /// reorg). Forgets the path up to it; when nothing known beats it, the sync is done.
  void on_connected(const ChainPoint& tip, std::uint64_t now_ms);
  /// The node found the hash itself invalid (Verdict::hash_invalid: whatever body comes
  /// with it): forget it and every header above it, never fetch them again; headers
  /// building on it are kInvalidHeaders.
  void on_rejected(const util::Hash256& hash);

  // ---- planning ------------------------------------------------------------------------
  /// Handles timeouts and decides what to request now (marking it in flight at now_ms).
  Tick tick(std::uint64_t now_ms);
  SyncProgress progress(std::uint64_t now_ms) const;

  std::size_t in_flight(PeerId peer) const;
  /// Bytes of received blocks not yet handed to the node.
  std::size_t held_bytes() const { return m_held_bytes; }
  const ChainPoint& tip() const { return m_tip; }
  /// The best header known (our tip while nothing beats it).
  ChainPoint best_header() const;
  std::size_t header_count() const { return m_tree.size(); }

 private:
  struct Node {
    util::Hash256 parent{};
    std::uint64_t height = 0;
    util::Uint256 work;
  };
  // kQueued -> kInFlight -> kReceived -> kSubmitted -> kStored; back to kQueued on a
  // timeout, notfound, a departed peer or a block the node did not store.
  enum class State { kQueued, kInFlight, kReceived, kSubmitted, kStored };
  struct Download {
    State state = State::kQueued;
    PeerId peer = 0;  // kInFlight: asked of; kReceived, kSubmitted: delivered by
    std::uint64_t since_ms = 0;
    bool asked_twice = false;                // kInFlight: also asked of a second peer
    std::optional<primitives::Block> block;  // kReceived
    std::size_t bytes = 0;                   // kReceived: counted in m_held_bytes
    std::uint32_t failures = 0;              // times the node did not store it
    std::uint64_t retry_at_ms = 0;           // kQueued: not requested before
  };
  struct Peer {
    std::uint64_t claimed_height = 0;
    util::Hash256 claimed_hash{};
    std::optional<util::Hash256> best_known;  // in the tree
    bool wants_headers = false;
    std::optional<std::uint64_t> headers_since_ms;
    bool stalled = false;
    std::set<util::Hash256> asked;       // blocks requested and not yet delivered
    std::set<util::Hash256> missing;     // blocks it said it does not have, or sent invalid
    std::uint64_t low_work_headers = 0;  // in short batches that did not beat our tip
    std::uint64_t behind_headers = 0;    // in full batches that did not beat our tip
    std::uint64_t delivered = 0;         // blocks it delivered that we asked it for
    std::uint64_t last_delivery_ms = 0;
  };

  // sync.cpp: chain knowledge, headers, tree
  std::optional<ChainPoint> chain_point(const util::Hash256& hash) const;
  std::optional<ChainPoint> known_point(const util::Hash256& hash) const;
  util::Result<ChainPoint, P2pError> check_linkage(const std::vector<primitives::BlockHeader>& headers,
                                                   const std::vector<util::Hash256>& hashes) const;
  bool builds_on_invalid(const ChainPoint& parent, const std::vector<util::Hash256>& hashes) const;
  std::size_t insert_batch(const std::vector<primitives::BlockHeader>& headers,
                           const std::vector<util::Hash256>& hashes, std::size_t from, const ChainPoint& parent,
                           const util::Uint256& end_work);
  util::Result<void, P2pError> count_low_work(Peer& p, std::uint64_t new_headers);
  util::Result<void, P2pError> count_behind(Peer& p, std::uint64_t new_headers, const util::Hash256& last);
  std::uint64_t fork_height(const util::Hash256& hash) const;
  void raise_best_known(Peer& p, const util::Hash256& hash);
  void adopt_claimed_hashes();
  void forget_stale_best_known();
  void erase_subtree(const util::Hash256& root);
  void prune_to_best();
  void choose_best();
  void remember_connected(const ChainPoint& point);

  // sync_download.cpp: path, downloads, progress
  void rebuild_path();
  void drop_path_through(std::uint64_t height);
  std::map<util::Hash256, Download>::iterator drop_download(std::map<util::Hash256, Download>::iterator it);
  void release(Download& d);
  std::optional<std::size_t> path_index(const util::Hash256& hash) const;
  std::uint64_t peer_path_height(const Peer& p) const;
  void expire_requests(std::uint64_t now_ms, Tick& out);
  void assign_requests(std::uint64_t now_ms, Tick& out);
  void ask_blocker_again(std::uint64_t now_ms, std::map<PeerId, std::size_t>& load,
                         std::map<PeerId, std::vector<util::Hash256>>& batches);
  std::optional<PeerId> pick_peer(const util::Hash256& hash, std::uint64_t height,
                                  const std::map<PeerId, std::size_t>& load) const;
  std::uint64_t retry_delay(std::uint32_t failures) const;
  void want_headers(std::uint64_t now_ms, Tick& out);
  double rate(std::uint64_t now_ms) const;

  SyncLimits m_limits;
  ChainLookup m_lookup;
  ChainPoint m_tip;
  std::map<util::Hash256, ChainPoint> m_connected;  // our tip and blocks connected since (bounded)
  std::deque<util::Hash256> m_connected_order;
  std::map<util::Hash256, Node> m_tree;
  std::optional<util::Hash256> m_best;  // best header in the tree, if it beats our tip
  std::set<util::Hash256> m_invalid;    // rejected by the node (bounded, oldest out first)
  std::deque<util::Hash256> m_invalid_order;
  std::map<PeerId, Peer> m_peers;

  // The path: m_path[i] is at height m_path_base + 1 + i; m_path_height maps back.
  std::deque<util::Hash256> m_path;
  std::uint64_t m_path_base = 0;
  std::map<util::Hash256, std::uint64_t> m_path_height;
  std::map<util::Hash256, Download> m_downloads;  // path blocks in the window
  std::size_t m_next_submit = 0;                  // index in m_path: the first not handed to the node
  std::size_t m_window_start = 0;                 // index in m_path: the first the node has not stored
  std::size_t m_held_bytes = 0;                   // of kReceived blocks

  std::deque<std::pair<std::uint64_t, std::uint64_t>> m_samples;  // (now_ms, tip height)
};

}  // namespace cloudchain::p2p
