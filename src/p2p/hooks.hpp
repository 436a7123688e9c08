#pragma once
// NodeHooks: everything the P2P network needs from the node (docs/p2p.md, "Layering").
// The node implements it; p2p never includes node/.
//
// Threads: the network calls these from its own thread ("p2p"). Reads (best, locator,
// headers_after, block_bytes, has_*) must be safe from any thread and must not wait for
// the chain actor: the node answers them from its tip snapshot and the database (RocksDB
// reads are thread-safe). The submit_* and fetch_* methods return at once: the node posts the work
// to its chain actor and later calls `done` on the actor thread; `done` must only post
// back to the network (Network::post), never touch peers directly.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "primitives/block.hpp"
#include "primitives/header.hpp"
#include "primitives/proposal.hpp"
#include "primitives/transaction.hpp"
#include "primitives/vote.hpp"
#include "util/bytes.hpp"
#include "util/uint256.hpp"

namespace cloudchain::p2p {

using util::Hash256;

/// The node's best chain, as seen by the network.
struct ChainSummary {
  std::uint64_t height = 0;
  Hash256 hash{};
  util::Uint256 work;  // cumulative
};

/// What happened to a block or transaction handed to the node.
struct Verdict {
  bool accepted = false;         // stored (any branch) / admitted to the mempool
  bool new_tip = false;          // blocks: the active tip moved (connected or reorg)
  bool sender_at_fault = false;  // rejected AND the data proves the sender misbehaved
  // Blocks: rejected AND the block's hash is invalid whatever body comes with it, so
  // sync never fetches it again and refuses headers building on it. True only where the
  // chain records the block as invalid (chain/submit.cpp mark_invalid: a transaction or
  // state rule broken by the body its header commits to, or an invalid ancestor) or the
  // header itself breaks a rule in context (bits, proof of work, timestamp too old,
  // version, chain id, height). False for a body that fails on its own (tx root,
  // duplicate tx, size, commit hash...): a peer can pair a real header with a tampered
  // body (CVE-2012-2459), and the real block must still be fetched from another peer.
  // The default (false) is the safe side: the block is fetched again, the sender scored.
  bool hash_invalid = false;
  std::string code;  // stable rule name when rejected (e.g. "high_hash")
  std::string detail;
};

/// What the node says of a consensus message (proposal or vote) from a peer.
struct ConsensusVerdict {
  bool relay = false;            // new to the node and it checks out: send it on to the other peers
  bool sender_at_fault = false;  // the message proves the sender misbehaved (bad signature, ...)
  std::string code;              // stable rule name when refused (e.g. "bad_signature")
};

/// A peer finished its handshake (connected) or a connection that had finished it
/// closed (disconnected), for the node's event stream.
struct PeerEvent {
  bool connected = false;
  std::uint64_t id = 0;
  std::string address;  // "ip:port" of the socket's remote end
  bool inbound = false;
};

class NodeHooks {
 public:
  virtual ~NodeHooks() = default;

  virtual std::uint32_t chain_id() const = 0;
  virtual const Hash256& genesis_hash() const = 0;
  virtual ChainSummary best() const = 0;

  /// Block locator of the active chain: tip, tip-1, tip-2, tip-4, tip-8, ... genesis.
  virtual std::vector<Hash256> locator() const = 0;
  /// Headers of the active chain after the first locator hash that is on it (genesis if
  /// none is), up to and including `stop` (zero hash: no stop), at most `max`.
  virtual std::vector<primitives::BlockHeader> headers_after(const std::vector<Hash256>& locator, const Hash256& stop,
                                                             std::size_t max) const = 0;
  /// A stored block's canonical encoding (any branch), for answering getdata.
  virtual std::optional<util::Bytes> block_bytes(const Hash256& hash) const = 0;
  /// Stored on any branch, or known invalid (either way: do not fetch it).
  virtual bool has_block(const Hash256& hash) const = 0;
  /// Height, hash and cumulative work of a block stored with its body on any branch and
  /// not known invalid; nullopt otherwise. Sync links headers to it (a peer's branch may
  /// fork below our tip, or below a tip seen before a restart) and does not fetch it.
  /// Read from the block index without the chain actor, like has_block. The default
  /// knows no block (then only the tip and the blocks connected since the network
  /// started are known to sync).
  virtual std::optional<ChainSummary> chain_point(const Hash256& /*hash*/) const { return std::nullopt; }
  /// Committed on the active chain (tx index), or in the mempool as far as a snapshot
  /// the node keeps without the actor knows (may lag: a false answer only costs a
  /// getdata whose transaction the mempool then refuses as already known).
  virtual bool has_tx(const Hash256& txid) const = 0;
  /// has_tx for each of `txids` (an inv's worth), in order. The default calls has_tx.
  virtual std::vector<bool> has_txs(std::span<const Hash256> txids) const {
    std::vector<bool> out(txids.size());
    for (std::size_t i = 0; i < txids.size(); ++i) out[i] = has_tx(txids[i]);
    return out;
  }
  /// Pooled transactions, looked up on the chain actor in one task; `done` gets one entry
  /// per txid, in order, nullopt where absent.
  using FetchedTxs = std::vector<std::optional<primitives::Transaction>>;
  virtual void fetch_txs(std::vector<Hash256> txids, std::function<void(FetchedTxs)> done) = 0;

  /// Context-free checks of a batch of headers that must link to each other in order:
  /// chain id, seal kind, proof of work against each header's own bits. Returns the
  /// cumulative work the batch adds, or a rejection with sender_at_fault set.
  virtual std::expected<util::Uint256, Verdict> check_headers(
      const std::vector<primitives::BlockHeader>& headers) const = 0;

  virtual void submit_block(primitives::Block block, std::function<void(Verdict)> done) = 0;
  virtual void submit_tx(primitives::Transaction tx, std::function<void(Verdict)> done) = 0;
  /// Several transactions from peers at once (the network collects those that arrive
  /// together), `txids[i]` the txid of `txs[i]` (the network computed it when the
  /// transaction arrived: not hashed again): `done(i, verdict)` once for each, from any
  /// thread. The default calls submit_tx for each.
  virtual void submit_txs(std::vector<primitives::Transaction> txs, std::span<const util::Hash256> /*txids*/,
                          std::function<void(std::size_t, Verdict)> done) {
    const auto shared = std::make_shared<const std::function<void(std::size_t, Verdict)>>(std::move(done));
    for (std::size_t i = 0; i < txs.size(); ++i) {
      submit_tx(std::move(txs[i]), [shared, i](Verdict v) { (*shared)(i, std::move(v)); });
    }
  }

  /// Consensus gossip (docs/p2p.md "Consensus gossip"): a proposal (with its block) or a
  /// vote a peer sent, decoded and not seen before by the network (it drops repeats by
  /// payload hash before asking). Called on the network thread; must not wait for the
  /// chain actor (the node checks the signature and the sender's place in the validator
  /// set here and posts the rest). The verdict's `relay` makes the network send the same
  /// payload to every other ready peer; `sender_at_fault` scores the sender. The
  /// defaults (PoW nodes) ignore the message: no relay, no fault.
  virtual ConsensusVerdict on_proposal(const primitives::Proposal& /*proposal*/, const primitives::Block& /*block*/) {
    return {};
  }
  virtual ConsensusVerdict on_vote(const primitives::Vote& /*vote*/) { return {}; }

  /// A peer connected or disconnected (each connected peer is reported disconnected
  /// once; a duplicate connection closed at its handshake is not reported). Called on
  /// the network thread; must not block. The default ignores it.
  virtual void on_peer_event(const PeerEvent& /*event*/) {}
};

}  // namespace cloudchain::p2p
