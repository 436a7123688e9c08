#pragma once
// Preverifier: look-ahead signature checks of blocks waiting for the chain
// (docs/chain.md "Look-ahead signature checks").
//
// While the chain thread writes a block's batch and publishes its tip, the signature
// pool sleeps and cores sit idle, yet the next blocks of a sync are already queued at
// the chain actor. The node hands each such block to a Preverifier as it arrives; its
// own worker threads, at the lowest CPU priority (Linux SCHED_IDLE: they run only on a
// core nothing else wants, so they never slow the chain's own checks), run
// primitives::check_transaction over the block's transactions and remember the txids
// that passed. When the chain reaches the block, its VerifiedFn asks take(txid) and
// skips the check of every transaction vouched for.
//
// Why a txid is enough: it hashes every byte of the transaction, signature included
// (primitives/transaction.hpp), and check_transaction depends only on those bytes and
// the chain id this Preverifier was made for. A transaction that fails is simply not
// remembered; the chain checks it itself and reports the failure exactly as without a
// Preverifier (the lowest failing index, deterministically).
//
// Bounds: at most Options::max_queued_txs transactions wait in the queue (a block that
// would exceed it is not pre-checked), and the set of vouched txids keeps the last
// Options::max_txids inserted (oldest dropped first). Nothing is done for blocks below
// the floor (forget_below): the chain has reached them.
//
// Thread-safety: every method may be called from any thread. take() is cheap (one
// mutex, never held while verifying) and is called on the chain thread inside its
// VerifiedFn. Blocks are shared, never copied: the caller may hand the same pointer to
// the chain.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crypto/key_cache.hpp"
#include "primitives/block.hpp"
#include "state/node_store.hpp"
#include "util/bytes.hpp"

namespace cloudchain::chain {

using util::Hash256;

class Preverifier {
 public:
  /// Transactions per unit of work handed to a worker (about half a millisecond):
  /// several workers share one big block, and a stop or a floor is seen within a chunk.
  static constexpr std::size_t kChunk = 16;

  struct Options {
    /// Vouched txids kept (the oldest are dropped first). 262,144 is ~26 blocks of
    /// 10,000 transactions, ~30 MB.
    std::size_t max_txids = 262'144;
    /// Transactions of queued blocks not yet handed to a worker.
    std::size_t max_queued_txs = 200'000;
    /// Workers in the idle scheduling class. Off only in tests that must finish on a
    /// machine whose cores are all busy (idle workers would then barely run).
    bool idle_priority = true;
    /// When set, a transaction whose txid it answers true for is not checked (someone
    /// already did: the node passes the txids its mempool admitted, which the chain's
    /// VerifiedFn vouches for through the pool). Called from the workers, concurrently:
    /// it must be thread-safe, and outlive the workers.
    std::function<bool(const Hash256&)> checked_elsewhere{};
    /// Decoded public keys (crypto/key_cache.hpp), shared with the chain's own checks:
    /// a sender's key decoded here serves when the block connects. Null: its own.
    std::shared_ptr<crypto::KeyCache> key_cache{};
  };

  /// Starts `threads` workers (0: hardware_concurrency, at least 1) that check
  /// transactions for `chain_id`, each set to the idle scheduling class where the
  /// platform allows it (idle_priority()).
  Preverifier(unsigned threads, std::uint32_t chain_id, Options options);
  Preverifier(unsigned threads, std::uint32_t chain_id) : Preverifier(threads, chain_id, Options{}) {}
  /// stop().
  ~Preverifier();
  Preverifier(const Preverifier&) = delete;
  Preverifier& operator=(const Preverifier&) = delete;

  /// Queues `block` for look-ahead checks. Returns false, doing nothing, when the block
  /// is null or below the floor, when its transactions would take the queue over
  /// Options::max_queued_txs, or after stop(). Never blocks on the work.
  bool enqueue(std::shared_ptr<const primitives::Block> block);

  /// True when `txid` passed check_transaction here and was not taken since; removes it
  /// (the chain consumes each once). The chain's VerifiedFn.
  bool take(const Hash256& txid);

  /// Blocks below `height` are the chain's business now: they leave the queue, workers
  /// stop on them within a transaction, and what they find is not kept. Later blocks
  /// below `height` are refused. The floor is set, not raised: a lower value (the chain
  /// went to a fork below) lets lower blocks in again. Cheap; any thread.
  void forget_below(std::uint64_t height);

  /// Blocks until the queue is empty and no worker is inside a chunk (tests, benchmarks).
  void wait_idle();
  /// Stops and joins the workers: queued work is dropped, a worker stops within one
  /// transaction, later enqueue() calls are refused. take() keeps answering from what
  /// was found before. Idempotent.
  void stop();

  /// Whether every worker runs in the idle scheduling class (false: at normal priority,
  /// where the platform refused it or Options::idle_priority is off; the checks still
  /// run).
  bool idle_priority() const { return m_idle_priority; }
  unsigned threads() const { return m_threads; }
  /// Vouched txids held now.
  std::size_t size() const;

 private:
  struct Job {
    std::shared_ptr<const primitives::Block> block;
    std::size_t next = 0;  // first transaction not yet handed out
  };

  void worker_loop();
  // REQUIRES: m_mutex is held.
  void insert_locked(const std::vector<Hash256>& txids);

  const std::uint32_t m_chain_id;
  Options m_options;  // set by the constructor (a key cache added when none was given), then only read
  const unsigned m_threads;
  bool m_idle_priority = false;  // set by the constructor only

  // Written with m_mutex held; workers also read them without it between transactions.
  std::atomic<bool> m_stop{false};
  std::atomic<std::uint64_t> m_floor{0};  // blocks below it are neither queued nor kept

  mutable std::mutex m_mutex;  // guards the fields below up to m_workers
  std::condition_variable m_wake;
  std::condition_variable m_idle;
  std::deque<Job> m_queue;       // FIFO; a job leaves once its last chunk is handed out
  std::size_t m_queued_txs = 0;  // transactions of m_queue not yet handed out
  unsigned m_busy = 0;           // workers inside a chunk
  std::uint64_t m_serial = 0;    // insertions so far
  // Vouched txid -> the serial of its insertion; m_order holds the insertions oldest
  // first (at most max_txids) and drops a txid from m_set only with its own serial, so a
  // txid taken and inserted again stays until its newer insertion ages out.
  std::unordered_map<Hash256, std::uint64_t, state::Hash256Hasher> m_set;
  std::deque<std::pair<Hash256, std::uint64_t>> m_order;

  std::vector<std::thread> m_workers;  // emptied by stop()
};

}  // namespace cloudchain::chain
