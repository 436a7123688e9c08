#include "consensus/pow.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "consensus/test_util.hpp"

namespace cloudchain::consensus {
namespace {

using test::header_with_bits;
using test::kEasyBits;
using test::pow_limit_of;

// --- Params --------------------------------------------------------------------------

TEST(PowParams, ValidParamsPass) { EXPECT_TRUE(validate_params(test::devnet_params())); }

TEST(PowParams, EachBadFieldIsRejected) {
  auto expect_bad = [](PowParams p, std::string_view why) {
    const auto r = validate_params(p);
    ASSERT_FALSE(r) << why;
    EXPECT_EQ(r.error().code, PowError::kBadParams) << why;
  };
  PowParams p = test::devnet_params();
  p.target_block_time_ms = 0;
  expect_bad(p, "zero block time");
  p = test::devnet_params();
  p.target_block_time_ms = kMaxTargetBlockTimeMs + 1;
  expect_bad(p, "block time above 2^32 ms");
  p = test::devnet_params();
  p.asert_half_life_ms = 0;
  expect_bad(p, "zero half-life");
  p = test::devnet_params();
  p.pow_limit = Hash256{};
  expect_bad(p, "zero pow_limit");
  p = test::devnet_params();
  p.genesis_bits = 0x00800000;  // sign bit
  expect_bad(p, "genesis bits not canonical");
  p = test::devnet_params();
  p.pow_limit = pow_limit_of(0x1d00ffff);
  p.genesis_bits = kEasyBits;
  expect_bad(p, "genesis target above pow_limit");
  // The edge values themselves are accepted.
  p = test::devnet_params();
  p.target_block_time_ms = kMaxTargetBlockTimeMs;
  p.asert_half_life_ms = 1;
  EXPECT_TRUE(validate_params(p));
}

// --- Work ------------------------------------------------------------------------------

TEST(PowWork, WorkIsTwoTo256OverTargetPlusOne) {
  // 2^256 / 2^256 = 1; 2^256 / 2^255 = 2; 2^256 / 1 does not fit (target 0 gives 0).
  EXPECT_EQ(work_from_target(Uint256::max()), Uint256(1));
  EXPECT_EQ(work_from_target(Uint256::max() >> 1), Uint256(2));  // target + 1 = 2^255
  EXPECT_EQ(work_from_target(Uint256{}), Uint256{});
  EXPECT_EQ(work_from_target(Uint256(1)), Uint256(1) << 255);  // floor(2^256 / 2)
  EXPECT_EQ(work_from_target(Uint256(2)),
            *Uint256::from_hex("5555555555555555555555555555555555555555555555555555555555555555"));
  // Bitcoin's genesis bits 0x1d00ffff: work 0x100010001 (Bitcoin Core's chain work of block 0).
  EXPECT_EQ(work_from_bits(0x1d00ffff), Uint256(0x100010001));
  // Regtest-style 0x207fffff: target 0x7fffff * 2^232, work 2.
  EXPECT_EQ(work_from_bits(kEasyBits), Uint256(2));
}

TEST(PowWork, BadBitsHaveNoWork) {
  for (std::uint32_t bits : {0x00000000u, 0x00800000u, 0x01003456u, 0x23000001u, 0x04000001u}) {
    const auto w = work_from_bits(bits);
    ASSERT_FALSE(w) << std::hex << bits;
    EXPECT_EQ(w.error().code, PowError::kBadBits);
  }
}

TEST(PowWork, HarderTargetsHaveMoreWork) {
  Uint256 previous;
  for (std::uint32_t bits : {0x207fffffu, 0x1f00ffffu, 0x1d00ffffu, 0x1a2b3c4du, 0x1802aee8u, 0x01010000u}) {
    const auto w = work_from_bits(bits);
    ASSERT_TRUE(w);
    EXPECT_GT(*w, previous) << std::hex << bits;
    previous = *w;
  }
}

TEST(PowWork, CumulativeWorkOverflowIsAnError) {
  EXPECT_EQ(add_work(Uint256(3), Uint256(4)), Uint256(7));
  EXPECT_EQ(add_work(Uint256::max() - Uint256(1), Uint256(1)), Uint256::max());
  const auto over = add_work(Uint256::max(), Uint256(1));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, PowError::kWorkOverflow);
}

// --- check_pow ---------------------------------------------------------------------------------

TEST(PowCheck, MinedHeaderPasses) {
  const PowParams params = test::devnet_params();
  primitives::BlockHeader h = header_with_bits(0x1f00ffff);  // about 1 in 65536 hashes
  test::mine(h);
  EXPECT_TRUE(check_pow(h, params));
  // The same header one nonce on almost surely fails: the hash is what is checked.
  std::get<primitives::PowSeal>(h.seal).nonce += 1;
  const bool next_also_meets =
      primitives::hash_meets_target(primitives::block_hash(h), *primitives::target_from_bits(0x1f00ffff));
  const auto r = check_pow(h, params);
  EXPECT_EQ(r.has_value(), next_also_meets);
  if (!r) {
    EXPECT_EQ(r.error().code, PowError::kHighHash);
  }
}

TEST(PowCheck, HighHashIsRejected) {
  // Target 1: only a hash of 0 or 1 would do.
  const primitives::BlockHeader h = header_with_bits(0x01010000);
  const auto r = check_pow(h, test::devnet_params());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PowError::kHighHash);
  EXPECT_TRUE(is_sender_fault(r.error().code));
}

TEST(PowCheck, NonCanonicalBitsAreRejected) {
  // Headers built in memory can hold bits that decoding would have refused.
  for (std::uint32_t bits : {0x00000000u, 0x00800000u, 0x01003456u, 0x23000001u, 0x04000001u}) {
    const auto r = check_pow(header_with_bits(bits), test::devnet_params());
    ASSERT_FALSE(r) << std::hex << bits;
    EXPECT_EQ(r.error().code, PowError::kBadBits) << std::hex << bits;
  }
}

TEST(PowCheck, TargetAbovePowLimitIsRejected) {
  PowParams params = test::devnet_params();
  params.pow_limit = pow_limit_of(0x1f00ffff);
  params.genesis_bits = 0x1f00ffff;
  primitives::BlockHeader h = header_with_bits(kEasyBits);
  test::mine(h);  // a valid hash for its own (too easy) target
  const auto r = check_pow(h, params);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PowError::kBadBits);
}

TEST(PowCheck, PosHeaderIsNotPow) {
  primitives::BlockHeader h = header_with_bits(kEasyBits);
  h.seal = primitives::PosSeal{};
  const auto r = check_pow(h, test::devnet_params());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PowError::kNotPow);
}

// --- Timestamps ------------------------------------------------------------------------------------

TEST(PowTime, MedianTimePast) {
  EXPECT_EQ(median_time_past({}), 0u);
  const std::vector<std::uint64_t> one = {42};
  EXPECT_EQ(median_time_past(one), 42u);
  // Even count: the upper median (index n/2 of the sorted values), as Bitcoin.
  const std::vector<std::uint64_t> two = {10, 20};
  EXPECT_EQ(median_time_past(two), 20u);
  const std::vector<std::uint64_t> unsorted = {50, 10, 40, 30, 20};
  EXPECT_EQ(median_time_past(unsorted), 30u);
  // Only the last 11 count: the three leading huge values are outside the window.
  const std::vector<std::uint64_t> fourteen = {900, 900, 900, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  EXPECT_EQ(median_time_past(fourteen), 6u);
  const std::vector<std::uint64_t> extremes = {std::numeric_limits<std::uint64_t>::max(), 0, 7};
  EXPECT_EQ(median_time_past(extremes), 7u);
}

TEST(PowTime, TimestampRule) {
  const std::uint64_t mtp = 1'000'000;
  const std::uint64_t now = 2'000'000;
  const std::uint64_t drift = 7'200'000;
  EXPECT_TRUE(check_timestamp(mtp + 1, mtp, now, drift));
  EXPECT_TRUE(check_timestamp(now + drift, mtp, now, drift));  // the bound itself is allowed
  const auto equal = check_timestamp(mtp, mtp, now, drift);
  ASSERT_FALSE(equal);
  EXPECT_EQ(equal.error().code, PowError::kTimeTooOld);
  const auto older = check_timestamp(mtp - 1, mtp, now, drift);
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().code, PowError::kTimeTooOld);
  const auto future = check_timestamp(now + drift + 1, mtp, now, drift);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, PowError::kTimeTooNew);
  EXPECT_FALSE(is_sender_fault(PowError::kTimeTooNew));  // may become valid later
  // now + drift saturates instead of wrapping around to a tiny bound.
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_TRUE(check_timestamp(max, mtp, max - 5, drift));
}

// --- Contextual rules ----------------------------------------------------------------------------------

class PowContextual : public ::testing::Test {
 protected:
  PowParams params = test::devnet_params();
  std::uint64_t genesis_time = 1'700'000'000'000;
  AsertAnchor anchor = genesis_anchor(params, genesis_time).value();
  std::vector<std::uint64_t> recent = {genesis_time};
  PowParent parent{0, genesis_time, recent};

  primitives::BlockHeader child(std::uint64_t timestamp_ms) {
    primitives::BlockHeader h = header_with_bits(params.genesis_bits);
    h.timestamp_ms = timestamp_ms;
    return h;
  }
};

TEST_F(PowContextual, OnScheduleChildCarriesTheGenesisBits) {
  // Block 1 exactly one ideal block time after genesis: exponent 0, target unchanged.
  EXPECT_EQ(expected_bits(params, anchor, 0, genesis_time), params.genesis_bits);
  const std::uint64_t t = genesis_time + params.target_block_time_ms;
  EXPECT_TRUE(check_header_contextual(params, anchor, parent, child(t), t));
}

TEST_F(PowContextual, WrongBitsAreRejected) {
  const std::uint64_t t = genesis_time + params.target_block_time_ms;
  primitives::BlockHeader h = child(t);
  std::get<primitives::PowSeal>(h.seal).bits = 0x1e00ffff;  // canonical, but not the ASERT target
  const auto r = check_header_contextual(params, anchor, parent, h, t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PowError::kBitsNotExpected);
  EXPECT_TRUE(is_sender_fault(r.error().code));
}

TEST_F(PowContextual, TimestampsAreChecked) {
  const auto old = check_header_contextual(params, anchor, parent, child(genesis_time), genesis_time + 1000);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, PowError::kTimeTooOld);
  const std::uint64_t now = genesis_time + 1000;
  const auto future = check_header_contextual(params, anchor, parent, child(now + params.max_future_drift_ms + 1), now);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, PowError::kTimeTooNew);
}

TEST_F(PowContextual, PosHeaderIsNotPow) {
  primitives::BlockHeader h = child(genesis_time + 1);
  h.seal = primitives::PosSeal{};
  const auto r = check_header_contextual(params, anchor, parent, h, genesis_time + 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PowError::kNotPow);
}

TEST_F(PowContextual, UnusableAnchorIsALocalError) {
  AsertAnchor bad = anchor;
  bad.bits = 0x00800000;
  const std::uint64_t t = genesis_time + 1;
  const auto r = check_header_contextual(params, bad, parent, child(t), t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PowError::kBadParams);
  EXPECT_FALSE(is_sender_fault(r.error().code));
}

// --- Error names -------------------------------------------------------------------------------------

TEST(PowError, EveryCodeHasAStableName) {
  EXPECT_EQ(to_string(PowError::kNotPow), "not_pow");
  EXPECT_EQ(to_string(PowError::kBadBits), "bad_bits");
  EXPECT_EQ(to_string(PowError::kBitsNotExpected), "bits_not_expected");
  EXPECT_EQ(to_string(PowError::kHighHash), "high_hash");
  EXPECT_EQ(to_string(PowError::kTimeTooOld), "time_too_old");
  EXPECT_EQ(to_string(PowError::kTimeTooNew), "time_too_new");
  EXPECT_EQ(to_string(PowError::kWorkOverflow), "work_overflow");
  EXPECT_EQ(to_string(PowError::kBadParams), "bad_params");
  EXPECT_FALSE(is_sender_fault(PowError::kWorkOverflow));
  EXPECT_FALSE(is_sender_fault(PowError::kBadParams));
  EXPECT_TRUE(is_sender_fault(PowError::kNotPow));
}

}  // namespace
}  // namespace cloudchain::consensus
