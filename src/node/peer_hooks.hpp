#pragma once
// PeerHooks: the node's side of p2p::NodeHooks (docs/p2p.md "Layering", docs/node.md
// "P2P"). The network asks it about the chain and hands it blocks and transactions from
// peers.
//
// Threads (hooks.hpp): the network calls every method on its "p2p" thread.
//   - Reads (best, locator, headers_after, block_bytes, has_block, has_tx, check_headers)
//     never wait for the chain actor: they read the chain's tip snapshot and the
//     database (RocksDB reads are thread-safe; a storage snapshot where several reads
//     must agree), plus the node's RecentTxids.
//   - submit_block and fetch_txs post to the chain actor and return; the actor calls
//     `done`, which posts back to the network. submit_tx first checks the signature on
//     the calling thread (mempool::VerifiedTx, as the API's threads do), then posts.
//     When the actor no longer takes tasks (stopping), `done` is called at once with a
//     "shutting_down" verdict (all nullopt for fetch_txs).
//
// Lifetime: owned by the Node, which stops the network (no more calls) before the chain
// and database go away.

#include <cstddef>
#include <mutex>
#include <span>
#include <vector>

#include "consensus/pow.hpp"
#include "p2p/hooks.hpp"
#include "util/uint256.hpp"

namespace cloudchain::node {

class Node;

/// Txids whose signatures this node checked lately: each a peer relayed (recorded as soon
/// as its check passed, before the actor admits it: another announcer's copy is not
/// fetched and checked again meanwhile), each the mempool admitted, and each the chain
/// checked in a proposal that passed (PoS: a proposal often arrives before gossip brings
/// all its transactions). For PeerHooks::has_tx without the actor, for the look-ahead's
/// skip and the chain's (a txid commits to the signature, so its presence here vouches
/// for that exact transaction's). Bounded, in two generations (as p2p::KnownInventory, but exact: whole txids, so
/// that membership can vouch for a signature): the last kGeneration insertions are
/// always here, nothing older than the last 2 x kGeneration; a full generation retires
/// the older one at once. Older ones are found in the tx index once committed, or fetched
/// and checked again at worst, which the mempool then refuses as known. Each generation
/// is an open-addressing table (linear probing from the txid's first 8 bytes, keyed, at most
/// 3/4 full, no deletions; 2 MiB); add_all fetches each probe's slots a few txids ahead.
/// A hash set plus a ring of insertions, each insert erasing the oldest, took twice the
/// cache misses. Any thread.
class RecentTxids {
 public:
  static constexpr std::size_t kGeneration = 49'152;  // 3/4 of 2^16 slots
  RecentTxids();
  void add(const util::Hash256& txid);
  void add_all(std::span<const util::Hash256> txids);
  bool contains(const util::Hash256& txid) const;
  /// contains() of each, in order, under one lock, each probe fetched a few txids ahead.
  std::vector<bool> contains_each(std::span<const util::Hash256> txids) const;

 private:
  struct Table {
    std::vector<util::Hash256> slots;  // all zero: empty (the zero txid is `has_zero`)
    std::uint64_t key = 0;             // mixed into each txid's first slot
    std::size_t size = 0;
    bool has_zero = false;
    bool contains(const util::Hash256& txid) const;
    bool insert(const util::Hash256& txid);  // false: already there
    void clear();
    void prefetch(const util::Hash256& txid) const;
  };
  void insert_locked(const util::Hash256& txid);

  mutable std::mutex m_mutex;  // guards the members below
  Table m_current;
  Table m_previous;
};

class PeerHooks final : public p2p::NodeHooks {
 public:
  /// `node` must outlive this object; `pow` are the genesis PoW parameters.
  PeerHooks(Node& node, const consensus::PowParams& pow);

  std::uint32_t chain_id() const override;
  const util::Hash256& genesis_hash() const override;
  p2p::ChainSummary best() const override;
  std::vector<util::Hash256> locator() const override;
  std::vector<primitives::BlockHeader> headers_after(const std::vector<util::Hash256>& locator,
                                                     const util::Hash256& stop, std::size_t max) const override;
  std::optional<util::Bytes> block_bytes(const util::Hash256& hash) const override;
  bool has_block(const util::Hash256& hash) const override;
  std::optional<p2p::ChainSummary> chain_point(const util::Hash256& hash) const override;
  bool has_tx(const util::Hash256& txid) const override;
  std::vector<bool> has_txs(std::span<const util::Hash256> txids) const override;
  void fetch_txs(std::vector<util::Hash256> txids, std::function<void(FetchedTxs)> done) override;
  std::expected<util::Uint256, p2p::Verdict> check_headers(
      const std::vector<primitives::BlockHeader>& headers) const override;
  void submit_block(primitives::Block block, std::function<void(p2p::Verdict)> done) override;
  void submit_tx(primitives::Transaction tx, std::function<void(p2p::Verdict)> done) override;
  /// Each signature checked here (skipping txids in RecentTxids), then the passing ones
  /// handed to the actor in one BatchQueue::post_all.
  void submit_txs(std::vector<primitives::Transaction> txs, std::span<const util::Hash256> txids,
                  std::function<void(std::size_t, p2p::Verdict)> done) override;
  /// PoS: the driver's precheck (signature, height, set) here on the network thread;
  /// an accepted message is posted to the actor. PoW: ignored.
  p2p::ConsensusVerdict on_proposal(const primitives::Proposal& proposal, const primitives::Block& block) override;
  p2p::ConsensusVerdict on_vote(const primitives::Vote& vote) override;
  /// Published to the node's EventHub as a "peer" event.
  void on_peer_event(const p2p::PeerEvent& event) override;

 private:
  Node& m_node;
  consensus::PowParams m_pow;
};

/// Heights of a block locator for a chain whose tip is at `tip`: tip, tip-1, tip-2,
/// tip-4, tip-8, ..., ending with 0 (genesis). At most 64 entries (p2p's getheaders
/// limit), descending, no duplicates.
std::vector<std::uint64_t> locator_heights(std::uint64_t tip);

}  // namespace cloudchain::node
