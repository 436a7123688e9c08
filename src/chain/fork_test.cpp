// Fork choice and reorganizations: side chains, reorgs of depth 1 and 3, a heavier
// branch with an invalid block in the middle, switching back and forth, restarts.

#include <gtest/gtest.h>

#include "chain/chain.hpp"
#include "chain/test_util.hpp"
#include "util/hex.hpp"

namespace cloudchain::chain {
namespace {

using primitives::Block;
using test::address;
using test::Harness;
using test::MakeOptions;
using test::transfer;

Hash256 hash_of(const Block& b) { return primitives::block_hash(b.header); }

// A block on `parent` paying a distinct beneficiary, so that sibling blocks differ.
Block sibling(Harness& h, const Hash256& parent, std::vector<primitives::Transaction> txs, std::uint32_t miner) {
  MakeOptions o;
  o.beneficiary = address(miner);
  return h.maker.make(parent, std::move(txs), o);
}

TEST(ForkChoice, LessOrEqualWorkStaysASideChain) {
  Harness h;
  const Block a1 = h.extend(h.params.genesis.hash, {transfer(1, 0, address(20), 100)});
  const Block a2 = h.extend(hash_of(a1));
  // A competitor of a1: equal work to a1, less than the tip.
  const Block b1 = sibling(h, h.params.genesis.hash, {transfer(1, 0, address(21), 100)}, 200);
  auto r = h.submit(b1);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kSideChain);
  EXPECT_TRUE(r->connected.empty());
  EXPECT_EQ(h.tip(), hash_of(a2));
  // b2: equal work to a2: the first seen stays.
  r = h.submit(sibling(h, hash_of(b1), {}, 200));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, SubmitStatus::kSideChain);
  EXPECT_EQ(h.tip(), hash_of(a2));
  // Stored, with a body, not validated, not active; the state is a1-a2's.
  const auto view = h->lookup(hash_of(b1));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, storage::kStatusHaveBody);
  EXPECT_FALSE(view->active);
  EXPECT_TRUE(*h.db->block(hash_of(b1)));
  EXPECT_EQ(h.account(address(20)).balance, 100u);
  EXPECT_EQ(h.account(address(21)).balance, 0u);
  EXPECT_FALSE(*h.db->tx_location(primitives::txid(b1.txs[0])));
}

TEST(ForkChoice, ReorgOfDepthOne) {
  Harness h;
  const auto pay_a = transfer(1, 0, address(20), 100);
  const auto pay_b = transfer(2, 0, address(21), 300);
  const Block a1 = h.extend(h.params.genesis.hash, {pay_a});
  const Block b1 = sibling(h, h.params.genesis.hash, {pay_b}, 200);
  const Block b2 = sibling(h, hash_of(b1), {transfer(2, 1, address(21), 1)}, 200);
  ASSERT_EQ(h.submit(b1)->status, SubmitStatus::kSideChain);
  auto r = h.submit(b2);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kReorg);
  EXPECT_EQ(r->tip->hash, hash_of(b2));
  ASSERT_EQ(r->disconnected.size(), 1u);
  EXPECT_EQ(r->disconnected[0], hash_of(a1));
  ASSERT_EQ(r->disconnected_txs.size(), 1u);
  EXPECT_EQ(r->disconnected_txs[0], pay_a);
  ASSERT_EQ(r->connected.size(), 2u);
  EXPECT_EQ(r->connected[0], b1);
  EXPECT_EQ(r->connected[1], b2);
  // State: a1's transfer undone, b1 and b2 applied; rewards moved with the blocks.
  EXPECT_EQ(h.account(address(20)).balance, 0u);
  EXPECT_EQ(h.account(address(1)).balance, test::kFunds);
  EXPECT_EQ(h.account(address(1)).nonce, 0u);
  EXPECT_EQ(h.account(address(21)).balance, 301u);
  EXPECT_EQ(h.account(address(100)).balance, 0u);
  EXPECT_EQ(h.account(address(200)).balance, 2 * test::kReward + 20);
  // Indexes follow the active chain.
  EXPECT_FALSE(*h.db->tx_location(primitives::txid(pay_a)));
  EXPECT_EQ((*h.db->tx_location(primitives::txid(pay_b)))->block_hash, hash_of(b1));
  EXPECT_EQ(*h.db->hash_at(1), hash_of(b1));
  EXPECT_EQ(*h.db->hash_at(2), hash_of(b2));
  EXPECT_TRUE(h.db->account_txs(address(20), std::nullopt, 10)->txs.empty());
  EXPECT_FALSE(h->lookup(hash_of(a1))->active);
  EXPECT_TRUE(h->lookup(hash_of(a1))->status & storage::kStatusValid);
}

TEST(ForkChoice, ReorgOfDepthThreeRestoresBalancesIndexesAndReturnsTransactions) {
  Harness h;
  std::vector<Block> a;
  Hash256 tip = h.params.genesis.hash;
  std::vector<primitives::Transaction> a_txs;
  for (std::uint64_t i = 0; i < 3; ++i) {
    std::vector<primitives::Transaction> txs = {transfer(1, i, address(20), 10 + i), transfer(3, i, address(22), 5)};
    a_txs.insert(a_txs.end(), txs.begin(), txs.end());
    a.push_back(h.extend(tip, txs));
    tip = hash_of(a.back());
  }
  // Branch b from genesis, 4 blocks: one of a's transactions is mined on b too.
  std::vector<Block> b;
  Hash256 btip = h.params.genesis.hash;
  for (std::uint64_t i = 0; i < 4; ++i) {
    std::vector<primitives::Transaction> txs = {transfer(2, i, address(21), 7)};
    if (i == 0) txs.push_back(a_txs[0]);
    b.push_back(sibling(h, btip, txs, 200));
    btip = hash_of(b.back());
  }
  for (std::size_t i = 0; i < 3; ++i) ASSERT_EQ(h.submit(b[i])->status, SubmitStatus::kSideChain);
  auto r = h.submit(b[3]);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kReorg);
  EXPECT_EQ(r->disconnected, (std::vector<Hash256>{hash_of(a[0]), hash_of(a[1]), hash_of(a[2])}));
  EXPECT_EQ(r->disconnected_txs, a_txs);  // oldest block first, block order
  EXPECT_EQ(r->connected.size(), 4u);
  EXPECT_EQ(h->tip()->height, 4u);
  EXPECT_EQ(h.account(address(20)).balance, 10u);  // a_txs[0] survives on b
  EXPECT_EQ(h.account(address(1)).nonce, 1u);
  EXPECT_EQ(h.account(address(22)).balance, 0u);
  EXPECT_EQ(h.account(address(3)).balance, test::kFunds);
  EXPECT_EQ(h.account(address(21)).balance, 28u);
  for (std::uint64_t i = 0; i < 4; ++i) EXPECT_EQ(*h.db->hash_at(i + 1), hash_of(b[i]));
  EXPECT_EQ((*h.db->tx_location(primitives::txid(a_txs[0])))->block_hash, hash_of(b[0]));
  EXPECT_FALSE(*h.db->tx_location(primitives::txid(a_txs[1])));
  EXPECT_EQ(h.db->account_txs(address(22), std::nullopt, 10)->txs.size(), 0u);

  // A restart keeps the new branch.
  h.reopen();
  EXPECT_EQ(h.tip(), hash_of(b[3]));
  EXPECT_EQ(h.account(address(21)).balance, 28u);
}

TEST(ForkChoice, SwitchingBackReconnectsTheFirstBranch) {
  Harness h;
  const Block a1 = h.extend(h.params.genesis.hash, {transfer(1, 0, address(20), 100)});
  const Block b1 = sibling(h, h.params.genesis.hash, {transfer(2, 0, address(21), 100)}, 200);
  const Block b2 = sibling(h, hash_of(b1), {}, 200);
  ASSERT_TRUE(h.submit(b1));
  ASSERT_EQ(h.submit(b2)->status, SubmitStatus::kReorg);
  // a grows past b: back to a1, which was connected once and is reused as stored.
  const Block a2 = sibling(h, hash_of(a1), {transfer(1, 1, address(20), 1)}, 100);
  ASSERT_EQ(h.submit(a2)->status, SubmitStatus::kSideChain);
  const Block a3 = sibling(h, hash_of(a2), {}, 100);
  auto r = h.submit(a3);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kReorg);
  EXPECT_EQ(r->disconnected, (std::vector<Hash256>{hash_of(b1), hash_of(b2)}));
  EXPECT_EQ(h.account(address(20)).balance, 101u);
  EXPECT_EQ(h.account(address(21)).balance, 0u);
  EXPECT_EQ(*h.db->hash_at(1), hash_of(a1));
  EXPECT_TRUE(*h.db->tx_location(primitives::txid(a1.txs[0])));
}

// The heavier branch holds an invalid block in the middle: the reorg is abandoned, the
// bad block and everything on it are marked invalid, the good blocks before it are kept
// as valid, and the active chain is the best valid one throughout.
TEST(ForkChoice, HeavierBranchWithAnInvalidBlockInTheMiddle) {
  Harness h;
  const Block a1 = h.extend(h.params.genesis.hash, {transfer(1, 0, address(20), 100)});
  const Block a2 = h.extend(hash_of(a1));
  const Block b1 = sibling(h, h.params.genesis.hash, {transfer(2, 0, address(21), 5)}, 200);
  MakeOptions bad;
  bad.beneficiary = address(200);
  bad.tamper = [](Block& b) { b.header.state_root[0] ^= 1; };
  const Block b2 = h.maker.make(hash_of(b1), {transfer(2, 1, address(21), 5)}, bad);
  const Block b3 = sibling(h, hash_of(b2), {}, 200);
  const Block b4 = sibling(h, hash_of(b3), {}, 200);
  ASSERT_EQ(h.submit(b1)->status, SubmitStatus::kSideChain);
  ASSERT_EQ(h.submit(b2)->status, SubmitStatus::kSideChain);  // stored, not yet connected
  auto r = h.submit(b3);                                      // more work than a2: the reorg runs into b2
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BlockError::kStateRootMismatch);
  EXPECT_NE(r.error().detail.find(util::to_hex(hash_of(b2))), std::string::npos) << r.error().detail;
  EXPECT_EQ(h.tip(), hash_of(a2));
  EXPECT_EQ(h.account(address(20)).balance, 100u);
  EXPECT_EQ(h.account(address(21)).balance, 0u);
  EXPECT_EQ(*h.db->hash_at(2), hash_of(a2));
  EXPECT_TRUE(h->lookup(hash_of(b2))->status & storage::kStatusInvalid);
  EXPECT_TRUE(h->lookup(hash_of(b3))->status & storage::kStatusInvalid);
  EXPECT_TRUE(h->lookup(hash_of(b1))->status & storage::kStatusValid);
  // Anything on the bad block is refused at once.
  auto r4 = h.submit(b4);
  ASSERT_FALSE(r4);
  EXPECT_EQ(r4.error().code, BlockError::kInvalidAncestor);
  // A valid block on b1 with more work than a: the good prefix b1 is reused.
  const Block c2 = sibling(h, hash_of(b1), {transfer(2, 1, address(21), 6)}, 300);
  ASSERT_EQ(h.submit(c2)->status, SubmitStatus::kSideChain);
  const Block c3 = sibling(h, hash_of(c2), {}, 300);
  auto rc = h.submit(c3);
  ASSERT_TRUE(rc) << rc.error().detail;
  EXPECT_EQ(rc->status, SubmitStatus::kReorg);
  EXPECT_EQ(h.account(address(21)).balance, 11u);
  EXPECT_EQ(h.account(address(20)).balance, 0u);
  // The verdicts survive a restart.
  h.reopen();
  EXPECT_TRUE(h->lookup(hash_of(b2))->status & storage::kStatusInvalid);
  EXPECT_EQ(h.tip(), hash_of(c3));
}

// The submitted block has a bad signature, but an ancestor on its branch already breaks a
// state rule: the ancestor is the reason reported.
TEST(ForkChoice, InvalidAncestorOnTheBranchIsTheReason) {
  Harness h;
  const Block a1 = h.extend(h.params.genesis.hash);
  MakeOptions bad_root;
  bad_root.beneficiary = address(200);
  bad_root.tamper = [](Block& b) { b.header.state_root[0] ^= 1; };
  const Block b1 = h.maker.make(h.params.genesis.hash, {}, bad_root);
  MakeOptions bad_sig;
  bad_sig.beneficiary = address(200);
  bad_sig.tamper = [](Block& b) {
    b.txs[0].signature[3] ^= 1;
    b.header.tx_root = primitives::tx_root(b);
  };
  const Block b2 = h.maker.make(hash_of(b1), {transfer(1, 0, address(20), 1)}, bad_sig);
  ASSERT_EQ(h.submit(b1)->status, SubmitStatus::kSideChain);
  auto r = h.submit(b2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BlockError::kStateRootMismatch);
  EXPECT_TRUE(r.error().detail.starts_with("block " + util::to_hex(hash_of(b1)))) << r.error().detail;
  EXPECT_EQ(h.tip(), hash_of(a1));
  EXPECT_TRUE(h->lookup(hash_of(b2))->status & storage::kStatusInvalid);
}

// The invalid block is the submitted one itself, two blocks above the fork.
TEST(ForkChoice, InvalidTipOfAHeavierBranchLeavesTheActiveChain) {
  Harness h;
  const Block a1 = h.extend(h.params.genesis.hash, {transfer(1, 0, address(20), 100)});
  const Block b1 = sibling(h, h.params.genesis.hash, {}, 200);
  const Block b2 = sibling(h, hash_of(b1), {transfer(4, 0, address(21), test::kFunds)}, 200);  // overspends
  ASSERT_TRUE(h.submit(b1));
  auto r = h.submit(b2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BlockError::kTxRule);
  EXPECT_TRUE(r.error().detail.starts_with("tx 0: tx_insufficient_balance")) << r.error().detail;
  EXPECT_EQ(h.tip(), hash_of(a1));
  EXPECT_EQ(h.account(address(20)).balance, 100u);
  EXPECT_TRUE(h->lookup(hash_of(b2))->status & storage::kStatusInvalid);
  EXPECT_FALSE(*h.db->block(hash_of(b2)));  // an invalid block's body is not kept
}

}  // namespace
}  // namespace cloudchain::chain
