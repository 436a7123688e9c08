// Preverifier (look-ahead signature checks) with real threads and real secp256k1
// signatures, and the chain consuming what it vouched for.

#include "chain/preverifier.hpp"

#include <gtest/gtest.h>

#include <sched.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "chain/test_util.hpp"

namespace cloudchain::chain {
namespace {

using test::address;
using test::kChainId;
using test::transfer;

// `n` signed transfers from keys 1..8, each sender at consecutive nonces.
std::vector<primitives::Transaction> signed_txs(std::size_t n) {
  std::vector<primitives::Transaction> txs;
  for (std::size_t i = 0; i < n; ++i) {
    txs.push_back(transfer(1 + static_cast<std::uint32_t>(i % 8), i / 8, address(20), 1));
  }
  return txs;
}

// Workers at normal priority: the tests must finish when every core is busy (ctest runs
// in parallel), where idle-class workers would barely run. One test checks the class.
Preverifier::Options options() {
  Preverifier::Options o;
  o.idle_priority = false;
  return o;
}

// A block for the Preverifier alone: it looks at the height and the transactions only.
std::shared_ptr<const primitives::Block> block_at(std::uint64_t height, std::vector<primitives::Transaction> txs) {
  auto block = std::make_shared<primitives::Block>();
  block->header.height = height;
  block->txs = std::move(txs);
  return block;
}

TEST(Preverifier, VouchesForValidTransactionsOnce) {
  const auto txs = signed_txs(100);  // several chunks, shared by the workers
  Preverifier pre(2, kChainId, options());
  EXPECT_EQ(pre.threads(), 2U);
  ASSERT_TRUE(pre.enqueue(block_at(1, txs)));
  pre.wait_idle();
  EXPECT_EQ(pre.size(), txs.size());
  for (const auto& tx : txs) EXPECT_TRUE(pre.take(primitives::txid(tx)));
  // Consumed: the chain takes each once.
  for (const auto& tx : txs) EXPECT_FALSE(pre.take(primitives::txid(tx)));
  EXPECT_EQ(pre.size(), 0U);
  EXPECT_FALSE(pre.take(util::Hash256{}));
}

TEST(Preverifier, NeverVouchesForAFailingTransaction) {
  auto txs = signed_txs(64);
  txs[3].signature[7] ^= 1;   // bad signature
  txs[40].signature[0] ^= 1;  // another
  // Validly signed, for another chain.
  txs[17].chain_id = kChainId + 1;
  primitives::sign(txs[17], test::key(2));
  txs[50].fee += 1;  // signed bytes changed after signing
  Preverifier pre(2, kChainId, options());
  ASSERT_TRUE(pre.enqueue(block_at(1, txs)));
  pre.wait_idle();
  EXPECT_EQ(pre.size(), txs.size() - 4);
  for (std::size_t i = 0; i < txs.size(); ++i) {
    const bool bad = i == 3 || i == 17 || i == 40 || i == 50;
    EXPECT_EQ(pre.take(primitives::txid(txs[i])), !bad) << "tx " << i;
  }
}

TEST(Preverifier, SkipsWhatWasCheckedElsewhere) {
  const auto txs = signed_txs(64);
  std::set<util::Hash256> elsewhere;  // e.g. what the node's mempool admitted
  for (std::size_t i = 0; i < txs.size(); i += 2) elsewhere.insert(primitives::txid(txs[i]));
  std::atomic<std::size_t> asked{0};
  Preverifier::Options o = options();
  o.checked_elsewhere = [&](const util::Hash256& txid) {
    ++asked;
    return elsewhere.contains(txid);
  };
  Preverifier pre(2, kChainId, o);
  ASSERT_TRUE(pre.enqueue(block_at(1, txs)));
  pre.wait_idle();
  EXPECT_EQ(asked.load(), txs.size());
  EXPECT_EQ(pre.size(), txs.size() / 2);  // only the others were checked and vouched for
  for (std::size_t i = 0; i < txs.size(); ++i) EXPECT_EQ(pre.take(primitives::txid(txs[i])), i % 2 == 1) << i;
}

TEST(Preverifier, KeepsTheNewestTxids) {
  const auto txs = signed_txs(100);
  Preverifier::Options limits = options();
  limits.max_txids = 40;
  Preverifier pre(1, kChainId, limits);  // one worker: insertion in transaction order
  ASSERT_TRUE(pre.enqueue(block_at(1, txs)));
  pre.wait_idle();
  EXPECT_EQ(pre.size(), 40U);
  for (std::size_t i = 0; i < txs.size(); ++i) EXPECT_EQ(pre.take(primitives::txid(txs[i])), i >= 60) << "tx " << i;

  // A txid taken and inserted again stays for its newer insertion: 60 more of another
  // block push out all but the last 40 insertions, which are txs[40..99] again.
  ASSERT_TRUE(pre.enqueue(block_at(2, txs)));
  pre.wait_idle();
  EXPECT_EQ(pre.size(), 40U);
  for (std::size_t i = 0; i < txs.size(); ++i) EXPECT_EQ(pre.take(primitives::txid(txs[i])), i >= 60) << "tx " << i;
}

// These two tests race the workers on purpose, and keep them at idle priority so that
// the test's own thread outranks them: a worker then runs only on a core this thread
// leaves alone, and the few calls in a row below take microseconds where the workers
// need tens of milliseconds.

TEST(Preverifier, QueueIsBoundedByTransactions) {
  const auto txs = signed_txs(1000);
  Preverifier::Options limits;
  limits.max_queued_txs = txs.size();
  auto too_big = txs;
  too_big.push_back(transfer(1, 999, address(21), 1));
  // As many transactions as the first block, with other txids: they fit only once the
  // whole first block was handed out to the worker (~1000 verifications) or forgotten.
  std::vector<primitives::Transaction> others;
  for (std::uint32_t k = 1; k <= 1000; ++k) others.push_back(transfer(k % 16 + 1, k / 16, address(22), 1));
  const auto first = block_at(1, txs);
  const auto more = block_at(2, others);
  {
    Preverifier pre(1, kChainId, limits);
    EXPECT_FALSE(pre.enqueue(block_at(1, too_big)));  // over the bound by itself
    EXPECT_FALSE(pre.enqueue(nullptr));
  }
  // A full queue refuses. The worker hands out the first block 16 transactions at a time
  // meanwhile, so a refusal needs the second enqueue to come before it checked ~984 of
  // them (tens of ms): retried a few times so a descheduled test thread cannot fail it.
  bool refused = false;
  for (int attempt = 0; attempt < 5 && !refused; ++attempt) {
    Preverifier pre(1, kChainId, limits);
    ASSERT_TRUE(pre.enqueue(first));
    refused = !pre.enqueue(more);
    if (!refused) continue;
    // Forgetting the first block frees its room at once.
    pre.forget_below(2);
    EXPECT_TRUE(pre.enqueue(more));
    pre.wait_idle();
    for (const auto& tx : others) EXPECT_TRUE(pre.take(primitives::txid(tx)));
  }
  EXPECT_TRUE(refused);
}

TEST(Preverifier, ForgetsBlocksBelowTheFloor) {
  using namespace std::chrono_literals;
  const auto txs = signed_txs(1000);
  std::vector<primitives::Transaction> others;  // txids not in `txs`
  for (std::uint32_t k = 1; k <= 16; ++k) others.push_back(transfer(k, 0, address(22), 1));
  Preverifier pre(2, kChainId);
  pre.forget_below(10);
  EXPECT_FALSE(pre.enqueue(block_at(9, txs)));
  pre.wait_idle();
  EXPECT_EQ(pre.size(), 0U);

  // Once forget_below returned, nothing more of a block below it is kept, not even what
  // the workers were checking at that moment (they are, once the first chunk is in).
  ASSERT_TRUE(pre.enqueue(block_at(10, txs)));
  while (pre.size() == 0) std::this_thread::sleep_for(100us);
  pre.forget_below(11);
  const std::size_t kept = pre.size();
  pre.wait_idle();
  EXPECT_EQ(pre.size(), kept);
  EXPECT_LT(kept, txs.size());

  // The floor is set, not raised: a fork below is pre-checked again.
  pre.forget_below(5);
  ASSERT_TRUE(pre.enqueue(block_at(9, others)));
  pre.wait_idle();
  EXPECT_EQ(pre.size(), kept + others.size());
}

TEST(Preverifier, StopsPromptlyWithQueuedWork) {
  using namespace std::chrono_literals;
  const auto block = block_at(1, signed_txs(200));
  auto pre = std::make_unique<Preverifier>(2, kChainId, options());
  // 200,000 signature checks queued: seconds of work on any machine.
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(pre->enqueue(block));
  const auto t0 = std::chrono::steady_clock::now();
  pre.reset();  // the destructor drops the queue and stops within a transaction
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);

  Preverifier stopped(2, kChainId, options());
  ASSERT_TRUE(stopped.enqueue(block));
  stopped.wait_idle();
  stopped.stop();
  stopped.stop();                                             // idempotent
  EXPECT_FALSE(stopped.enqueue(block_at(2, signed_txs(1))));  // no work after stop
  stopped.wait_idle();                                        // returns at once
  // What was found before still answers.
  EXPECT_TRUE(stopped.take(primitives::txid(block->txs[0])));
}

#ifdef __linux__
// Threads of this process in the idle scheduling class.
int idle_threads() {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    const int policy = sched_getscheduler(static_cast<pid_t>(std::stoi(task.path().filename().string())));
    if (policy == SCHED_IDLE) ++n;
  }
  return n;
}

TEST(Preverifier, WorkersRunAtIdlePriority) {
  // Lowering a thread's scheduling class needs no privilege on Linux.
  const int before = idle_threads();
  {
    Preverifier pre(3, kChainId);
    EXPECT_TRUE(pre.idle_priority());
    EXPECT_EQ(idle_threads(), before + 3);
    // They still work (this test's thread sleeps in wait_idle, so a core is free).
    const auto txs = signed_txs(16);
    ASSERT_TRUE(pre.enqueue(block_at(1, txs)));
    pre.wait_idle();
    EXPECT_EQ(pre.size(), txs.size());
  }
  Preverifier normal(2, kChainId, options());
  EXPECT_FALSE(normal.idle_priority());
  EXPECT_EQ(idle_threads(), before);
}
#endif

// The chain skips the checks the Preverifier vouched for and still finds a bad
// signature it did not vouch for, with the usual error.
TEST(Preverifier, ChainConsumesLookAheadChecks) {
  test::Harness h;
  const util::Hash256 genesis = h.tip();
  const primitives::Block b1 = h.maker.make(genesis, signed_txs(40));
  std::vector<primitives::Transaction> next;
  for (std::uint32_t k = 1; k <= 8; ++k) next.push_back(transfer(k, 5, address(21), 2));
  const primitives::Block b2 = h.maker.make(primitives::block_hash(b1.header), next);
  std::vector<primitives::Transaction> third;
  for (std::uint32_t k = 1; k <= 8; ++k) third.push_back(transfer(k, 6, address(21), 3));
  test::MakeOptions tampered;
  tampered.tamper = [](primitives::Block& b) {
    b.txs[2].signature[40] ^= 1;
    b.header.tx_root = primitives::tx_root(b);
  };
  const primitives::Block b3 = h.maker.make(primitives::block_hash(b2.header), third, tampered);

  Preverifier pre(2, kChainId, options());
  for (const auto* b : {&b1, &b2, &b3}) ASSERT_TRUE(pre.enqueue(std::make_shared<const primitives::Block>(*b)));
  pre.wait_idle();

  std::size_t vouched = 0;
  const Chain::VerifiedFn is_verified = [&](const util::Hash256& txid) {
    const bool v = pre.take(txid);
    vouched += v ? 1 : 0;
    return v;
  };
  auto r1 = h->submit_block(b1, b1.header.timestamp_ms + 10, is_verified);
  ASSERT_TRUE(r1) << r1.error().detail;
  EXPECT_EQ(r1->status, SubmitStatus::kConnected);
  EXPECT_EQ(vouched, b1.txs.size());
  vouched = 0;
  auto r2 = h->submit_block(b2, b2.header.timestamp_ms + 10, is_verified);
  ASSERT_TRUE(r2) << r2.error().detail;
  EXPECT_EQ(vouched, b2.txs.size());
  vouched = 0;
  auto r3 = h->submit_block(b3, b3.header.timestamp_ms + 10, is_verified);
  ASSERT_FALSE(r3);
  EXPECT_EQ(vouched, b3.txs.size() - 1);  // all but the tampered one
  EXPECT_EQ(r3.error().code, BlockError::kTxInvalid);
  EXPECT_TRUE(r3.error().detail.starts_with("tx 2: tx_invalid_signature")) << r3.error().detail;
  EXPECT_EQ(h.tip(), primitives::block_hash(b2.header));
  EXPECT_EQ(h->lookup(primitives::block_hash(b3.header))->status & storage::kStatusInvalid, storage::kStatusInvalid);
}

}  // namespace
}  // namespace cloudchain::chain
