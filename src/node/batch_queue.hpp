#pragma once
// BatchQueue: many threads hand items to an Actor, and the actor handles the items
// queued meanwhile in ONE task. It is Actor::call/post for high-rate callers: a task per
// item would pay a task and a wake-up of the actor per item; here the actor is woken
// once per batch. Two ways to wait for an item's answer:
//   - call() blocks the caller on an atomic flag in a slot that the caller and the queue
//     share (so the notifying thread never touches freed memory);
//   - post() returns at once; the actor thread hands the answer to a callback. A caller
//     that answers many clients (the API's worker threads) goes on with the next one
//     instead of sleeping until the actor is done: no context switch per item.
//
//   BatchQueue<VerifiedTx, Result> queue(actor, [&](VerifiedTx& tx) { return admit(tx); });
//   std::optional<Result> r = queue.call(std::move(tx));   // nullopt: the actor stopped
//   queue.post(std::move(tx), [](std::optional<Result> r) { ... });   // on the actor thread
//   queue.post_all(std::move(pairs_of_tx_and_done));                     // one wake-up for all
//
// Order: items are handled in the order their callers entered the queue.
// Stopping: an item queued before the actor stopped is still handled (Actor::stop drains
// its tasks); a call that finds the actor stopped returns nullopt.
//
// Thread-safety: call() from any thread except the actor's own (it would wait for
// itself); post() from any thread. The handler and post()'s callbacks run on the actor
// thread, except that a post() which finds the actor stopped calls its callback (with
// nullopt) on the posting thread. Callbacks must be short and must not block: the
// actor's other work waits behind them.

#include <atomic>
#include <functional>
#include <iterator>
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
  using Done = std::function<void(std::optional<Out>)>;

  /// `actor` must outlive the queue.
  BatchQueue(Actor& actor, Handler handler) : m_actor(actor), m_handler(std::move(handler)) {}
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  std::optional<Out> call(In in) {
    auto slot = std::make_shared<Slot>(std::move(in), nullptr);
    enqueue({slot});
    slot->done.wait(false, std::memory_order_acquire);
    return std::move(slot->out);
  }

  /// Queues `in` and returns; `done` gets the handler's answer on the actor thread, or
  /// nullopt when the actor stopped first.
  void post(In in, Done done) {
    std::vector<std::shared_ptr<Slot>> slots;
    slots.push_back(std::make_shared<Slot>(std::move(in), std::move(done)));
    enqueue(std::move(slots));
  }

  /// post() for several items, queued together (in order) with one wake-up of the actor
  /// at most: a caller that has a batch at hand does not wake it once per item.
  void post_all(std::vector<std::pair<In, Done>> items) {
    std::vector<std::shared_ptr<Slot>> slots;
    slots.reserve(items.size());
    for (auto& [in, done] : items) slots.push_back(std::make_shared<Slot>(std::move(in), std::move(done)));
    if (!slots.empty()) enqueue(std::move(slots));
  }

 private:
  struct Slot {
    Slot(In item, Done callback) : in(std::move(item)), done_callback(std::move(callback)) {}
    In in;
    std::optional<Out> out;
    std::atomic<bool> done{false};  // call(): the answer is in `out`
    Done done_callback;             // post(): who gets the answer instead
  };

  void enqueue(std::vector<std::shared_ptr<Slot>> slots) {
    bool post_drain = false;
    {
      std::lock_guard lock(m_mutex);
      m_pending.insert(m_pending.end(), std::make_move_iterator(slots.begin()), std::make_move_iterator(slots.end()));
      post_drain = !m_drain_posted;
      m_drain_posted = true;
    }
    if (post_drain && !m_actor.post([this] { drain(); })) fail_pending();
  }

  static void finish(Slot& slot) {
    if (slot.done_callback) {
      std::exchange(slot.done_callback, nullptr)(std::move(slot.out));
      return;
    }
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
