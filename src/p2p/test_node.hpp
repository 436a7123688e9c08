#pragma once
// Test doubles for the network tests (not part of the library).
//
// ToyNode: an in-memory NodeHooks. It keeps blocks in a map and an active chain by
// height, accepts a block whose parent it has (every block carries work 1, so the tip
// moves to a block higher than it: an extension or a reorg), a transaction once, and
// answers on its own "actor" thread, as the real node does. Headers are checked for
// linkage and chain id only; a header whose timestamp is kBadTimestamp is invalid (the
// hash itself: Verdict::hash_invalid), and so is a block carrying a transaction whose fee
// is kBadFee (its body only, as a tampered body under a real header), the sender at
// fault either way. Consensus messages (proposals, votes) are recorded as they reach
// the node and answered with the verdict a test sets; without one, with the NodeHooks
// defaults (a PoW node: ignore them).
//
// make_chain(): the same genesis for every ToyNode, then `n` linked blocks; `fork`
// varies the blocks' content so two chains from one genesis differ.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "p2p/hooks.hpp"
#include "p2p/network.hpp"

namespace cloudchain::p2p::test {

inline constexpr std::uint32_t kChainId = 7;
inline constexpr std::uint64_t kBadTimestamp = 0xBAD;
inline constexpr std::uint64_t kBadFee = 0xBAD;

primitives::Block genesis_block();
/// `n` blocks on top of `parent` (height of parent + 1 ...).
std::vector<primitives::Block> make_chain(const primitives::Block& parent, std::size_t n, std::uint32_t fork = 0,
                                          std::size_t txs_per_block = 0);
/// A signed-looking transfer (random bytes are fine: the toy node does not verify).
primitives::Transaction make_tx(std::uint64_t n);

/// Loopback, an ephemeral port, short timeouts (handshake 2 s, ping every 300 ms,
/// pong 2 s, frame 2 s, idle 10 s).
NetworkConfig test_config();
/// Warnings and up on stderr; CLOUDCHAIN_TEST_LOG=debug (or info, ...) shows more.
std::shared_ptr<spdlog::logger> test_logger();
/// Polls `pred` every 5 ms until it holds (true) or `timeout` passes (false).
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5));

class ToyNode final : public NodeHooks {
 public:
  explicit ToyNode(std::uint32_t chain_id = kChainId);
  ~ToyNode() override;
  ToyNode(const ToyNode&) = delete;
  ToyNode& operator=(const ToyNode&) = delete;

  /// Adds blocks directly (no network), in order.
  void add_blocks(const std::vector<primitives::Block>& blocks);
  /// The genesis hash this node claims (tests of a wrong genesis change it).
  void set_genesis_hash(const Hash256& h) { m_genesis_hash = h; }
  /// Delays each submit_block answer (to keep blocks in flight).
  void set_submit_delay(std::chrono::milliseconds d) { m_submit_delay = d; }
  /// The next submit_block of `hash` fails as a local fault ("storage", nobody's fault,
  /// not stored).
  void fail_next_submit(const Hash256& hash);
  /// submit_tx refuses the transaction with this txid as the relayer's fault
  /// ("tx_invalid", as a bad signature would be).
  void refuse_tx(const Hash256& txid);
  /// How often has_block was called (what a peer's inv costs us).
  std::size_t has_block_calls() const { return m_has_block_calls.load(); }

  /// What on_proposal and on_vote answer from now on; nullopt: the NodeHooks defaults.
  void set_consensus_verdict(std::optional<ConsensusVerdict> v);
  /// Every proposal (with its block) and vote the network handed the node, in order.
  std::vector<std::pair<primitives::Proposal, primitives::Block>> proposals() const;
  std::vector<primitives::Vote> votes() const;
  /// Every peer event the network reported, in order.
  std::vector<PeerEvent> peer_events() const;

  std::uint64_t height() const;
  std::size_t submitted_blocks() const { return m_submitted_blocks.load(); }
  std::vector<Hash256> submitted_order() const;
  std::set<Hash256> txs() const;
  void add_tx(const primitives::Transaction& tx);
  /// How many txids the network handed to submit_txs were not their transaction's.
  std::size_t wrong_txids() const;
  /// The size of each batch the network handed to submit_txs, in order.
  std::vector<std::size_t> tx_batches() const;

  // NodeHooks
  std::uint32_t chain_id() const override { return m_chain_id; }
  const Hash256& genesis_hash() const override { return m_genesis_hash; }
  ChainSummary best() const override;
  std::vector<Hash256> locator() const override;
  std::vector<primitives::BlockHeader> headers_after(const std::vector<Hash256>& locator, const Hash256& stop,
                                                     std::size_t max) const override;
  std::optional<util::Bytes> block_bytes(const Hash256& hash) const override;
  bool has_block(const Hash256& hash) const override;
  std::optional<ChainSummary> chain_point(const Hash256& hash) const override;
  bool has_tx(const Hash256& txid) const override;
  void fetch_txs(std::vector<Hash256> txids, std::function<void(FetchedTxs)> done) override;
  std::expected<util::Uint256, Verdict> check_headers(
      const std::vector<primitives::BlockHeader>& headers) const override;
  void submit_block(primitives::Block block, std::function<void(Verdict)> done) override;
  void submit_tx(primitives::Transaction tx, std::function<void(Verdict)> done) override;
  /// Records the batch's size, then NodeHooks' default (submit_tx for each).
  void submit_txs(std::vector<primitives::Transaction> txs, std::span<const Hash256> txids,
                  std::function<void(std::size_t, Verdict)> done) override;
  ConsensusVerdict on_proposal(const primitives::Proposal& proposal, const primitives::Block& block) override;
  ConsensusVerdict on_vote(const primitives::Vote& vote) override;
  void on_peer_event(const PeerEvent& event) override;

 private:
  void run_actor();
  void on_actor(std::function<void()> fn);
  Verdict accept_block(const primitives::Block& block);  // REQUIRES: m_mutex held

  const std::uint32_t m_chain_id;
  Hash256 m_genesis_hash;
  std::chrono::milliseconds m_submit_delay{0};

  mutable std::mutex m_mutex;  // guards everything below up to the actor
  std::map<Hash256, primitives::Block> m_blocks;
  std::vector<Hash256> m_active;  // by height
  std::map<Hash256, primitives::Transaction> m_pool;
  std::vector<std::size_t> m_tx_batches;
  std::size_t m_wrong_txids = 0;  // submit_txs txids that were not their transaction's
  std::vector<Hash256> m_submitted;
  std::set<Hash256> m_fail_next;
  std::set<Hash256> m_refused_txs;
  std::optional<ConsensusVerdict> m_consensus_verdict;
  std::vector<std::pair<primitives::Proposal, primitives::Block>> m_proposals;
  std::vector<primitives::Vote> m_votes;
  std::vector<PeerEvent> m_peer_events;

  std::atomic<std::size_t> m_submitted_blocks{0};
  mutable std::atomic<std::size_t> m_has_block_calls{0};

  std::mutex m_actor_mutex;  // guards m_queue and m_stopping
  std::condition_variable m_actor_cv;
  std::deque<std::function<void()>> m_queue;
  bool m_stopping = false;
  std::thread m_actor;
};

}  // namespace cloudchain::p2p::test
