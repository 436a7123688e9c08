#pragma once
// Actor: one thread that runs tasks one at a time, in the order they were posted, plus
// timers. The node's chain actor is one: the thread owns the Chain and the Mempool, and
// every other thread (API workers, miner threads, the signal handler) only posts tasks
// to it. Nothing the actor owns needs a lock, because only its thread touches it.
//
//   actor.post([&] { ... });                        fire and forget
//   auto r = actor.call([&] { return ...; });       post and wait for the result
//   actor.post_after(500ms, [&] { ... });           run once, later
//
// Ordering: tasks run in post order. Due timers are checked between tasks and run
// before the next queued task, so a timer is late by at most one task's run time.
//
// Stopping: stop() lets the tasks already queued run (drain), drops pending timers,
// joins the thread, and refuses later posts (post returns false; call returns nullopt).
// Tasks must not throw: an exception escaping a task terminates the process (it would
// leave the owned state half-updated).
//
// Thread-safety: post, post_after, call and stop may be called from any thread; call and
// stop must not be called from the actor's own thread (they would wait for themselves;
// both abort if they are).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

namespace cloudchain::node {

class Actor {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  /// Starts the thread. `name` is set as the thread's name (at most 15 characters are
  /// kept by the OS) so it shows in debuggers and `top -H`.
  explicit Actor(std::string name);
  /// stop().
  ~Actor();
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  /// Queues `task`. Returns false (and drops the task) once stop() has begun.
  bool post(Task task);
  /// Runs `task` on the actor thread once `delay` has passed. False once stopping.
  bool post_after(std::chrono::milliseconds delay, Task task);

  /// Runs `fn` on the actor thread and waits for its result. nullopt when the actor
  /// stopped before running it. REQUIRES: not called from the actor thread.
  template <typename Fn>
  auto call(Fn fn)
      -> std::optional<std::conditional_t<std::is_void_v<std::invoke_result_t<Fn>>, bool, std::invoke_result_t<Fn>>> {
    using R = std::invoke_result_t<Fn>;
    using Out = std::conditional_t<std::is_void_v<R>, bool, R>;
    require_not_actor_thread();
    auto promise = std::make_shared<std::promise<Out>>();
    std::future<Out> future = promise->get_future();
    const bool queued = post([promise, fn = std::move(fn)]() mutable {
      if constexpr (std::is_void_v<R>) {
        fn();
        promise->set_value(true);
      } else {
        promise->set_value(fn());
      }
    });
    if (!queued) return std::nullopt;
    try {
      return future.get();
    } catch (const std::future_error&) {
      return std::nullopt;  // dropped unrun: the promise died with the queue
    }
  }

  /// Drains the queue, drops timers, joins the thread. Idempotent.
  /// REQUIRES: not called from the actor thread.
  void stop();

  bool in_actor_thread() const { return std::this_thread::get_id() == m_thread_id; }
  /// Tasks run so far (for tests and metrics).
  std::uint64_t tasks_run() const;

 private:
  void run();
  void require_not_actor_thread() const;

  mutable std::mutex m_mutex;  // guards the fields below
  std::condition_variable m_cv;
  std::deque<Task> m_queue;
  std::multimap<Clock::time_point, Task> m_timers;
  bool m_stopping = false;
  std::uint64_t m_tasks_run = 0;

  std::string m_name;
  std::thread::id m_thread_id;  // written once by the thread before the constructor returns
  std::thread m_thread;
};

}  // namespace cloudchain::node
