#include "node/batch_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace cloudchain::node {
namespace {

TEST(BatchQueue, AnswersEachCallerWithItsOwnResult) {
  Actor actor("test-batch");
  BatchQueue<int, int> queue(actor, [](int& x) { return x * 2; });
  EXPECT_EQ(queue.call(21), 42);
  EXPECT_EQ(queue.call(-5), -10);
}

TEST(BatchQueue, ManyThreadsEveryItemHandledOnceOnTheActor) {
  Actor actor("test-batch");
  std::vector<int> handled;  // touched only on the actor thread
  std::atomic<std::thread::id> actor_thread{};
  BatchQueue<int, int> queue(actor, [&](int& x) {
    actor_thread.store(std::this_thread::get_id());
    handled.push_back(x);
    return x + 1;
  });
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int item = t * kPerThread + i;
        if (queue.call(item) != item + 1) wrong.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  const auto count = actor.call([&] { return handled.size(); });
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, std::size_t{kThreads * kPerThread});
  std::vector<int> sorted = *actor.call([&] { return handled; });
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < kThreads * kPerThread; ++i) ASSERT_EQ(sorted[static_cast<std::size_t>(i)], i);
  EXPECT_NE(actor_thread.load(), std::this_thread::get_id());
}

TEST(BatchQueue, OneCallersItemsKeepTheirOrder) {
  Actor actor("test-batch");
  std::vector<int> handled;
  BatchQueue<int, bool> queue(actor, [&](int& x) {
    handled.push_back(x);
    return true;
  });
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(queue.call(i).value_or(false));
  const std::vector<int> seen = *actor.call([&] { return handled; });
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(BatchQueue, StoppedActorAnswersNullopt) {
  Actor actor("test-batch");
  BatchQueue<int, int> queue(actor, [](int& x) { return x; });
  actor.stop();
  EXPECT_FALSE(queue.call(1).has_value());
  EXPECT_FALSE(queue.call(2).has_value());  // and again: the queue is not stuck
}

TEST(BatchQueue, CallsRacingStopEitherAnswerOrReturnNullopt) {
  for (int round = 0; round < 20; ++round) {
    Actor actor("test-batch");
    std::atomic<int> handled{0};
    BatchQueue<int, int> queue(actor, [&](int& x) {
      handled.fetch_add(1);
      return x;
    });
    std::atomic<int> answered{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          if (auto r = queue.call(i)) {
            EXPECT_EQ(*r, i);
            answered.fetch_add(1);
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200 * round));
    actor.stop();
    for (auto& thread : threads) thread.join();  // no caller hangs
    EXPECT_EQ(answered.load(), handled.load());
  }
}

TEST(BatchQueue, PostAnswersOnTheActorThreadWithoutWaiting) {
  Actor actor("test-batch");
  std::atomic<bool> release{false};
  // The first item holds the actor until the test lets it go: post() must return anyway.
  BatchQueue<int, int> queue(actor, [&](int& x) {
    while (!release.load()) std::this_thread::yield();
    return x * 3;
  });
  constexpr int kItems = 500;
  std::vector<int> answers(kItems, 0);  // written on the actor thread only
  std::atomic<int> answered{0};
  std::atomic<int> off_actor{0};
  const auto actor_id = *actor.call([] { return std::this_thread::get_id(); });
  for (int i = 0; i < kItems; ++i) {
    queue.post(i, [&, i](std::optional<int> r) {
      if (std::this_thread::get_id() != actor_id) off_actor.fetch_add(1);
      answers[static_cast<std::size_t>(i)] = r.value_or(-1);
      answered.fetch_add(1, std::memory_order_release);
    });
  }
  EXPECT_EQ(answered.load(), 0);  // every post() returned while the actor was held
  release.store(true);
  while (answered.load(std::memory_order_acquire) < kItems) std::this_thread::yield();
  EXPECT_EQ(off_actor.load(), 0);
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(answers[static_cast<std::size_t>(i)], i * 3);
}

TEST(BatchQueue, PostAllHandsItsItemsToTheActorInOrderInOneTask) {
  Actor actor("test-batch");
  std::vector<int> handled;  // actor thread only
  BatchQueue<int, int> queue(actor, [&](int& x) {
    handled.push_back(x);
    return -x;
  });
  constexpr int kItems = 100;
  std::vector<int> answers(kItems, 0);
  std::atomic<int> answered{0};
  std::vector<std::pair<int, BatchQueue<int, int>::Done>> items;
  for (int i = 0; i < kItems; ++i) {
    items.emplace_back(i, [&, i](std::optional<int> r) {
      answers[static_cast<std::size_t>(i)] = r.value_or(1);
      answered.fetch_add(1, std::memory_order_release);
    });
  }
  ASSERT_TRUE(actor.call([] { return 0; }).has_value());  // idle from here on
  // (A task is counted just after it returns, which may be after call() does.)
  while (actor.tasks_run() < 1) std::this_thread::yield();
  const std::uint64_t before = actor.tasks_run();
  queue.post_all(std::move(items));
  while (answered.load(std::memory_order_acquire) < kItems) std::this_thread::yield();
  while (actor.tasks_run() == before) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a second task would show by now
  EXPECT_EQ(actor.tasks_run(), before + 1);
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(answers[static_cast<std::size_t>(i)], -i);
  queue.post_all({});  // nothing to hand over: no task
  const std::vector<int> seen = *actor.call([&] { return handled; });
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
  while (actor.tasks_run() < before + 2) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(actor.tasks_run(), before + 2);  // the drain and the call: none for the empty batch
}

TEST(BatchQueue, PostAndCallMixKeepOneCallersOrder) {
  Actor actor("test-batch");
  std::vector<int> handled;
  BatchQueue<int, int> queue(actor, [&](int& x) {
    handled.push_back(x);
    return x;
  });
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 0) {
      ASSERT_EQ(queue.call(i), i);
    } else {
      queue.post(i, [](std::optional<int>) {});
    }
  }
  const std::vector<int> seen = *actor.call([&] { return handled; });
  ASSERT_EQ(seen.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(BatchQueue, PostToAStoppedActorAnswersNulloptOnTheCaller) {
  Actor actor("test-batch");
  BatchQueue<int, int> queue(actor, [](int& x) { return x; });
  actor.stop();
  int calls = 0;
  std::optional<int> got = 7;
  queue.post(1, [&](std::optional<int> r) {
    ++calls;
    got = r;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(got.has_value());
}

TEST(BatchQueue, PostsRacingStopAreEachAnsweredExactlyOnce) {
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> callbacks{0};
    std::atomic<int> handled{0};
    constexpr int kPosts = 3 * 300;
    {
      Actor actor("test-batch");
      BatchQueue<int, int> queue(actor, [&](int& x) {
        handled.fetch_add(1);
        return x;
      });
      std::atomic<int> with_answer{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&] {
          for (int i = 0; i < kPosts / 3; ++i) {
            queue.post(i, [&, i](std::optional<int> r) {
              if (r) {
                EXPECT_EQ(*r, i);
                with_answer.fetch_add(1);
              }
              callbacks.fetch_add(1);
            });
          }
        });
      }
      std::this_thread::sleep_for(std::chrono::microseconds(100 * round));
      actor.stop();
      for (auto& thread : threads) thread.join();
      EXPECT_EQ(with_answer.load(), handled.load());
    }
    EXPECT_EQ(callbacks.load(), kPosts);  // none lost, none twice
  }
}

}  // namespace
}  // namespace cloudchain::node
