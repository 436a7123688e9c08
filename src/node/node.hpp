#pragma once
// Node: one running cloudchain node. It owns the database, the chain, the mempool and
// the miner, and implements NodeService for the layers above (HTTP API).
//
//   auto node = Node::open(options);     // database, chain (genesis on first start), mempool
//   node->reindex();                      // optional, before start: rebuild state from blocks
//   node->start();                        // chain actor, mempool reload, timers, miner
//   node->wait_for_shutdown_request();    // until request_shutdown() (signal, admin API)
//   node->stop([&] { api.stop(); });      // miner, then the hook, then drain, save, close
//
// Concurrency (docs/node.md): the Chain and the Mempool belong to the CHAIN ACTOR, one
// thread that runs posted tasks in order (node/actor.hpp). API threads and miner threads
// never touch them: they post a task (a transaction to admit, a found header, mining on
// or off) and, when they need an answer, wait for it. What other threads read without
// the actor comes from immutable snapshots, each replaced whole: the tip
// (node/snapshot.hpp), the mempool size and the mining status (atomics). Reads of
// blocks, indexes and state go straight to the database, which is safe from any thread.
//
// Durability: nothing is reported before it is on disk. A block is logged as connected,
// and the tip snapshot moves, only after Chain::submit_block returned, i.e. after its
// one synced RocksDB batch was written; a node killed at any instant restarts on the
// last logged tip or a later one.
//
// Mining: while mining is on, the actor builds a template (chain.build_block_template
// with mempool.select) on every new tip, when new transactions arrived (at most every
// template_interval_ms), and once a second for a fresh timestamp; miner threads search
// it; a found header comes back as a task that completes the block and submits it like
// any other block.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chain/chain.hpp"
#include "consensus/miner.hpp"
#include "mempool/mempool.hpp"
#include "node/actor.hpp"
#include "node/batch_queue.hpp"
#include "node/config.hpp"
#include "node/events.hpp"
#include "node/genesis.hpp"
#include "node/peer_hooks.hpp"
#include "node/service.hpp"
#include "node/snapshot.hpp"
#include "p2p/network.hpp"
#include "storage/database.hpp"

namespace spdlog {
class logger;
}

namespace cloudchain::chain {
class Preverifier;
}

namespace cloudchain::node {
class PosDriver;
}

namespace cloudchain::node {

inline constexpr std::string_view kVersion = "0.1.0";

struct NodeOptions {
  std::filesystem::path home;  // HOME/data holds the database, HOME/mempool.dat the saved pool
  Genesis genesis;
  Config config;  // after command-line overrides and check_config
  /// Where log lines go. nullptr: spdlog's default logger.
  std::shared_ptr<spdlog::logger> logger;
  /// The wall clock in Unix milliseconds (block timestamps, mempool times).
  /// Empty: std::chrono::system_clock.
  std::function<std::uint64_t()> clock_ms;
  /// Signature-checking threads of the chain (0: one per core).
  unsigned verify_threads = 0;
  /// reindex() follows open(): the chain is opened without loading its state
  /// (chain::ChainOptions::load_state), so a damaged state cannot stop the reindex that
  /// rebuilds it. start() fails until reindex() has succeeded.
  bool reindex = false;
};

/// One failure of Node::open or reindex.
using NodeFailure = util::Error<NodeError>;

class Node final : public NodeService {
 public:
  /// Opens HOME/data (creating it on first start, with the genesis block), the chain and
  /// an empty mempool. Errors: kConfig (the genesis cannot make chain parameters),
  /// kStorage (the database does not open: locked by another process, damaged, ...),
  /// kGenesisMismatch (HOME/data holds another chain), kChain (the stored chain is
  /// inconsistent or its state unreadable).
  static util::Result<std::unique_ptr<Node>, NodeError> open(NodeOptions options);

  /// Stops the node if it is running (stop()).
  ~Node() override;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Rebuilds the state and indexes from the stored blocks (Chain::reindex), logging
  /// progress. Call before start(). Returns the rebuilt tip's height. Errors: kChain.
  util::Result<std::uint64_t, NodeError> reindex();

  /// Reloads HOME/mempool.dat if present, starts the chain actor, its timers (mempool
  /// expiry, hashrate), the P2P network (p2p.enabled: it binds p2p.listen and dials the
  /// seeds) and, if the config says so, the miner. Once only (kAlreadyStarted).
  /// Errors: kNetwork (the P2P listener cannot bind; nothing is left running).
  util::Result<void, NodeError> start();

  /// Blocks until request_shutdown() was called (from any thread, e.g. a signal thread
  /// or the admin API). Returns at once if it already was.
  void wait_for_shutdown_request();
  /// As above with a timeout; true when a shutdown was requested.
  bool wait_for_shutdown_request(std::chrono::milliseconds timeout);

  /// Graceful shutdown, in this order: stop the miner (no more found blocks), run
  /// `after_miner_stopped` (the daemon stops the HTTP API there, so no request is cut
  /// off by the actor going away), stop the P2P network (every peer closed, its thread
  /// joined: no more blocks or transactions from peers), drain the actor (every queued task runs; later
  /// requests are answered as shutting down), save the mempool to HOME/mempool.dat,
  /// close the database. Idempotent; the hook runs only on the first call. Call from the
  /// thread that called start(), never from a NodeService method or the hook.
  void stop(const std::function<void()>& after_miner_stopped = {});

  // --- NodeService -------------------------------------------------------------------
  const NodeInfo& info() const override { return m_info; }
  TipInfo tip() const override;
  TipState tip_state() const override;
  MempoolStats mempool_stats() const override;
  MiningStatus mining() const override;
  const storage::Database& database() const override { return *m_db; }
  /// Rejections: the mempool's codes (to_string(MempoolError)); for a transaction that
  /// fails primitives::check_transaction, the TxCheckError name (e.g.
  /// "tx_invalid_signature"); "shutting_down" (not the sender's fault) once stopping.
  /// The signature is verified on the calling thread (mempool::VerifiedTx), before the
  /// transaction is posted to the actor, so concurrent callers verify in parallel; a
  /// transaction failing the check is refused without reaching the actor.
  std::expected<Hash256, SubmitRejection> submit_transaction(const primitives::Transaction& tx) override;
  /// The same checks and answers; the signature is verified on the calling thread and
  /// the pool's verdict reaches `done` on the actor thread (docs/node.md, "Admission").
  void submit_transaction_async(const primitives::Transaction& tx, SubmitDone done) override;
  /// The same for a batch: every signature is checked on the calling thread first, then
  /// the passing ones reach the actor in one hand-over (BatchQueue::post_all).
  void submit_transactions_async(const std::vector<primitives::Transaction>& txs, BatchDone done) override;
  /// Executable transactions in block-selection order, then the queued ones (waiting
  /// for a lower nonce) in arrival order. Empty once stopping.
  std::vector<primitives::Transaction> mempool_list(std::size_t offset, std::size_t limit) const override;
  std::optional<primitives::Transaction> mempool_get(const Hash256& txid) const override;
  /// The account nonce plus its consecutive pooled nonces; 0 once stopping or if the
  /// state cannot be read (logged).
  std::uint64_t next_nonce(const crypto::Address& address) const override;
  /// Logged and ignored without a miner address.
  void set_mining(bool enabled) override;
  void request_shutdown() override;
  std::vector<p2p::PeerInfo> peers() const override;
  std::vector<p2p::BanInfo> bans() const override;
  std::optional<p2p::SyncStatus> sync_status() const override;
  p2p::Traffic p2p_traffic() const override;
  bool connect_peer(const std::string& host_port) override;
  bool ban_peer(const std::string& ip, std::chrono::seconds duration) override;
  bool unban_peer(const std::string& ip) override;
  std::optional<ConsensusStatus> consensus() const override;
  std::map<crypto::PublicKey, std::uint32_t> missed_blocks() const override;
  NodeCounters counters() const override;
  /// block (each connected block, after its tip is published), tx (each admission),
  /// final (PoS: each block this node's consensus decided, after its block event).
  EventHub* events() override { return &m_events; }

  /// The port the P2P listener is bound to (after start(); 0 without a network).
  std::uint16_t p2p_port() const;

  /// Validates and stores a block from outside the node (a peer; tests), connecting it
  /// if its branch has the most work, exactly as a mined block: a reorg returns the
  /// disconnected transactions to the mempool. Rejections: `code` is the BlockError name
  /// (to_string(chain::BlockError)), `sender_at_fault` is chain::sender_at_fault;
  /// "shutting_down" once stopping.
  std::expected<chain::SubmitStatus, SubmitRejection> submit_block(const primitives::Block& block);

  bool shutdown_requested() const;
  /// The chain's tip (any thread), with its full header.
  std::shared_ptr<const chain::TipInfo> chain_tip() const;

 private:
  friend class PeerHooks;  // reads the chain and database, posts to the actor

  Node(NodeOptions options, std::unique_ptr<storage::Database> db, std::unique_ptr<chain::ConsensusEngine> engine,
       std::shared_ptr<crypto::KeyCache> keys, std::unique_ptr<chain::Chain> chain, NodeInfo info);

  std::uint64_t now_ms() const;
  void publish_tip();
  void publish_mempool_stats();

  // --- actor tasks (REQUIRES: on the actor thread) --------------------------------------
  void load_mempool();
  // Admits a transaction verified on the submitting thread (actor thread) and, when
  // admitted, announces it to the peers.
  std::expected<Hash256, SubmitRejection> admit(mempool::VerifiedTx verified);
  // `in_recent`: its txid is in RecentTxids already (a relayed one's, added when its
  // check passed), so it is not added again.
  util::Result<Hash256, mempool::MempoolError> admit_verified(mempool::VerifiedTx verified, bool in_recent = false);
  void announce_later(const Hash256& txid);  // queued for one announcement per batch
  // submit_transaction's checks on the calling thread: running, chain id, signature.
  std::expected<mempool::VerifiedTx, SubmitRejection> check_submitted(const primitives::Transaction& tx) const;
  void on_block_found(const primitives::BlockHeader& header, std::uint64_t generation);
  // The chain's VerifiedFn: the pool holds it, the look-ahead vouched for it (taken), or
  // its signature passed here lately (RecentTxids). Actor thread.
  bool signature_checked(const Hash256& txid);
  std::expected<chain::SubmitStatus, SubmitRejection> process_block(const primitives::Block& block,
                                                                    std::string_view origin);
  void report_connected(const chain::SubmitOutcome& outcome, std::string_view origin,
                        const chain::TipInfo& old_tip) const;
  void after_tip_change(const chain::SubmitOutcome& outcome);
  // Counts a tip change's blocks and the chain time it took (the /metrics counters).
  void count_tip_change(const chain::SubmitOutcome& outcome);
  // Drops from the pool what a block template skipped (the state refused it on this tip).
  void drop_skipped(const std::vector<chain::SkippedTx>& skipped);
  // PoS (PosDriverHost): a block to propose, a decided block to commit, evidence to submit.
  util::Result<void, NodeError> start_consensus();
  std::optional<primitives::Block> build_pos_block(const crypto::Address& payout);
  bool commit_decided(const primitives::Block& block);
  void submit_evidence(const primitives::Vote& a, const primitives::Vote& b);
  void apply_mining(bool enabled);
  void rebuild_template();
  void schedule_template_rebuild();
  void refresh_template();
  void expire_mempool();
  void sample_hashrate();

  NodeOptions m_options;
  std::shared_ptr<spdlog::logger> m_log;
  NodeInfo m_info;
  std::filesystem::path m_mempool_path;

  // Owned; destroyed in reverse: chain before engine before database.
  std::unique_ptr<storage::Database> m_db;
  std::unique_ptr<chain::ConsensusEngine> m_engine;
  // Decoded public keys for every signature check of transactions: the chain's, the
  // look-ahead's, the mempool's and the API's and peers' (VerifiedTx::check). Thread-safe.
  const std::shared_ptr<crypto::KeyCache> m_keys;

  // --- owned by the actor once started (before start(): by the thread that opened) ---
  std::unique_ptr<chain::Chain> m_chain;
  std::unique_ptr<mempool::Mempool> m_mempool;
  bool m_mining = false;  // the actor's view: templates are built only while true
  std::optional<chain::TemplateResult> m_template;
  std::uint64_t m_generation = 0;         // of m_template
  std::uint64_t m_template_built_ms = 0;  // when m_template was built
  bool m_template_stale = false;          // new transactions since m_template was built
  bool m_rebuild_scheduled = false;
  std::uint64_t m_last_hashes = 0;
  chain::ChainTimings m_counted_timings;  // the chain's timings at the last count_tip_change
  std::chrono::steady_clock::time_point m_last_hash_sample;

  // --- snapshots, any thread ----------------------------------------------------------
  Snapshot<TipInfo> m_tip;
  Snapshot<chain::TipInfo> m_chain_tip;  // with its state view, for tip_state()
  std::atomic<std::uint64_t> m_pool_size{0};
  std::atomic<std::uint64_t> m_pool_bytes{0};
  std::atomic<bool> m_mining_enabled{false};
  std::atomic<std::uint64_t> m_hashrate{0};
  // The /metrics counters (docs/api.md): the actor adds, any thread reads.
  std::atomic<std::uint64_t> m_blocks_processed{0};
  std::atomic<std::uint64_t> m_transactions_processed{0};
  util::Histogram m_validation_seconds{util::duration_buckets()};
  util::Histogram m_commit_seconds{util::duration_buckets()};
  // Published to from the actor and the network thread; declared before both.
  EventHub m_events;

  mutable std::mutex m_shutdown_mutex;  // guards m_shutdown_requested
  std::condition_variable m_shutdown_cv;
  bool m_shutdown_requested = false;

  std::mutex m_lifecycle_mutex;  // guards m_started, m_stopped
  bool m_started = false;
  bool m_reindexed = false;  // reindex() succeeded (start() needs it after an open for a reindex)
  bool m_stopped = false;
  std::atomic<bool> m_stopping{false};  // set first thing in stop(): the actor starts no miner after it

  // Admitted lately (the actor adds; PeerHooks::has_tx and the look-ahead workers read).
  // Declared before m_preverifier, whose workers ask it.
  RecentTxids m_recent_txids;
  mempool::AccountMemo m_tip_accounts;  // admission's reads of the tip's accounts (actor thread)
  // Look-ahead signature checks of blocks from peers waiting for the actor (docs/chain.md
  // "Look-ahead signature checks"): PeerHooks enqueues blocks above the tip, process_block
  // consumes; transactions the pool admitted are skipped (the pool vouches for them).
  // Created with the node (hardware_concurrency idle-priority threads), stopped in stop()
  // once the actor drained; any thread.
  std::unique_ptr<chain::Preverifier> m_preverifier;

  // The P2P side (null when p2p.enabled is false). Declared before the actor: actor
  // tasks post to the network, so it is destroyed after the actor's thread is gone; it
  // is stopped (its thread joined) in stop() before the chain and database close.
  std::unique_ptr<PeerHooks> m_peer_hooks;
  std::unique_ptr<p2p::Network> m_network;
  std::vector<Hash256> m_unannounced;  // admitted, announced by the next flush task (actor)

  // Proof of Stake: the consensus driver (null on a PoW chain). Runs on the actor; its
  // timers are the actor's, dropped when the actor stops (declared before it).
  std::unique_ptr<PosDriver> m_pos;
  std::optional<crypto::PrivateKey> m_validator_key;  // HOME/validator.key (it signs evidence transactions)

  // Declared last: its threads call back into the members above, and it is stopped
  // (joined) before they go away.
  std::unique_ptr<Actor> m_actor;
  // Transactions verified on API threads, admitted by the actor in batches.
  using AdmissionQueue = BatchQueue<mempool::VerifiedTx, std::expected<Hash256, SubmitRejection>>;
  std::unique_ptr<AdmissionQueue> m_admission;
  // Transactions that peers relayed (verified on the network thread), the same way.
  using PeerAdmissionQueue = BatchQueue<mempool::VerifiedTx, util::Result<Hash256, mempool::MempoolError>>;
  std::unique_ptr<PeerAdmissionQueue> m_peer_admission;
  std::unique_ptr<consensus::Miner> m_miner;
};

}  // namespace cloudchain::node
