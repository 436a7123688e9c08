#include "chain/verifier.hpp"
#include "util/thread_name.hpp"

#include <algorithm>
#include <atomic>
#include <limits>

namespace cloudchain::chain {

struct SignatureVerifier::Job {
  std::vector<const primitives::Transaction*> txs;
  std::uint32_t chain_id = 0;
  crypto::KeyCache* keys = nullptr;
  std::atomic<std::size_t> next_chunk{0};
  // Lowest failing index so far (SIZE_MAX: none); its error is in `failure`.
  std::atomic<std::size_t> lowest{std::numeric_limits<std::size_t>::max()};
  std::mutex failure_mutex;  // guards `failure`
  std::optional<TxCheckFailure> failure;
};

SignatureVerifier::SignatureVerifier(unsigned threads, std::shared_ptr<crypto::KeyCache> keys)
    : m_keys(keys != nullptr ? std::move(keys) : std::make_shared<crypto::KeyCache>()) {
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < threads; ++i) {
    m_workers.emplace_back([this] {
      util::name_this_thread("block-sigs");
      worker_loop();
    });
  }
}

SignatureVerifier::~SignatureVerifier() {
  (void)finish();
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  for (auto& t : m_workers) t.join();
}

void SignatureVerifier::work(Job& job) {
  const std::size_t n = job.txs.size();
  for (;;) {
    const std::size_t begin = job.next_chunk.fetch_add(1, std::memory_order_relaxed) * kChunk;
    // Chunks are taken in index order: once one starts at or above a known failure,
    // so do all later ones, and none of them can hold a lower failure.
    if (begin >= n || begin > job.lowest.load(std::memory_order_relaxed)) return;
    const std::size_t end = std::min(n, begin + kChunk);
    for (std::size_t i = begin; i < end; ++i) {
      const primitives::Transaction* tx = job.txs[i];
      if (tx == nullptr) continue;
      auto r = primitives::check_transaction(*tx, job.chain_id, job.keys);
      if (r) continue;
      std::lock_guard lock(job.failure_mutex);
      if (!job.failure || i < job.failure->index) {
        job.failure = TxCheckFailure{i, std::move(r.error())};
        job.lowest.store(i, std::memory_order_relaxed);
      }
      break;  // later indexes of this chunk cannot be lower
    }
  }
}

void SignatureVerifier::worker_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    Job* job = nullptr;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
      if (m_stop) return;
      seen = m_generation;
      job = m_job;
    }
    work(*job);
    {
      std::lock_guard lock(m_mutex);
      if (--m_busy == 0) m_done.notify_one();
    }
  }
}

std::optional<TxCheckFailure> SignatureVerifier::run(std::span<const primitives::Transaction* const> txs,
                                                     std::uint32_t chain_id) {
  start({txs.begin(), txs.end()}, chain_id);
  return finish();
}

void SignatureVerifier::start(std::vector<const primitives::Transaction*> txs, std::uint32_t chain_id) {
  m_pending = std::make_unique<Job>();
  m_pending->txs = std::move(txs);
  m_pending->chain_id = chain_id;
  m_pending->keys = m_keys.get();
  // Small batches are not worth waking anyone: finish() does them.
  if (m_workers.empty() || m_pending->txs.size() <= kChunk) return;
  {
    std::lock_guard lock(m_mutex);
    m_job = m_pending.get();
    m_busy = static_cast<unsigned>(m_workers.size());
    ++m_generation;
  }
  m_wake.notify_all();
}

std::optional<TxCheckFailure> SignatureVerifier::finish() {
  if (!m_pending) return std::nullopt;
  work(*m_pending);
  {
    // Wait until no worker can touch the job any more.
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [&] { return m_busy == 0; });
    m_job = nullptr;
  }
  std::unique_ptr<Job> job = std::move(m_pending);
  return std::move(job->failure);
}

}  // namespace cloudchain::chain
