#include "util/histogram.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

namespace cloudchain::util {
namespace {

TEST(Histogram, CountsEachValueInTheFirstBucketWhoseBoundIsAtLeastIt) {
  constexpr std::array<double, 3> kBounds = {0.1, 1.0, 10.0};
  Histogram h(kBounds);
  h.observe(0.05);
  h.observe(0.1);  // le is inclusive
  h.observe(0.5);
  h.observe(20.0);
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.bounds, std::vector<double>(kBounds.begin(), kBounds.end()));
  EXPECT_EQ(s.counts, (std::vector<std::uint64_t>{2, 1, 0, 1}));
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.sum, 20.65);
}

TEST(Histogram, ConcurrentObservationsAreAllCounted) {
  Histogram h(duration_buckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10'000; ++i) h.observe(0.003);
    });
  }
  for (auto& t : threads) t.join();
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.count, 40'000u);
  EXPECT_EQ(s.counts[2], 40'000u);  // 0.0025 < 0.003 <= 0.005
  EXPECT_NEAR(s.sum, 120.0, 1e-6);
}

}  // namespace
}  // namespace cloudchain::util
