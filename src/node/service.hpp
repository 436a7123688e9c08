#pragma once
// NodeService: what the interfaces above the node (HTTP API, event stream, metrics)
// may ask of a running node. The node implements it; the API layer only calls it.
//
// Thread-safety: every method may be called from any thread at any time (API worker
// threads). Reads that need the chain's current view come from immutable snapshots or
// are posted to the chain actor and waited for; nothing here blocks the actor for
// longer than one mempool or index lookup.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/address.hpp"
#include "p2p/network.hpp"
#include "primitives/transaction.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/histogram.hpp"

namespace cloudchain::storage {
class Database;
}
namespace cloudchain::state {
class NodeStore;
}

namespace cloudchain::node {

class EventHub;

using util::Hash256;

/// Fixed for the life of the process.
struct NodeInfo {
  std::string version;  // e.g. "0.1.0"
  std::uint32_t chain_id = 0;
  std::string network;    // bech32m prefix of addresses, e.g. "ccdev"
  std::string consensus;  // "pow" or "pos"
  Hash256 genesis_hash{};
};

/// The best chain's tip; replaced as a whole on every tip change.
struct TipInfo {
  std::uint64_t height = 0;
  Hash256 hash{};
  std::uint64_t timestamp_ms = 0;
  std::string cumulative_work;  // decimal
  std::uint32_t bits = 0;       // PoW compact target of the tip (0 for PoS)
};

/// The tip's state tree, for account reads and proofs: its root and a node store that
/// reads it (the chain keeps the newest tree nodes in memory until a state checkpoint
/// writes them, so the database alone may not hold the tip's tree). Immutable; `nodes`
/// keeps what it reads alive and is safe to use from any thread.
struct TipState {
  std::uint64_t height = 0;
  Hash256 hash{};
  Hash256 state_root{};
  std::shared_ptr<const state::NodeStore> nodes;
};

struct MempoolStats {
  std::uint64_t size = 0;
  std::uint64_t bytes = 0;
};

struct MiningStatus {
  bool enabled = false;
  std::uint32_t threads = 0;
  std::uint64_t hashrate = 0;  // hashes per second over the last few seconds
};

/// Proof of Stake: the consensus state (node/pos_driver.hpp), for /v1/status.
struct ConsensusStatus {
  std::uint64_t height = 0;  // the height being decided (tip + 1)
  std::uint32_t round = 0;
  std::string step;                      // "propose", "prevote", "precommit"
  bool validator = false;                // this node's key is in the height's set
  std::optional<crypto::PublicKey> key;  // this node's consensus key (HOME/validator.key)
  std::uint64_t validators = 0;          // size of the height's set
  std::uint64_t total_power = 0;
  std::uint64_t decided = 0;        // heights this node decided since it started
  std::uint64_t rounds_failed = 0;  // rounds that ended without a decision since it started
};

/// What the node counted since it started, for GET /metrics (docs/api.md). The
/// histograms have one observation per tip change (one connected block, or a reorg's
/// branch); their values are the chain thread's CPU seconds (chain::ChainTimings):
/// validation = the branch's state transition and signature checks, commit = building
/// and writing the batch (without the time spent waiting for the disk) and updating the
/// caches and the tip.
struct NodeCounters {
  std::uint64_t blocks_processed = 0;        // blocks connected to the active chain
  std::uint64_t transactions_processed = 0;  // transactions in those blocks
  util::HistogramSnapshot block_validation_seconds;
  util::HistogramSnapshot block_commit_seconds;
  std::uint64_t signature_checks = 0;      // transaction signature checks (API, peers, blocks)
  double signature_check_cpu_seconds = 0;  // their CPU time, estimated (crypto::KeyCache)
};

/// Why a submitted transaction was not admitted: `code` is the stable name of the
/// rule (to_string of the codec / check / state / mempool error), `detail` is for humans,
/// `sender_at_fault` separates bad input (HTTP 4xx) from a node problem (5xx).
struct SubmitRejection {
  std::string code;
  std::string detail;
  bool sender_at_fault = true;
};

class NodeService {
 public:
  virtual ~NodeService() = default;

  virtual const NodeInfo& info() const = 0;
  virtual TipInfo tip() const = 0;
  /// The tip's state tree (same tip as tip() unless a block arrives in between).
  virtual TipState tip_state() const = 0;
  virtual MempoolStats mempool_stats() const = 0;
  virtual MiningStatus mining() const = 0;

  /// The node's database for reads (blocks, indexes, state nodes). RocksDB reads are
  /// thread-safe; take a storage snapshot for reads that must agree with each other.
  virtual const storage::Database& database() const = 0;

  /// Checks and admits a transaction to the mempool (and gossips it, once there is a
  /// network). Returns its txid.
  virtual std::expected<Hash256, SubmitRejection> submit_transaction(const primitives::Transaction& tx) = 0;

  /// What submit_transaction_async reports, once.
  using SubmitDone = std::function<void(std::expected<Hash256, SubmitRejection>)>;
  /// submit_transaction without waiting for the answer: the checks that need no pool run
  /// on the calling thread; `done` may run on another thread (the node's actor) and must
  /// be short and not block. For callers that serve many clients on few threads (the
  /// HTTP API). The default implementation calls submit_transaction and then `done`.
  virtual void submit_transaction_async(const primitives::Transaction& tx, SubmitDone done) {
    const SubmitDone answer = std::move(done);  // an override keeps it past the call
    answer(submit_transaction(tx));
  }

  /// What submit_transactions_async reports for the transaction at `index` of its
  /// batch, once for each.
  using BatchDone = std::function<void(std::size_t index, std::expected<Hash256, SubmitRejection>)>;
  /// submit_transaction_async for a batch (POST /v1/txs/batch): each transaction is
  /// answered on its own, in any order. The node checks them all on the calling thread
  /// and then hands them to its pool together, waking its actor once instead of once per
  /// transaction. The default implementation calls submit_transaction_async for each.
  virtual void submit_transactions_async(const std::vector<primitives::Transaction>& txs, BatchDone done) {
    const auto shared = std::make_shared<const BatchDone>(std::move(done));
    for (std::size_t i = 0; i < txs.size(); ++i) {
      submit_transaction_async(txs[i],
                               [shared, i](std::expected<Hash256, SubmitRejection> r) { (*shared)(i, std::move(r)); });
    }
  }

  /// Pending transactions in block-selection order, `offset` skipped, at most `limit`.
  virtual std::vector<primitives::Transaction> mempool_list(std::size_t offset, std::size_t limit) const = 0;
  virtual std::optional<primitives::Transaction> mempool_get(const Hash256& txid) const = 0;
  /// The nonce the account's next transaction should carry: its state nonce plus its
  /// transactions waiting in the mempool.
  virtual std::uint64_t next_nonce(const crypto::Address& address) const = 0;

  /// Admin: turn the miner on or off (no effect on a node without a miner address).
  virtual void set_mining(bool enabled) = 0;
  /// Admin: begin a graceful shutdown; returns at once.
  virtual void request_shutdown() = 0;

  // --- the P2P network (docs/p2p.md). The defaults describe a node without one
  // (p2p.enabled = false): no peers, no sync status, admin requests refused. ---------

  /// Snapshots of the connected peers and the current bans.
  virtual std::vector<p2p::PeerInfo> peers() const { return {}; }
  virtual std::vector<p2p::BanInfo> bans() const { return {}; }
  /// Bytes to and from peers since start; zero without a network.
  virtual p2p::Traffic p2p_traffic() const { return {}; }
  /// Headers-first sync progress; nullopt without a network.
  virtual std::optional<p2p::SyncStatus> sync_status() const { return std::nullopt; }
  /// Admin: dial "host:port" now (the answer comes later, in peers()). False without a
  /// network; the address is checked by the caller.
  virtual bool connect_peer(const std::string& /*host_port*/) { return false; }
  /// Admin: ban an IP for `duration` (dropping its connections), or lift a ban. False
  /// without a network.
  virtual bool ban_peer(const std::string& /*ip*/, std::chrono::seconds /*duration*/) { return false; }
  virtual bool unban_peer(const std::string& /*ip*/) { return false; }

  /// Proof of Stake: the consensus state; nullopt on a PoW chain or before start.
  virtual std::optional<ConsensusStatus> consensus() const { return std::nullopt; }
  /// Proof of Stake: per validator of the current set, how many of the last 100 blocks'
  /// commits lacked its signature (node/pos_driver.hpp); empty on PoW.
  virtual std::map<crypto::PublicKey, std::uint32_t> missed_blocks() const { return {}; }

  /// Counters and histograms since start (GET /metrics). The default: nothing counted
  /// (a service that connects no blocks).
  virtual NodeCounters counters() const { return {}; }

  /// The node's event hub (node/events.hpp) for GET /v1/events; it outlives every
  /// subscriber the API makes while it runs. nullptr: no events (the route answers 404).
  virtual EventHub* events() { return nullptr; }
};

}  // namespace cloudchain::node
