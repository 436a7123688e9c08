#include "chain/preverifier.hpp"
#include "util/thread_name.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>

namespace cloudchain::chain {

namespace {

// Moves `thread` to the idle scheduling class: it then runs only when a core would
// otherwise be idle. Lowering a thread's priority needs no privilege. False where the
// platform has no such class or refuses.
bool lower_to_idle(std::thread& thread) {
#ifdef SCHED_IDLE
  sched_param param{};
  param.sched_priority = 0;
  return pthread_setschedparam(thread.native_handle(), SCHED_IDLE, &param) == 0;
#else
  (void)thread;
  return false;
#endif
}

}  // namespace

Preverifier::Preverifier(unsigned threads, std::uint32_t chain_id, Options options)
    : m_chain_id(chain_id),
      m_options(std::move(options)),
      m_threads(threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency())) {
  if (m_options.key_cache == nullptr) m_options.key_cache = std::make_shared<crypto::KeyCache>();
  m_idle_priority = m_options.idle_priority;
  for (unsigned i = 0; i < m_threads; ++i) {
    m_workers.emplace_back([this] {
      util::name_this_thread("look-ahead");
      worker_loop();
    });
    // A worker starts by waiting for work, so the moment at normal priority is harmless.
    if (m_options.idle_priority && !lower_to_idle(m_workers.back())) m_idle_priority = false;
  }
}

Preverifier::~Preverifier() { stop(); }

void Preverifier::stop() {
  std::vector<std::thread> workers;
  std::deque<Job> dropped;  // freed after the lock is released
  {
    std::lock_guard lock(m_mutex);
    m_stop.store(true, std::memory_order_relaxed);
    m_queued_txs = 0;
    dropped.swap(m_queue);
    workers.swap(m_workers);
  }
  m_wake.notify_all();
  for (std::thread& t : workers) t.join();
  m_idle.notify_all();
}

bool Preverifier::enqueue(std::shared_ptr<const primitives::Block> block) {
  if (!block) return false;
  const std::size_t n = block->txs.size();
  {
    std::lock_guard lock(m_mutex);
    if (m_stop.load(std::memory_order_relaxed) || block->header.height < m_floor.load(std::memory_order_relaxed)) {
      return false;
    }
    if (n == 0) return true;  // nothing to check
    if (n > m_options.max_queued_txs - m_queued_txs) return false;
    m_queued_txs += n;
    m_queue.push_back(Job{std::move(block), 0});
  }
  m_wake.notify_all();
  return true;
}

bool Preverifier::take(const Hash256& txid) {
  std::lock_guard lock(m_mutex);
  return m_set.erase(txid) != 0;
}

std::size_t Preverifier::size() const {
  std::lock_guard lock(m_mutex);
  return m_set.size();
}

void Preverifier::forget_below(std::uint64_t height) {
  std::vector<Job> dropped;  // freed after the lock is released
  {
    std::lock_guard lock(m_mutex);
    m_floor.store(height, std::memory_order_relaxed);
    std::erase_if(m_queue, [&](Job& job) {
      if (job.block->header.height >= height) return false;
      m_queued_txs -= job.block->txs.size() - job.next;
      dropped.push_back(std::move(job));
      return true;
    });
  }
  m_idle.notify_all();
}

void Preverifier::wait_idle() {
  std::unique_lock lock(m_mutex);
  m_idle.wait(lock, [&] { return (m_queue.empty() && m_busy == 0) || m_stop.load(std::memory_order_relaxed); });
  // After stop() the workers may still be finishing: the joins in stop() wait for them.
}

void Preverifier::insert_locked(const std::vector<Hash256>& txids) {
  for (const Hash256& txid : txids) {
    const std::uint64_t serial = ++m_serial;
    m_set.insert_or_assign(txid, serial);
    m_order.emplace_back(txid, serial);
    if (m_order.size() > m_options.max_txids) {
      const auto& [oldest, oldest_serial] = m_order.front();
      if (auto it = m_set.find(oldest); it != m_set.end() && it->second == oldest_serial) m_set.erase(it);
      m_order.pop_front();
    }
  }
}

void Preverifier::worker_loop() {
  std::vector<Hash256> passed;
  passed.reserve(kChunk);
  std::shared_ptr<const primitives::Block> block;
  std::size_t begin = 0;
  std::size_t end = 0;
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [&] { return m_stop.load(std::memory_order_relaxed) || !m_queue.empty(); });
    if (m_stop.load(std::memory_order_relaxed)) return;
    Job& job = m_queue.front();
    block = job.block;
    begin = job.next;
    end = std::min(block->txs.size(), begin + kChunk);
    job.next = end;
    m_queued_txs -= end - begin;
    if (end == block->txs.size()) m_queue.pop_front();
    ++m_busy;
    lock.unlock();

    const std::uint64_t height = block->header.height;
    for (std::size_t i = begin; i < end; ++i) {
      if (m_stop.load(std::memory_order_relaxed) || height < m_floor.load(std::memory_order_relaxed)) break;
      const primitives::Transaction& tx = block->txs[i];
      const Hash256 id = primitives::txid(tx);
      if (m_options.checked_elsewhere && m_options.checked_elsewhere(id)) continue;
      if (primitives::check_transaction(tx, m_chain_id, m_options.key_cache.get())) passed.push_back(id);
    }

    block.reset();  // maybe the last reference: not freed under the lock
    lock.lock();
    // The floor is checked again under the lock: once forget_below() returned, nothing
    // of a block below it is inserted.
    if (!m_stop.load(std::memory_order_relaxed) && height >= m_floor.load(std::memory_order_relaxed)) {
      insert_locked(passed);
    }
    passed.clear();
    if (--m_busy == 0 && m_queue.empty()) m_idle.notify_all();
  }
}

}  // namespace cloudchain::chain
