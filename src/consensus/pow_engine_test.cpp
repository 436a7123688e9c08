#include "consensus/pow_engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "consensus/test_util.hpp"

namespace cloudchain::consensus {
namespace {

using chain::BlockError;
using test::kEasyBits;

constexpr std::uint64_t kGenesisTime = 1'700'000'000'000;

// Every block on schedule, easy genesis bits: children carry kEasyBits.
PowParams easy_params() {
  PowParams p = test::devnet_params();
  p.genesis_bits = kEasyBits;
  return p;
}

PowEngine make_engine(const PowParams& p = easy_params(), RewardSchedule r = {5000, 10}) {
  auto e = PowEngine::create(p, r);
  if (!e) std::abort();
  return *e;
}

primitives::BlockHeader genesis_header(std::uint32_t bits = kEasyBits) {
  primitives::BlockHeader g;
  g.chain_id = 7;
  g.timestamp_ms = kGenesisTime;
  g.seal = primitives::PowSeal{bits, 0};
  return g;
}

// The context of a child of genesis, at local time `now`.
chain::HeaderContext genesis_ctx(std::uint64_t now) {
  chain::HeaderContext ctx;
  ctx.genesis = genesis_header();
  ctx.parent = ctx.genesis;
  ctx.parent_hash = primitives::block_hash(ctx.parent);
  ctx.recent_timestamps_ms = {kGenesisTime};
  ctx.now_ms = now;
  return ctx;
}

// A mined child of genesis on schedule.
primitives::BlockHeader child(const chain::HeaderContext& ctx, std::uint32_t bits = kEasyBits) {
  primitives::BlockHeader h = test::header_with_bits(bits);
  h.parent = ctx.parent_hash;
  h.timestamp_ms = kGenesisTime + easy_params().target_block_time_ms;
  test::mine(h);
  return h;
}

TEST(PowEngine, CreateRejectsUnusableParams) {
  PowParams p = easy_params();
  p.asert_half_life_ms = 0;
  const auto e = PowEngine::create(p, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, PowError::kBadParams);
}

TEST(PowEngine, MinedChildOnSchedulePasses) {
  const PowEngine engine = make_engine();
  const auto ctx = genesis_ctx(kGenesisTime + 600'000);
  EXPECT_TRUE(engine.check_header(child(ctx), ctx));
}

TEST(PowEngine, EachRuleMapsToItsOwnBlockError) {
  const PowEngine engine = make_engine();
  const auto ctx = genesis_ctx(kGenesisTime + 600'000);
  auto expect = [&](const primitives::BlockHeader& h, BlockError code, const char* why) {
    const auto r = engine.check_header(h, ctx);
    ASSERT_FALSE(r) << why;
    EXPECT_EQ(r.error().code, code) << why << ": " << r.error().detail;
  };

  primitives::BlockHeader h = child(ctx);
  // Bad proof of work: the first nonce whose hash misses the target.
  auto& seal = std::get<primitives::PowSeal>(h.seal);
  const Hash256 target = test::pow_limit_of(kEasyBits);
  do ++seal.nonce;
  while (primitives::hash_meets_target(primitives::block_hash(h), target));
  expect(h, BlockError::kHighHash, "high hash");

  h = child(ctx);
  h.seal = primitives::PosSeal{};
  expect(h, BlockError::kWrongSealKind, "PoS seal on a PoW chain");

  // Bits easier than the limit.
  PowParams hard = easy_params();
  hard.pow_limit = test::pow_limit_of(0x1f00ffff);
  hard.genesis_bits = 0x1f00ffff;
  const PowEngine strict = make_engine(hard);
  const auto r = strict.check_header(child(ctx), ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BlockError::kBadBits);

  // Valid PoW at harder bits than ASERT asks for.
  expect(child(ctx, 0x1f7fffff), BlockError::kBitsNotExpected, "unexpected bits");

  h = test::header_with_bits(kEasyBits);
  h.timestamp_ms = kGenesisTime;  // not above the median time past
  test::mine(h);
  expect(h, BlockError::kTimeTooOld, "timestamp at MTP");

  h = test::header_with_bits(kEasyBits);
  h.timestamp_ms = ctx.now_ms + easy_params().max_future_drift_ms + 1;
  test::mine(h);
  expect(h, BlockError::kTimeTooNew, "timestamp beyond the drift");
}

TEST(PowEngine, ErrorMappingIsOneToOne) {
  const std::vector<PowError> all = {PowError::kNotPow,       PowError::kBadBits,    PowError::kBitsNotExpected,
                                     PowError::kHighHash,     PowError::kTimeTooOld, PowError::kTimeTooNew,
                                     PowError::kWorkOverflow, PowError::kBadParams};
  std::vector<BlockError> seen;
  for (PowError e : all) {
    const BlockError b = to_block_error(e);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), b), 0) << to_string(e);
    seen.push_back(b);
    // Whom to blame survives the mapping.
    EXPECT_EQ(chain::sender_at_fault(b), is_sender_fault(e)) << to_string(e);
  }
}

TEST(PowEngine, WorkAndReward) {
  const PowEngine engine = make_engine();
  EXPECT_EQ(*engine.work(test::header_with_bits(kEasyBits)), Uint256(2));
  primitives::BlockHeader pos;
  pos.seal = primitives::PosSeal{};
  ASSERT_FALSE(engine.work(pos));
  EXPECT_EQ(engine.work(pos).error().code, BlockError::kWrongSealKind);
  EXPECT_EQ(engine.block_reward(0), 5000u);
  EXPECT_EQ(engine.block_reward(9), 5000u);
  EXPECT_EQ(engine.block_reward(10), 2500u);
}

TEST(PowEngine, TemplateCarriesExpectedBitsAndAValidTimestamp) {
  PowParams p = test::devnet_params();  // genesis 0x1f00ffff: ASERT moves off it when late
  const PowEngine engine = make_engine(p);
  chain::HeaderContext ctx = genesis_ctx(kGenesisTime + 600'000);
  ctx.genesis = genesis_header(p.genesis_bits);
  ctx.parent = ctx.genesis;
  const auto anchor = genesis_anchor(p, kGenesisTime);
  ASSERT_TRUE(anchor);

  auto t = engine.next_header_template(ctx);
  ASSERT_TRUE(t);
  const auto& seal = std::get<primitives::PowSeal>(t->seal);
  EXPECT_EQ(seal.bits, *expected_bits(p, *anchor, 0, kGenesisTime));
  EXPECT_EQ(seal.nonce, 0u);
  EXPECT_EQ(t->timestamp_ms, ctx.now_ms);

  // A clock behind the chain: the template still lands above the median time past.
  ctx.now_ms = kGenesisTime - 5;
  t = engine.next_header_template(ctx);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->timestamp_ms, kGenesisTime + 1);
}

}  // namespace
}  // namespace cloudchain::consensus
