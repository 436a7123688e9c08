// Crash consistency: a child process commits a chain of synthetic blocks (one batch per
// block: index entry, body, height, transaction indexes, tip) and reports each height on
// a pipe after write() returns; the parent SIGKILLs it at a random moment, reopens the
// database and checks that the tip is at least the last acknowledged height and that
// every height up to the tip is whole, and nothing beyond it exists. Several rounds, each
// continuing the chain where the last one stopped.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "storage/database.hpp"
#include "storage/test_util.hpp"
#include "util/pipe_reader.hpp"

namespace cloudchain::storage {
namespace {

primitives::Block synthetic_block(std::uint64_t height, const Hash256& parent) {
  Hash256 digest{};
  for (std::size_t i = 0; i < 8; ++i) digest[i] = static_cast<std::uint8_t>(height >> (8 * i));
  return test::make_block(
      height, parent,
      {test::unstake(static_cast<std::uint32_t>(height % 7), height), test::anchor(1, digest, height),
       test::transfer(2, test::address_of_key(static_cast<std::uint32_t>(height % 3)), height)});
}

// The child: extends the chain from the stored tip forever; the parent kills it.
[[noreturn]] void run_writer(const std::filesystem::path& path, int ack_fd) {
  auto db = Database::open(path);
  if (!db) ::_exit(3);
  auto tip = (*db)->tip();
  if (!tip) ::_exit(4);
  std::uint64_t height = *tip ? (*tip)->height + 1 : 0;
  Hash256 parent = *tip ? (*tip)->hash : Hash256{};
  for (;; ++height) {
    const primitives::Block block = synthetic_block(height, parent);
    const Hash256 hash = primitives::block_hash(block.header);
    WriteBatch batch = (*db)->batch();
    batch.put_block_index(hash, BlockIndexEntry{block.header, Hash256{}, kStatusHaveBody | kStatusValid});
    batch.put_block(hash, block);
    batch.put_height(height, hash);
    batch.index_block(block, height, hash);
    batch.put_undo(hash, Bytes(100, static_cast<std::uint8_t>(height)));
    batch.put_tip(Tip{hash, height});
    if (!(*db)->write(std::move(batch))) ::_exit(5);
    if (::write(ack_fd, &height, sizeof height) != static_cast<ssize_t>(sizeof height)) ::_exit(6);
    parent = hash;
  }
}

// The heights the writer reports committed, one u64 each.
using AckReader = util::PipeReader<std::uint64_t>;

// Checks the whole stored chain; returns its tip.
std::optional<Tip> check_chain(const Database& db) {
  auto tip = db.tip();
  EXPECT_TRUE(tip) << tip.error().detail;
  if (!tip || !*tip) return std::nullopt;
  Hash256 parent{};
  for (std::uint64_t h = 0; h <= (*tip)->height; ++h) {
    SCOPED_TRACE("height " + std::to_string(h));
    auto hash = db.hash_at(h);
    EXPECT_TRUE(hash && *hash);
    if (!hash || !*hash) return std::nullopt;
    auto index = db.block_index(**hash);
    auto block = db.block(**hash);
    auto undo = db.undo(**hash);
    EXPECT_TRUE(index && *index && block && *block && undo && *undo);
    if (!index || !*index || !block || !*block) return std::nullopt;
    EXPECT_EQ((*index)->height(), h);
    EXPECT_EQ((*index)->header.parent, parent);
    EXPECT_EQ(**block, synthetic_block(h, parent));
    for (std::uint32_t i = 0; i < (*block)->txs.size(); ++i) {
      EXPECT_EQ(*db.tx_location(primitives::txid((*block)->txs[i])), (TxLocation{**hash, i}));
    }
    parent = **hash;
  }
  EXPECT_EQ(parent, (*tip)->hash);
  // Nothing of a later, unfinished batch.
  EXPECT_EQ(*db.hash_at((*tip)->height + 1), std::nullopt);
  auto count = db.for_each_block_index([](const Hash256&, const BlockIndexEntry&) {});
  EXPECT_TRUE(count);
  if (count) {
    EXPECT_EQ(*count, (*tip)->height + 1);
  }
  return *tip;
}

TEST(StorageCrash, KillDuringCommitsLosesNoAcknowledgedBlock) {
  test::TempDir dir;
  const std::uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::optional<std::uint64_t> acknowledged;
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      run_writer(dir.db(), fds[1]);
    }
    ::close(fds[1]);
    AckReader acks(fds[0]);
    // Let it commit a random number of blocks, then kill it a random instant later:
    // often in the middle of a write or its WAL sync.
    const std::size_t wait_for = 1 + rng() % 40;
    while (acks.count < wait_for) {
      if (!acks.read_one(std::chrono::seconds(20))) break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 5000));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    // Every acknowledgement written before death is still in the pipe.
    while (acks.read_one(std::chrono::milliseconds(0))) {
    }
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "writer exited by itself, status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    ASSERT_GE(acks.count, wait_for) << "writer stalled";
    if (acks.last) acknowledged = acks.last;

    auto db = Database::open(dir.db());
    ASSERT_TRUE(db) << db.error().detail;
    const std::optional<Tip> tip = check_chain(**db);
    ASSERT_TRUE(tip);
    ASSERT_TRUE(acknowledged);
    EXPECT_GE(tip->height, *acknowledged);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace cloudchain::storage
