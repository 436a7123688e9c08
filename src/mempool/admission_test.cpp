// add(): every admission rule, each broken on purpose, over real signed transactions
// and a real StateOverlay; and the one-verification-per-transaction promise.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <set>

#include "mempool/mempool.hpp"
#include "mempool/test_util.hpp"

namespace cloudchain::mempool {
namespace {

using test::anchor;
using test::kChainId;
using test::key_of;
using test::transfer;

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

class MempoolAdmission : public ::testing::Test {
 protected:
  MempoolAdmission() {
    state.set(alice, 1'000'000);
    state.set(bob, 1'000'000);
  }

  util::Result<AddResult, MempoolError> add(Mempool& target, const Transaction& tx, std::uint64_t time_ms = 1000) {
    return target.add(tx, time_ms, state.view);
  }

  const crypto::PrivateKey alice = key_of(1);
  const crypto::PrivateKey bob = key_of(2);
  test::TestState state;
  Mempool pool{kChainId};
};

TEST_F(MempoolAdmission, AcceptsAValidTransferAndVerifiesItOnce) {
  const Transaction tx = transfer(alice, 0, 1000, 5000);
  auto added = add(pool, tx, 1234);
  ASSERT_TRUE(added) << added.error().detail;
  EXPECT_EQ(added->txid, primitives::txid(tx));
  EXPECT_TRUE(added->executable);
  EXPECT_FALSE(added->replaced);
  EXPECT_TRUE(added->evicted.empty());

  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.bytes(), primitives::encoded_size(tx));
  EXPECT_TRUE(pool.contains(added->txid));
  EXPECT_TRUE(pool.is_verified(added->txid));
  EXPECT_EQ(pool.signature_checks(), 1u);

  const PoolEntry* entry = pool.get(added->txid);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->tx, tx);
  EXPECT_EQ(entry->sender, test::address_of(alice));
  EXPECT_EQ(entry->cost, 6000u);
  EXPECT_EQ(entry->arrival_ms, 1234u);
  EXPECT_EQ(entry->size, primitives::encoded_size(tx));
}

TEST_F(MempoolAdmission, DuplicateIsAlreadyKnownWithoutASecondVerification) {
  const Transaction tx = transfer(alice, 0, 1000);
  ASSERT_TRUE(add(pool, tx));
  auto again = add(pool, tx);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, MempoolError::kAlreadyKnown);
  EXPECT_EQ(pool.signature_checks(), 1u);
  EXPECT_EQ(pool.size(), 1u);
}

TEST_F(MempoolAdmission, BadSignatureIsRejectedAndNeverVerifiedAgain) {
  Transaction tx = transfer(alice, 0, 1000);
  tx.signature[40] ^= 0x01;  // still a low-S scalar in range: the signature just does not verify
  const Hash256 id = primitives::txid(tx);

  auto first = add(pool, tx);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, MempoolError::kInvalidTransaction);
  EXPECT_EQ(first.error().detail.rfind("tx_invalid_signature", 0), 0u) << first.error().detail;
  EXPECT_TRUE(peer_misbehaved(first.error().code));
  EXPECT_EQ(pool.signature_checks(), 1u);
  EXPECT_FALSE(pool.contains(id));
  EXPECT_FALSE(pool.is_verified(id));

  // A peer resends it: refused from the cache, no second verification.
  auto second = add(pool, tx);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, MempoolError::kInvalidTransaction);
  EXPECT_NE(second.error().detail.find("known invalid"), std::string::npos);
  EXPECT_EQ(pool.signature_checks(), 1u);
  EXPECT_EQ(pool.size(), 0u);

  // The rejection names the bytes, not the sender+nonce: the honest transaction passes.
  ASSERT_TRUE(add(pool, transfer(alice, 0, 1000)));
  EXPECT_EQ(pool.signature_checks(), 2u);
}

TEST_F(MempoolAdmission, TheRejectionCacheIsBoundedAndForgetsTheOldestFirst) {
  // Changing the amount after signing keeps the signature well formed but invalid.
  const Transaction valid = transfer(alice, 0, 1000);
  const auto forged = [&](std::uint64_t amount) {
    Transaction tx = valid;
    std::get<primitives::Transfer>(tx.body).amount = amount;
    return tx;
  };
  for (std::uint64_t i = 0; i <= kRejectCacheSize; ++i) ASSERT_FALSE(add(pool, forged(100 + i)));
  ASSERT_EQ(pool.signature_checks(), kRejectCacheSize + 1);
  // The newest is still remembered; the oldest was forgotten and costs a verification.
  ASSERT_FALSE(add(pool, forged(100 + kRejectCacheSize)));
  EXPECT_EQ(pool.signature_checks(), kRejectCacheSize + 1);
  ASSERT_FALSE(add(pool, forged(100)));
  EXPECT_EQ(pool.signature_checks(), kRejectCacheSize + 2);
}

TEST_F(MempoolAdmission, OtherContextFreeFailuresAreInvalidTransaction) {
  auto wrong_chain = add(pool, test::signed_tx(alice, 0, 1000, primitives::Transfer{{}, 1}, kChainId + 1));
  ASSERT_FALSE(wrong_chain);
  EXPECT_EQ(wrong_chain.error().code, MempoolError::kInvalidTransaction);
  EXPECT_EQ(wrong_chain.error().detail.rfind("tx_wrong_chain", 0), 0u) << wrong_chain.error().detail;

  auto zero = add(pool, transfer(alice, 0, 1000, 0));
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, MempoolError::kInvalidTransaction);
  EXPECT_EQ(zero.error().detail.rfind("tx_zero_amount", 0), 0u) << zero.error().detail;
  EXPECT_EQ(pool.size(), 0u);
}

TEST_F(MempoolAdmission, CheapRefusalsCostNoVerification) {
  state.set(alice, 1'000'000, 5);
  ASSERT_FALSE(add(pool, transfer(alice, 4, 1000)));             // nonce too low
  ASSERT_FALSE(add(pool, transfer(alice, 5, 1)));                // fee too low
  ASSERT_FALSE(add(pool, transfer(alice, 5, 1000, 2'000'000)));  // balance
  EXPECT_EQ(pool.signature_checks(), 0u);
}

TEST_F(MempoolAdmission, NonceBelowTheAccountNonceIsTooLow) {
  state.set(alice, 1'000'000, 5);
  auto low = add(pool, transfer(alice, 4, 1000));
  ASSERT_FALSE(low);
  EXPECT_EQ(low.error().code, MempoolError::kNonceTooLow);
  EXPECT_FALSE(peer_misbehaved(low.error().code));  // a peer on an older tip may relay it
  EXPECT_TRUE(add(pool, transfer(alice, 5, 1000)));
}

TEST_F(MempoolAdmission, NonceGapIsQueuedUpToTheBoundAndNotSelectable) {
  Limits limits;
  limits.max_nonce_ahead = 3;
  Mempool small(kChainId, limits);

  auto too_far = add(small, transfer(alice, 4, 1000));
  ASSERT_FALSE(too_far);
  EXPECT_EQ(too_far.error().code, MempoolError::kNonceGap);

  auto queued = add(small, transfer(alice, 2, 1000));
  ASSERT_TRUE(queued);
  EXPECT_FALSE(queued->executable);
  EXPECT_TRUE(small.select(100, 1 << 20).empty());

  auto first = add(small, transfer(alice, 0, 1000));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->executable);
  EXPECT_EQ(small.select(100, 1 << 20).size(), 1u);

  auto second = add(small, transfer(alice, 1, 1000));
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->executable);
  const auto selected = small.select(100, 1 << 20);
  ASSERT_EQ(selected.size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) EXPECT_EQ(selected[i]->nonce, i);
}

// The executable flag and pending_nonce against a recount from the pool's contents,
// over random arrivals (gaps, fills), blocks (the account nonce moves up) and reorgs
// (it moves back, revalidated through a block's senders): the pool keeps the end of
// each sender's gap-free run instead of walking the queue, and must never drift.
TEST_F(MempoolAdmission, ExecutableAndPendingNonceFollowTheGapFreeRun) {
  constexpr std::uint64_t kBalance = 1'000'000'000'000;
  state.set(alice, kBalance);
  std::uint64_t account_nonce = 0;
  const auto pooled = [&] {
    std::set<std::uint64_t> nonces;
    for (const PoolEntry* e : pool.list(pool.size())) {
      if (e->sender == test::address_of(alice)) nonces.insert(e->tx.nonce);
    }
    return nonces;
  };
  const auto run_end = [&](const std::set<std::uint64_t>& nonces) {
    std::uint64_t end = account_nonce;
    while (nonces.contains(end)) ++end;
    return end;
  };
  const auto block_of = [&](std::uint64_t nonce) {
    primitives::Block block;
    block.txs.push_back(transfer(alice, nonce, 1000));
    return block;
  };
  std::mt19937_64 rng(7);
  int executable_seen = 0;
  int queued_seen = 0;
  for (int step = 0; step < 400; ++step) {
    const unsigned op = static_cast<unsigned>(rng() % 20);
    if (op < 13) {  // an arrival, maybe behind a gap
      const std::uint64_t nonce = account_nonce + rng() % 8;
      if (pooled().contains(nonce)) continue;
      auto added = add(pool, transfer(alice, nonce, 1000));
      ASSERT_TRUE(added) << "step " << step << ": " << added.error().detail;
      const bool expected = nonce < run_end(pooled());
      EXPECT_EQ(added->executable, expected) << "step " << step << " nonce " << nonce;
      ++(expected ? executable_seen : queued_seen);
    } else if (op < 18) {  // a block takes the account nonce up by 1-3
      const std::uint64_t next = account_nonce + 1 + rng() % 3;
      state.set(alice, kBalance, next);
      pool.remove_for_block(block_of(next - 1));
      account_nonce = next;
    } else if (op == 18 && account_nonce >= 2) {  // a reorg takes it back by 1-2
      const std::uint64_t back = account_nonce - 1 - rng() % 2;
      state.set(alice, kBalance, back);
      ASSERT_TRUE(pool.remove_for_block(block_of(back), state.view));
      account_nonce = back;
    } else if (op == 19 && account_nonce >= 1) {  // a block leaves the account poorer
      // The queue is cut from its first unaffordable transaction (each costs 1,001),
      // inside the run or after it.
      state.set(alice, 1001 * (1 + rng() % 4), account_nonce);
      ASSERT_TRUE(pool.remove_for_block(block_of(account_nonce - 1), state.view));
      state.set(alice, kBalance, account_nonce);
    }
    const auto nonce = pool.pending_nonce(test::address_of(alice), state.view);
    ASSERT_TRUE(nonce);
    EXPECT_EQ(*nonce, run_end(pooled())) << "step " << step;
  }
  EXPECT_GT(executable_seen, 20);  // both kinds of arrival happened
  EXPECT_GT(queued_seen, 20);
}

TEST_F(MempoolAdmission, LastNonceIsExhausted) {
  state.set(alice, 1'000'000, kMax - 1);
  auto last = add(pool, transfer(alice, kMax, 1000));
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, MempoolError::kNonceExhausted);
  EXPECT_TRUE(add(pool, transfer(alice, kMax - 1, 1000)));
}

TEST_F(MempoolAdmission, FeePlusAmountOverflowIsRefused) {
  auto overflow = add(pool, transfer(alice, 0, 1000, kMax - 999));
  ASSERT_FALSE(overflow);
  EXPECT_EQ(overflow.error().code, MempoolError::kCostOverflow);
}

TEST_F(MempoolAdmission, BalanceMustCoverEveryPendingTransaction) {
  state.set(alice, 2000);
  ASSERT_TRUE(add(pool, transfer(alice, 0, 1000, 200)));  // cost 1200
  auto over = add(pool, transfer(alice, 1, 800, 1));      // 1200 + 801 > 2000
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, MempoolError::kInsufficientBalance);
  EXPECT_TRUE(add(pool, transfer(alice, 1, 799, 1)));  // 1200 + 800 = 2000: exactly the balance
  auto more = add(pool, transfer(alice, 2, 200, 1));
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code, MempoolError::kInsufficientBalance);
}

TEST_F(MempoolAdmission, FeeBelowTheMinimumPerByteIsTooLow) {
  Limits limits;
  limits.min_fee_per_byte = 10;
  Mempool strict(kChainId, limits);
  const std::size_t size = primitives::encoded_size(transfer(alice, 0, 1));
  auto low = add(strict, transfer(alice, 0, 10 * size - 1));
  ASSERT_FALSE(low);
  EXPECT_EQ(low.error().code, MempoolError::kFeeTooLow);
  EXPECT_TRUE(add(strict, transfer(alice, 0, 10 * size)));
}

TEST_F(MempoolAdmission, ReplaceByFeeNeedsTheBump) {
  const Transaction old_tx = transfer(alice, 0, 1000);
  const Hash256 old_id = primitives::txid(old_tx);
  ASSERT_TRUE(add(pool, old_tx, 1000));
  ASSERT_TRUE(add(pool, transfer(alice, 1, 1000)));

  auto cheap = add(pool, transfer(alice, 0, 1099, 2));
  ASSERT_FALSE(cheap);
  EXPECT_EQ(cheap.error().code, MempoolError::kReplacementUnderpriced);
  EXPECT_TRUE(pool.contains(old_id));
  EXPECT_EQ(pool.size(), 2u);

  const Transaction new_tx = transfer(alice, 0, 1100, 2);
  auto replaced = add(pool, new_tx, 5000);
  ASSERT_TRUE(replaced) << replaced.error().detail;
  ASSERT_TRUE(replaced->replaced);
  EXPECT_EQ(*replaced->replaced, old_id);
  EXPECT_TRUE(replaced->executable);
  EXPECT_FALSE(pool.contains(old_id));
  EXPECT_EQ(pool.size(), 2u);  // the later nonce stays: replacement is not removal
  EXPECT_EQ(pool.bytes(), 2 * primitives::encoded_size(new_tx));
  EXPECT_EQ(pool.get(replaced->txid)->arrival_ms, 5000u);
  const auto selected = pool.select(10, 1 << 20);
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(*selected[0], new_tx);
}

TEST_F(MempoolAdmission, ReplacementCostReplacesTheOldCostInTheBalance) {
  state.set(alice, 1500);
  ASSERT_TRUE(add(pool, transfer(alice, 0, 1000, 400)));  // cost 1400
  // 1400 + 1400 would not fit, but the old 1400 leaves: 1100 + 400 = 1500 fits exactly.
  EXPECT_TRUE(add(pool, transfer(alice, 0, 1100, 400)));
  auto over = add(pool, transfer(alice, 0, 1300, 201));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, MempoolError::kInsufficientBalance);
}

TEST_F(MempoolAdmission, PerSenderLimitCountsPendingButAllowsReplacement) {
  Limits limits;
  limits.max_per_sender = 3;
  Mempool capped(kChainId, limits);
  for (std::uint64_t n = 0; n < 3; ++n) ASSERT_TRUE(add(capped, transfer(alice, n, 1000)));
  auto fourth = add(capped, transfer(alice, 3, 1000));
  ASSERT_FALSE(fourth);
  EXPECT_EQ(fourth.error().code, MempoolError::kSenderLimit);
  EXPECT_TRUE(add(capped, transfer(alice, 2, 2000)));  // a replacement adds no entry
  EXPECT_TRUE(add(capped, transfer(bob, 0, 1000)));    // other senders are not affected
  EXPECT_EQ(capped.size(), 4u);
}

TEST_F(MempoolAdmission, UnreadableStateIsALocalFailure) {
  test::BrokenState broken;
  auto failed = pool.add(transfer(alice, 0, 1000), 1000, broken.view);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, MempoolError::kStateUnavailable);
  EXPECT_FALSE(sender_at_fault(failed.error().code));
  EXPECT_EQ(pool.signature_checks(), 0u);
  auto nonce = pool.pending_nonce(test::address_of(alice), broken.view);
  ASSERT_FALSE(nonce);
  EXPECT_EQ(nonce.error().code, MempoolError::kStateUnavailable);
}

TEST_F(MempoolAdmission, PendingNonceFollowsTheConsecutivePooledNonces) {
  state.set(alice, 1'000'000, 3);
  const Address a = test::address_of(alice);
  EXPECT_EQ(pool.pending_nonce(a, state.view), 3u);
  ASSERT_TRUE(add(pool, transfer(alice, 3, 1000)));
  ASSERT_TRUE(add(pool, transfer(alice, 4, 1000)));
  ASSERT_TRUE(add(pool, transfer(alice, 6, 1000)));  // after a gap: not counted
  EXPECT_EQ(pool.pending_nonce(a, state.view), 5u);
  EXPECT_EQ(pool.pending_nonce(test::address_of(bob), state.view), 0u);
}

TEST_F(MempoolAdmission, MaturedUnbondingIsSpendable) {
  // Carol's balance is all in unbonding released at height 1, the next block's height.
  const crypto::PrivateKey carol = key_of(3);
  state::Account account;
  account.unbonding = 5000;
  account.unbonding_release_height = 1;
  state.overlay.set_account(test::address_of(carol), account);
  EXPECT_TRUE(add(pool, transfer(carol, 0, 1000, 4000)));

  // One height earlier it would not be released yet.
  OverlayAccountView earlier(state.overlay, 0);
  Mempool other(kChainId);
  auto refused = other.add(transfer(carol, 0, 1000, 4000), 1000, earlier);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, MempoolError::kInsufficientBalance);
}

TEST_F(MempoolAdmission, EveryKindIsAdmitted) {
  state::Account rich;
  rich.balance = 1'000'000;
  state.overlay.set_account(test::address_of(alice), rich);
  EXPECT_TRUE(add(pool, anchor(alice, 0, 1000, 20)));
  EXPECT_TRUE(add(pool, test::signed_tx(alice, 1, 1000, primitives::Stake{500, key_of(9).public_key()})));
  EXPECT_TRUE(add(pool, test::signed_tx(alice, 2, 1000, primitives::Unstake{500})));
  EXPECT_EQ(pool.size(), 3u);
}

}  // namespace
}  // namespace cloudchain::mempool
