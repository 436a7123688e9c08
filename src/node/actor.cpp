#include "node/actor.hpp"

#include <cstdlib>

#include "util/thread_name.hpp"

namespace cloudchain::node {

Actor::Actor(std::string name) : m_name(std::move(name)) {
  std::unique_lock lock(m_mutex);
  m_thread = std::thread(&Actor::run, this);
  // in_actor_thread() reads m_thread_id without the lock: publish it before returning.
  m_cv.wait(lock, [this] { return m_thread_id != std::thread::id{}; });
}

Actor::~Actor() { stop(); }

void Actor::require_not_actor_thread() const {
  // Waiting on itself would hang forever; a crash with a core is easier to debug.
  if (in_actor_thread()) std::abort();
}

bool Actor::post(Task task) {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return false;
    m_queue.push_back(std::move(task));
  }
  m_cv.notify_all();
  return true;
}

bool Actor::post_after(std::chrono::milliseconds delay, Task task) {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return false;
    m_timers.emplace(Clock::now() + delay, std::move(task));
  }
  m_cv.notify_all();
  return true;
}

void Actor::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_thread.joinable()) return;
    require_not_actor_thread();
    m_stopping = true;
    m_timers.clear();
  }
  m_cv.notify_all();
  m_thread.join();
}

std::uint64_t Actor::tasks_run() const {
  std::lock_guard lock(m_mutex);
  return m_tasks_run;
}

void Actor::run() {
  util::name_this_thread(m_name);
  std::unique_lock lock(m_mutex);
  m_thread_id = std::this_thread::get_id();
  m_cv.notify_all();
  for (;;) {
    Task task;
    const auto now = Clock::now();
    if (!m_timers.empty() && m_timers.begin()->first <= now) {
      task = std::move(m_timers.begin()->second);
      m_timers.erase(m_timers.begin());
    } else if (!m_queue.empty()) {
      task = std::move(m_queue.front());
      m_queue.pop_front();
    } else if (m_stopping) {
      return;
    } else if (!m_timers.empty()) {
      // A copy: wait_until keeps reading its argument after unlocking, and stop() may
      // drop the timer (and free its key) meanwhile.
      const Clock::time_point deadline = m_timers.begin()->first;
      m_cv.wait_until(lock, deadline);
      continue;
    } else {
      m_cv.wait(lock);
      continue;
    }
    lock.unlock();
    task();
    // Destroy the task (and what it captured) before taking the lock again.
    task = nullptr;
    lock.lock();
    ++m_tasks_run;
  }
}

}  // namespace cloudchain::node
