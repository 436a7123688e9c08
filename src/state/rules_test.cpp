// One test per contextual rule, each rejected on purpose, plus the arithmetic of
// unbonding and slashing.
#include "state/rules.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "crypto/address.hpp"

namespace cloudchain::state {
namespace {

using primitives::Transaction;

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
constexpr ChainRules kRules{
    .chain_id = 7, .unbonding_delay_blocks = 100, .slash_bps = 500, .jail_blocks = 50, .pos = std::nullopt};
// The same chain under PoS: the candidate list is kept.
constexpr ChainRules kPosRules{.chain_id = 7,
                               .unbonding_delay_blocks = 100,
                               .slash_bps = 500,
                               .jail_blocks = 50,
                               .pos = PosRules{.epoch_blocks = 10, .max_validators = 4, .min_stake = 1}};

PublicKey key_of(std::uint8_t seed) {
  util::ByteArray<32> secret{};
  secret.fill(seed);
  return crypto::PrivateKey::from_bytes(secret)->public_key();
}

const PublicKey kAlice = key_of(1);
const PublicKey kBob = key_of(2);
const PublicKey kValKey = key_of(3);
const PublicKey kValKey2 = key_of(4);
const Address kAliceAddr = crypto::address_of(kAlice);
const Address kBobAddr = crypto::address_of(kBob);

Transaction tx_from(const PublicKey& sender, std::uint64_t nonce, std::uint64_t fee, primitives::TxBody body) {
  Transaction tx;
  tx.chain_id = kRules.chain_id;
  tx.sender = sender;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.body = std::move(body);
  return tx;
}

Transaction transfer(const PublicKey& from, std::uint64_t nonce, std::uint64_t fee, const Address& to,
                     std::uint64_t amount) {
  return tx_from(from, nonce, fee, primitives::Transfer{to, amount});
}

primitives::Evidence evidence_against(const PublicKey& key, std::uint64_t height, std::uint32_t round = 0) {
  primitives::Vote a;
  a.chain_id = kRules.chain_id;
  a.type = primitives::VoteType::kPrecommit;
  a.height = height;
  a.round = round;
  a.validator = key;
  primitives::Vote b = a;
  a.block_hash = Hash256{1};
  b.block_hash = Hash256{2};
  return {a, b};
}

class StateRulesTest : public ::testing::Test {
 protected:
  // Alice has 1,000,000 base units; Bob 0.
  StateRulesTest() {
    StateOverlay genesis(store, kEmptyHash);
    Account alice;
    alice.balance = 1'000'000;
    genesis.set_account(kAliceAddr, alice);
    commit_from(genesis);
  }

  void commit_from(const StateOverlay& overlay) {
    auto c = overlay.commit();
    ASSERT_TRUE(c);
    store.put_all(c->new_nodes);
    root = c->root;
  }

  StateOverlay overlay() const { return StateOverlay(store, root); }

  Account account(const Address& a) {
    StateOverlay o = overlay();
    return *o.account(a);
  }

  // Applies one transaction to the committed state and commits it.
  util::Result<std::uint64_t, TxRuleError> apply_one(const Transaction& tx, std::uint64_t height,
                                                     const ChainRules& rules = kRules) {
    StateOverlay o = overlay();
    auto r = apply_transaction(o, tx, rules, height);
    if (r) commit_from(o);
    return r;
  }

  // Alice bonds `amount` to kValKey at height 1 (her nonce 0).
  void alice_stakes(std::uint64_t amount) {
    ASSERT_TRUE(apply_one(tx_from(kAlice, account(kAliceAddr).nonce, 0, primitives::Stake{amount, kValKey}), 1));
  }

  static void expect_error(const util::Result<std::uint64_t, TxRuleError>& r, TxRuleError code) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
  }

  std::vector<PublicKey> candidates() {
    StateOverlay o = overlay();
    return *o.candidates();
  }

  MemoryNodeStore store;
  Hash256 root = kEmptyHash;
};

TEST_F(StateRulesTest, TransferMovesTheAmountAndReturnsTheFee) {
  auto fee = apply_one(transfer(kAlice, 0, 10, kBobAddr, 5000), 1);
  ASSERT_TRUE(fee);
  EXPECT_EQ(*fee, 10U);
  EXPECT_EQ(account(kAliceAddr).balance, 1'000'000U - 5010);
  EXPECT_EQ(account(kAliceAddr).nonce, 1U);
  EXPECT_EQ(account(kBobAddr).balance, 5000U);
  EXPECT_EQ(account(kBobAddr).nonce, 0U);
}

TEST_F(StateRulesTest, TransferToOneselfCostsOnlyTheFee) {
  ASSERT_TRUE(apply_one(transfer(kAlice, 0, 10, kAliceAddr, 5000), 1));
  EXPECT_EQ(account(kAliceAddr).balance, 1'000'000U - 10);
}

TEST_F(StateRulesTest, RejectsWrongChain) {
  Transaction tx = transfer(kAlice, 0, 1, kBobAddr, 1);
  tx.chain_id = 8;
  expect_error(apply_one(tx, 1), TxRuleError::kWrongChain);
}

TEST_F(StateRulesTest, RejectsNonceTooLow) {
  ASSERT_TRUE(apply_one(transfer(kAlice, 0, 1, kBobAddr, 1), 1));
  expect_error(apply_one(transfer(kAlice, 0, 1, kBobAddr, 1), 2), TxRuleError::kNonceTooLow);
}

TEST_F(StateRulesTest, RejectsNonceGap) {
  expect_error(apply_one(transfer(kAlice, 1, 1, kBobAddr, 1), 1), TxRuleError::kNonceGap);
}

TEST_F(StateRulesTest, RejectsExhaustedNonce) {
  StateOverlay o = overlay();
  Account a = *o.account(kAliceAddr);
  a.nonce = kMax;
  o.set_account(kAliceAddr, a);
  commit_from(o);
  expect_error(apply_one(transfer(kAlice, kMax, 1, kBobAddr, 1), 1), TxRuleError::kNonceExhausted);
}

// CVE-2010-5139 class: fee + amount must not wrap around to a small total.
TEST_F(StateRulesTest, RejectsFeePlusAmountOverflow) {
  expect_error(apply_one(transfer(kAlice, 0, 1, kBobAddr, kMax), 1), TxRuleError::kAmountOverflow);
  expect_error(apply_one(tx_from(kAlice, 0, 2, primitives::Stake{kMax - 1, kValKey}), 1), TxRuleError::kAmountOverflow);
}

TEST_F(StateRulesTest, RejectsInsufficientBalance) {
  expect_error(apply_one(transfer(kAlice, 0, 1, kBobAddr, 1'000'000), 1), TxRuleError::kInsufficientBalance);
  // The fee alone must be covered too.
  expect_error(apply_one(tx_from(kAlice, 0, 1'000'001, primitives::Anchor{}), 1), TxRuleError::kInsufficientBalance);
}

// CVE-2018-17144 class: two transactions of one block that each fit the balance but
// together overspend it. The second sees the first's debit and is rejected.
TEST_F(StateRulesTest, RejectsOverspendAcrossTwoTransactionsOfOneBlock) {
  StateOverlay o = overlay();
  ASSERT_TRUE(apply_transaction(o, transfer(kAlice, 0, 0, kBobAddr, 600'000), kRules, 1));
  auto second = apply_transaction(o, transfer(kAlice, 1, 0, kBobAddr, 600'000), kRules, 1);
  expect_error(second, TxRuleError::kInsufficientBalance);
  EXPECT_EQ(o.account(kAliceAddr)->balance, 400'000U);
  EXPECT_EQ(o.account(kBobAddr)->balance, 600'000U);
}

TEST_F(StateRulesTest, RejectsRecipientBalanceOverflowWithoutATrace) {
  StateOverlay o = overlay();
  Account bob;
  bob.balance = kMax;
  o.set_account(kBobAddr, bob);
  commit_from(o);
  const Hash256 before = root;
  StateOverlay block = overlay();
  expect_error(apply_transaction(block, transfer(kAlice, 0, 5, kBobAddr, 1), kRules, 1), TxRuleError::kBalanceOverflow);
  EXPECT_EQ(block.account(kAliceAddr)->balance, 1'000'000U);  // the fee was not taken either
  EXPECT_EQ(block.account(kAliceAddr)->nonce, 0U);
  EXPECT_EQ(block.commit()->root, before);
}

TEST_F(StateRulesTest, AnchorPaysTheFeeOnly) {
  auto fee = apply_one(tx_from(kAlice, 0, 25, primitives::Anchor{Hash256{9}, {}}), 1);
  ASSERT_TRUE(fee);
  EXPECT_EQ(*fee, 25U);
  EXPECT_EQ(account(kAliceAddr).balance, 1'000'000U - 25);
  EXPECT_EQ(account(kAliceAddr).nonce, 1U);
}

TEST_F(StateRulesTest, StakeBondsAndCreatesTheValidatorRecord) {
  ASSERT_TRUE(apply_one(tx_from(kAlice, 0, 10, primitives::Stake{300'000, kValKey}), 1));
  const Account a = account(kAliceAddr);
  EXPECT_EQ(a.balance, 1'000'000U - 300'010);
  EXPECT_EQ(a.stake, 300'000U);
  EXPECT_EQ(a.validator, kValKey);
  StateOverlay o = overlay();
  auto record = o.validator(kValKey);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->account, kAliceAddr);
  EXPECT_EQ((*record)->jailed_until_height, 0U);
  // More stake to the same key adds up.
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, primitives::Stake{1000, kValKey}), 2));
  EXPECT_EQ(account(kAliceAddr).stake, 301'000U);
}

TEST_F(StateRulesTest, RejectsStakeToAnotherValidatorKey) {
  alice_stakes(1000);
  expect_error(apply_one(tx_from(kAlice, 1, 0, primitives::Stake{1000, kValKey2}), 2), TxRuleError::kValidatorMismatch);
}

TEST_F(StateRulesTest, RejectsStakeToAKeyBondedByAnotherAccount) {
  alice_stakes(1000);
  ASSERT_TRUE(apply_one(transfer(kAlice, 1, 0, kBobAddr, 5000), 2));
  expect_error(apply_one(tx_from(kBob, 0, 0, primitives::Stake{1000, kValKey}), 3), TxRuleError::kValidatorKeyTaken);
}

TEST_F(StateRulesTest, RejectsStakeOverflow) {
  StateOverlay o = overlay();
  Account a = *o.account(kAliceAddr);
  a.stake = kMax - 5;
  a.validator = kValKey;
  o.set_account(kAliceAddr, a);
  o.set_validator(kValKey, ValidatorRecord{kAliceAddr, 0});
  commit_from(o);
  expect_error(apply_one(tx_from(kAlice, 0, 0, primitives::Stake{10, kValKey}), 1), TxRuleError::kStakeOverflow);
}

TEST_F(StateRulesTest, RejectsUnstakeAboveStakeOrOfZero) {
  alice_stakes(1000);
  expect_error(apply_one(tx_from(kAlice, 1, 0, primitives::Unstake{1001}), 2), TxRuleError::kInsufficientStake);
  expect_error(apply_one(tx_from(kAlice, 1, 0, primitives::Unstake{0}), 2), TxRuleError::kInsufficientStake);
}

TEST_F(StateRulesTest, RejectsUnbondingOverflow) {
  alice_stakes(1000);
  StateOverlay o = overlay();
  Account a = *o.account(kAliceAddr);
  a.unbonding = kMax;
  a.unbonding_release_height = 1'000'000;
  o.set_account(kAliceAddr, a);
  commit_from(o);
  expect_error(apply_one(tx_from(kAlice, 1, 0, primitives::Unstake{1}), 2), TxRuleError::kUnbondingOverflow);
}

// Unstaked funds are spendable exactly from height + unbonding_delay_blocks on.
TEST_F(StateRulesTest, UnbondingIsReleasedLazilyAtTheReleaseHeight) {
  ASSERT_TRUE(apply_one(tx_from(kAlice, 0, 0, primitives::Stake{1'000'000, kValKey}), 1));
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, primitives::Unstake{1'000'000}), 10));
  Account a = account(kAliceAddr);
  EXPECT_EQ(a.stake, 0U);
  EXPECT_FALSE(a.validator);  // no stake, no key: the account may bond to another key later
  EXPECT_EQ(a.unbonding, 1'000'000U);
  EXPECT_EQ(a.unbonding_release_height, 110U);
  EXPECT_EQ(a.balance, 0U);

  expect_error(apply_one(transfer(kAlice, 2, 0, kBobAddr, 1), 109), TxRuleError::kInsufficientBalance);
  EXPECT_EQ(account(kAliceAddr).unbonding, 1'000'000U);  // the failed tx left no release behind
  ASSERT_TRUE(apply_one(transfer(kAlice, 2, 0, kBobAddr, 1), 110));
  a = account(kAliceAddr);
  EXPECT_EQ(a.balance, 999'999U);
  EXPECT_EQ(a.unbonding, 0U);
  EXPECT_EQ(a.unbonding_release_height, 0U);
}

TEST_F(StateRulesTest, ASecondUnstakeMovesTheReleaseHeight) {
  alice_stakes(1000);
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, primitives::Unstake{400}), 10));
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, primitives::Unstake{100}), 20));
  const Account a = account(kAliceAddr);
  EXPECT_EQ(a.stake, 500U);
  EXPECT_EQ(a.validator, kValKey);
  EXPECT_EQ(a.unbonding, 500U);
  EXPECT_EQ(a.unbonding_release_height, 120U);
}

TEST_F(StateRulesTest, ReleaseOverflowIsRejected) {
  Account a;
  a.balance = kMax;
  a.unbonding = 1;
  a.unbonding_release_height = 5;
  auto r = release_unbonding(a, 5);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TxRuleError::kBalanceOverflow);
  Account b;
  b.unbonding = 3;
  b.unbonding_release_height = 5;
  ASSERT_TRUE(release_unbonding(b, 4));
  EXPECT_EQ(b.unbonding, 3U);
  ASSERT_TRUE(release_unbonding(b, 5));
  EXPECT_EQ(b.balance, 3U);
}

TEST(StateSlashing, ArithmeticRoundsDownAndNeverOverflows) {
  EXPECT_EQ(slash_amount(1'000'000, 500), 50'000U);
  EXPECT_EQ(slash_amount(19'999, 1), 1U);  // 1.9999 -> 1
  EXPECT_EQ(slash_amount(9'999, 1), 0U);   // 0.9999 -> 0
  EXPECT_EQ(slash_amount(0, 500), 0U);
  EXPECT_EQ(slash_amount(kMax, 10000), kMax);
  EXPECT_EQ(slash_amount(kMax, 9999), 18444899399302180659U);  // floor((2^64-1) * 9999 / 10000)
  EXPECT_EQ(slash_amount(kMax, 1), 1844674407370955U);
  EXPECT_EQ(slash_amount(1'000'000'000'000'000'007U, 333), 33'300'000'000'000'000U);
  EXPECT_EQ(slash_amount(12345, 20000), 12345U);  // bps above 10000 is 10000
}

TEST_F(StateRulesTest, EvidenceSlashesJailsAndIsUsedOnce) {
  alice_stakes(1'000'000);
  StateOverlay fund = overlay();
  ASSERT_TRUE(credit(fund, kBobAddr, 100));
  commit_from(fund);

  const auto ev = evidence_against(kValKey, 5);
  auto fee = apply_one(tx_from(kBob, 0, 7, ev), 30);
  ASSERT_TRUE(fee);
  EXPECT_EQ(*fee, 7U);
  EXPECT_EQ(account(kAliceAddr).stake, 950'000U);  // 5% burned
  EXPECT_EQ(account(kBobAddr).balance, 93U);
  StateOverlay o = overlay();
  EXPECT_EQ((*o.validator(kValKey))->jailed_until_height, 80U);
  EXPECT_EQ(**o.used_evidence(evidence_id(ev)), 30U);

  expect_error(apply_one(tx_from(kBob, 1, 0, ev), 31), TxRuleError::kDuplicateEvidence);
  // Older than the unbonding delay (100): votes of height 7 count up to height 107.
  expect_error(apply_one(tx_from(kBob, 1, 0, evidence_against(kValKey, 7)), 108), TxRuleError::kEvidenceTooOld);
  // Another vote pair for the same offence is the same evidence.
  auto again = ev;
  again.b.block_hash = Hash256{3};
  expect_error(apply_one(tx_from(kBob, 1, 0, again), 31), TxRuleError::kDuplicateEvidence);
  // A different offence slashes again; the jail never shortens.
  ASSERT_TRUE(apply_one(tx_from(kBob, 1, 0, evidence_against(kValKey, 6)), 10));
  EXPECT_EQ(account(kAliceAddr).stake, 902'500U);
  StateOverlay o2 = overlay();
  EXPECT_EQ((*o2.validator(kValKey))->jailed_until_height, 80U);
}

TEST_F(StateRulesTest, EvidenceFromTheOffenderItselfIsApplied) {
  alice_stakes(10'000);
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 3, evidence_against(kValKey, 5)), 2));
  const Account a = account(kAliceAddr);
  EXPECT_EQ(a.stake, 9'500U);
  EXPECT_EQ(a.nonce, 2U);
  EXPECT_EQ(a.balance, 1'000'000U - 10'000 - 3);
}

TEST_F(StateRulesTest, RejectsEvidenceAgainstAnUnknownValidator) {
  expect_error(apply_one(tx_from(kAlice, 0, 0, evidence_against(kValKey, 5)), 2), TxRuleError::kUnknownValidator);
  // A key whose account has unstaked everything is no longer a validator.
  alice_stakes(1000);
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, primitives::Unstake{1000}), 3));
  expect_error(apply_one(tx_from(kAlice, 2, 0, evidence_against(kValKey, 5)), 4), TxRuleError::kUnknownValidator);
  // ... nor after the account bonded to another key.
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, primitives::Stake{1000, kValKey2}), 5));
  expect_error(apply_one(tx_from(kAlice, 3, 0, evidence_against(kValKey, 5)), 6), TxRuleError::kUnknownValidator);
}

TEST_F(StateRulesTest, FullSlashDropsTheValidatorKey) {
  alice_stakes(1000);
  StateOverlay o = overlay();
  constexpr ChainRules kAll{
      .chain_id = 7, .unbonding_delay_blocks = 1, .slash_bps = 10000, .jail_blocks = 1, .pos = std::nullopt};
  ASSERT_TRUE(apply_transaction(o, tx_from(kAlice, 1, 0, evidence_against(kValKey, 5)), kAll, 2));
  const Account a = *o.account(kAliceAddr);
  EXPECT_EQ(a.stake, 0U);
  EXPECT_FALSE(a.validator);
  EXPECT_TRUE(decode_account(encode_account(a)));  // still canonical
}

TEST_F(StateRulesTest, RebondingKeepsTheJail) {
  alice_stakes(1000);
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, evidence_against(kValKey, 5)), 2));
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, primitives::Stake{10, kValKey}), 3));
  StateOverlay o = overlay();
  EXPECT_EQ((*o.validator(kValKey))->jailed_until_height, 52U);
}

// --- unjail -----------------------------------------------------------------------

TEST_F(StateRulesTest, UnjailClearsAServedJailAndPaysTheFee) {
  alice_stakes(1000);
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, evidence_against(kValKey, 5)), 2));  // jailed until 52
  const Hash256 jailed = root;
  const primitives::Unjail unjail{kValKey};

  auto early = apply_one(tx_from(kAlice, 2, 9, unjail), 51);
  expect_error(early, TxRuleError::kStillJailed);
  EXPECT_EQ(early.error().detail, "height 51 < jailed_until_height 52");
  EXPECT_EQ(root, jailed);  // a rejected unjail changes nothing, not even the fee or nonce

  const Account before = account(kAliceAddr);
  auto fee = apply_one(tx_from(kAlice, 2, 9, unjail), 52);
  ASSERT_TRUE(fee);
  EXPECT_EQ(*fee, 9U);
  const Account after = account(kAliceAddr);
  EXPECT_EQ(after.balance, before.balance - 9);
  EXPECT_EQ(after.nonce, before.nonce + 1);
  EXPECT_EQ(after.stake, before.stake);  // the slash is not undone
  StateOverlay o = overlay();
  EXPECT_EQ((*o.validator(kValKey))->jailed_until_height, 0U);
  EXPECT_EQ((*o.validator(kValKey))->account, kAliceAddr);

  // Once unjailed, there is nothing to unjail.
  expect_error(apply_one(tx_from(kAlice, 3, 0, unjail), 53), TxRuleError::kNotJailed);
}

TEST_F(StateRulesTest, RejectsUnjailOfAKeyNeverJailed) {
  alice_stakes(1000);
  expect_error(apply_one(tx_from(kAlice, 1, 0, primitives::Unjail{kValKey}), 2), TxRuleError::kNotJailed);
}

TEST_F(StateRulesTest, RejectsUnjailOfAKeyWithoutARecord) {
  auto r = apply_one(tx_from(kAlice, 0, 0, primitives::Unjail{kValKey2}), 2);
  expect_error(r, TxRuleError::kUnknownValidator);
}

TEST_F(StateRulesTest, RejectsUnjailFromAnotherAccount) {
  alice_stakes(1000);
  ASSERT_TRUE(apply_one(transfer(kAlice, 1, 0, kBobAddr, 100), 1));
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, evidence_against(kValKey, 5)), 2));
  // Bob may report Alice's key, but not lift its jail, even once it is served.
  expect_error(apply_one(tx_from(kBob, 0, 1, primitives::Unjail{kValKey}), 60), TxRuleError::kNotValidatorAccount);
  EXPECT_EQ(account(kBobAddr).balance, 100U);
  ASSERT_TRUE(apply_one(tx_from(kAlice, 3, 0, primitives::Unjail{kValKey}), 60));
}

TEST_F(StateRulesTest, UnjailAfterAFullSlashAndAnUnstakeStillNeedsTheRecordsAccount) {
  // The record outlives the stake: its account may lift the jail before bonding again.
  alice_stakes(1000);
  ChainRules all = kRules;
  all.slash_bps = 10000;
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, evidence_against(kValKey, 5)), 2, all));
  ASSERT_EQ(account(kAliceAddr).stake, 0U);
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, primitives::Unjail{kValKey}), 52, all));
  StateOverlay o = overlay();
  EXPECT_EQ((*o.validator(kValKey))->jailed_until_height, 0U);
}

TEST_F(StateRulesTest, AJailIsNeverZero) {
  // height + jail_blocks = 0 only at height 0 with jail_blocks 0 (no block but genesis
  // has height 0); the jail is then 1, not 0 (which would mean "not jailed").
  alice_stakes(1000);
  ChainRules no_jail = kRules;
  no_jail.jail_blocks = 0;
  StateOverlay o = overlay();
  ASSERT_TRUE(apply_transaction(o, tx_from(kAlice, 1, 0, evidence_against(kValKey, 5)), no_jail, 0));
  EXPECT_EQ((*o.validator(kValKey))->jailed_until_height, 1U);
  // At height 7 it is 7: unjail is valid in the same block.
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, evidence_against(kValKey, 5)), 7, no_jail));
  EXPECT_EQ((*overlay().validator(kValKey))->jailed_until_height, 7U);
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, primitives::Unjail{kValKey}), 7, no_jail));
}

TEST_F(StateRulesTest, PosStakeMakesACandidateOnce) {
  ASSERT_TRUE(apply_one(tx_from(kAlice, 0, 0, primitives::Stake{1000, kValKey}), 1, kPosRules));
  EXPECT_EQ(candidates(), std::vector<PublicKey>{kValKey});
  // More stake to the same key: still one candidate.
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, primitives::Stake{1000, kValKey}), 2, kPosRules));
  EXPECT_EQ(candidates(), std::vector<PublicKey>{kValKey});
}

TEST_F(StateRulesTest, PowKeepsNoCandidates) {
  const Hash256 start = root;
  ASSERT_TRUE(apply_one(tx_from(kAlice, 0, 0, primitives::Stake{1000, kValKey}), 1));
  EXPECT_TRUE(candidates().empty());
  StateOverlay o = overlay();
  EXPECT_FALSE(*o.active_set());
  auto raw = tree_get(store, root, candidates_key());
  ASSERT_TRUE(raw);
  EXPECT_FALSE(*raw);
  // The PoS rules give another root only by the candidates record.
  root = start;
  ASSERT_TRUE(apply_one(tx_from(kAlice, 0, 0, primitives::Stake{1000, kValKey}), 1, kPosRules));
  auto pos_raw = tree_get(store, root, candidates_key());
  ASSERT_TRUE(pos_raw && *pos_raw);
}

TEST_F(StateRulesTest, PosUnstakeToZeroRemovesTheCandidate) {
  ASSERT_TRUE(apply_one(tx_from(kAlice, 0, 0, primitives::Stake{1000, kValKey}), 1, kPosRules));
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, primitives::Unstake{400}), 2, kPosRules));
  EXPECT_EQ(candidates(), std::vector<PublicKey>{kValKey});  // stake 600 left
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, primitives::Unstake{600}), 3, kPosRules));
  EXPECT_TRUE(candidates().empty());
  // An empty list is no record at all.
  auto raw = tree_get(store, root, candidates_key());
  ASSERT_TRUE(raw);
  EXPECT_FALSE(*raw);
  // Bonding again (to another key) makes a candidate of that key.
  ASSERT_TRUE(apply_one(tx_from(kAlice, 3, 0, primitives::Stake{10, kValKey2}), 4, kPosRules));
  EXPECT_EQ(candidates(), std::vector<PublicKey>{kValKey2});
}

TEST_F(StateRulesTest, PosSlashToZeroRemovesTheCandidate) {
  ASSERT_TRUE(apply_one(tx_from(kAlice, 0, 0, primitives::Stake{1000, kValKey}), 1, kPosRules));
  // A partial slash (5%) keeps the candidate.
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, evidence_against(kValKey, 5)), 2, kPosRules));
  EXPECT_EQ(candidates(), std::vector<PublicKey>{kValKey});
  ChainRules all = kPosRules;
  all.slash_bps = 10000;
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, evidence_against(kValKey, 6)), 3, all));
  EXPECT_EQ(account(kAliceAddr).stake, 0U);
  EXPECT_TRUE(candidates().empty());
}

TEST_F(StateRulesTest, PosRefusesTheCandidateAboveTheBound) {
  ASSERT_TRUE(apply_one(transfer(kAlice, 0, 0, kBobAddr, 5000), 1));
  ASSERT_TRUE(apply_one(tx_from(kAlice, 1, 0, primitives::Stake{1000, kValKey}), 1, kPosRules));
  StateOverlay fill = overlay();
  for (std::size_t i = 1; i < kMaxCandidates; ++i) {
    PublicKey k{0x03, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    ASSERT_TRUE(fill.add_candidate(k));
  }
  commit_from(fill);
  ASSERT_EQ(candidates().size(), kMaxCandidates);
  const Hash256 full = root;
  expect_error(apply_one(tx_from(kBob, 0, 0, primitives::Stake{1000, kValKey2}), 2, kPosRules),
               TxRuleError::kTooManyCandidates);
  EXPECT_EQ(root, full);
  EXPECT_EQ(account(kBobAddr).balance, 5000U);  // the rejected stake left nothing
  // An existing candidate may still add stake, and PoW has no bound.
  ASSERT_TRUE(apply_one(tx_from(kAlice, 2, 0, primitives::Stake{1, kValKey}), 2, kPosRules));
  ASSERT_TRUE(apply_one(tx_from(kBob, 0, 0, primitives::Stake{1000, kValKey2}), 3, kRules));
  // Once one leaves, there is room again.
  ASSERT_TRUE(apply_one(tx_from(kBob, 1, 0, primitives::Unstake{1000}), 4, kRules));
  ASSERT_TRUE(apply_one(tx_from(kAlice, 3, 0, primitives::Unstake{1001}), 4, kPosRules));
  ASSERT_TRUE(apply_one(tx_from(kBob, 2, 0, primitives::Stake{1000, kValKey2}), 5, kPosRules));
  EXPECT_TRUE(*overlay().is_candidate(kValKey2));
}

TEST_F(StateRulesTest, PosCandidatesAreStoredSortedWhateverTheOrderOfStakes) {
  std::vector<PublicKey> keys;
  for (std::uint8_t seed = 10; seed < 16; ++seed) keys.push_back(key_of(seed));
  // Fund six stakers and let them stake in the order of their seeds (not of their keys).
  std::vector<PublicKey> stakers;
  for (std::uint8_t seed = 20; seed < 26; ++seed) stakers.push_back(key_of(seed));
  StateOverlay fund = overlay();
  for (const PublicKey& s : stakers) ASSERT_TRUE(credit(fund, crypto::address_of(s), 100));
  commit_from(fund);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(apply_one(tx_from(stakers[i], 0, 0, primitives::Stake{10, keys[i]}), 1, kPosRules));
  }
  std::vector<PublicKey> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_NE(sorted, keys);  // the test means something
  EXPECT_EQ(candidates(), sorted);
  auto raw = tree_get(store, root, candidates_key());
  ASSERT_TRUE(raw && *raw);
  EXPECT_EQ((*raw)->value, encode_candidates(sorted));
  EXPECT_EQ(**raw, candidates_value(sorted));
}

TEST_F(StateRulesTest, CreditAddsAndChecksOverflow) {
  StateOverlay o = overlay();
  ASSERT_TRUE(credit(o, kBobAddr, 5));
  EXPECT_EQ(o.account(kBobAddr)->balance, 5U);
  auto r = credit(o, kBobAddr, kMax);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TxRuleError::kBalanceOverflow);
  EXPECT_EQ(o.account(kBobAddr)->balance, 5U);
}

TEST_F(StateRulesTest, UnreadableStateIsNotTheSendersFault) {
  MemoryNodeStore empty;  // the root's nodes are missing
  StateOverlay o(empty, root);
  auto r = apply_transaction(o, transfer(kAlice, 0, 0, kBobAddr, 1), kRules, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TxRuleError::kStateUnavailable);
  EXPECT_FALSE(sender_at_fault(r.error().code));
}

TEST(StateTxRuleError, EveryRuleIsTheSendersFaultAndHasAName) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(TxRuleError::kStateUnavailable); ++i) {
    const auto e = static_cast<TxRuleError>(i);
    names.insert(to_string(e));
    EXPECT_EQ(sender_at_fault(e), e != TxRuleError::kStateUnavailable);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(TxRuleError::kStateUnavailable) + 1);
  EXPECT_FALSE(names.contains("tx_unknown_rule"));
}

}  // namespace
}  // namespace cloudchain::state
