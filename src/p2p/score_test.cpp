#include "p2p/score.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "p2p/error.hpp"

namespace cloudchain::p2p {
namespace {

constexpr std::uint64_t kMinute = MisbehaviourScore::kDecayIntervalMs;
constexpr std::uint64_t kStart = 1'000'000;  // an arbitrary steady clock reading

TEST(MisbehaviourScore, PointsAddUp) {
  MisbehaviourScore s;
  EXPECT_EQ(s.value(kStart), 0U);
  EXPECT_EQ(s.add(20, kStart), 20U);
  EXPECT_EQ(s.add(10, kStart + 1), 30U);
  EXPECT_EQ(s.value(kStart + 2), 30U);
}

TEST(MisbehaviourScore, DecaysOnePointPerMinute) {
  MisbehaviourScore s;
  s.add(20, kStart);
  EXPECT_EQ(s.value(kStart + kMinute - 1), 20U);
  EXPECT_EQ(s.value(kStart + kMinute), 19U);
  EXPECT_EQ(s.value(kStart + 5 * kMinute + kMinute / 2), 15U);
  EXPECT_EQ(s.value(kStart + 20 * kMinute - 1), 1U);
  EXPECT_EQ(s.value(kStart + 20 * kMinute), 0U);
  EXPECT_EQ(s.value(kStart + 1000 * kMinute), 0U);
}

TEST(MisbehaviourScore, PartOfAMinuteIsNotLostWhenPointsAreAdded) {
  MisbehaviourScore s;
  s.add(20, kStart);
  // Added 90 s later: one minute decayed, the half minute counts towards the next.
  EXPECT_EQ(s.add(10, kStart + kMinute + kMinute / 2), 29U);
  EXPECT_EQ(s.value(kStart + 2 * kMinute - 1), 29U);
  EXPECT_EQ(s.value(kStart + 2 * kMinute), 28U);
}

TEST(MisbehaviourScore, AQuietPeriodBanksNoCredit) {
  MisbehaviourScore s;
  s.add(10, kStart);
  // Back to 0 after 10 minutes; an hour later an offence counts in full, and its first
  // point goes a whole minute after it.
  const std::uint64_t later = kStart + 70 * kMinute;
  EXPECT_EQ(s.add(50, later), 50U);
  EXPECT_EQ(s.value(later + kMinute - 1), 50U);
  EXPECT_EQ(s.value(later + kMinute), 49U);
  // The same from a fresh score.
  MisbehaviourScore fresh;
  EXPECT_EQ(fresh.add(50, later), 50U);
  EXPECT_EQ(fresh.value(later + kMinute - 1), 50U);
}

TEST(MisbehaviourScore, ALongLivedHonestPeerIsNeverBanned) {
  // An invalid transaction (the cheapest offence) every 15 minutes for a week: without
  // decay the 10th would ban it.
  MisbehaviourScore s;
  std::uint32_t highest = 0;
  for (std::uint64_t i = 0; i < 7 * 24 * 4; ++i) {
    highest = std::max(highest, s.add(misbehaviour_score(P2pError::kInvalidTx), kStart + i * 15 * kMinute));
  }
  EXPECT_EQ(highest, misbehaviour_score(P2pError::kInvalidTx));
  EXPECT_LT(highest, kBanScore);
}

TEST(MisbehaviourScore, ABurstStillBans) {
  MisbehaviourScore s;
  std::uint32_t score = 0;
  for (std::uint64_t i = 0; i < 5; ++i) {
    score = s.add(misbehaviour_score(P2pError::kUnrequestedData), kStart + i * 10'000);
  }
  EXPECT_GE(score, kBanScore);
  MisbehaviourScore once;
  EXPECT_GE(once.add(misbehaviour_score(P2pError::kInvalidBlock), kStart), kBanScore);
  // Sustained faster than one point a minute also reaches a ban: 10 points every 5
  // minutes gains 5 points each time.
  MisbehaviourScore steady;
  std::uint64_t offences = 0;
  while (steady.value(kStart + offences * 5 * kMinute) < kBanScore && offences < 100) {
    steady.add(10, kStart + offences * 5 * kMinute);
    ++offences;
  }
  EXPECT_LT(offences, 100U);
}

TEST(MisbehaviourScore, SaturatesAndToleratesAClockGoingBack) {
  MisbehaviourScore s;
  s.add(std::numeric_limits<std::uint32_t>::max() - 1, kStart);
  EXPECT_EQ(s.add(100, kStart), std::numeric_limits<std::uint32_t>::max());
  MisbehaviourScore back;
  back.add(30, kStart);
  EXPECT_EQ(back.value(kStart - kMinute), 30U);
  EXPECT_EQ(back.add(5, kStart - kMinute), 35U);
  EXPECT_EQ(back.value(kStart + kMinute), 34U);
}

}  // namespace
}  // namespace cloudchain::p2p
