// One test per rule a block can break, and the classic consensus bugs. Each builds an
// otherwise valid block with the real engine, breaks one rule, and checks the error
// code, that the tip did not move, and whom to blame.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "chain/chain.hpp"
#include "chain/test_util.hpp"
#include "consensus/pow.hpp"

namespace cloudchain::chain {
namespace {

using primitives::Block;
using test::address;
using test::Harness;
using test::MakeOptions;
using test::transfer;

// Submits `block` and expects `code`, with a detail starting with `detail_prefix`.
void expect_rejected(Harness& h, const Block& block, BlockError code, std::string_view detail_prefix = {},
                     std::optional<std::uint64_t> now = std::nullopt) {
  const Hash256 tip = h.tip();
  const auto r = now ? h->submit_block(block, *now) : h.submit(block);
  ASSERT_FALSE(r) << "accepted; expected " << to_string(code);
  EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
  EXPECT_TRUE(r.error().detail.starts_with(detail_prefix)) << r.error().detail;
  EXPECT_EQ(h.tip(), tip) << "the tip moved";
}

MakeOptions tamper(std::function<void(Block&)> f) {
  MakeOptions o;
  o.tamper = std::move(f);
  return o;
}

Hash256 genesis(const Harness& h) { return h.params.genesis.hash; }

// --- Proof of work and header --------------------------------------------------------

TEST(BlockRules, BadProofOfWork) {
  Harness h;
  Block b = h.maker.make(genesis(h));
  auto& seal = std::get<primitives::PowSeal>(b.header.seal);
  const Hash256 target = *primitives::target_from_bits(seal.bits);
  do ++seal.nonce;
  while (primitives::hash_meets_target(primitives::block_hash(b.header), target));
  expect_rejected(h, b, BlockError::kHighHash);
  EXPECT_TRUE(sender_at_fault(BlockError::kHighHash));
}

TEST(BlockRules, WrongBits) {
  Harness h;
  MakeOptions o;
  o.bits = 0x1f7fffff;  // real work at a harder target than ASERT asks for
  expect_rejected(h, h.maker.make(genesis(h), {}, o), BlockError::kBitsNotExpected);
  o.bits = 0x00800000;  // not a canonical compact target
  o.mine = false;
  expect_rejected(h, h.maker.make(genesis(h), {}, o), BlockError::kBadBits);
}

TEST(BlockRules, TimestampNotAboveMedianTimePast) {
  Harness h;
  MakeOptions o;
  o.timestamp_ms = test::kGenesisTime;  // the median of {genesis}
  expect_rejected(h, h.maker.make(genesis(h), {}, o), BlockError::kTimeTooOld);
  o.timestamp_ms = test::kGenesisTime + 1;
  EXPECT_TRUE(h.submit(h.maker.make(genesis(h), {}, o)));
}

TEST(BlockRules, TimestampTooFarInTheFuture) {
  Harness h;
  const std::uint64_t now = test::kGenesisTime + 1000;
  MakeOptions o;
  o.timestamp_ms = now + test::kDrift + 1;
  const Block b = h.maker.make(genesis(h), {}, o);
  expect_rejected(h, b, BlockError::kTimeTooNew, {}, now);
  EXPECT_FALSE(sender_at_fault(BlockError::kTimeTooNew));
  // Not remembered as invalid: once the clock catches up, the same block is fine.
  EXPECT_TRUE(h->submit_block(b, now + 1));
}

TEST(BlockRules, WrongHeight) {
  Harness h;
  expect_rejected(h, h.maker.make(genesis(h), {}, tamper([](Block& b) { b.header.height = 2; })),
                  BlockError::kBadHeight);
}

TEST(BlockRules, WrongChainId) {
  Harness h;
  expect_rejected(h, h.maker.make(genesis(h), {}, tamper([](Block& b) { b.header.chain_id = 8; })),
                  BlockError::kWrongChain);
}

TEST(BlockRules, WrongHeaderVersion) {
  Harness h;
  expect_rejected(h, h.maker.make(genesis(h), {}, tamper([](Block& b) { b.header.version = 2; })),
                  BlockError::kBadVersion);
}

TEST(BlockRules, DuplicateBlock) {
  Harness h;
  const Block b = h.extend(genesis(h));
  expect_rejected(h, b, BlockError::kDuplicate);
  EXPECT_FALSE(sender_at_fault(BlockError::kDuplicate));
  // Genesis itself is already known too.
  expect_rejected(h, h.params.genesis.block, BlockError::kDuplicate);
}

TEST(BlockRules, UnknownParent) {
  Harness h;
  const Block parent = h.maker.make(genesis(h));  // never submitted
  const Block child = h.maker.make(primitives::block_hash(parent.header));
  expect_rejected(h, child, BlockError::kUnknownParent);
  EXPECT_FALSE(sender_at_fault(BlockError::kUnknownParent));
  // Once the parent arrives, the child connects.
  ASSERT_TRUE(h.submit(parent));
  EXPECT_TRUE(h.submit(child));
}

// --- Body ----------------------------------------------------------------------------------

TEST(BlockRules, BadTxRoot) {
  Harness h;
  expect_rejected(
      h, h.maker.make(genesis(h), {transfer(1, 0, address(20), 5)}, tamper([](Block& b) { b.header.tx_root[0] ^= 1; })),
      BlockError::kTxRootMismatch);
}

TEST(BlockRules, TooManyTransactions) {
  Harness h(test::genesis_spec(), 2);
  expect_rejected(h,
                  h.maker.make(genesis(h), {transfer(1, 0, address(20), 5), transfer(1, 1, address(20), 5),
                                            transfer(1, 2, address(20), 5)}),
                  BlockError::kTooManyTxs);
  EXPECT_TRUE(h.submit(h.maker.make(genesis(h), {transfer(1, 0, address(20), 5), transfer(1, 1, address(20), 5)})));
}

TEST(BlockRules, TooLarge) {
  // A transfer encodes in 147 bytes, a PoW header with the tx count in 157: six
  // transfers make 1039 bytes, five 892.
  Harness h(test::genesis_spec(), primitives::kMaxBlockTxs, 900);
  std::vector<primitives::Transaction> txs;
  for (std::uint64_t i = 0; i < 6; ++i) txs.push_back(transfer(1, i, address(20), 5));
  ASSERT_EQ(primitives::encoded_size(h.maker.make(genesis(h), txs,
                                                  [] {
                                                    MakeOptions o;
                                                    o.mine = false;
                                                    return o;
                                                  }())),
            1039u);
  expect_rejected(h, h.maker.make(genesis(h), txs), BlockError::kBlockTooLarge);
  txs.pop_back();
  EXPECT_TRUE(h.submit(h.maker.make(genesis(h), txs)));
}

// --- Signatures -------------------------------------------------------------------------------

TEST(BlockRules, BadSignature) {
  Harness h;
  const Block bad = h.maker.make(
      genesis(h), {transfer(1, 0, address(20), 5), transfer(2, 0, address(20), 5), transfer(3, 0, address(20), 5)},
      tamper([](Block& b) {
        b.txs[1].signature[40] ^= 1;
        b.header.tx_root = primitives::tx_root(b);
      }));
  expect_rejected(h, bad, BlockError::kTxInvalid, "tx 1: tx_invalid_signature");
  // The header commits to the bad transaction, so the block is remembered as invalid,
  // and so is anything built on it.
  expect_rejected(h, bad, BlockError::kKnownInvalid);
  const Block child = h.maker.make(primitives::block_hash(bad.header));
  expect_rejected(h, child, BlockError::kInvalidAncestor);
  EXPECT_TRUE(sender_at_fault(BlockError::kKnownInvalid));
  EXPECT_TRUE(sender_at_fault(BlockError::kInvalidAncestor));
  // ... also after a restart (the verdict is stored).
  h.reopen();
  expect_rejected(h, bad, BlockError::kKnownInvalid);
}

TEST(BlockRules, LowestFailingSignatureIsReported) {
  Harness h;
  std::vector<primitives::Transaction> txs;
  for (std::uint64_t i = 0; i < 200; ++i)
    txs.push_back(transfer(1 + static_cast<std::uint32_t>(i % 8), i / 8, address(20), 1));
  const Block bad = h.maker.make(genesis(h), txs, tamper([](Block& b) {
                                   for (std::size_t i : {190u, 77u, 150u}) b.txs[i].signature[5] ^= 1;
                                   b.header.tx_root = primitives::tx_root(b);
                                 }));
  expect_rejected(h, bad, BlockError::kTxInvalid, "tx 77: tx_invalid_signature");
}

// The order of checks holds although signatures run alongside the state: a block that
// breaks both a signature and a state rule reports the signature.
TEST(BlockRules, SignatureFailureComesBeforeStateFailure) {
  Harness h;
  const Block bad =
      h.maker.make(genesis(h), {transfer(1, 0, address(20), 5), transfer(2, 0, address(20), 5)}, tamper([](Block& b) {
                     b.txs[1].signature[40] ^= 1;
                     b.header.tx_root = primitives::tx_root(b);
                     b.header.state_root[0] ^= 1;
                   }));
  expect_rejected(h, bad, BlockError::kTxInvalid, "tx 1: tx_invalid_signature");
}

// A side-chain block (less work: not connected) still has its signatures checked.
TEST(BlockRules, BadSignatureOnASideChain) {
  Harness h;
  h.extend(genesis(h));
  MakeOptions o;
  o.beneficiary = address(201);
  o.tamper = [](Block& b) {
    b.txs[0].signature[40] ^= 1;
    b.header.tx_root = primitives::tx_root(b);
  };
  const Block side = h.maker.make(genesis(h), {transfer(1, 0, address(20), 5)}, o);
  expect_rejected(h, side, BlockError::kTxInvalid, "tx 0: tx_invalid_signature");
  expect_rejected(h, side, BlockError::kKnownInvalid);
}

// --- State rules ---------------------------------------------------------------------------------

TEST(BlockRules, NonceGap) {
  Harness h;
  expect_rejected(h, h.maker.make(genesis(h), {transfer(1, 1, address(20), 5)}), BlockError::kTxRule,
                  "tx 0: tx_nonce_gap");
}

TEST(BlockRules, InsufficientBalance) {
  Harness h;
  expect_rejected(h, h.maker.make(genesis(h), {transfer(1, 0, address(20), test::kFunds, 1)}), BlockError::kTxRule,
                  "tx 0: tx_insufficient_balance");
}

TEST(BlockRules, BadStateRoot) {
  Harness h;
  const Block bad = h.maker.make(genesis(h), {transfer(1, 0, address(20), 5)},
                                 tamper([](Block& b) { b.header.state_root[31] ^= 1; }));
  expect_rejected(h, bad, BlockError::kStateRootMismatch);
  expect_rejected(h, bad, BlockError::kKnownInvalid);
}

TEST(BlockRules, WrongReward) {
  Harness h;
  MakeOptions more;
  more.reward = test::kReward + 1;  // a state root that pays the miner one unit too much
  expect_rejected(h, h.maker.make(genesis(h), {transfer(1, 0, address(20), 5)}, more), BlockError::kStateRootMismatch);
  MakeOptions less;
  less.reward = test::kReward - 1;  // the reward is exact, not a maximum
  expect_rejected(h, h.maker.make(genesis(h), {}, less), BlockError::kStateRootMismatch);
  EXPECT_TRUE(h.submit(h.maker.make(genesis(h), {transfer(1, 0, address(20), 5)})));
}

// --- Classic consensus bugs ---------------------------------------------------------------------

// CVE-2018-17144: the same transaction twice in one block.
TEST(ClassicBugs, SameTransactionTwiceInOneBlock) {
  Harness h;
  const auto tx = transfer(1, 0, address(20), 5);
  expect_rejected(h, h.maker.make(genesis(h), {tx, tx}), BlockError::kDuplicateTx);
}

// CVE-2018-17144's effect by other means: two distinct transactions that each fit the
// balance but together overspend it.
TEST(ClassicBugs, TwoTransactionsThatTogetherOverspend) {
  Harness h;
  const std::uint64_t half = test::kFunds / 2;
  expect_rejected(
      h, h.maker.make(genesis(h), {transfer(1, 0, address(20), half, 10), transfer(1, 1, address(21), half, 10)}),
      BlockError::kTxRule, "tx 1: tx_insufficient_balance");
  EXPECT_EQ(h.account(address(20)).balance, 0u);
}

// CVE-2010-5139: amounts whose sum overflows 64 bits.
TEST(ClassicBugs, AmountPlusFeeOverflow) {
  Harness h;
  expect_rejected(h, h.maker.make(genesis(h), {transfer(1, 0, address(20), UINT64_MAX, 1)}), BlockError::kTxRule,
                  "tx 0: tx_amount_overflow");
}

TEST(ClassicBugs, CreditOverflowsTheRecipient) {
  // Genesis holds exactly 2^64 - 1, nearly all of it one whale's; every credit that would
  // push a balance past 2^64 - 1 is refused, whether a reward or a transfer.
  const auto whale = address(70);
  auto spec = test::genesis_spec();
  spec.allocations = {{address(1), 1000}, {whale, UINT64_MAX - 1000}};
  Harness h(spec);
  MakeOptions to_whale;
  to_whale.beneficiary = whale;
  expect_rejected(h, h.maker.make(genesis(h), {}, to_whale), BlockError::kRewardOverflow);
  // Mining mints beyond the genesis supply, so a transfer can then overflow the whale.
  MakeOptions to_one;
  to_one.beneficiary = address(1);
  const Block b1 = h.maker.make(genesis(h), {}, to_one);
  ASSERT_TRUE(h.submit(b1));
  expect_rejected(h, h.maker.make(primitives::block_hash(b1.header), {transfer(1, 0, whale, 2000)}),
                  BlockError::kTxRule, "tx 0: tx_balance_overflow");
}

// CVE-2012-2459: a block whose transaction list is changed while the Merkle root stays
// the same. With Bitcoin's tree, duplicating the last of an odd number of transactions
// kept the root; RFC 6962 never duplicates, so the malleated list has another root, is
// rejected, and does not poison the real block.
TEST(ClassicBugs, DuplicatedLastTransactionDoesNotKeepTheRoot) {
  Harness h;
  const Block real = h.maker.make(
      genesis(h), {transfer(1, 0, address(20), 5), transfer(2, 0, address(20), 5), transfer(3, 0, address(20), 5)});
  Block malleated = real;
  malleated.txs.push_back(real.txs.back());
  EXPECT_NE(primitives::tx_root(malleated), real.header.tx_root);
  EXPECT_EQ(primitives::block_hash(malleated.header), primitives::block_hash(real.header));
  expect_rejected(h, malleated, BlockError::kTxRootMismatch);
  // The same header with the real transactions is still accepted.
  const auto r = h.submit(real);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kConnected);
}

// Time warp: a miner choosing every timestamp within the rules cannot make the next
// block easier than ASERT allows for a parent stamped at the drift limit, and the bound
// does not grow with the number of manipulated blocks. ASERT reads only the parent's
// height and timestamp, so alternating far-future and far-past stamps (the time-warp
// pattern against interval retargeting) gains nothing beyond that bound.
TEST(ClassicBugs, TimeWarpIsBoundedByTheDrift) {
  constexpr std::uint32_t kBits = 0x1f00ffff;  // about 2^16 hashes a block: real difficulty to move
  Harness h(test::genesis_spec(kBits));
  const auto params = test::pow_params(kBits);
  const auto anchor = *consensus::genesis_anchor(params, test::kGenesisTime);
  const auto limit = Uint256::from_be(params.pow_limit);

  std::uint64_t honest_now = test::kGenesisTime;
  auto submit_at = [&](std::uint64_t timestamp) -> util::Result<SubmitOutcome, BlockError> {
    auto t = h->build_block_template(address(100), {}, honest_now);
    if (!t) return util::fail(BlockError::kStorage, "template: " + t.error().detail);
    t->block.header.timestamp_ms = timestamp;
    test::mine(t->block.header);
    return h->submit_block(t->block, honest_now);
  };
  // The next block's target, against the target an honest parent stamped `honest_now`
  // at the same height would give: at most 2^(drift / half-life) = 2^(1/60) = 1.0116
  // times it (plus compact rounding).
  auto check_bound = [&](int round) {
    const auto tip = h->tip();
    const auto next = *consensus::expected_target(params, anchor, tip->height, tip->timestamp_ms);
    const auto honest = *consensus::expected_target(params, anchor, tip->height, honest_now);
    EXPECT_LE(Uint256::checked_mul(next, 10000).value(), Uint256::checked_mul(honest, 10117).value()) << round;
    EXPECT_LT(next, limit);
    return std::pair{next, honest};
  };
  for (int round = 0; round < 10; ++round) {
    honest_now += test::kBlockTime;
    // One millisecond past the drift is refused; exactly at it is accepted.
    auto too_new = submit_at(honest_now + test::kDrift + 1);
    ASSERT_FALSE(too_new);
    EXPECT_EQ(too_new.error().code, BlockError::kTimeTooNew);
    ASSERT_TRUE(submit_at(honest_now + test::kDrift));
    check_bound(round);

    // Then the earliest stamp allowed (median time past + 1); one less is refused.
    honest_now += test::kBlockTime;
    auto past = h->build_block_template(address(100), {}, 0);  // clock 0: the template takes MTP + 1
    ASSERT_TRUE(past);
    const std::uint64_t mtp_plus_one = past->block.header.timestamp_ms;
    auto too_old = submit_at(mtp_plus_one - 1);
    ASSERT_FALSE(too_old);
    EXPECT_EQ(too_old.error().code, BlockError::kTimeTooOld);
    ASSERT_TRUE(submit_at(mtp_plus_one));
    const auto [next, honest] = check_bound(round);
    // A stamp behind the honest clock only makes the next block harder.
    if (mtp_plus_one <= honest_now) {
      EXPECT_LE(next, honest) << round;
    }
  }
  EXPECT_EQ(h->tip()->height, 20u);
}

TEST(BlockErrors, EveryCodeHasAStableDistinctName) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(BlockError::kStorage); ++i) {
    const auto name = to_string(static_cast<BlockError>(i));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  std::set<std::string_view> chain_names;
  for (int i = 0; i <= static_cast<int>(ChainError::kRewardOverflow); ++i) {
    EXPECT_TRUE(chain_names.insert(to_string(static_cast<ChainError>(i))).second);
  }
  EXPECT_FALSE(sender_at_fault(BlockError::kStorage));
  EXPECT_FALSE(sender_at_fault(BlockError::kStateUnavailable));
  EXPECT_TRUE(sender_at_fault(BlockError::kTxRule));
}

}  // namespace
}  // namespace cloudchain::chain
