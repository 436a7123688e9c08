#include "consensus/miner.hpp"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "crypto/sha256_compress.hpp"

namespace cloudchain::consensus {

namespace {

// Slice bounds are computed in 128 bits: a range may hold all 2^64 nonces.
__extension__ using U128 = unsigned __int128;

}  // namespace

// One template as the threads see it: immutable apart from the two atomics, shared by
// every thread until the last one lets go of it.
struct Miner::Job {
  Job(std::uint64_t job_id, const BlockTemplate& t, const util::Hash256& job_target)
      : id(job_id),
        tpl(t),
        target(job_target),
        hasher(primitives::pow_preimage(t.header), primitives::kPowNonceOffset) {}

  const std::uint64_t id;
  const BlockTemplate tpl;
  const util::Hash256 target;
  const crypto::PowHasher hasher;             // midstate of this template; search() is const
  mutable std::atomic<bool> solved{false};    // a result was delivered (or claimed)
  mutable std::atomic<unsigned> finished{0};  // slices searched to the end without success
};

std::string_view to_string(MinerError e) {
  switch (e) {
    case MinerError::kNotPow: return "not_pow";
    case MinerError::kBadBits: return "bad_bits";
    case MinerError::kEmptyRange: return "empty_range";
  }
  return "unknown";
}

Miner::Miner(FoundFn on_found, ExhaustedFn on_exhausted)
    : m_on_found(std::move(on_found)), m_on_exhausted(std::move(on_exhausted)) {}

Miner::~Miner() { stop(); }

void Miner::start(unsigned threads) {
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  std::lock_guard control(m_control_mutex);
  stop_locked();
  std::lock_guard lock(m_mutex);
  m_stopping = false;
  // A fresh job id: the new threads split the range anew, and the slice count of the
  // old job (for exhaustion) no longer applies.
  if (m_job) install(m_job->tpl);
  m_threads.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) m_threads.emplace_back(&Miner::worker, this, i, threads);
}

void Miner::stop() {
  std::lock_guard control(m_control_mutex);
  stop_locked();
}

void Miner::stop_locked() {
  // Joining from a miner thread would wait for itself.
  if (m_delivering_thread.load() == std::this_thread::get_id()) std::abort();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_active_id.store(0);
    threads.swap(m_threads);
  }
  m_cv.notify_all();
  for (auto& t : threads) t.join();
}

util::Result<void, MinerError> Miner::set_template(const BlockTemplate& tpl) {
  const auto* seal = std::get_if<primitives::PowSeal>(&tpl.header.seal);
  if (seal == nullptr) return util::fail(MinerError::kNotPow, "template header is not proof of work");
  if (!primitives::target_from_bits(seal->bits)) return util::fail(MinerError::kBadBits, "template bits");
  if (tpl.nonce_first > tpl.nonce_last) return util::fail(MinerError::kEmptyRange, "nonce_first > nonce_last");
  {
    const auto delivery = lock_delivery();
    std::lock_guard lock(m_mutex);
    install(tpl);
  }
  m_cv.notify_all();
  return {};
}

void Miner::clear_template() {
  const auto delivery = lock_delivery();
  std::lock_guard lock(m_mutex);
  m_job.reset();
  m_active_id.store(0);
}

bool Miner::running() const {
  std::lock_guard lock(m_mutex);
  return !m_threads.empty();
}

unsigned Miner::thread_count() const {
  std::lock_guard lock(m_mutex);
  return static_cast<unsigned>(m_threads.size());
}

void Miner::install(const BlockTemplate& tpl) {
  const auto& seal = std::get<primitives::PowSeal>(tpl.header.seal);
  const auto target = primitives::target_from_bits(seal.bits);  // validated by the caller
  auto job = std::make_shared<const Job>(m_next_id++, tpl, target.value_or(util::Hash256{}));
  m_active_id.store(job->id);
  m_job = std::move(job);
}

std::unique_lock<std::mutex> Miner::lock_delivery() {
  // Inside a callback this thread already holds m_deliver_mutex (deliver_if_current).
  if (m_delivering_thread.load() == std::this_thread::get_id()) return {};
  return std::unique_lock(m_deliver_mutex);
}

void Miner::deliver_if_current(const Job& job, const std::function<void()>& deliver) {
  std::lock_guard lock(m_deliver_mutex);
  // Template changes take m_deliver_mutex before changing m_active_id, so this check
  // holds for as long as the callback runs.
  if (m_active_id.load() != job.id) return;
  m_delivering_thread.store(std::this_thread::get_id());
  deliver();
  m_delivering_thread.store(std::thread::id{});
}

void Miner::worker(unsigned index, unsigned count) {
  std::uint64_t done_id = 0;
  for (;;) {
    std::shared_ptr<const Job> job;
    {
      std::unique_lock lock(m_mutex);
      m_cv.wait(lock, [&] { return m_stopping || (m_job && m_job->id != done_id); });
      if (m_stopping) return;
      job = m_job;
    }
    done_id = job->id;
    mine(*job, index, count);
  }
}

void Miner::mine(const Job& job, unsigned index, unsigned count) {
  // Thread `index` of `count` takes [first + total*index/count, first + total*(index+1)/count).
  const U128 total = static_cast<U128>(job.tpl.nonce_last) - job.tpl.nonce_first + 1;
  const U128 begin = job.tpl.nonce_first + total * index / count;
  const U128 end = job.tpl.nonce_first + total * (index + 1) / count;
  if (begin == end) {  // fewer nonces than threads
    finish_slice(job, count);
    return;
  }
  auto cursor = static_cast<std::uint64_t>(begin);
  const auto last = static_cast<std::uint64_t>(end - 1);
  for (;;) {
    if (m_active_id.load(std::memory_order_relaxed) != job.id || job.solved.load(std::memory_order_relaxed)) return;
    const std::uint64_t left = last - cursor;  // nonces left after `cursor`
    const std::uint64_t n = left >= kChunkNonces - 1 ? kChunkNonces : left + 1;
    if (const auto nonce = job.hasher.search(cursor, n, job.target)) {
      m_hashes.fetch_add(*nonce - cursor + 1, std::memory_order_relaxed);
      primitives::BlockHeader header = job.tpl.header;
      std::get<primitives::PowSeal>(header.seal).nonce = *nonce;
      deliver_if_current(job, [&] {
        if (!job.solved.exchange(true) && m_on_found) m_on_found(header, job.tpl.generation);
      });
      return;
    }
    m_hashes.fetch_add(n, std::memory_order_relaxed);
    if (n == left + 1) break;  // `last` was searched
    cursor += n;
  }
  finish_slice(job, count);
}

void Miner::finish_slice(const Job& job, unsigned count) {
  if (job.finished.fetch_add(1) + 1 != count) return;
  deliver_if_current(job, [&] {
    if (!job.solved.load() && m_on_exhausted) m_on_exhausted(job.tpl.generation);
  });
}

}  // namespace cloudchain::consensus
