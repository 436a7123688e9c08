// select(): fee priority across senders, nonce order within each sender, limits, and
// a template that depends only on the pool's content.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "mempool/mempool.hpp"
#include "mempool/test_util.hpp"

namespace cloudchain::mempool {
namespace {

using test::kChainId;
using test::key_of;
using test::transfer;

constexpr std::size_t kNoByteLimit = std::size_t{1} << 30;

class MempoolSelect : public ::testing::Test {
 protected:
  MempoolSelect() {
    for (std::uint32_t i = 1; i <= 8; ++i) state.set(key_of(i), 1'000'000'000);
  }
  void add(const Transaction& tx) {
    auto r = pool.add(tx, 1000, state.view);
    ASSERT_TRUE(r) << to_string(r.error().code) << ": " << r.error().detail;
  }
  test::TestState state;
  Mempool pool{kChainId};
};

TEST_F(MempoolSelect, HighestFeeFirstAcrossSendersWhileEachSenderKeepsNonceOrder) {
  const auto a = key_of(1), b = key_of(2), c = key_of(3);
  // Same size, so fee order is fee-per-byte order. A's rich nonce 1 waits for its
  // cheap nonce 0, which is the cheapest of all.
  const Transaction a0 = transfer(a, 0, 1000), a1 = transfer(a, 1, 90'000);
  const Transaction b0 = transfer(b, 0, 5000), b1 = transfer(b, 1, 4000);
  const Transaction c0 = transfer(c, 0, 3000);
  for (const auto* tx : {&a1, &b1, &c0, &a0, &b0}) add(*tx);

  const auto selected = pool.select(100, kNoByteLimit);
  const std::vector<const Transaction*> expected = {&b0, &b1, &c0, &a0, &a1};
  ASSERT_EQ(selected.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(*selected[i], *expected[i]) << i;
}

TEST_F(MempoolSelect, RanksByFeePerByteNotByFee) {
  const auto a = key_of(1), b = key_of(2);
  const Transaction small = transfer(a, 0, 1500);        // 147 bytes: ~10.2 per byte
  const Transaction big = test::anchor(b, 0, 2000, 64);  // 219 bytes: ~9.1 per byte
  add(big);
  add(small);
  const auto selected = pool.select(100, kNoByteLimit);
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(*selected[0], small);
  EXPECT_EQ(*selected[1], big);
}

TEST_F(MempoolSelect, EqualFeeRatesAreOrderedByTxid) {
  std::vector<Transaction> txs;
  for (std::uint32_t i = 1; i <= 6; ++i) txs.push_back(transfer(key_of(i), 0, 1000));
  for (const auto& tx : txs) add(tx);
  std::sort(txs.begin(), txs.end(),
            [](const Transaction& x, const Transaction& y) { return primitives::txid(x) < primitives::txid(y); });
  const auto selected = pool.select(100, kNoByteLimit);
  ASSERT_EQ(selected.size(), txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) EXPECT_EQ(*selected[i], txs[i]) << i;
}

TEST_F(MempoolSelect, StopsAtTheCountLimit) {
  for (std::uint32_t i = 1; i <= 5; ++i) add(transfer(key_of(i), 0, 1000 * i));
  const auto selected = pool.select(2, kNoByteLimit);
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(selected[0]->fee, 5000u);
  EXPECT_EQ(selected[1]->fee, 4000u);
  EXPECT_TRUE(pool.select(0, kNoByteLimit).empty());
}

TEST_F(MempoolSelect, ATransactionThatDoesNotFitSkipsItsSenderOnly) {
  const auto a = key_of(1), b = key_of(2), c = key_of(3);
  const Transaction a0 = transfer(a, 0, 100'000);          // richest: 147 bytes
  const Transaction big = test::anchor(b, 0, 90'000, 64);  // next: 219 bytes
  const Transaction after_big = transfer(b, 1, 90'000);    // would fit, but needs `big`
  const Transaction c0 = transfer(c, 0, 2000);             // cheapest, fits
  for (const auto* tx : {&a0, &big, &after_big, &c0}) add(*tx);
  // Room for two transfers: after a0, the anchor does not fit and takes b's nonce 1 with it.
  const std::size_t room = 2 * primitives::encoded_size(a0);
  const auto selected = pool.select(100, room);
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(*selected[0], a0);
  EXPECT_EQ(*selected[1], c0);
}

TEST_F(MempoolSelect, SameContentGivesTheSameTemplateWhateverTheArrivalOrder) {
  std::vector<Transaction> txs;
  std::mt19937_64 rng(42);
  for (std::uint32_t s = 1; s <= 8; ++s) {
    for (std::uint64_t n = 0; n < 4; ++n) txs.push_back(transfer(key_of(s), n, 500 + rng() % 2000));
  }
  // Any arrival order is admissible: each nonce is within max_nonce_ahead of the account's.
  std::vector<Transaction> shuffled = txs;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);

  Mempool other(kChainId);
  for (const auto& tx : txs) add(tx);
  for (const auto& tx : shuffled) ASSERT_TRUE(other.add(tx, 777, state.view));

  const auto x = pool.select(1000, kNoByteLimit);
  const auto y = other.select(1000, kNoByteLimit);
  ASSERT_EQ(x.size(), txs.size());
  ASSERT_EQ(y.size(), x.size());
  std::map<Address, std::uint64_t> next_nonce;
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(*x[i], *y[i]) << i;
    const Address sender = primitives::sender_address(*x[i]);
    EXPECT_EQ(x[i]->nonce, next_nonce[sender]++) << "nonce order broken at " << i;
  }
}

TEST_F(MempoolSelect, EmptyPoolSelectsNothing) { EXPECT_TRUE(pool.select(100, kNoByteLimit).empty()); }

}  // namespace
}  // namespace cloudchain::mempool
