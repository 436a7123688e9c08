#pragma once
// Chain: the block tree, the active (best) chain and its state, on a storage::Database.
//
//   auto chain = Chain::open(db, params, engine);        // writes genesis into an empty DB
//   auto r = chain->submit_block(block, now_ms, is_verified);
//   auto t = chain->build_block_template(beneficiary, candidates, now_ms);
//   chain->tip();                                         // any thread
//
// Validation of a submitted block, in order (docs/chain.md; each failure its own
// BlockError): already known (kDuplicate, kKnownInvalid); parent known (kUnknownParent)
// and not invalid (kInvalidAncestor); PoS: no conflict with a final block (kForkBelowFinal);
// context-free body (limits, then primitives::check_block_body); header in context (version, chain
// id, height, then the engine: seal, timestamp, difficulty; PoS: proposer, then the last commit); every signature
// (primitives::check_transaction, in parallel on all cores, skipping transactions `is_verified` vouches for). A block
// that passes is stored with its index entry (status have_body) in one batch. Then fork
// choice: the most cumulative work wins, the first seen among equals. Connecting a block
// applies its transactions in order to the parent's state, credits reward + fees to the
// beneficiary, and requires the resulting root to equal header.state_root.
//
// Atomicity: a whole tip change (one connected block, or a reorg's disconnects and
// connects) is computed in memory first and written as ONE WriteBatch with the new tip,
// so a process killed at any instant restarts on the old tip or the new one, never in
// between. If a block of the new branch breaks a rule, nothing of the branch is
// written except the verdict (that block and its descendants marked invalid, the
// branch blocks before it marked valid); the active chain stays where it was, which is
// then still the best valid chain (it had at least the work of every other candidate
// before this block arrived).
//
// Ownership: the Database and the engine are borrowed and must outlive the Chain; the
// Chain owns its in-memory block index and a small pool of signature-checking threads.
//
// Thread-safety: one thread (the node's chain actor) calls everything except tip() and
// params(), which any thread may call at any time (tip() returns an immutable snapshot
// that is replaced as a whole on every tip change). Everything else the API needs it
// reads straight from the Database (heights, blocks, indexes, state nodes).
// (tip() takes a mutex held only to copy a shared_ptr.)

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "chain/connect.hpp"
#include "chain/engine.hpp"
#include "chain/error.hpp"
#include "chain/leaf_cache.hpp"
#include "chain/node_cache.hpp"
#include "chain/params.hpp"
#include "chain/verifier.hpp"
#include "primitives/block.hpp"
#include "state/node_map.hpp"
#include "state/rules.hpp"
#include "storage/database.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/uint256.hpp"

namespace cloudchain::chain {

/// The active chain's last block, as one immutable value.
struct TipInfo {
  Hash256 hash{};
  std::uint64_t height = 0;
  std::uint64_t timestamp_ms = 0;
  Uint256 cumulative_work;
  primitives::BlockHeader header;  // state_root, seal (PoW bits), ...
  /// Reads the tip's state tree (root header.state_root) from any thread: the chain's
  /// nodes not yet in the database (immutable layers shared with the chain, one per block
  /// since the last state checkpoint), then the database. Holds what it reads; the
  /// Database must outlive it.
  std::shared_ptr<const state::NodeStore> state_nodes;
};

enum class SubmitStatus {
  kConnected,  // the block extends the active chain and is its new tip
  kSideChain,  // stored on a branch with no more work than the active chain; tip unchanged
  kReorg,      // its branch has more work: blocks were disconnected, the branch connected
  kUnchanged,  // commit_final only: the block already was the active chain's block at its height
};
std::string_view to_string(SubmitStatus s);

struct SubmitOutcome {
  SubmitStatus status = SubmitStatus::kSideChain;
  std::shared_ptr<const TipInfo> tip;  // after the call
  /// Transactions of the blocks taken off the active chain, oldest block first and in
  /// block order within a block (what Mempool::readd wants). Empty unless kReorg.
  std::vector<primitives::Transaction> disconnected_txs;
  /// Hashes of the disconnected blocks, oldest first. Empty unless kReorg.
  std::vector<Hash256> disconnected;
  /// The blocks put on the active chain, oldest first (for Mempool::remove_for_block).
  /// Empty for kSideChain and kUnchanged; the submitted block alone for kConnected.
  std::vector<primitives::Block> connected;
};

/// What the index knows about one block.
struct BlockView {
  Hash256 hash{};
  primitives::BlockHeader header;
  Uint256 cumulative_work;
  std::uint8_t status = 0;  // storage::kStatus* flags
  bool active = false;      // on the active chain
};

/// A candidate transaction build_block_template left out, and why.
struct SkippedTx {
  std::size_t index = 0;  // position in the candidates
  Hash256 txid{};
  util::Error<state::TxRuleError> reason;
};

struct TemplateResult {
  primitives::Block block;  // every field final except the seal's nonce
  std::uint64_t reward = 0;
  std::uint64_t fees = 0;
  std::vector<SkippedTx> skipped;
};

/// Where the chain thread's CPU went in the tip changes since open (thread CPU time, ns),
/// for benchmarks and logs.
struct ChainTimings {
  std::uint64_t tip_changes = 0;
  std::uint64_t checkpoints = 0;       // written with a tip change or by checkpoint()
  std::uint64_t state_ns = 0;          // the branch's state: connect_block / diffs replayed or undone
  std::uint64_t signatures_ns = 0;     // the chain thread's share of the signature checks, after the state
  std::uint64_t batch_ns = 0;          // building the batch (bodies, diffs, indexes)
  std::uint64_t checkpoint_ns = 0;     // collecting the checkpoint's nodes into the batch
  std::uint64_t write_ns = 0;          // Database::write (RocksDB, the synced WAL)
  std::uint64_t commit_ns = 0;         // after the write: leaf cache, node cache, tip snapshot
  std::uint64_t nodes_written = 0;     // tree nodes written by checkpoints
  std::uint64_t blocks_executed = 0;   // connect_block runs in tip changes
  std::uint64_t proposals_reused = 0;  // PoS: blocks connected with check_proposal's execution
};

struct ChainOptions {
  /// Threads that check signatures (0: std::thread::hardware_concurrency(), at least 1).
  unsigned verify_threads = 0;
  /// Decoded public keys for the signature checks (crypto/key_cache.hpp); the node
  /// shares one with its mempool and look-ahead. Null: the chain keeps its own.
  std::shared_ptr<crypto::KeyCache> key_cache{};
  /// Memory for cached state tree nodes (chain/node_cache.hpp).
  std::size_t node_cache_bytes = std::size_t{256} << 20;
  /// A state checkpoint (the tip's tree nodes not yet in the database, written with the
  /// tip change) every this many blocks (docs/chain.md, "State checkpoints"). At least 1.
  std::uint32_t checkpoint_interval = 16;
  /// ... or sooner, once the nodes kept in memory since the last one take this much.
  std::size_t unflushed_bytes = std::size_t{512} << 20;
  /// Memory for the tip's flat key -> value cache (chain/leaf_cache.hpp).
  std::size_t leaf_cache_bytes = std::size_t{64} << 20;
  /// Whether the destructor writes a checkpoint (false: tests that simulate a crash).
  bool checkpoint_on_close = true;
  /// false: open() loads the block index and the tip but not the tip's state (no replay
  /// of the state diffs above the checkpoint, no state read), for a reindex() that
  /// follows. A damaged diff or checkpoint tree makes a normal open fail; it cannot then
  /// stop the reindex that repairs it. Until reindex() succeeds the state is not
  /// loaded: submit_block and build_block_template fail with kStateUnavailable and no
  /// checkpoint is written (at close neither).
  bool load_state = true;
};

class Chain {
 public:
  /// "Is this transaction's signature already checked?" (Mempool::is_verified). Called
  /// only on the chain thread, before any worker starts. May be empty: check them all.
  using VerifiedFn = std::function<bool(const Hash256& txid)>;

  /// Opens the chain on `db`. On an empty database writes genesis (block, index entry
  /// valid, state nodes, height 0, tip, chain id, genesis hash) in one batch. On an
  /// existing one checks the stored chain id (kChainIdMismatch) and genesis hash
  /// (kGenesisMismatch), loads the block index (kCorrupt if inconsistent) and checks
  /// that the tip's state root is readable (kStateUnavailable). Other errors:
  /// kBadParams (check_params), kStorage.
  static util::Result<std::unique_ptr<Chain>, ChainError> open(storage::Database& db, ChainParams params,
                                                               const ConsensusEngine& engine,
                                                               const ChainOptions& options = {});
  ~Chain();
  Chain(const Chain&) = delete;
  Chain& operator=(const Chain&) = delete;

  /// Validates, stores, and (if its branch has the most work) connects `block`, arriving
  /// at local time `now_ms`. On error the active chain is unchanged; whether the block
  /// was stored or marked invalid depends on the rule (docs/chain.md). An error from a
  /// block on the branch below `block` carries that block's code, its hash in the detail.
  util::Result<SubmitOutcome, BlockError> submit_block(const primitives::Block& block, std::uint64_t now_ms,
                                                       const VerifiedFn& is_verified = {});

  /// PoS: checks `block`, a proposal for the height above the tip, against every rule
  /// submit_block applies (body, header in context with the engine's proposer and
  /// last-commit rules, signatures, execution on the tip's state and its state root)
  /// WITHOUT storing or remembering anything: an undecided proposal must not become the
  /// tip (docs/chain.md "Proposals and finality"). Errors: kNotOnTip (its parent is not
  /// the tip), kKnownInvalid, kDuplicate (already stored), and every rule's code.
  util::Result<void, BlockError> check_proposal(const primitives::Block& block, std::uint64_t now_ms,
                                                const VerifiedFn& is_verified = {});

  /// PoS: `block` is decided (more than 2/3 of the power precommitted it): validate and
  /// store it if new, and make it the tip, also when the tip is another block at its
  /// height (an undecided sibling, which is disconnected: its transactions come back in
  /// the outcome). From then on final_height() >= its height. Errors: kForkBelowFinal
  /// (a different block at a height already final), kNotOnTip (its parent is not the
  /// tip or the tip's parent), then those of submit_block.
  /// Outcome: kConnected (on the tip), kReorg (replaced the tip: a sibling at its height;
  /// disconnected_txs holds the sibling's transactions), or kUnchanged when `block` already
  /// is the active chain's block at its height (nothing validated, stored or returned but
  /// the tip; the final height still moves up to it). A block already stored beside the
  /// tip is connected from its stored body, not `block`'s (a malleated copy with the
  /// same hash cannot make the stored block invalid).
  util::Result<SubmitOutcome, BlockError> commit_final(const primitives::Block& block, std::uint64_t now_ms,
                                                       const VerifiedFn& is_verified = {});

  /// PoS: the highest height known final: max(the last commit_final, tip height - 1 (the
  /// tip's last_commit proves its parent final), 0). A block at or below it that is not
  /// the active chain's block there is refused with kForkBelowFinal, however long its
  /// branch. PoW: always 0 and never checked. Chain thread only.
  std::uint64_t final_height() const;

  /// A block on the tip for `beneficiary`: header from the engine (PoW: expected bits,
  /// nonce 0), timestamp max(now_ms, median time past + 1), then the candidates applied
  /// in the order given to the tip's state, skipping each that fails a state rule
  /// (reported in `skipped`), stopping at the first that would exceed the block limits;
  /// then reward + fees credited, tx_root and state_root filled. REQUIRES: candidates
  /// passed primitives::check_transaction (the mempool's admission). Errors:
  /// kEngineFailure, kStateUnavailable, kRewardOverflow, kStorage.
  util::Result<TemplateResult, ChainError> build_block_template(
      const crypto::Address& beneficiary, std::span<const primitives::Transaction* const> candidates,
      std::uint64_t now_ms) const;

  /// Rebuilds, from the stored blocks alone, the state and the height, tx, account and
  /// anchor indexes of the best chain (most work among stored blocks not known invalid),
  /// from genesis, re-applying every block's transactions (signatures are not checked
  /// again: stored blocks passed them). One batch per block; the tip is written last, so
  /// an interrupted reindex leaves the old tip and can be run again. Returns the height
  /// of the rebuilt tip. Errors: kCorrupt (a stored block fails a state rule or its
  /// state root), kStateUnavailable, kStorage.
  /// `progress(done, total)` (may be empty) is called on this thread after each block
  /// re-applied, `total` being the rebuilt chain's blocks above genesis.
  using ReindexProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;
  util::Result<std::uint64_t, ChainError> reindex(const ReindexProgress& progress = {});

  /// Writes a state checkpoint at the tip now (nothing when the tip is the checkpoint):
  /// every tree node of the tip's state not yet in the database, and the checkpoint
  /// record, in one batch. The destructor calls it (ChainOptions::checkpoint_on_close);
  /// a node killed before only replays the blocks since the last one at the next open.
  /// Errors: kStorage.
  util::Result<void, ChainError> checkpoint();
  /// Height of the last state checkpoint (on the active chain, at or below the tip).
  /// Chain thread only.
  std::uint64_t checkpoint_height() const;
  /// Blocks whose new tree nodes are held in memory (tip height - checkpoint height).
  std::size_t unflushed_blocks() const { return m_layers.size(); }
  /// Chain thread CPU by step since open. Chain thread only.
  const ChainTimings& timings() const { return m_timings; }

  /// The current tip. Any thread, any time; never null after open.
  std::shared_ptr<const TipInfo> tip() const;
  /// Fixed for the Chain's life; any thread.
  const ChainParams& params() const { return m_params; }
  const Hash256& genesis_hash() const { return m_params.genesis.hash; }

  /// What the index knows about a block, or nullopt. Chain thread only.
  std::optional<BlockView> lookup(const Hash256& hash) const;
  /// The active chain's block hash at `height`, or nullopt above the tip. Chain thread only.
  std::optional<Hash256> active_hash_at(std::uint64_t height) const;
  /// Blocks in the index (every branch, valid or not). Chain thread only.
  std::size_t index_size() const { return m_index.size(); }

 private:
  struct Entry;  // chain/index_entry.hpp

  Chain(storage::Database& db, ChainParams params, const ConsensusEngine& engine, const ChainOptions& options);

  // open()
  util::Result<void, ChainError> write_genesis();
  util::Result<void, ChainError> load();
  // The index
  Entry* find(const Hash256& hash) const;
  Entry& insert(const Hash256& hash, const storage::BlockIndexEntry& stored);
  void erase_new(Entry& entry);
  bool is_active(const Entry& entry) const;
  // The context of a header on `parent`; with the validator sets when the engine asks
  // (state reads). Errors: those of active_set_after.
  util::Result<HeaderContext, BlockError> header_context(const Entry& parent, std::uint64_t now_ms) const;
  // The active set record (PoS) in the state after `block`, which must be on the active
  // chain: read from the tip's state, or from the stored diff of the first epoch boundary
  // above `block` that changed it. Errors (local, never the sender's fault):
  // kStateUnavailable (`block` off the active chain, the record missing, unreadable or
  // corrupt), kStorage (a diff unreadable).
  util::Result<state::ActiveSet, BlockError> active_set_after(const Entry& block) const;
  // submit_block()
  // The checks before the parent's: the state is loaded (kStateUnavailable), the block is
  // not known invalid (kKnownInvalid) nor, unless `stored_ok`, stored with its body
  // (kDuplicate). Returns its index entry, null when it has none.
  util::Result<Entry*, BlockError> check_known(const Hash256& hash, std::uint64_t height, bool stored_ok) const;
  // PoS: `hash` at `height` is at or below final_height() and not the active chain's block there.
  bool conflicts_with_final(const Hash256& hash, std::uint64_t height) const;
  // submit_block from the parent on: parent known (kUnknownParent) and not invalid
  // (kInvalidAncestor), finality (kForkBelowFinal), check_block; then the block's index
  // entry (`existing`, or a new one linked to its parent) with its cumulative work.
  // The signatures are left running: the caller collects signatures() (activate and
  // store_side paths do). On error nothing was inserted and no check is pending.
  // `checked_work`: the block is check_proposal's kept body, checked then with this
  // cumulative work (check_block is not run again).
  util::Result<Entry*, BlockError> check_and_index(const primitives::Block& block, const Hash256& hash, Entry* existing,
                                                   std::uint64_t now_ms, const VerifiedFn& is_verified,
                                                   const Uint256* checked_work = nullptr);
  // `txids_out`, when given, receives the block's txids (hashed by the body check).
  util::Result<Uint256, BlockError> check_block(const primitives::Block& block, const Entry& parent,
                                                std::uint64_t now_ms, const VerifiedFn& is_verified,
                                                std::vector<Hash256>* txids_out = nullptr);
  util::Result<void, BlockError> signatures();
  util::Result<SubmitOutcome, BlockError> reject_signatures(Entry& entry, util::Error<BlockError> error);
  util::Result<SubmitOutcome, BlockError> store_side(Entry& entry, const primitives::Block& block, bool is_new);
  // `candidate_txids`: empty, or the candidate's txids already computed.
  util::Result<SubmitOutcome, BlockError> activate(Entry& candidate, const primitives::Block& submitted, bool is_new,
                                                   std::span<const Hash256> candidate_txids = {});
  void mark_invalid(Entry& bad, storage::WriteBatch& batch);
  // connect_block of `block` (entry's) on its parent's state in `store`, or the result
  // check_proposal kept for it.
  util::Result<ConnectResult, BlockError> execute(const Entry& entry, const state::NodeStore& store,
                                                  const primitives::Block& block);
  void write_verdict(storage::WriteBatch&& batch);
  util::Result<primitives::Block, BlockError> load_block(const Entry& entry) const;
  void publish_tip();
  // State checkpoints and diffs (checkpoint.cpp)
  using Layers = state::LayeredNodeStore::Layers;
  struct Step {
    std::shared_ptr<const state::NodeMap> nodes;
    std::vector<StateChange> changes;
  };
  // The active tip's tree, on the chain thread: the unflushed layers over the cache.
  state::LayeredNodeStore tip_store() const { return {m_nodes, m_layers}; }
  util::Result<UndoRecord, BlockError> load_undo(const Entry& entry) const;
  // The state after `entry` from its parent's (redo) or the reverse (undo), computed
  // from its stored diff over `base` and checked against the headers' state roots.
  // Errors: kStorage (no or a bad diff), kStateUnavailable.
  util::Result<Step, BlockError> step(const Entry& entry, const state::NodeStore& base, bool redo) const;
  // Adds to `batch` a checkpoint at `at` (whose state root the layers of `store` reach).
  std::vector<std::pair<Hash256, const state::Node*>> add_checkpoint(storage::WriteBatch& batch, const Entry& at,
                                                                     const state::LayeredNodeStore& store) const;
  // After a checkpoint batch at `at` was written: cache its nodes, drop the layers.
  void checkpointed(Entry& at, const std::vector<std::pair<Hash256, const state::Node*>>& written);
  util::Result<void, ChainError> replay_from_checkpoint();
  // Writes a state checkpoint at `at` (active; its block's layer the newest) and drops
  // the layers. Errors: kStorage.
  util::Result<void, ChainError> checkpoint_at(Entry& at);
  // The layers reached checkpoint_interval blocks or unflushed_bytes.
  bool layers_over_budget() const;

  storage::Database& m_db;
  const ChainParams m_params;
  const ConsensusEngine& m_engine;
  std::unique_ptr<SignatureVerifier> m_verifier;
  // State nodes read and written by connect and templates (over m_db.state_nodes()).
  // Mutable: build_block_template is const but warms the cache.
  mutable NodeCache m_nodes;
  const ChainOptions m_options;
  // The last state checkpoint: an active block whose whole tree is in the database.
  Entry* m_checkpoint = nullptr;
  bool m_state_loaded = true;  // false from an open without load_state until reindex() succeeds
  // m_layers[i]: the new tree nodes of the active block at height checkpoint + 1 + i,
  // kept in memory until the next checkpoint; shared (immutable) with published tips.
  Layers m_layers;
  std::vector<std::size_t> m_layer_bytes;  // state::node_memory of each layer
  // The tip's values (mutable: build_block_template is const but fills it).
  mutable LeafCache m_leaves;
  // PoS: the execution of the last proposal check_proposal passed, by block hash. The
  // decided block is nearly always that proposal: activate() takes this result instead of
  // executing the block again (the result depends only on the block and its parent's
  // state, both fixed by the hash). Dropped by the next commit_final.
  struct CheckedProposal {
    Hash256 hash{};
    ConnectResult result;
    primitives::Block block;     // the body checked (commit_final connects this one)
    Uint256 work;                // the cumulative work check_block found
    std::vector<Hash256> txids;  // the body's, hashed by check_block (the index needs them)
  };
  std::optional<CheckedProposal> m_checked_proposal;
  // PoS: the highest height commit_final decided. Not persisted: after open the tip's
  // last_commit proves only its parent final (final_height() = tip height - 1).
  std::uint64_t m_final_height = 0;
  ChainTimings m_timings;

  // The block index: every stored header, by hash. Entries are removed only when the
  // write that would have stored them fails; parent pointers stay valid.
  std::unordered_map<Hash256, std::unique_ptr<Entry>, state::Hash256Hasher> m_index;
  // The active chain by height: m_active[h] is the block at height h; back() is the tip.
  std::vector<Entry*> m_active;
  // Published copy of the tip for other threads. A mutex, not std::atomic<shared_ptr>:
  // libstdc++ 12's atomic load releases its internal lock bit with a relaxed store, a
  // formal data race ThreadSanitizer reports. Held only to copy or swap the pointer.
  mutable std::mutex m_tip_mutex;
  std::shared_ptr<const TipInfo> m_tip;  // guarded by m_tip_mutex
};

}  // namespace cloudchain::chain
