#include "consensus/reward.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace cloudchain::consensus {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

TEST(BlockReward, HalvesAtEachIntervalBoundary) {
  const RewardSchedule s{5'000'000'000, 210'000};  // Bitcoin's schedule
  EXPECT_EQ(block_reward(0, s), 5'000'000'000u);
  EXPECT_EQ(block_reward(209'999, s), 5'000'000'000u);
  EXPECT_EQ(block_reward(210'000, s), 2'500'000'000u);
  EXPECT_EQ(block_reward(419'999, s), 2'500'000'000u);
  EXPECT_EQ(block_reward(420'000, s), 1'250'000'000u);
  EXPECT_EQ(block_reward(630'000, s), 625'000'000u);
  // 5e9 < 2^33: the 33rd halving is the first to reach 0.
  EXPECT_EQ(block_reward(32 * 210'000, s), 1u);
  EXPECT_EQ(block_reward(33 * 210'000, s), 0u);
}

TEST(BlockReward, ZeroFromTheSixtyFourthHalving) {
  // The largest initial reward still has one unit after 63 halvings and none after 64,
  // where a plain `initial >> 64` would be undefined behaviour.
  const RewardSchedule s{kU64Max, 1};
  EXPECT_EQ(block_reward(63, s), 1u);
  EXPECT_EQ(block_reward(64, s), 0u);
  EXPECT_EQ(block_reward(65, s), 0u);
  EXPECT_EQ(block_reward(kU64Max, s), 0u);
  const RewardSchedule big_interval{kU64Max, kU64Max};
  EXPECT_EQ(block_reward(kU64Max - 1, big_interval), kU64Max);
  EXPECT_EQ(block_reward(kU64Max, big_interval), kU64Max >> 1);
}

TEST(BlockReward, ZeroIntervalNeverHalves) {
  const RewardSchedule s{1000, 0};
  EXPECT_EQ(block_reward(0, s), 1000u);
  EXPECT_EQ(block_reward(kU64Max, s), 1000u);
}

TEST(BlockReward, ZeroInitialPaysNothing) {
  const RewardSchedule s{0, 10};
  EXPECT_EQ(block_reward(0, s), 0u);
  EXPECT_EQ(block_reward(100, s), 0u);
}

}  // namespace
}  // namespace cloudchain::consensus
