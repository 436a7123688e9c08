#include "state/overlay.hpp"

#include <gtest/gtest.h>

#include <map>

#include "state/test_util.hpp"

namespace cloudchain::state {
namespace {

const Address kA{0xA1};
const Address kB{0xB2};
const PublicKey kKey{0x02, 0x33};

Account with_balance(std::uint64_t balance, std::uint64_t nonce = 0) {
  Account a;
  a.balance = balance;
  a.nonce = nonce;
  return a;
}

TEST(StateOverlay, MissingAccountsReadAsZero) {
  MemoryNodeStore store;
  StateOverlay o(store, kEmptyHash);
  auto a = o.account(kA);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_zero());
  EXPECT_FALSE(*o.validator(kKey));
  EXPECT_FALSE(*o.used_evidence(Hash256{1}));
}

TEST(StateOverlay, CommitIsOneBatchEqualToAFreshTreeOfTheRecords) {
  MemoryNodeStore store;
  StateOverlay o(store, kEmptyHash);
  o.set_account(kA, with_balance(10, 1));
  o.set_account(kB, with_balance(20));
  o.set_validator(kKey, ValidatorRecord{kA, 4});
  o.set_used_evidence(Hash256{9}, 3);
  auto c = o.commit();
  ASSERT_TRUE(c);
  EXPECT_EQ(store.size(), 0U);  // the base store is never written
  EXPECT_GT(c->hashes, 0U);

  std::map<Hash256, TreeValue> model{{account_key(kA), account_value(with_balance(10, 1))},
                                     {account_key(kB), account_value(with_balance(20))},
                                     {validator_key(kKey), validator_value(ValidatorRecord{kA, 4})},
                                     {used_evidence_key(Hash256{9}), used_evidence_value(3)}};
  EXPECT_EQ(c->root, test::build_fresh(model));

  store.put_all(c->new_nodes);
  StateOverlay next(store, c->root);
  EXPECT_EQ(*next.account(kA), with_balance(10, 1));
  EXPECT_EQ(**next.validator(kKey), (ValidatorRecord{kA, 4}));
  EXPECT_EQ(**next.used_evidence(Hash256{9}), 3U);
}

TEST(StateOverlay, AZeroAccountIsADeletion) {
  MemoryNodeStore store;
  StateOverlay o(store, kEmptyHash);
  o.set_account(kA, with_balance(10));
  o.set_account(kB, with_balance(20));
  auto c = o.commit();
  ASSERT_TRUE(c);
  store.put_all(c->new_nodes);

  StateOverlay touch(store, c->root);
  touch.set_account(kB, Account{});
  auto after = touch.commit();
  ASSERT_TRUE(after);
  // Same root as a state that never had kB.
  StateOverlay only_a(store, kEmptyHash);
  only_a.set_account(kA, with_balance(10));
  EXPECT_EQ(after->root, only_a.commit()->root);
  // Writing zero to an address that never existed changes nothing.
  StateOverlay noop(store, c->root);
  noop.set_account(Address{0xC3}, Account{});
  EXPECT_EQ(noop.commit()->root, c->root);
}

TEST(StateOverlay, RollbackUndoesWritesAfterTheMark) {
  MemoryNodeStore store;
  StateOverlay o(store, kEmptyHash);
  o.set_account(kA, with_balance(1));
  const Hash256 root_one = o.commit()->root;
  const auto outer = o.checkpoint();
  o.set_account(kA, with_balance(2));
  o.set_validator(kKey, ValidatorRecord{kA, 0});
  const auto inner = o.checkpoint();
  o.set_account(kB, with_balance(3));
  o.set_used_evidence(Hash256{1}, 1);
  o.rollback(inner);
  EXPECT_TRUE(o.account(kB)->is_zero());
  EXPECT_FALSE(*o.used_evidence(Hash256{1}));
  EXPECT_EQ(o.account(kA)->balance, 2U);
  o.rollback(outer);
  EXPECT_EQ(o.account(kA)->balance, 1U);
  EXPECT_FALSE(*o.validator(kKey));
  EXPECT_EQ(o.commit()->root, root_one);
}

TEST(StateOverlay, CandidatesAndTheActiveSetRollBackAndCommit) {
  MemoryNodeStore store;
  StateOverlay o(store, kEmptyHash);
  const PublicKey k1{0x02, 1};
  const PublicKey k2{0x02, 2};
  ASSERT_TRUE(o.add_candidate(k2));
  ASSERT_TRUE(o.add_candidate(k1));
  ASSERT_TRUE(o.add_candidate(k1));  // already there: nothing
  const ActiveSet set{5, {{k1, 10, kA}}};
  o.set_active_set(set);
  const Hash256 root_two = o.commit()->root;
  const auto mark = o.checkpoint();
  ASSERT_TRUE(o.remove_candidate(k1));
  ASSERT_TRUE(o.remove_candidate(PublicKey{0x02, 9}));  // not there: nothing
  ASSERT_TRUE(o.add_candidate(PublicKey{0x03}));
  o.set_active_set(ActiveSet{6, {{k2, 1, kB}}});
  EXPECT_EQ(*o.candidates(), (std::vector<PublicKey>{k2, PublicKey{0x03}}));
  o.rollback(mark);
  EXPECT_EQ(*o.candidates(), (std::vector<PublicKey>{k1, k2}));
  EXPECT_EQ(*o.active_set(), set);
  EXPECT_EQ(o.commit()->root, root_two);

  // Committed: both records read back; removing every candidate deletes the record.
  auto c = o.commit();
  store.put_all(c->new_nodes);
  StateOverlay next(store, c->root);
  EXPECT_EQ(*next.candidates(), (std::vector<PublicKey>{k1, k2}));
  EXPECT_EQ(*next.active_set(), set);
  ASSERT_TRUE(next.remove_candidate(k1));
  ASSERT_TRUE(next.remove_candidate(k2));
  StateOverlay only_set(store, kEmptyHash);
  only_set.set_active_set(set);
  EXPECT_EQ(next.commit()->root, only_set.commit()->root);
  // A rolled-back first write leaves the record untouched (not written back).
  StateOverlay clean(store, c->root);
  const auto start = clean.checkpoint();
  ASSERT_TRUE(clean.add_candidate(PublicKey{0x03}));
  clean.rollback(start);
  EXPECT_TRUE(clean.changes().empty());
}

TEST(StateOverlay, CorruptRecordsAreReported) {
  MemoryNodeStore store;
  StateTree tree(store);
  Bytes bad = encode_account(with_balance(1));
  bad.push_back(0);  // trailing byte: not a canonical account
  const std::vector<TreeUpdate> batch{{account_key(kA), TreeValue{account_value_hash(bad), bad}}};
  const Hash256 root = *tree.update(kEmptyHash, batch);
  StateOverlay o(store, root);
  auto a = o.account(kA);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, StateError::kCorruptRecord);
}

TEST(StateOverlay, CommitCostsAboutLogNHashesPerAccount) {
  std::mt19937_64 rng(11);
  MemoryNodeStore store;
  StateOverlay genesis(store, kEmptyHash);
  std::vector<Address> addrs;
  for (int i = 0; i < 4096; ++i) {
    Address a;
    for (auto& b : a) b = static_cast<std::uint8_t>(rng());
    addrs.push_back(a);
    genesis.set_account(a, with_balance(100));
  }
  auto c = genesis.commit();
  ASSERT_TRUE(c);
  store.put_all(c->new_nodes);
  StateOverlay block(store, c->root);
  block.set_account(addrs[17], with_balance(99, 1));
  auto one = block.commit();
  ASSERT_TRUE(one);
  EXPECT_LE(one->hashes, 20U);  // log2(4096) = 12, plus the leaf and a few shared bits
  EXPECT_EQ(one->new_nodes.size(), one->hashes);
}

}  // namespace
}  // namespace cloudchain::state
