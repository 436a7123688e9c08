// VerifiedTx and add(VerifiedTx, ...): the verify-once path the node uses (the check runs
// on the submitting thread, the pool only does its bookkeeping). Real signed
// transactions over a real StateOverlay.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "mempool/mempool.hpp"
#include "mempool/test_util.hpp"

namespace cloudchain::mempool {
namespace {

using test::kChainId;
using test::key_of;
using test::transfer;

class MempoolVerified : public ::testing::Test {
 protected:
  MempoolVerified() { state.set(alice, 1'000'000); }

  const crypto::PrivateKey alice = key_of(1);
  test::TestState state;
  Mempool pool{kChainId};
};

TEST_F(MempoolVerified, CheckBuildsATokenWithTheTxid) {
  const Transaction tx = transfer(alice, 0, 1000);
  auto verified = VerifiedTx::check(tx, kChainId);
  ASSERT_TRUE(verified) << verified.error().detail;
  EXPECT_EQ(verified->tx(), tx);
  EXPECT_EQ(verified->txid(), primitives::txid(tx));
  EXPECT_EQ(verified->chain_id(), kChainId);
}

TEST_F(MempoolVerified, AdmittedWithoutASecondVerification) {
  const Transaction tx = transfer(alice, 0, 1000, 5000);
  auto verified = VerifiedTx::check(tx, kChainId);
  ASSERT_TRUE(verified);
  auto added = pool.add(*verified, 1234, state.view);
  ASSERT_TRUE(added) << added.error().detail;
  EXPECT_EQ(added->txid, primitives::txid(tx));
  EXPECT_TRUE(added->executable);
  EXPECT_EQ(pool.signature_checks(), 0u);  // the pool verified nothing itself
  EXPECT_TRUE(pool.is_verified(added->txid));
  const PoolEntry* entry = pool.get(added->txid);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->tx, tx);
  EXPECT_EQ(entry->sender, test::address_of(alice));
  EXPECT_EQ(entry->cost, 6000u);
  EXPECT_EQ(entry->arrival_ms, 1234u);
}

// The network hashes a relayed transaction once; the token carries that txid and the
// signature is still checked.
TEST_F(MempoolVerified, CheckedWithAKnownTxid) {
  const Transaction tx = transfer(alice, 0, 1000);
  const Hash256 id = primitives::txid(tx);
  auto verified = VerifiedTx::check_with_txid(tx, id, kChainId);
  ASSERT_TRUE(verified) << verified.error().detail;
  EXPECT_EQ(verified->txid(), id);
  Transaction bad = tx;
  bad.signature[40] ^= 0x01;
  auto refused = VerifiedTx::check_with_txid(bad, primitives::txid(bad), kChainId);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, MempoolError::kInvalidTransaction);
}

TEST_F(MempoolVerified, BadSignatureNeverProducesAToken) {
  Transaction tx = transfer(alice, 0, 1000);
  tx.signature[40] ^= 0x01;  // in range, just not a valid signature
  auto verified = VerifiedTx::check(tx, kChainId);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, MempoolError::kInvalidTransaction);
  EXPECT_EQ(verified.error().detail.rfind("tx_invalid_signature", 0), 0u) << verified.error().detail;
  // The same detail add(tx) reports, so callers map both paths to the same code.
  auto added = pool.add(tx, 1000, state.view);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().detail, verified.error().detail);
}

TEST_F(MempoolVerified, EveryContextFreeRuleIsChecked) {
  // Wrong chain: signed for another network.
  auto other_chain =
      VerifiedTx::check(test::signed_tx(alice, 0, 1000, primitives::Transfer{{}, 1}, kChainId + 1), kChainId);
  ASSERT_FALSE(other_chain);
  EXPECT_EQ(other_chain.error().detail.rfind("tx_wrong_chain", 0), 0u) << other_chain.error().detail;
  // A body rule (zero amount) before the signature.
  auto zero = VerifiedTx::check(transfer(alice, 0, 1000, 0), kChainId);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().detail.rfind("tx_zero_amount", 0), 0u) << zero.error().detail;
  // A transaction altered after signing: the signature no longer covers it.
  Transaction altered = transfer(alice, 0, 1000);
  altered.fee += 1;
  auto bad = VerifiedTx::check(altered, kChainId);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail.rfind("tx_invalid_signature", 0), 0u) << bad.error().detail;
}

TEST_F(MempoolVerified, TokenForAnotherChainIsRefused) {
  auto verified =
      VerifiedTx::check(test::signed_tx(alice, 0, 1000, primitives::Transfer{{}, 1}, kChainId + 1), kChainId + 1);
  ASSERT_TRUE(verified);
  auto added = pool.add(*verified, 1000, state.view);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, MempoolError::kInvalidTransaction);
  EXPECT_EQ(added.error().detail.rfind("tx_wrong_chain", 0), 0u) << added.error().detail;
  EXPECT_EQ(pool.size(), 0u);
}

TEST_F(MempoolVerified, StateRulesStillApply) {
  auto first = VerifiedTx::check(transfer(alice, 0, 1000), kChainId);
  ASSERT_TRUE(first);
  ASSERT_TRUE(pool.add(*first, 1000, state.view));
  // The same token again: already known.
  auto again = pool.add(*first, 1000, state.view);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, MempoolError::kAlreadyKnown);
  // More than the balance.
  auto rich = VerifiedTx::check(transfer(alice, 1, 1000, 2'000'000), kChainId);
  ASSERT_TRUE(rich);
  auto refused = pool.add(*rich, 1000, state.view);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, MempoolError::kInsufficientBalance);
  // An unfunded sender's nonce below its account's.
  state.set(key_of(2), 1'000'000, 5);
  auto stale = VerifiedTx::check(transfer(key_of(2), 4, 1000), kChainId);
  ASSERT_TRUE(stale);
  auto low = pool.add(*stale, 1000, state.view);
  ASSERT_FALSE(low);
  EXPECT_EQ(low.error().code, MempoolError::kNonceTooLow);
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.signature_checks(), 0u);
}

TEST_F(MempoolVerified, TokensBuiltOnOtherThreadsAreAdmittedByTheOwner) {
  // The node's shape: checks in parallel, the pool on one thread.
  constexpr std::uint64_t kTxs = 16;
  std::vector<Transaction> txs;
  for (std::uint64_t n = 0; n < kTxs; ++n) txs.push_back(transfer(alice, n, 1000));
  std::vector<std::optional<VerifiedTx>> tokens(kTxs);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < kTxs; i += 4) {
        if (auto v = VerifiedTx::check(txs[i], kChainId)) tokens[i].emplace(std::move(*v));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (auto& token : tokens) {
    ASSERT_TRUE(token);
    ASSERT_TRUE(pool.add(std::move(*token), 1000, state.view));
  }
  EXPECT_EQ(pool.size(), kTxs);
  EXPECT_EQ(pool.signature_checks(), 0u);
  EXPECT_EQ(pool.select(kTxs, 1 << 20).size(), kTxs);
}

}  // namespace
}  // namespace cloudchain::mempool
