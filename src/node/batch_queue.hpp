#pragma once
// BatchQueue: many threads hand items to an Actor and wait for each item's answer, and
// the actor handles the items queued meanwhile in ONE task. It is Actor::call for
// high-rate callers: a call() per item would pay a task, a wake-up of the actor and a
// promise per item; here the actor is woken once per batch, and each caller waits on an
// atomic flag in a slot that the caller and the queue share (so the notifying thread
// never touches freed memory).
//
//   BatchQueue<VerifiedTx, Result> queue(actor, [&](VerifiedTx& tx) { return admit(tx); });
//   std::optional<Result> r = queue.call(std::move(tx));   // nullopt: the actor stopped
//
// Order: items are handled in the order their callers entered the queue.
// Stopping: an item queued before the actor stopped is still handled (Actor::stop drains
// its tasks); a call that finds the actor stopped returns nullopt.
//
// Thread-safety: call() from any thread except the actor's own (it would wait for
// itself). The handler runs on the actor thread only.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "node/actor.hpp"

namespace cloudchain::node {

template <typename In, typename Out>
class BatchQueue {
 public:
  using Handler = std::function<Out(In&)>;

  /// `actor` must outlive the queue.
  BatchQueue(Actor& actor, Handler handler) : m_actor(actor), m_handler(std::move(handler)) {}
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  std::optional<Out> call(In in) {
    auto slot = std::make_shared<Slot>(std::move(in));
    bool post_drain = false;
    {
      std::lock_guard lock(m_mutex);
      m_pending.push_back(slot);
      post_drain = !m_drain_posted;
      m_drain_posted = true;
    }
    if (post_drain && !m_actor.post([this] { drain(); })) fail_pending();
    slot->done.wait(false, std::memory_order_acquire);
    return std::move(slot->out);
  }

 private:
  struct Slot {
    explicit Slot(In item) : in(std::move(item)) {}
    In in;
    std::optional<Out> out;
    std::atomic<bool> done{false};
  };

  static void finish(Slot& slot) {
    slot.done.store(true, std::memory_order_release);
    slot.done.notify_one();
  }

  // On the actor thread: everything queued up to now, in order.
  void drain() {
    std::vector<std::shared_ptr<Slot>> batch;
    {
      std::lock_guard lock(m_mutex);
      batch.swap(m_pending);
      m_drain_posted = false;
    }
    for (const auto& slot : batch) {
      slot->out.emplace(m_handler(slot->in));
      finish(*slot);
    }
  }

  // The actor refused the drain task (stopping): nobody will handle what is queued.
  void fail_pending() {
    std::vector<std::shared_ptr<Slot>> batch;
    {
      std::lock_guard lock(m_mutex);
      batch.swap(m_pending);
      m_drain_posted = false;
    }
    for (const auto& slot : batch) finish(*slot);
  }

  Actor& m_actor;
  Handler m_handler;
  std::mutex m_mutex;  // guards m_pending, m_drain_posted
  std::vector<std::shared_ptr<Slot>> m_pending;
  bool m_drain_posted = false;
};

}  // namespace cloudchain::node
