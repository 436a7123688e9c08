// The epoch step: the active set changes only at epoch boundaries, to the top
// max_validators candidates by stake with min_stake, not jailed (never, or unjailed);
// ties go to the lower key; an empty selection keeps the old set.
#include "state/epoch.hpp"

#include <gtest/gtest.h>

#include "crypto/address.hpp"

namespace cloudchain::state {
namespace {

constexpr PosRules kPos{.epoch_blocks = 10, .max_validators = 2, .min_stake = 100};
constexpr ChainRules kRules{
    .chain_id = 7, .unbonding_delay_blocks = 5, .slash_bps = 10000, .jail_blocks = 50, .pos = kPos};

PublicKey key_of(std::uint8_t seed) {
  util::ByteArray<32> secret{};
  secret.fill(seed);
  return crypto::PrivateKey::from_bytes(secret)->public_key();
}

Address payout_of(std::uint8_t seed) {
  Address a{};
  a.fill(seed);
  return a;
}

class EpochTest : public ::testing::Test {
 protected:
  // Bonds `stake` of the account payout_of(seed) to key_of(seed), as a stake would.
  void bond(StateOverlay& o, std::uint8_t seed, std::uint64_t stake, std::uint64_t jailed_until = 0) {
    Account a;
    a.stake = stake;
    a.validator = key_of(seed);
    o.set_account(payout_of(seed), a);
    o.set_validator(key_of(seed), ValidatorRecord{payout_of(seed), jailed_until});
    ASSERT_TRUE(o.add_candidate(key_of(seed)));
  }

  void commit_from(const StateOverlay& o) {
    auto c = o.commit();
    ASSERT_TRUE(c);
    store.put_all(c->new_nodes);
    root = c->root;
  }

  StateOverlay overlay() const { return StateOverlay(store, root); }

  std::optional<ActiveSet> active_set() const {
    StateOverlay o = overlay();
    return *o.active_set();
  }

  // Runs the epoch step at `height` on the committed state and commits it.
  bool epoch_at(std::uint64_t height, const PosRules& rules = kPos) {
    StateOverlay o = overlay();
    auto r = apply_epoch(o, rules, height);
    EXPECT_TRUE(r) << (r ? "" : r.error().detail);
    commit_from(o);
    return r && *r;
  }

  std::vector<PublicKey> keys_of(const std::optional<ActiveSet>& set) const {
    std::vector<PublicKey> out;
    if (set) {
      for (const auto& v : set->validators) out.push_back(v.key);
    }
    return out;
  }

  static std::vector<PublicKey> sorted(std::vector<PublicKey> keys) {
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  MemoryNodeStore store;
  Hash256 root = kEmptyHash;
};

TEST(EpochBoundary, MultiplesOfEpochBlocksOnly) {
  EXPECT_TRUE(is_epoch_boundary(kPos, 0));
  EXPECT_FALSE(is_epoch_boundary(kPos, 1));
  EXPECT_FALSE(is_epoch_boundary(kPos, 9));
  EXPECT_TRUE(is_epoch_boundary(kPos, 10));
  EXPECT_TRUE(is_epoch_boundary(kPos, 20));
  EXPECT_FALSE(is_epoch_boundary(PosRules{.epoch_blocks = 0, .max_validators = 1, .min_stake = 0}, 0));
  EXPECT_TRUE(is_epoch_boundary(PosRules{.epoch_blocks = 1, .max_validators = 1, .min_stake = 0}, 7));
}

TEST_F(EpochTest, TheSetChangesOnlyAtEpochBoundaries) {
  StateOverlay o = overlay();
  bond(o, 1, 500);
  commit_from(o);
  for (std::uint64_t h = 1; h < 10; ++h) {
    const Hash256 before = root;
    EXPECT_FALSE(epoch_at(h));
    EXPECT_EQ(root, before) << "height " << h;
  }
  EXPECT_FALSE(active_set());
  ASSERT_TRUE(epoch_at(10));
  const auto set = active_set();
  ASSERT_TRUE(set);
  EXPECT_EQ(set->effective_height, 11U);
  ASSERT_EQ(set->validators.size(), 1U);
  EXPECT_EQ(set->validators[0], (ActiveValidator{key_of(1), 500, payout_of(1)}));
  // The next boundary writes the set again with the new effective height.
  ASSERT_TRUE(epoch_at(20));
  EXPECT_EQ(active_set()->effective_height, 21U);
}

TEST_F(EpochTest, TopNByStakeWithMinStakeAndNoJail) {
  StateOverlay o = overlay();
  bond(o, 1, 300);
  bond(o, 2, 99);       // below min_stake
  bond(o, 3, 900, 11);  // jailed until 11
  bond(o, 4, 200);
  bond(o, 5, 100);  // exactly min_stake, but third by stake
  commit_from(o);
  ASSERT_TRUE(epoch_at(10));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(4)}));
  // At height 11 and later the jail has been served, but it does not lapse by itself:
  // 3 stays out until it is unjailed (jailed_until_height = 0).
  ASSERT_TRUE(epoch_at(11, PosRules{.epoch_blocks = 1, .max_validators = 2, .min_stake = 100}));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(4)}));
  ASSERT_TRUE(epoch_at(1000, PosRules{.epoch_blocks = 1, .max_validators = 2, .min_stake = 100}));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(4)}));
  StateOverlay unjailed = overlay();
  unjailed.set_validator(key_of(3), ValidatorRecord{payout_of(3), 0});
  commit_from(unjailed);
  ASSERT_TRUE(epoch_at(11, PosRules{.epoch_blocks = 1, .max_validators = 2, .min_stake = 100}));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(3)}));
  // min_stake is inclusive: with room for all, 5 (stake 100) is in and 2 (99) is not.
  ASSERT_TRUE(epoch_at(20, PosRules{.epoch_blocks = 10, .max_validators = 256, .min_stake = 100}));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(3), key_of(4), key_of(5)}));
  // Power is the stake at selection; the record is sorted by key.
  const auto set = active_set();
  for (const auto& v : set->validators) {
    StateOverlay r = overlay();
    EXPECT_EQ(v.power, r.account(v.payout)->stake);
  }
}

TEST_F(EpochTest, TiesGoToTheLowerKey) {
  std::vector<Contender> c;
  for (std::uint8_t seed = 1; seed <= 6; ++seed) c.push_back({key_of(seed), 1000, payout_of(seed), 0});
  std::vector<PublicKey> all;
  for (const auto& x : c) all.push_back(x.key);
  std::sort(all.begin(), all.end());
  const auto picked = select_validators(c, PosRules{.epoch_blocks = 1, .max_validators = 3, .min_stake = 0});
  ASSERT_EQ(picked.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(picked[i].key, all[i]);
  // The order of the input does not matter.
  std::reverse(c.begin(), c.end());
  EXPECT_EQ(select_validators(c, PosRules{.epoch_blocks = 1, .max_validators = 3, .min_stake = 0}), picked);
}

TEST_F(EpochTest, AnEmptySelectionKeepsTheOldSet) {
  StateOverlay o = overlay();
  bond(o, 1, 500);
  commit_from(o);
  ASSERT_TRUE(epoch_at(10));
  const auto old_set = active_set();
  // Everybody is jailed at the next boundary: the old set (and its effective height) stays.
  StateOverlay j = overlay();
  j.set_validator(key_of(1), ValidatorRecord{payout_of(1), 100});
  commit_from(j);
  const Hash256 before = root;
  EXPECT_FALSE(epoch_at(20));
  EXPECT_EQ(active_set(), old_set);
  EXPECT_EQ(root, before);
  // No candidates at all: the same.
  EXPECT_FALSE(epoch_at(20, PosRules{.epoch_blocks = 10, .max_validators = 2, .min_stake = 1'000'000}));
  EXPECT_EQ(active_set(), old_set);
}

TEST_F(EpochTest, ASlashMidEpochChangesTheSetOnlyAtTheBoundary) {
  StateOverlay o = overlay();
  bond(o, 1, 500);
  bond(o, 2, 400);
  bond(o, 3, 300);
  Account reporter;
  reporter.balance = 1000;
  o.set_account(crypto::address_of(key_of(9)), reporter);
  commit_from(o);
  ASSERT_TRUE(epoch_at(10));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(2)}));

  // Height 12: evidence against key 1 slashes all of its stake (slash_bps 10000).
  primitives::Vote a;
  a.chain_id = kRules.chain_id;
  a.type = primitives::VoteType::kPrecommit;
  a.height = 11;
  a.validator = key_of(1);
  primitives::Vote b = a;
  a.block_hash = Hash256{1};
  b.block_hash = Hash256{2};
  primitives::Transaction tx;
  tx.chain_id = kRules.chain_id;
  tx.sender = key_of(9);
  tx.body = primitives::Evidence{a, b};
  StateOverlay s = overlay();
  ASSERT_TRUE(apply_transaction(s, tx, kRules, 12));
  EXPECT_FALSE(*s.is_candidate(key_of(1)));
  commit_from(s);

  for (std::uint64_t h = 12; h < 20; ++h) {
    EXPECT_FALSE(epoch_at(h));
    EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(2)})) << "height " << h;
  }
  ASSERT_TRUE(epoch_at(20));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(2), key_of(3)}));
  EXPECT_EQ(active_set()->effective_height, 21U);
}

TEST_F(EpochTest, AJailedValidatorIsSelectedOnlyAfterItUnjails) {
  constexpr ChainRules kSlash{
      .chain_id = 7, .unbonding_delay_blocks = 5, .slash_bps = 500, .jail_blocks = 15, .pos = kPos};
  const PublicKey staker = key_of(20);
  const PublicKey reporter = key_of(9);
  const auto tx_from = [](const PublicKey& sender, std::uint64_t nonce, primitives::TxBody body) {
    primitives::Transaction tx;
    tx.chain_id = kSlash.chain_id;
    tx.sender = sender;
    tx.nonce = nonce;
    tx.body = std::move(body);
    return tx;
  };
  const auto apply_at = [&](const primitives::Transaction& tx, std::uint64_t height) {
    StateOverlay s = overlay();
    auto r = apply_transaction(s, tx, kSlash, height);
    ASSERT_TRUE(r) << to_string(r.error().code) << ": " << r.error().detail;
    commit_from(s);
  };

  StateOverlay o = overlay();
  bond(o, 2, 400);
  bond(o, 3, 300);
  Account funded;
  funded.balance = 10'000;
  o.set_account(crypto::address_of(staker), funded);
  o.set_account(crypto::address_of(reporter), funded);
  commit_from(o);
  apply_at(tx_from(staker, 0, primitives::Stake{1000, key_of(1)}), 1);
  ASSERT_TRUE(epoch_at(10));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(2)}));

  // Height 12: evidence slashes key 1 by 5% (950 left, still the largest stake) and jails
  // it until 27.
  primitives::Vote a;
  a.chain_id = kSlash.chain_id;
  a.type = primitives::VoteType::kPrevote;
  a.height = 11;
  a.validator = key_of(1);
  primitives::Vote b = a;
  a.block_hash = Hash256{1};
  b.block_hash = Hash256{2};
  apply_at(tx_from(reporter, 0, primitives::Evidence{a, b}), 12);
  ASSERT_EQ((*overlay().validator(key_of(1)))->jailed_until_height, 27U);
  ASSERT_TRUE(epoch_at(20));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(2), key_of(3)}));
  // Height 30: the jail is served (27 <= 30) but not lifted: key 1 stays out.
  ASSERT_TRUE(epoch_at(30));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(2), key_of(3)}));

  // Height 31: the staker unjails; the set changes at the next boundary, not before.
  apply_at(tx_from(staker, 1, primitives::Unjail{key_of(1)}), 31);
  for (std::uint64_t h = 31; h < 40; ++h) {
    EXPECT_FALSE(epoch_at(h));
    EXPECT_EQ(keys_of(active_set()), sorted({key_of(2), key_of(3)})) << "height " << h;
  }
  ASSERT_TRUE(epoch_at(40));
  EXPECT_EQ(keys_of(active_set()), sorted({key_of(1), key_of(2)}));
  EXPECT_EQ(active_set()->effective_height, 41U);
}

TEST_F(EpochTest, ACandidateWithoutBondedStakeIsACorruptState) {
  StateOverlay o = overlay();
  ASSERT_TRUE(o.add_candidate(key_of(1)));  // no validator record
  auto r = apply_epoch(o, kPos, 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StateError::kCorruptRecord);

  StateOverlay p = overlay();
  bond(p, 2, 500);
  Account unbonded;
  unbonded.balance = 1;
  p.set_account(payout_of(2), unbonded);  // the record names an account with no stake
  auto q = apply_epoch(p, kPos, 10);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, StateError::kCorruptRecord);
}

}  // namespace
}  // namespace cloudchain::state
