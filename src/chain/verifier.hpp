#pragma once
// SignatureVerifier: runs primitives::check_transaction over many transactions on a
// fixed pool of threads (the calling thread works too), for block validation.
//
// The result is deterministic whatever the scheduling: the failure at the LOWEST index,
// exactly what a sequential loop would report. Work is handed out in chunks in index
// order; once a failure at index f is known, chunks starting above f are skipped, but
// every chunk starting below f still runs to completion, so no lower failure is missed.
//
// Two ways to use it: run() checks and returns; start() hands the work to the pool and
// returns at once, so the caller can do something else meanwhile (the chain connects
// the block's state while its signatures are checked), then finish() joins in with the
// rest and returns the result. One job at a time.
//
// Thread-safety: start/finish/run are called by one thread (the chain actor); the
// transactions must stay alive and unchanged until finish() returns. The destructor
// finishes a pending job and joins the threads. Senders' keys are decoded through a
// crypto::KeyCache (shared with whoever else checks the node's signatures), which is
// thread-safe itself.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "crypto/key_cache.hpp"
#include "primitives/transaction.hpp"
#include "util/error.hpp"

namespace cloudchain::chain {

struct TxCheckFailure {
  std::size_t index = 0;  // position in the span given to run()
  util::Error<primitives::TxCheckError> error;
};

class SignatureVerifier {
 public:
  /// Transactions per unit of work handed to a thread (about half a millisecond).
  static constexpr std::size_t kChunk = 16;

  /// `threads` in total including the caller (0: hardware_concurrency, at least 1);
  /// `keys` null: a cache of its own.
  explicit SignatureVerifier(unsigned threads, std::shared_ptr<crypto::KeyCache> keys = nullptr);
  ~SignatureVerifier();
  SignatureVerifier(const SignatureVerifier&) = delete;
  SignatureVerifier& operator=(const SignatureVerifier&) = delete;

  /// check_transaction(*txs[i], chain_id) for every i; nullopt when all pass, else the
  /// lowest failing index and its error. Null pointers are skipped (already verified).
  std::optional<TxCheckFailure> run(std::span<const primitives::Transaction* const> txs, std::uint32_t chain_id);

  /// Starts run()'s work on the pool threads. REQUIRES: no job pending (finish() was
  /// called since the last start()).
  void start(std::vector<const primitives::Transaction*> txs, std::uint32_t chain_id);
  /// Works on the pending job with the calling thread until it is done; run()'s result.
  /// nullopt also when no job is pending.
  std::optional<TxCheckFailure> finish();
  bool pending() const { return m_pending != nullptr; }

  unsigned threads() const { return static_cast<unsigned>(m_workers.size()) + 1; }

 private:
  struct Job;
  void worker_loop();
  static void work(Job& job);

  const std::shared_ptr<crypto::KeyCache> m_keys;
  std::unique_ptr<Job> m_pending;  // the started job; touched by the owner thread only

  std::mutex m_mutex;  // guards m_job, m_generation, m_busy, m_stop
  std::condition_variable m_wake;
  std::condition_variable m_done;
  Job* m_job = nullptr;
  std::uint64_t m_generation = 0;
  unsigned m_busy = 0;  // workers still inside the current job
  bool m_stop = false;
  std::vector<std::thread> m_workers;
};

}  // namespace cloudchain::chain
