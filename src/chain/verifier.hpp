#pragma once
// SignatureVerifier: runs primitives::check_transaction over many transactions on a
// fixed pool of threads (the calling thread works too), for block validation.
//
// The result is deterministic whatever the scheduling: the failure at the LOWEST index,
// exactly what a sequential loop would report. Work is handed out in chunks in index
// order; once a failure at index f is known, chunks starting above f are skipped, but
// every chunk starting below f still runs to completion, so no lower failure is missed.
//
// Thread-safety: run() is called by one thread at a time (the chain actor); the
// transactions must stay unchanged during the call. The destructor joins the threads.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

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

  /// `threads` in total including the caller (0: hardware_concurrency, at least 1).
  explicit SignatureVerifier(unsigned threads);
  ~SignatureVerifier();
  SignatureVerifier(const SignatureVerifier&) = delete;
  SignatureVerifier& operator=(const SignatureVerifier&) = delete;

  /// check_transaction(*txs[i], chain_id) for every i; nullopt when all pass, else the
  /// lowest failing index and its error. Null pointers are skipped (already verified).
  std::optional<TxCheckFailure> run(std::span<const primitives::Transaction* const> txs, std::uint32_t chain_id);

  unsigned threads() const { return static_cast<unsigned>(m_workers.size()) + 1; }

 private:
  struct Job;
  void worker_loop();
  static void work(Job& job);

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
