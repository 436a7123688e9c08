// Crash consistency of the chain: a child process submits a planned sequence of blocks
// (a main branch, a heavier competitor forking below its tip, then the main branch
// growing back past it: two reorgs of depth 10 and 13) and acknowledges each on a pipe;
// the parent SIGKILLs it at a random instant, reopens the database and the chain, and
// checks that the tip is one the plan could have reached no earlier than the last
// acknowledgement, with the heights, transaction indexes, undo records and state all
// matching that tip and nothing of any other branch indexed. Several rounds, each
// resubmitting the plan (known blocks are duplicates), then one run to the end.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "chain/chain.hpp"
#include "chain/test_util.hpp"
#include "state/overlay.hpp"
#include "util/hex.hpp"
#include "util/pipe_reader.hpp"

namespace cloudchain::chain {
namespace {

using primitives::Block;

// A state checkpoint every 4 blocks and none on close: kills land between checkpoints, in
// a checkpoint's batch, and in reorgs whose fork lies below the checkpoint, and every
// reopen replays the state diffs since the last one.
ChainOptions crash_options() {
  ChainOptions o;
  o.verify_threads = 2;
  o.checkpoint_interval = 4;
  o.checkpoint_on_close = false;
  return o;
}
using test::address;

struct Plan {
  std::vector<Block> blocks;        // in submission order
  std::vector<Hash256> tip_after;   // the tip once blocks[0..i] are submitted
  std::vector<std::size_t> reorgs;  // indexes of the blocks whose submission reorganizes
};

Hash256 hash_of(const Block& b) { return primitives::block_hash(b.header); }

Plan make_plan(test::BlockMaker& maker, const Hash256& genesis) {
  Plan plan;
  std::uint64_t nonce_a = 0;
  std::uint64_t nonce_b = 0;
  auto block_on = [&](const Hash256& parent, bool branch_a) {
    test::MakeOptions o;
    o.beneficiary = address(branch_a ? 100 : 200);
    Hash256 digest{};
    digest[0] = branch_a ? 0xaa : 0xbb;
    digest[1] = static_cast<std::uint8_t>(plan.blocks.size());
    std::vector<primitives::Transaction> txs =
        branch_a ? std::vector{test::transfer(1, nonce_a, address(20), 3), test::anchor(1, nonce_a + 1, digest)}
                 : std::vector{test::transfer(2, nonce_b, address(21), 5), test::anchor(2, nonce_b + 1, digest)};
    (branch_a ? nonce_a : nonce_b) += 2;
    plan.blocks.push_back(maker.make(parent, txs, o));
    return hash_of(plan.blocks.back());
  };
  std::vector<Hash256> a{genesis};
  for (int i = 1; i <= 25; ++i) a.push_back(block_on(a.back(), true));
  Hash256 b = a[15];
  for (int i = 16; i <= 28; ++i) b = block_on(b, false);
  for (int i = 26; i <= 30; ++i) a.push_back(block_on(a.back(), true));
  // The expected tip: all blocks have equal work, so the higher one wins, the first seen
  // among equals.
  Hash256 tip = genesis;
  std::uint64_t height = 0;
  for (const Block& blk : plan.blocks) {
    if (blk.header.height > height) {
      if (blk.header.parent != tip) plan.reorgs.push_back(plan.tip_after.size());
      tip = hash_of(blk);
      height = blk.header.height;
    }
    plan.tip_after.push_back(tip);
  }
  return plan;
}

// The child: submits every block of the plan, acknowledging index i once block i is in.
[[noreturn]] void run_submitter(const std::filesystem::path& path, const ChainParams& params,
                                const consensus::PowEngine& engine, const Plan& plan, int ack_fd) {
  auto db = storage::Database::open(path);
  if (!db) ::_exit(3);
  auto chain = Chain::open(**db, params, engine, crash_options());
  if (!chain) ::_exit(4);
  for (std::uint64_t i = 0; i < plan.blocks.size(); ++i) {
    const Block& b = plan.blocks[i];
    auto r = (*chain)->submit_block(b, b.header.timestamp_ms + 10);
    if (!r && r.error().code != BlockError::kDuplicate) ::_exit(10 + static_cast<int>(r.error().code));
    if (::write(ack_fd, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) ::_exit(6);
  }
  ::_exit(0);
}

// The plan indexes the submitter reports done, one u64 each.
using AckReader = util::PipeReader<std::uint64_t>;

// Everything stored agrees with the tip; returns the tip's hash.
Hash256 check_consistent(const storage::Database& db, const Chain& chain, const Plan& plan,
                         const test::BlockMaker& maker) {
  const auto tip = chain.tip();
  EXPECT_EQ((*db.tip())->hash, tip->hash);
  std::set<Hash256> active;
  Hash256 hash = tip->hash;
  for (std::uint64_t h = tip->height + 1; h-- > 0;) {
    SCOPED_TRACE("height " + std::to_string(h));
    active.insert(hash);
    EXPECT_EQ(*db.hash_at(h), hash);
    const auto block = *db.block(hash);
    EXPECT_TRUE(block);
    if (!block) return tip->hash;
    for (std::uint32_t i = 0; i < block->txs.size(); ++i) {
      EXPECT_EQ(*db.tx_location(primitives::txid(block->txs[i])), (storage::TxLocation{hash, i}));
    }
    if (h > 0) {
      EXPECT_TRUE(*db.undo(hash));
    }
    hash = block->header.parent;
  }
  EXPECT_FALSE(*db.hash_at(tip->height + 1));
  for (const Block& b : plan.blocks) {
    if (active.count(hash_of(b)) != 0) continue;
    for (const auto& tx : b.txs) EXPECT_FALSE(*db.tx_location(primitives::txid(tx))) << "a side block's tx is indexed";
  }
  state::StateOverlay overlay(*tip->state_nodes, tip->header.state_root);
  for (std::uint32_t n : {1U, 2U, 20U, 21U, 100U, 200U}) {
    EXPECT_EQ(*overlay.account(address(n)), maker.account(tip->hash, address(n))) << "account " << n;
  }
  return tip->hash;
}

TEST(ChainCrash, KillAtAnyInstantLeavesAConsistentTip) {
  test::TempDir dir;
  const auto spec = test::genesis_spec();
  const ChainParams params = test::chain_params(spec);
  const auto engine = *consensus::PowEngine::create(test::pow_params(), {test::kReward, 0});
  test::BlockMaker maker(params, engine);
  const Plan plan = make_plan(maker, params.genesis.hash);
  ASSERT_EQ(plan.reorgs, (std::vector<std::size_t>{35, 41}));  // b26 and a29
  const auto db_path = dir.path() / "db";

  const std::uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::optional<std::uint64_t> acknowledged;
  constexpr int kRounds = 12;
  for (int round = 0; round <= kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const bool last_round = round == kRounds;  // runs to the end
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      run_submitter(db_path, params, engine, plan, fds[1]);
    }
    ::close(fds[1]);
    AckReader acks(fds[0]);
    int status = 0;
    if (last_round) {
      while (acks.read_one(std::chrono::seconds(60))) {
      }
      ASSERT_EQ(::waitpid(child, &status, 0), child);
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    } else {
      // Odd rounds kill at a random point of the plan, even rounds during one of the two
      // reorgs (the submission after the acknowledged block index `wait_for - 1`).
      // Resubmitting known blocks acknowledges at once, so the count is in plan indexes.
      const std::size_t wait_for =
          round % 2 == 1 ? 1 + rng() % plan.blocks.size() : plan.reorgs[(round / 2) % plan.reorgs.size()];
      while (acks.count < wait_for && acks.read_one(std::chrono::seconds(60))) {
      }
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 15000));
      ::kill(child, SIGKILL);
      ASSERT_EQ(::waitpid(child, &status, 0), child);
      while (acks.read_one(std::chrono::milliseconds(0))) {
      }
      ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) << "status " << status;
    }
    ::close(fds[0]);
    if (acks.last && (!acknowledged || *acks.last > *acknowledged)) acknowledged = acks.last;

    auto db = storage::Database::open(db_path);
    ASSERT_TRUE(db) << db.error().detail;
    auto chain = Chain::open(**db, params, engine, crash_options());
    ASSERT_TRUE(chain) << chain.error().detail;
    const Hash256 tip = check_consistent(**db, **chain, plan, maker);
    EXPECT_LE((*chain)->checkpoint_height(), (*chain)->tip()->height);
    EXPECT_LT((*chain)->unflushed_blocks(), 4u);
    // The tip is where the plan stood at the last acknowledgement or later.
    const std::size_t from = acknowledged ? *acknowledged : 0;
    bool reachable = !acknowledged && tip == params.genesis.hash;
    for (std::size_t i = from; i < plan.tip_after.size(); ++i) reachable = reachable || plan.tip_after[i] == tip;
    EXPECT_TRUE(reachable) << "tip " << util::to_hex(tip) << " after acknowledgement " << from;
    if (last_round) {
      EXPECT_EQ(tip, plan.tip_after.back());
    }
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace cloudchain::chain
