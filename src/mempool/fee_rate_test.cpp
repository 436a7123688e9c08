// Exact fee arithmetic (fee per byte, minimum fee, replace-by-fee bump, cost) and the
// classification of every error code.
#include "mempool/fee_rate.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <set>
#include <string>

#include "mempool/error.hpp"
#include "mempool/mempool.hpp"

namespace cloudchain::mempool {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(MempoolFeeRate, MulWideIsTheExact128BitProduct) {
  EXPECT_EQ(mul_wide(0, kMax), (U128{0, 0}));
  EXPECT_EQ(mul_wide(3, 5), (U128{0, 15}));
  EXPECT_EQ(mul_wide(std::uint64_t{1} << 32, std::uint64_t{1} << 32), (U128{1, 0}));
  // (2^64 - 1)^2 = 2^128 - 2^65 + 1
  EXPECT_EQ(mul_wide(kMax, kMax), (U128{kMax - 1, 1}));
  // (2^64 - 1) * 2 = 2^65 - 2
  EXPECT_EQ(mul_wide(kMax, 2), (U128{1, kMax - 1}));
  // A carry out of the middle column: (2^64 - 1) * (2^32 + 1) = 2^64 * 2^32 + (2^64 - 2^32 - 1).
  EXPECT_EQ(mul_wide(kMax, (std::uint64_t{1} << 32) + 1),
            (U128{std::uint64_t{1} << 32, kMax - (std::uint64_t{1} << 32)}));
  static_assert(mul_wide(kMax, kMax) == U128{kMax - 1, 1});
}

// The library avoids __int128 (not ISO C++); a test may use the compiler's as a reference.
__extension__ typedef unsigned __int128 Wide;

TEST(MempoolFeeRate, MulWideMatchesTheCompilers128BitProduct) {
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 100'000; ++i) {
    // Mix full-width values with ones near the 32-bit halves' edges.
    const std::uint64_t a = i % 3 == 0 ? rng() : rng() >> (rng() % 64);
    const std::uint64_t b = i % 5 == 0 ? kMax - (rng() % 3) : rng() >> (rng() % 64);
    const Wide w = Wide{a} * b;
    ASSERT_EQ(mul_wide(a, b), (U128{static_cast<std::uint64_t>(w >> 64), static_cast<std::uint64_t>(w)}))
        << a << " * " << b;
  }
}

TEST(MempoolFeeRate, ComparesFractionsExactly) {
  EXPECT_EQ((FeeRate{3, 2}), (FeeRate{6, 4}));
  EXPECT_LT((FeeRate{1, 3}), (FeeRate{1, 2}));
  EXPECT_GT((FeeRate{1000, 147}), (FeeRate{999, 147}));
  // Fees near 2^64 would wrap in 64-bit cross products; they must still order.
  EXPECT_LT((FeeRate{kMax - 1, 200}), (FeeRate{kMax, 200}));
  EXPECT_GT((FeeRate{kMax, 199}), (FeeRate{kMax, 200}));
  // Doubles would call these equal (both round to the same value).
  EXPECT_LT((FeeRate{(std::uint64_t{1} << 60) + 1, 3}), (FeeRate{(std::uint64_t{1} << 60) + 2, 3}));
}

TEST(MempoolFeeRate, MinimumFeeIsExactAndOverflowSafe) {
  EXPECT_TRUE(pays_at_least(1470, 10, 147));
  EXPECT_FALSE(pays_at_least(1469, 10, 147));
  EXPECT_TRUE(pays_at_least(0, 0, 147));
  // per_byte * size overflows u64: no fee is enough, and nothing wraps to a small product.
  EXPECT_FALSE(pays_at_least(kMax, kMax, 2));
  EXPECT_TRUE(pays_at_least(kMax, kMax, 1));
}

TEST(MempoolFeeRate, ReplacementMustBumpByThePercentage) {
  EXPECT_TRUE(bumps_fee(110, 100, 10));
  EXPECT_FALSE(bumps_fee(109, 100, 10));
  // 1 * 1.1 = 1.1: the strict increase asks for 2.
  EXPECT_FALSE(bumps_fee(1, 1, 10));
  EXPECT_TRUE(bumps_fee(2, 1, 10));
  // A zero bump still needs a higher fee, or one nonce could churn for free.
  EXPECT_FALSE(bumps_fee(100, 100, 0));
  EXPECT_TRUE(bumps_fee(101, 100, 0));
  // Nothing bumps the largest fee; huge percentages do not wrap.
  EXPECT_FALSE(bumps_fee(kMax, kMax, 10));
  EXPECT_FALSE(bumps_fee(kMax, kMax / 2, std::numeric_limits<std::uint32_t>::max()));
  EXPECT_TRUE(bumps_fee(kMax, kMax / 2, 100));
}

TEST(MempoolFeeRate, CostIsFeePlusAmountForTransferAndStake) {
  primitives::Transaction tx;
  tx.fee = 10;
  tx.body = primitives::Transfer{{}, 5};
  EXPECT_EQ(transaction_cost(tx), 15u);
  tx.body = primitives::Stake{7, {}};
  EXPECT_EQ(transaction_cost(tx), 17u);
  tx.body = primitives::Unstake{1000};
  EXPECT_EQ(transaction_cost(tx), 10u);
  tx.body = primitives::Anchor{};
  EXPECT_EQ(transaction_cost(tx), 10u);
  tx.body = primitives::Unjail{};
  EXPECT_EQ(transaction_cost(tx), 10u);
  tx.body = primitives::Transfer{{}, kMax - 10};
  EXPECT_EQ(transaction_cost(tx), kMax);
  tx.body = primitives::Transfer{{}, kMax - 9};
  EXPECT_EQ(transaction_cost(tx), std::nullopt);
}

TEST(MempoolErrors, NamesAreUniqueAndFaultsClassified) {
  const MempoolError all[] = {
      MempoolError::kInvalidTransaction,
      MempoolError::kAlreadyKnown,
      MempoolError::kNonceTooLow,
      MempoolError::kNonceGap,
      MempoolError::kNonceExhausted,
      MempoolError::kCostOverflow,
      MempoolError::kInsufficientBalance,
      MempoolError::kFeeTooLow,
      MempoolError::kReplacementUnderpriced,
      MempoolError::kSenderLimit,
      MempoolError::kPoolFull,
      MempoolError::kStateUnavailable,
      MempoolError::kFileMissing,
      MempoolError::kIoError,
      MempoolError::kCorruptFile,
  };
  std::set<std::string> names;
  for (MempoolError e : all) {
    const std::string name(to_string(e));
    EXPECT_NE(name, "mempool_unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
    const bool local = e == MempoolError::kStateUnavailable || e == MempoolError::kFileMissing ||
                       e == MempoolError::kIoError || e == MempoolError::kCorruptFile;
    EXPECT_EQ(sender_at_fault(e), !local) << name;
    // Only what no node could ever accept may cost a relaying peer its score.
    const bool never_valid = e == MempoolError::kInvalidTransaction || e == MempoolError::kNonceExhausted ||
                             e == MempoolError::kCostOverflow;
    EXPECT_EQ(peer_misbehaved(e), never_valid) << name;
    if (peer_misbehaved(e)) {
      EXPECT_TRUE(sender_at_fault(e)) << name;
    }
  }
}

}  // namespace
}  // namespace cloudchain::mempool
