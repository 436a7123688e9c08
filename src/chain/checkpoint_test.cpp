// State checkpoints: what a checkpoint writes (only the nodes the tip's tree reaches),
// recovery by replaying the state diffs after a crash between checkpoints, reorgs below
// the checkpoint, and the tip's state view that other threads read.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "chain/chain.hpp"
#include "chain/connect.hpp"
#include "chain/test_util.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"
#include "util/hex.hpp"

namespace cloudchain::chain {
namespace {

using primitives::Block;
using test::address;
using test::Harness;
using test::MakeOptions;
using test::transfer;

Hash256 hash_of(const Block& b) { return primitives::block_hash(b.header); }

// Whether the database alone (no cache, no memory) holds the whole tree of `root`.
bool stored_whole(const storage::Database& db, const Hash256& root) {
  std::vector<Hash256> stack{root};
  while (!stack.empty()) {
    const Hash256 h = stack.back();
    stack.pop_back();
    if (h == state::kEmptyHash) continue;
    auto node = db.state_node(h);
    if (!node || !*node) return false;
    if (const auto* inner = std::get_if<state::InnerNode>(&**node)) {
      stack.push_back(inner->left);
      stack.push_back(inner->right);
    }
  }
  return true;
}

// Whether `store` reads the whole tree of `root`.
bool readable_whole(const state::NodeStore& store, const Hash256& root) {
  std::vector<Hash256> stack{root};
  while (!stack.empty()) {
    const Hash256 h = stack.back();
    stack.pop_back();
    if (h == state::kEmptyHash) continue;
    auto node = store.get_node(h);
    if (!node) return false;
    if (const auto* inner = std::get_if<state::InnerNode>(&*node)) {
      stack.push_back(inner->left);
      stack.push_back(inner->right);
    }
  }
  return true;
}

bool stored(const storage::Database& db, const Hash256& node) {
  auto n = db.state_node(node);
  return n && n->has_value();
}

// `count` blocks on the tip, each paying 10 from key 1 to address(30 + i).
std::vector<Block> extend_by(Harness& h, std::size_t count, std::uint64_t first_nonce) {
  std::vector<Block> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(h.extend(h.tip(), {transfer(1, first_nonce + i, address(30 + static_cast<std::uint32_t>(i)), 10)}));
  }
  return out;
}

TEST(Checkpoint, WritesOnlyTheNodesTheTipReaches) {
  Harness h;
  h.options.checkpoint_interval = 4;
  h.reopen();
  const auto blocks = extend_by(h, 3, 0);
  // No checkpoint yet: the blocks' trees are in memory only, the diffs are stored.
  EXPECT_EQ(h->checkpoint_height(), 0u);
  EXPECT_EQ(h->unflushed_blocks(), 3u);
  EXPECT_EQ((*h.db->state_checkpoint())->height, 0u);
  for (const Block& b : blocks) {
    EXPECT_FALSE(stored(*h.db, b.header.state_root));
    EXPECT_TRUE(*h.db->undo(hash_of(b)));
  }
  // Readers see the tip's tree through the published view; the database alone does not.
  const auto tip = h->tip();
  const auto key = state::account_key(address(32));
  EXPECT_TRUE(state::tree_prove(*tip->state_nodes, tip->header.state_root, key));
  EXPECT_EQ(state::tree_prove(h.db->state_nodes(), tip->header.state_root, key).error().code,
            state::StateError::kMissingNode);
  EXPECT_EQ(h.account(address(32)).balance, 10u);

  // The fourth block writes the checkpoint with it: the whole tree of its root, and
  // nothing of the three roots it replaced.
  const Block b4 = h.extend(h.tip(), {transfer(1, 3, address(40), 10)});
  EXPECT_EQ(h->checkpoint_height(), 4u);
  EXPECT_EQ(h->unflushed_blocks(), 0u);
  const auto cp = *h.db->state_checkpoint();
  ASSERT_TRUE(cp);
  EXPECT_EQ(*cp, (storage::StateCheckpoint{hash_of(b4), 4, b4.header.state_root}));
  EXPECT_TRUE(stored_whole(*h.db, b4.header.state_root));
  for (const Block& b : blocks) EXPECT_FALSE(stored(*h.db, b.header.state_root)) << "a superseded root was written";
  // Leaves of keys the later blocks did not change are shared, and so written.
  EXPECT_EQ(h.account(address(30)).balance, 10u);
}

TEST(Checkpoint, ClosingWritesOneAndReopenNeedsNoReplay) {
  Harness h;
  h.options.checkpoint_interval = 100;
  h.reopen();
  const auto blocks = extend_by(h, 5, 0);
  EXPECT_EQ(h->unflushed_blocks(), 5u);
  EXPECT_EQ(h->checkpoint_height(), 0u);
  h.reopen();  // the destructor checkpoints
  EXPECT_EQ(h->checkpoint_height(), 5u);
  EXPECT_EQ(h->unflushed_blocks(), 0u);
  EXPECT_TRUE(stored_whole(*h.db, blocks.back().header.state_root));
  EXPECT_TRUE(h->checkpoint());  // nothing to do
  EXPECT_EQ(h->checkpoint_height(), 5u);
}

TEST(Checkpoint, CrashBetweenCheckpointsIsReplayedFromTheDiffs) {
  Harness h;
  h.options.checkpoint_interval = 4;
  h.options.checkpoint_on_close = false;  // closing is then a crash for the state
  h.reopen();
  const auto blocks = extend_by(h, 6, 0);  // checkpoint at 4, blocks 5 and 6 in memory
  ASSERT_EQ(h->checkpoint_height(), 4u);
  ASSERT_EQ(h->unflushed_blocks(), 2u);
  const Hash256 tip = h.tip();
  h.reopen();
  EXPECT_EQ(h.tip(), tip);
  EXPECT_TRUE(stored_whole(*h.db, blocks[3].header.state_root));
  EXPECT_TRUE(readable_whole(*h->tip()->state_nodes, h->tip()->header.state_root));
  EXPECT_EQ(h->checkpoint_height(), 4u);
  EXPECT_EQ(h->unflushed_blocks(), 2u);  // replayed, not written
  EXPECT_FALSE(stored(*h.db, blocks.back().header.state_root));
  for (std::uint32_t i = 0; i < 6; ++i) EXPECT_EQ(h.account(address(30 + i)).balance, 10u) << i;
  EXPECT_EQ(h.account(address(1)).nonce, 6u);
  // And the chain goes on from there, through the next checkpoint.
  const auto more = extend_by(h, 3, 6);
  EXPECT_EQ(h->checkpoint_height(), 8u);
  EXPECT_EQ(h->unflushed_blocks(), 1u);
  EXPECT_EQ(h.account(address(1)).nonce, 9u);
  EXPECT_TRUE(stored_whole(*h.db, more[1].header.state_root));
}

TEST(Checkpoint, ALongReplayIsCheckpointedOnTheWay) {
  // A gap above the checkpoint longer than the interval (what a reindex killed half way
  // leaves) is checkpointed while it is replayed, so open never holds more layers than
  // a running chain would.
  Harness h;
  h.options.checkpoint_interval = 100;
  h.options.checkpoint_on_close = false;
  h.reopen();
  const auto blocks = extend_by(h, 10, 0);
  ASSERT_EQ(h->checkpoint_height(), 0u);
  ASSERT_EQ(h->unflushed_blocks(), 10u);
  const Hash256 tip = h.tip();
  h.options.checkpoint_interval = 3;
  h.reopen();
  EXPECT_EQ(h.tip(), tip);
  EXPECT_EQ(h->checkpoint_height(), 9u);  // written at 3, 6 and 9 while replaying
  EXPECT_EQ(h->unflushed_blocks(), 1u);
  EXPECT_TRUE(stored_whole(*h.db, blocks[8].header.state_root));
  EXPECT_FALSE(stored(*h.db, blocks.back().header.state_root));
  EXPECT_TRUE(readable_whole(*h->tip()->state_nodes, h->tip()->header.state_root));
  for (std::uint32_t i = 0; i < 10; ++i) EXPECT_EQ(h.account(address(30 + i)).balance, 10u) << i;
  // Reopened again, it replays only the last block.
  h.reopen();
  EXPECT_EQ(h->checkpoint_height(), 9u);
  EXPECT_EQ(h->unflushed_blocks(), 1u);
}

TEST(Checkpoint, ABadDiffAfterTheCheckpointIsCorruption) {
  Harness h;
  h.options.checkpoint_interval = 100;
  h.options.checkpoint_on_close = false;
  h.reopen();
  const auto blocks = extend_by(h, 3, 0);
  const Hash256 second = hash_of(blocks[1]);
  const auto expect_corrupt = [&](std::string_view what) {
    h.chain.reset();
    auto c = Chain::open(*h.db, h.params, h.engine, h.options);
    ASSERT_FALSE(c) << what;
    EXPECT_EQ(c.error().code, ChainError::kCorrupt) << what;
    EXPECT_NE(c.error().detail.find(util::to_hex(second)), std::string::npos) << c.error().detail;
  };
  const util::Bytes good = **h.db->undo(second);

  // A diff whose redo gives another root than the header's.
  auto record = *decode_undo(good);
  ASSERT_FALSE(record.changes.empty());
  record.changes.back().new_value->value_hash[0] ^= 1;
  auto batch = h.db->batch();
  batch.put_undo(second, encode_undo(record));
  ASSERT_TRUE(h.db->write(std::move(batch)));
  expect_corrupt("root mismatch");

  // An undecodable diff.
  batch = h.db->batch();
  batch.put_undo(second, util::Bytes{2, 0, 0});
  ASSERT_TRUE(h.db->write(std::move(batch)));
  expect_corrupt("undecodable");

  // No diff at all.
  batch = h.db->batch();
  batch.erase_undo(second);
  ASSERT_TRUE(h.db->write(std::move(batch)));
  expect_corrupt("missing");

  // Restored, it opens again.
  batch = h.db->batch();
  batch.put_undo(second, good);
  ASSERT_TRUE(h.db->write(std::move(batch)));
  h.reopen();
  EXPECT_EQ(h.tip(), hash_of(blocks.back()));
}

// A damaged diff stops a normal open; an open without the state (for a reindex) still
// works, refuses blocks and writes no checkpoint until the reindex repairs the state.
TEST(Checkpoint, AReindexRepairsWhatStopsANormalOpen) {
  Harness h;
  h.options.checkpoint_interval = 100;
  h.options.checkpoint_on_close = false;
  h.reopen();
  const auto blocks = extend_by(h, 3, 0);
  const auto tip = h->tip();
  auto batch = h.db->batch();
  batch.put_undo(hash_of(blocks[1]), util::Bytes{2, 0, 0});
  ASSERT_TRUE(h.db->write(std::move(batch)));
  h.chain.reset();
  auto normal = Chain::open(*h.db, h.params, h.engine, h.options);
  ASSERT_FALSE(normal);
  EXPECT_NE(normal.error().detail.find("--reindex"), std::string::npos) << normal.error().detail;

  ChainOptions for_reindex = h.options;
  for_reindex.load_state = false;
  for_reindex.checkpoint_on_close = true;  // and still no checkpoint at close
  {
    auto c = Chain::open(*h.db, h.params, h.engine, for_reindex);
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_EQ((*c)->tip()->hash, tip->hash);
    const Block next = h.maker.make(tip->hash);
    auto refused = (*c)->submit_block(next, next.header.timestamp_ms + 1000);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, BlockError::kStateUnavailable);
  }
  EXPECT_EQ((**h.db->state_checkpoint()).height, 0u);  // closing wrote none
  {
    auto c = Chain::open(*h.db, h.params, h.engine, for_reindex);
    ASSERT_TRUE(c) << c.error().detail;
    auto r = (*c)->reindex();
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(*r, 3u);
  }
  // Repaired: a normal open replays nothing damaged, and the state is the same.
  h.reopen();
  EXPECT_EQ(h.tip(), tip->hash);
  EXPECT_EQ(h.account(address(32)).balance, 10u);
  extend_by(h, 1, 3);
}

// A block connected before whose stored diff is damaged is executed again when its
// branch comes back, and its diff rewritten (review finding: the damage blocked the reorg).
TEST(Checkpoint, ADamagedDiffDoesNotBlockAReorgBack) {
  Harness h;
  const Hash256 fork = h.tip();
  std::vector<Block> a;
  a.push_back(h.extend(fork, {transfer(1, 0, address(20), 100)}));
  a.push_back(h.extend(hash_of(a.back()), {transfer(1, 1, address(20), 100)}));
  // b is heavier: a1, a2 leave the active chain, valid, with their diffs.
  std::vector<Block> b;
  for (std::uint32_t i = 0; i < 3; ++i) {
    b.push_back(h.maker.make(b.empty() ? fork : hash_of(b.back()), {transfer(2, i, address(21), 7)}));
    ASSERT_TRUE(h.submit(b.back()));
  }
  ASSERT_EQ(h.tip(), hash_of(b.back()));
  const util::Bytes good = **h.db->undo(hash_of(a[1]));
  auto batch = h.db->batch();
  batch.put_undo(hash_of(a[1]), util::Bytes{2, 0, 0});
  ASSERT_TRUE(h.db->write(std::move(batch)));

  // a comes back (a3, a4 make it heavier): a2's diff cannot be replayed, so a2 runs again.
  a.push_back(h.maker.make(hash_of(a.back()), {transfer(1, 2, address(20), 100)}));
  a.push_back(h.maker.make(hash_of(a.back()), {transfer(1, 3, address(20), 100)}));
  ASSERT_TRUE(h.submit(a[2]));
  auto r = h.submit(a[3]);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kReorg);
  EXPECT_EQ(h.tip(), hash_of(a[3]));
  EXPECT_EQ(h.account(address(20)).balance, 400u);
  EXPECT_EQ(h.account(address(21)).balance, 0u);
  EXPECT_EQ(**h.db->undo(hash_of(a[1])), good);  // the diff is whole again
  h.reopen();
  EXPECT_EQ(h.tip(), hash_of(a[3]));
  EXPECT_EQ(h.account(address(20)).balance, 400u);
}

TEST(Checkpoint, ACheckpointOffTheActiveChainIsCorruption) {
  Harness h;
  const Block a1 = h.extend(h.params.genesis.hash);
  h.chain.reset();
  auto batch = h.db->batch();
  batch.put_state_checkpoint({Hash256{0x42}, 1, a1.header.state_root});
  ASSERT_TRUE(h.db->write(std::move(batch)));
  auto c = Chain::open(*h.db, h.params, h.engine, h.options);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ChainError::kCorrupt);
}

MakeOptions paid_to(std::uint32_t miner) {
  MakeOptions o;
  o.beneficiary = address(miner);
  return o;
}

TEST(Checkpoint, ReorgBelowTheCheckpointUndoesToTheForkAndBack) {
  Harness h;
  h.options.checkpoint_interval = 3;
  h.options.checkpoint_on_close = false;
  h.reopen();
  // Main chain a1..a7 (checkpoints at 3 and 6); a competitor from a1 that overtakes it.
  std::vector<Block> a{h.extend(h.params.genesis.hash, {transfer(1, 0, address(20), 100)})};
  for (std::uint64_t i = 1; i < 7; ++i) a.push_back(h.extend(hash_of(a.back()), {transfer(1, i, address(20), 100)}));
  ASSERT_EQ(h->checkpoint_height(), 6u);
  ASSERT_EQ(h->unflushed_blocks(), 1u);
  std::vector<Block> b;
  Hash256 parent = hash_of(a[0]);
  for (std::uint64_t i = 0; i < 7; ++i) {
    b.push_back(h.maker.make(parent, {transfer(2, i, address(21), 7)}, paid_to(200)));
    parent = hash_of(b.back());
  }
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    auto r = h.submit(b[i]);
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(r->status, SubmitStatus::kSideChain);
  }
  // b7 makes the branch heavier: the fork (a1) is below the checkpoint (a6).
  auto r = h.submit(b.back());
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kReorg);
  EXPECT_EQ(r->disconnected.size(), 6u);
  EXPECT_EQ(h.tip(), hash_of(b.back()));
  // The tip change wrote a checkpoint on the new branch (the old one left the chain).
  EXPECT_EQ(h->checkpoint_height(), 8u);
  EXPECT_EQ((*h.db->state_checkpoint())->hash, hash_of(b.back()));
  EXPECT_TRUE(stored_whole(*h.db, b.back().header.state_root));
  EXPECT_EQ(h.account(address(20)).balance, 100u);
  EXPECT_EQ(h.account(address(21)).balance, 49u);
  EXPECT_EQ(h.account(address(1)).nonce, 1u);
  EXPECT_EQ(h.account(address(200)), h.maker.account(h.tip(), address(200)));

  // The a branch comes back (a8, a9 make it heavier): a2..a7 were connected before and
  // are reconnected from their stored diffs, the fork again below the checkpoint.
  a.push_back(h.maker.make(hash_of(a.back()), {transfer(1, 7, address(20), 100)}));
  a.push_back(h.maker.make(hash_of(a.back()), {transfer(1, 8, address(20), 100)}));
  ASSERT_TRUE(h.submit(a[7]));
  r = h.submit(a[8]);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kReorg);
  EXPECT_EQ(h.tip(), hash_of(a[8]));
  EXPECT_EQ(h.account(address(20)).balance, 900u);
  EXPECT_EQ(h.account(address(21)).balance, 0u);
  EXPECT_EQ(h.account(address(1)).nonce, 9u);
  for (std::uint32_t n : {1U, 2U, 100U, 200U}) {
    EXPECT_EQ(h.account(address(n)), h.maker.account(h.tip(), address(n))) << n;
  }

  // A restart (no checkpoint on close) replays what is above the checkpoint.
  h.reopen();
  EXPECT_EQ(h.tip(), hash_of(a[8]));
  EXPECT_EQ(h.account(address(20)).balance, 900u);
  // The b branch's diffs are stored and undo / redo works on them again.
  Block b8 = h.maker.make(hash_of(b.back()), {}, paid_to(200));
  Block b9 = h.maker.make(hash_of(b8), {}, paid_to(200));
  r = h.submit(b8);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kSideChain);
  r = h.submit(b9);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kReorg);
  EXPECT_EQ(h.account(address(21)).balance, 49u);
  EXPECT_EQ(h.account(address(200)), h.maker.account(h.tip(), address(200)));
}

TEST(Checkpoint, ReorgAboveTheCheckpointKeepsItAndTheLayersBelowTheFork) {
  Harness h;
  h.options.checkpoint_interval = 10;
  h.reopen();
  const auto a = extend_by(h, 4, 0);
  EXPECT_EQ(h->unflushed_blocks(), 4u);
  const Block b3 = h.maker.make(hash_of(a[1]), {transfer(2, 0, address(21), 5)}, paid_to(200));
  const Block b4 = h.maker.make(hash_of(b3), {}, paid_to(200));
  const Block b5 = h.maker.make(hash_of(b4), {}, paid_to(200));
  ASSERT_TRUE(h.submit(b3));
  ASSERT_TRUE(h.submit(b4));
  auto r = h.submit(b5);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kReorg);
  EXPECT_EQ(h->checkpoint_height(), 0u);
  EXPECT_EQ(h->unflushed_blocks(), 5u);
  EXPECT_EQ(h.account(address(30)).balance, 10u);
  EXPECT_EQ(h.account(address(32)).balance, 0u);
  EXPECT_EQ(h.account(address(21)).balance, 5u);
  EXPECT_EQ(h.account(address(200)), h.maker.account(h.tip(), address(200)));
}

TEST(Checkpoint, ReadersOnAnotherThreadAlwaysSeeTheWholeTipTree) {
  Harness h;
  h.options.checkpoint_interval = 3;
  h.reopen();
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    const auto key = state::account_key(address(1));
    while (!done.load()) {
      const auto tip = h.chain->tip();
      auto value = state::tree_get(*tip->state_nodes, tip->header.state_root, key);
      auto proof = state::tree_prove(*tip->state_nodes, tip->header.state_root, key);
      if (!value || !*value || !proof ||
          !state::verify_proof(tip->header.state_root, key, (*value)->value_hash, *proof)) {
        ++failures;
      }
      ++reads;
    }
  });
  for (std::uint64_t i = 0; i < 12; ++i) h.extend(h.tip(), {transfer(1, i, address(20), 1)});
  while (reads.load() < 50) std::this_thread::yield();
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(h->checkpoint_height(), 12u);
}

TEST(Checkpoint, ReindexRebuildsAndCheckpointsAtTheEnd) {
  Harness h;
  h.options.checkpoint_interval = 4;
  h.reopen();
  extend_by(h, 6, 0);
  const auto before = h->tip();
  std::vector<std::pair<std::uint64_t, std::uint64_t>> progress;
  auto r = h->reindex([&](std::uint64_t done, std::uint64_t total) { progress.emplace_back(done, total); });
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, 6u);
  ASSERT_EQ(progress.size(), 6u);  // once per block above genesis, in order
  for (std::size_t i = 0; i < progress.size(); ++i) {
    EXPECT_EQ(progress[i], std::make_pair(std::uint64_t{i + 1}, std::uint64_t{6}));
  }
  EXPECT_EQ(h.tip(), before->hash);
  EXPECT_EQ(h->checkpoint_height(), 6u);
  EXPECT_EQ(h->unflushed_blocks(), 0u);
  EXPECT_TRUE(stored_whole(*h.db, before->header.state_root));
  EXPECT_EQ(h.account(address(35)).balance, 10u);
}

}  // namespace
}  // namespace cloudchain::chain
