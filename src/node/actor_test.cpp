#include "node/actor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace cloudchain::node {
namespace {

using namespace std::chrono_literals;

TEST(Actor, RunsTasksInPostOrderOnOneThread) {
  Actor actor("test-actor");
  std::vector<int> seen;  // touched only by the actor thread
  std::atomic<bool> wrong_thread{false};
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(actor.post([&, i] {
      if (!actor.in_actor_thread()) wrong_thread = true;
      seen.push_back(i);
    }));
  }
  const auto size = actor.call([&] { return seen.size(); });
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(*size, 1000U);
  EXPECT_FALSE(wrong_thread);
  EXPECT_FALSE(actor.in_actor_thread());
  const auto ordered = actor.call([&] {
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (seen[i] != static_cast<int>(i)) return false;
    }
    return true;
  });
  EXPECT_EQ(ordered, true);
}

TEST(Actor, CallFromManyThreads) {
  Actor actor("test-actor");
  std::uint64_t counter = 0;  // actor-owned
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) ASSERT_TRUE(actor.call([&] { ++counter; }).has_value());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(actor.call([&] { return counter; }), 4000U);
}

TEST(Actor, StopDrainsQueuedTasksThenRefuses) {
  std::atomic<int> ran{0};
  Actor actor("test-actor");
  // Hold the thread so that the next tasks are still queued when stop() begins.
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  actor.post([gate] { gate.wait(); });
  for (int i = 0; i < 10; ++i) actor.post([&] { ++ran; });
  std::thread stopper([&] { actor.stop(); });
  // Let stop() mark the actor as stopping before the gate opens.
  while (actor.post([] {})) std::this_thread::sleep_for(1ms);
  release.set_value();
  stopper.join();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_FALSE(actor.post([&] { ++ran; }));
  EXPECT_FALSE(actor.post_after(1ms, [&] { ++ran; }));
  EXPECT_FALSE(actor.call([] { return 1; }).has_value());
  actor.stop();  // idempotent
}

TEST(Actor, TimersFireInDeadlineOrderAndAfterTheirDelay) {
  Actor actor("test-actor");
  std::vector<int> order;
  const auto start = Actor::Clock::now();
  std::promise<Actor::Clock::duration> done;
  actor.post_after(60ms, [&] {
    order.push_back(2);
    done.set_value(Actor::Clock::now() - start);
  });
  actor.post_after(20ms, [&] { order.push_back(1); });
  actor.post([&] { order.push_back(0); });
  const auto elapsed = done.get_future().get();
  EXPECT_GE(elapsed, 60ms);
  EXPECT_EQ(actor.call([&] { return order; }), (std::vector<int>{0, 1, 2}));
}

TEST(Actor, StopDropsPendingTimers) {
  std::atomic<bool> fired{false};
  {
    Actor actor("test-actor");
    actor.post_after(10s, [&] { fired = true; });
    const auto start = Actor::Clock::now();
    actor.stop();
    EXPECT_LT(Actor::Clock::now() - start, 2s);
  }
  EXPECT_FALSE(fired);
}

TEST(Actor, StopWhileTheThreadWaitsForATimer) {
  // The thread sleeps until the timer's deadline; stop() drops the timer meanwhile. The
  // wait must not read the deadline from the dropped timer (a use-after-free that
  // AddressSanitizer reported in node_test before the thread waited on a copy).
  Actor actor("test-actor");
  actor.post_after(10s, [] {});
  actor.call([] {});                  // the thread has looked at the timer ...
  std::this_thread::sleep_for(50ms);  // ... and is waiting for it
  const auto start = Actor::Clock::now();
  actor.stop();
  EXPECT_LT(Actor::Clock::now() - start, 2s);
}

TEST(Actor, CountsTasks) {
  Actor actor("test-actor");
  for (int i = 0; i < 5; ++i) actor.post([] {});
  actor.call([] {});
  EXPECT_GE(actor.tasks_run(), 5U);
}

}  // namespace
}  // namespace cloudchain::node
