#include "node/snapshot.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace cloudchain::node {
namespace {

struct Pair {
  std::uint64_t a = 0;
  std::uint64_t b = 0;  // always a * 2: a torn read would break it
};

TEST(Snapshot, ReadersSeeWholeValues) {
  Snapshot<Pair> snap;
  EXPECT_EQ(snap.load(), nullptr);
  snap.store(std::make_shared<Pair>(Pair{0, 0}));
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> torn{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      std::uint64_t last = 0;
      while (!done) {
        const auto p = snap.load();
        if (p->b != p->a * 2 || p->a < last) ++torn;  // whole, and never going back
        last = p->a;
      }
    });
  }
  for (std::uint64_t i = 1; i <= 20000; ++i) snap.store(std::make_shared<Pair>(Pair{i, i * 2}));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0U);
  EXPECT_EQ(snap.load()->a, 20000U);
}

TEST(Snapshot, AHeldValueOutlivesItsReplacement) {
  Snapshot<Pair> snap;
  snap.store(std::make_shared<Pair>(Pair{1, 2}));
  const auto held = snap.load();
  snap.store(std::make_shared<Pair>(Pair{3, 6}));
  EXPECT_EQ(held->a, 1U);
  EXPECT_EQ(snap.load()->a, 3U);
}

}  // namespace
}  // namespace cloudchain::node
