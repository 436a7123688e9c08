#include "consensus/pos/validator_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "consensus/pos/test_util.hpp"

namespace cloudchain::consensus::pos {
namespace {

using test::key;
using test::make_set;

TEST(ValidatorSet, SortsByKeyAndLooksUp) {
  const auto set = make_set({5, 7, 9});
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.total_power(), 21u);
  EXPECT_TRUE(std::ranges::is_sorted(set.validators(), {}, &Validator::key));
  for (std::size_t i = 0; i < 3; ++i) {
    const auto idx = set.index_of(key(i).public_key());
    ASSERT_TRUE(idx);
    EXPECT_EQ(set.validators()[*idx].key, key(i).public_key());
  }
  EXPECT_FALSE(set.contains(key(3).public_key()));
}

TEST(ValidatorSet, RejectsBadSets) {
  const auto k0 = key(0).public_key();
  const auto k1 = key(1).public_key();
  EXPECT_EQ(ValidatorSet::create({}, 1).error().code, ValidatorSetError::kEmpty);
  EXPECT_EQ(ValidatorSet::create({{k0, 0}}, 1).error().code, ValidatorSetError::kZeroPower);
  EXPECT_EQ(ValidatorSet::create({{k0, 1}, {k0, 2}}, 1).error().code, ValidatorSetError::kDuplicateKey);
  crypto::PublicKey bad{};
  bad[0] = 0x04;
  EXPECT_EQ(ValidatorSet::create({{bad, 1}}, 1).error().code, ValidatorSetError::kBadKey);
  EXPECT_EQ(ValidatorSet::create({{k0, kMaxTotalPower}, {k1, 1}}, 1).error().code,
            ValidatorSetError::kTotalPowerTooLarge);
  // Each power alone is below 2^64 but the sum would wrap: still rejected.
  EXPECT_EQ(ValidatorSet::create({{k0, ~std::uint64_t{0}}, {k1, 2}}, 1).error().code,
            ValidatorSetError::kTotalPowerTooLarge);
  EXPECT_TRUE(ValidatorSet::create({{k0, kMaxTotalPower - 1}, {k1, 1}}, 1));
  std::vector<Validator> many;
  for (std::size_t i = 0; i <= kMaxValidators; ++i) many.push_back({key(i % 250).public_key(), 1});
  EXPECT_EQ(ValidatorSet::create(many, 1).error().code, ValidatorSetError::kTooManyValidators);
}

TEST(ValidatorSet, QuorumArithmeticIsExact) {
  const auto set = make_set({1, 1, 1});       // total 3
  EXPECT_FALSE(set.more_than_two_thirds(2));  // exactly 2/3 is not enough
  EXPECT_TRUE(set.more_than_two_thirds(3));
  EXPECT_FALSE(set.more_than_one_third(1));  // exactly 1/3 is not enough
  EXPECT_TRUE(set.more_than_one_third(2));

  const auto hundred = make_set({70, 30});  // total 100
  EXPECT_TRUE(hundred.more_than_two_thirds(70));
  EXPECT_TRUE(hundred.more_than_two_thirds(67));
  EXPECT_FALSE(hundred.more_than_two_thirds(66));
  EXPECT_FALSE(hundred.more_than_two_thirds(60));
  EXPECT_TRUE(hundred.more_than_one_third(34));
  EXPECT_FALSE(hundred.more_than_one_third(33));

  // At the power cap: 3 * power stays in range.
  const auto big = make_set({kMaxTotalPower / 2, kMaxTotalPower / 2});
  EXPECT_FALSE(big.more_than_two_thirds(kMaxTotalPower / 2));
  EXPECT_TRUE(big.more_than_two_thirds(kMaxTotalPower));
  EXPECT_TRUE(big.more_than_two_thirds(~std::uint64_t{0}));
  EXPECT_TRUE(big.more_than_one_third(kMaxTotalPower / 2));
}

TEST(ProposerSchedule, EqualPowersRotateInKeyOrder) {
  ProposerSchedule s(make_set({1, 1, 1, 1}, 10));
  EXPECT_FALSE(s.proposer_index(9, 0));
  for (std::uint64_t h = 10; h < 30; ++h) EXPECT_EQ(*s.proposer_index(h, 0), (h - 10) % 4);
  // Round r of height h is slot (h - first) + r: round 1 of h is round 0 of h + 1.
  EXPECT_EQ(*s.proposer_index(12, 1), *s.proposer_index(13, 0));
  EXPECT_EQ(*s.proposer_index(12, 5), 3u);
}

TEST(ProposerSchedule, FollowsTheWeightedRoundRobin) {
  // Powers 3, 1, 1 (total 5), by hand: priorities after each step
  //  step 1: +p -> (3,1,1), choose 0 -> (-2,1,1)
  //  step 2: (1,2,2), choose 1 (tie with 2: lower index) -> (1,-3,2)
  //  step 3: (4,-2,3), choose 0 -> (-1,-2,3)
  //  step 4: (2,-1,4), choose 2 -> (2,-1,-1)
  //  step 5: (5,0,0), choose 0 -> (0,0,0): the cycle of length 5 starts again.
  auto set = make_set({3, 1, 1}, 0);
  // Indices by the test's key numbering, whatever the sorted order is.
  std::vector<std::size_t> by_test_index;
  for (std::size_t i = 0; i < 3; ++i) by_test_index.push_back(*set.index_of(key(i).public_key()));
  // Ties break by sorted position, so compute the expectation from the sorted order.
  const auto& v = set.validators();
  const std::size_t heavy = by_test_index[0];
  const std::size_t lo = std::min(by_test_index[1], by_test_index[2]);
  const std::size_t hi = std::max(by_test_index[1], by_test_index[2]);
  ASSERT_EQ(v[heavy].power, 3u);
  ProposerSchedule s(set);
  std::vector<std::size_t> got;
  for (std::uint64_t h = 0; h < 10; ++h) got.push_back(*s.proposer_index(h, 0));
  if (heavy < lo) {
    const std::vector<std::size_t> want{heavy, lo, heavy, hi, heavy, heavy, lo, heavy, hi, heavy};
    EXPECT_EQ(got, want);
  }
  // Whatever the key order: the cycle has length 5 and the heavy validator proposes 3 of 5.
  EXPECT_EQ(std::ranges::count(got, heavy), 6);
  EXPECT_EQ(std::ranges::count(got, lo), 2);
  EXPECT_EQ(std::ranges::count(got, hi), 2);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(got[i], got[i + 5]);
}

TEST(ProposerSchedule, ProportionalToPowerOverManyHeights) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<std::uint64_t> powers;
    const std::size_t n = 4 + rng() % 20;
    for (std::size_t i = 0; i < n; ++i) powers.push_back(1 + rng() % 1000);
    const auto set = make_set(powers);
    ProposerSchedule s(set);
    constexpr std::uint64_t kHeights = 20'000;
    std::vector<std::uint64_t> count(n, 0);
    double worst = 0;
    for (std::uint64_t h = 1; h <= kHeights; ++h) {
      ++count[*s.proposer_index(h, 0)];
      // Tight at every prefix: each count stays within 1 of its exact share (the
      // deviation is priority / total power).
      for (std::size_t i = 0; i < n; ++i) {
        const double share = static_cast<double>(h) * static_cast<double>(set.validators()[i].power) /
                             static_cast<double>(set.total_power());
        worst = std::max(worst, std::abs(static_cast<double>(count[i]) - share));
      }
    }
    EXPECT_LT(worst, 1.0) << "trial " << trial;
    for (std::size_t i = 0; i < n; ++i) {
      const double share = static_cast<double>(kHeights) * static_cast<double>(set.validators()[i].power) /
                           static_cast<double>(set.total_power());
      EXPECT_NEAR(static_cast<double>(count[i]), share, 1.0) << "validator " << i << " trial " << trial;
    }
  }
}

TEST(ProposerSchedule, EachCycleOfTotalPowerSlotsIsExact) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::uint64_t> powers;
    const std::size_t n = 1 + rng() % 8;
    for (std::size_t i = 0; i < n; ++i) powers.push_back(1 + rng() % 50);
    const auto set = make_set(powers, 0);
    ProposerSchedule s(set);
    const std::uint64_t t = set.total_power();
    std::vector<std::uint64_t> count(n, 0);
    std::vector<std::size_t> first_cycle;
    for (std::uint64_t h = 0; h < t; ++h) {
      first_cycle.push_back(*s.proposer_index(h, 0));
      ++count[first_cycle.back()];
    }
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(count[i], set.validators()[i].power) << trial;
    // The state is back to all zeros: the next cycle repeats the first.
    for (std::uint64_t h = 0; h < t; ++h) ASSERT_EQ(*s.proposer_index(t + h, 0), first_cycle[h]) << trial;
  }
}

TEST(ProposerSchedule, SameInputsSameProposerInAnyQueryOrder) {
  const auto set = make_set({5, 1, 9, 2, 7, 3});
  ProposerSchedule sequential(set);
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::size_t> want;
  for (std::uint64_t h = 1; h < 3000; ++h) {
    for (std::uint32_t r = 0; r < 3; ++r) want[{h, r}] = *sequential.proposer_index(h, r);
  }
  // A fresh schedule queried at random (forwards, backwards, across checkpoints).
  ProposerSchedule random_order(set);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t h = 1 + rng() % 2999;
    const auto r = static_cast<std::uint32_t>(rng() % 3);
    ASSERT_EQ(*random_order.proposer_index(h, r), want.at({h, r})) << h << "/" << r;
  }
  // A copy of the set gives the same answers.
  ProposerSchedule copy(*ValidatorSet::create({set.validators().begin(), set.validators().end()}, 1));
  EXPECT_EQ(*copy.proposer_index(2999, 2), want.at({2999, 2}));
}

}  // namespace
}  // namespace cloudchain::consensus::pos
