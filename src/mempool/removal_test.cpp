// Everything that takes transactions out of the pool, or puts back what a reorg
// returned: eviction when full (by count and by bytes), expiry, blocks, explicit
// removal, revalidation against a changed state, and re-admission after a reorg.
#include <gtest/gtest.h>

#include <algorithm>

#include "mempool/mempool.hpp"
#include "mempool/test_util.hpp"

namespace cloudchain::mempool {
namespace {

using test::anchor;
using test::kChainId;
using test::key_of;
using test::transfer;

constexpr std::size_t kNoByteLimit = std::size_t{1} << 30;

class MempoolRemoval : public ::testing::Test {
 protected:
  MempoolRemoval() {
    for (std::uint32_t i = 1; i <= 8; ++i) state.set(key_of(i), 1'000'000);
  }
  Hash256 must_add(Mempool& pool, const Transaction& tx, std::uint64_t time_ms = 1000) {
    auto r = pool.add(tx, time_ms, state.view);
    EXPECT_TRUE(r) << to_string(r.error().code) << ": " << r.error().detail;
    return r ? r->txid : Hash256{};
  }
  static primitives::Block block_of(std::vector<Transaction> txs) {
    primitives::Block block;
    block.txs = std::move(txs);
    return block;
  }

  const crypto::PrivateKey a = key_of(1), b = key_of(2), c = key_of(3), d = key_of(4);
  test::TestState state;
};

TEST_F(MempoolRemoval, FullByCountEvictsTheLowestFeePerByteForARicherOne) {
  Limits limits;
  limits.max_count = 3;
  Mempool pool(kChainId, limits);
  const Hash256 low = must_add(pool, transfer(a, 0, 1000));
  must_add(pool, transfer(b, 0, 2000));
  must_add(pool, transfer(c, 0, 3000));

  // Not richer than the cheapest: refused, nothing evicted.
  auto poor = pool.add(transfer(d, 0, 1000), 1000, state.view);
  ASSERT_FALSE(poor);
  EXPECT_EQ(poor.error().code, MempoolError::kPoolFull);
  EXPECT_FALSE(peer_misbehaved(poor.error().code));
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_TRUE(pool.contains(low));

  auto rich = pool.add(transfer(d, 0, 4000), 1000, state.view);
  ASSERT_TRUE(rich);
  ASSERT_EQ(rich->evicted.size(), 1u);
  EXPECT_EQ(rich->evicted[0], low);
  EXPECT_FALSE(pool.contains(low));
  EXPECT_EQ(pool.size(), 3u);
}

// The eviction order is kept only near full: built by the first eviction, dropped when
// the pool falls under a quarter of its limits, built again by the next eviction. Every
// eviction still takes the cheapest, whenever it arrived.
TEST_F(MempoolRemoval, EvictionOrderSurvivesBeingDroppedAndRebuilt) {
  for (std::uint32_t i = 9; i <= 19; ++i) state.set(key_of(i), 1'000'000);
  Limits limits;
  limits.max_count = 8;
  Mempool pool(kChainId, limits);
  const auto evicts = [&](std::uint32_t sender, std::uint64_t fee, const Hash256& victim) {
    auto r = pool.add(transfer(key_of(sender), 0, fee), 1000, state.view);
    ASSERT_TRUE(r) << to_string(r.error().code);
    EXPECT_EQ(r->evicted, (std::vector<Hash256>{victim})) << "sender " << sender;
    EXPECT_EQ(pool.size(), 8u);
  };
  // Senders 1..8 pay 2500 2200 2700 2400 2100 2600 2300 2000.
  std::vector<Transaction> first;
  for (std::uint32_t i = 1; i <= 8; ++i) first.push_back(transfer(key_of(i), 0, 2000 + 100 * ((i * 5) % 8)));
  for (const Transaction& tx : first) must_add(pool, tx);
  evicts(9, 2050, primitives::txid(first[7]));  // builds the order
  // Sender 9, admitted while the order is kept, is now the cheapest.
  evicts(10, 5000, primitives::txid(transfer(key_of(9), 0, 2050)));

  // Blocks take all but sender 7: 1 left, under a quarter of max_count: the order goes.
  pool.remove_for_block(block_of({first.begin(), first.begin() + 6}));
  pool.remove_for_block(block_of({transfer(key_of(10), 0, 5000)}));
  ASSERT_EQ(pool.size(), 1u);

  // Refilled while no order is kept; 3000 (sender 13) arrives in the middle.
  Hash256 sender13{};
  for (std::uint32_t i = 11; i <= 17; ++i) {
    const Hash256 id = must_add(pool, transfer(key_of(i), 0, i == 13 ? 3000 : 4000 + i));
    if (i == 13) sender13 = id;
  }
  ASSERT_EQ(pool.size(), 8u);
  // One entry from before the order was dropped (sender 7, 2300), then one from after.
  evicts(18, 6000, primitives::txid(first[6]));
  evicts(19, 6000, sender13);
}

TEST_F(MempoolRemoval, FullByBytesEvictsAsManyCheapOnesAsNeeded) {
  const std::size_t transfer_size = primitives::encoded_size(transfer(a, 0, 1));
  const std::size_t anchor_size = primitives::encoded_size(anchor(a, 0, 1, 64));
  Limits limits;
  limits.max_bytes = 3 * transfer_size;
  Mempool pool(kChainId, limits);
  const Hash256 t1 = must_add(pool, transfer(a, 0, 1000));
  const Hash256 t2 = must_add(pool, transfer(b, 0, 1100));
  const Hash256 t3 = must_add(pool, transfer(c, 0, 5000));
  ASSERT_EQ(pool.bytes(), 3 * transfer_size);

  // A 219-byte anchor needs two transfers' room (3 * 147 - 219 = 222 < 147 * 2).
  auto big = pool.add(anchor(d, 0, 219 * 20, 64), 1000, state.view);
  ASSERT_TRUE(big) << big.error().detail;
  EXPECT_EQ(big->evicted, (std::vector<Hash256>{t1, t2}));
  EXPECT_TRUE(pool.contains(t3));
  EXPECT_EQ(pool.bytes(), transfer_size + anchor_size);
  EXPECT_LE(pool.bytes(), limits.max_bytes);

  // A transaction larger than the whole pool can never enter.
  limits.max_bytes = transfer_size;
  Mempool tiny(kChainId, limits);
  auto huge = tiny.add(anchor(d, 0, 1'000'000, 64), 1000, state.view);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, MempoolError::kPoolFull);
}

TEST_F(MempoolRemoval, EvictionTakesTheVictimsLaterNonces) {
  Limits limits;
  limits.max_count = 3;
  Mempool pool(kChainId, limits);
  const Hash256 a0 = must_add(pool, transfer(a, 0, 1000));
  const Hash256 a1 = must_add(pool, transfer(a, 1, 9000));  // rich, but only executable after a0
  const Hash256 b0 = must_add(pool, transfer(b, 0, 2000));
  auto r = pool.add(transfer(c, 0, 3000), 1000, state.view);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->evicted, (std::vector<Hash256>{a0, a1}));
  EXPECT_TRUE(pool.contains(b0));
  EXPECT_EQ(pool.size(), 2u);
}

TEST_F(MempoolRemoval, EvictionNeverTakesTheNewcomersOwnLowerNonces) {
  Limits limits;
  limits.max_count = 2;
  Mempool pool(kChainId, limits);
  const Hash256 a0 = must_add(pool, transfer(a, 0, 1000));  // the cheapest, but a1 needs it
  const Hash256 b0 = must_add(pool, transfer(b, 0, 2000));
  auto a1 = pool.add(transfer(a, 1, 5000), 1000, state.view);
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->evicted, (std::vector<Hash256>{b0}));
  EXPECT_TRUE(a1->executable);
  EXPECT_TRUE(pool.contains(a0));

  // With only its own ancestors left to evict, a newcomer is refused.
  auto a2 = pool.add(transfer(a, 2, 9000), 1000, state.view);
  ASSERT_FALSE(a2);
  EXPECT_EQ(a2.error().code, MempoolError::kPoolFull);
  EXPECT_EQ(pool.size(), 2u);
}

TEST_F(MempoolRemoval, ExpiryDropsOldTransactionsAndTheirLaterNonces) {
  Limits limits;
  limits.expiry_ms = 5000;
  Mempool pool(kChainId, limits);
  const Hash256 a0 = must_add(pool, transfer(a, 0, 1000), 1000);
  const Hash256 b0 = must_add(pool, transfer(b, 0, 1000), 2000);
  const Hash256 a1 = must_add(pool, transfer(a, 1, 1000), 4000);  // young, but needs a0

  EXPECT_EQ(pool.expire(5999), 0u);
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool.expire(6000), 2u);  // a0 reached 5000 ms, a1 goes with it
  EXPECT_FALSE(pool.contains(a0));
  EXPECT_FALSE(pool.contains(a1));
  EXPECT_TRUE(pool.contains(b0));
  EXPECT_EQ(pool.expire(6999), 0u);
  EXPECT_EQ(pool.expire(7000), 1u);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.bytes(), 0u);
  // Any nonce expires, not only a sender's first.
  state.set(d, 1'000'000, 5);
  const Hash256 d5 = must_add(pool, transfer(d, 5, 1000), 8000);
  // A clock that went backwards expires nothing.
  must_add(pool, transfer(c, 0, 1000), 50'000);
  EXPECT_EQ(pool.expire(10), 0u);
  EXPECT_EQ(pool.expire(13'000), 1u);
  EXPECT_FALSE(pool.contains(d5));
  EXPECT_EQ(pool.size(), 1u);
}

TEST_F(MempoolRemoval, ABlockRemovesItsTransactionsAndStaleNoncesOfItsSenders) {
  Mempool pool(kChainId);
  const Transaction a0 = transfer(a, 0, 1000);
  must_add(pool, a0);
  const Hash256 a1 = must_add(pool, transfer(a, 1, 1000));
  const Hash256 b0 = must_add(pool, transfer(b, 0, 1000));
  const Hash256 b1 = must_add(pool, transfer(b, 1, 1000));
  const Hash256 b2 = must_add(pool, transfer(b, 2, 1000));
  const Hash256 c0 = must_add(pool, transfer(c, 0, 1000));
  // The block holds a0 and another transaction of b at nonce 1 (so b's nonces 0 and 1 are used).
  const Transaction b1_other = transfer(b, 1, 7777, 42);

  EXPECT_EQ(pool.remove_for_block(block_of({a0, b1_other})), 3u);
  EXPECT_FALSE(pool.contains(primitives::txid(a0)));
  EXPECT_FALSE(pool.contains(b0));
  EXPECT_FALSE(pool.contains(b1));
  EXPECT_TRUE(pool.contains(a1));
  EXPECT_TRUE(pool.contains(b2));
  EXPECT_TRUE(pool.contains(c0));
  // a1 and b2 are now first in line.
  const auto selected = pool.select(100, kNoByteLimit);
  ASSERT_EQ(selected.size(), 3u);
  EXPECT_EQ(pool.remove_for_block(block_of({})), 0u);
}

TEST_F(MempoolRemoval, ASendersHighestNonceInTheBlockCountsWhereverItStands) {
  Mempool pool(kChainId);
  std::vector<Transaction> a_txs;
  for (std::uint64_t n = 0; n < 5; ++n) {
    a_txs.push_back(transfer(a, n, 1000));
    must_add(pool, a_txs.back());
  }
  const Hash256 b0 = must_add(pool, transfer(b, 0, 1000));
  // a's nonces 0-2 in the block, the highest in the middle, b's nonce 0 in between.
  EXPECT_EQ(pool.remove_for_block(block_of({a_txs[0], transfer(b, 0, 5, 3), a_txs[2], a_txs[1]})), 4u);
  for (std::size_t n = 0; n < 3; ++n) EXPECT_FALSE(pool.contains(primitives::txid(a_txs[n]))) << n;
  EXPECT_TRUE(pool.contains(primitives::txid(a_txs[3])));
  EXPECT_TRUE(pool.contains(primitives::txid(a_txs[4])));
  EXPECT_FALSE(pool.contains(b0));
  EXPECT_EQ(pool.size(), 2u);
}

TEST_F(MempoolRemoval, ABlockWithAViewAlsoDropsWhatItsSendersCanNoLongerPay) {
  state.set(a, 3000);
  Mempool pool(kChainId);
  must_add(pool, transfer(a, 0, 1000));
  const Hash256 a1 = must_add(pool, transfer(a, 1, 1000));
  // The block spent a's nonce 0 on a bigger transfer: 2900 of 3000.
  const Transaction a0_other = transfer(a, 0, 1000, 1900);
  state.set(a, 100, 1);
  auto dropped = pool.remove_for_block(block_of({a0_other}), state.view);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(*dropped, 2u);
  EXPECT_FALSE(pool.contains(a1));

  test::BrokenState broken;
  must_add(pool, transfer(b, 0, 1000));
  must_add(pool, transfer(b, 1, 1000));
  auto failed = pool.remove_for_block(block_of({transfer(b, 0, 1000, 5)}), broken.view);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, MempoolError::kStateUnavailable);
  EXPECT_EQ(pool.size(), 1u);  // b1 stays: its balance could not be read
}

TEST_F(MempoolRemoval, RemoveTakesLaterNoncesToo) {
  Mempool pool(kChainId);
  const Hash256 a0 = must_add(pool, transfer(a, 0, 1000));
  const Hash256 a1 = must_add(pool, transfer(a, 1, 1000));
  const Hash256 a2 = must_add(pool, transfer(a, 2, 1000));
  EXPECT_EQ(pool.remove(a1), 2u);
  EXPECT_TRUE(pool.contains(a0));
  EXPECT_FALSE(pool.contains(a2));
  EXPECT_EQ(pool.remove(a1), 0u);
  EXPECT_EQ(pool.remove(Hash256{}), 0u);
}

TEST_F(MempoolRemoval, RevalidationAfterAStateChangeKeepsNonceOrder) {
  Mempool pool(kChainId);
  std::vector<Hash256> ids;
  for (std::uint64_t n = 0; n < 4; ++n) ids.push_back(must_add(pool, transfer(a, n, 1000, 200)));  // 1200 each
  const Hash256 b0 = must_add(pool, transfer(b, 0, 1000));

  // The new tip: a's nonce 0 was mined, and its balance covers only one more (1200 + 1199).
  state.set(a, 2399, 1);
  auto dropped = pool.revalidate(state.view);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(*dropped, 3u);  // nonce 0 (mined), nonces 2 and 3 (unaffordable after nonce 1)
  EXPECT_FALSE(pool.contains(ids[0]));
  EXPECT_TRUE(pool.contains(ids[1]));
  EXPECT_FALSE(pool.contains(ids[2]));
  EXPECT_FALSE(pool.contains(ids[3]));
  EXPECT_TRUE(pool.contains(b0));
  // The remaining nonce 1 is executable again.
  EXPECT_EQ(pool.select(100, kNoByteLimit).size(), 2u);

  test::BrokenState broken;
  auto failed = pool.revalidate(broken.view);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, MempoolError::kStateUnavailable);
  EXPECT_EQ(pool.size(), 2u);
}

TEST_F(MempoolRemoval, RevalidationDropsNoncesBeyondTheBoundAfterAReorg) {
  Limits limits;
  limits.max_nonce_ahead = 2;
  Mempool pool(kChainId, limits);
  state.set(a, 1'000'000, 3);
  for (std::uint64_t n = 3; n < 6; ++n) must_add(pool, transfer(a, n, 1000));
  // The reorg took the account back to nonce 2: nonce 5 is now 3 ahead.
  state.set(a, 1'000'000, 2);
  auto dropped = pool.revalidate(state.view);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(*dropped, 1u);
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_TRUE(pool.select(100, kNoByteLimit).empty());  // nonce 2 is missing
}

TEST_F(MempoolRemoval, ReorgReaddsDisconnectedTransactionsWithoutVerifyingAgain) {
  Mempool pool(kChainId);
  // Nonces 0 and 1 were mined in a block; the pool holds nonce 2.
  const Transaction a0 = transfer(a, 0, 1000), a1 = transfer(a, 1, 1000);
  state.set(a, 1'000'000, 2);
  must_add(pool, transfer(a, 2, 1000));
  ASSERT_EQ(pool.signature_checks(), 1u);

  // The block is disconnected: the account is back at nonce 0.
  state.set(a, 1'000'000, 0);
  ASSERT_TRUE(pool.revalidate(state.view));
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_TRUE(pool.select(100, kNoByteLimit).empty());

  const std::vector<Transaction> returned = {a0, a1, transfer(b, 5, 1000) /* nonce gap is fine */};
  const ReaddResult r = pool.readd(returned, 9000, state.view);
  EXPECT_EQ(r.added, 3u);
  EXPECT_EQ(r.rejected, 0u);
  EXPECT_EQ(pool.signature_checks(), 1u);  // verified when their block was connected
  EXPECT_TRUE(pool.is_verified(primitives::txid(a0)));
  const auto selected = pool.select(100, kNoByteLimit);
  ASSERT_EQ(selected.size(), 3u);
  for (std::uint64_t n = 0; n < 3; ++n) EXPECT_EQ(selected[n]->nonce, n);

  // Transactions the new branch mined again no longer fit.
  state.set(c, 1'000'000, 1);
  const ReaddResult again = pool.readd(std::vector<Transaction>{transfer(c, 0, 1000)}, 9000, state.view);
  EXPECT_EQ(again.added, 0u);
  EXPECT_EQ(again.rejected, 1u);
}

TEST_F(MempoolRemoval, ListPagesInArrivalOrder) {
  Mempool pool(kChainId);
  const Hash256 x = must_add(pool, transfer(a, 0, 1000), 300);
  const Hash256 y = must_add(pool, transfer(b, 0, 1000), 100);
  const Hash256 z = must_add(pool, transfer(c, 0, 1000), 100);  // same time as y: admission order
  const auto all = pool.list(10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->txid, y);
  EXPECT_EQ(all[1]->txid, z);
  EXPECT_EQ(all[2]->txid, x);
  const auto page = pool.list(1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0]->txid, z);
  EXPECT_TRUE(pool.list(10, 3).empty());
  EXPECT_TRUE(pool.list(0).empty());
}

}  // namespace
}  // namespace cloudchain::mempool
