// PeerHooks against real nodes (real RocksDB, chain, mempool, miner on an easy target):
// the reads the network makes, the checks of header batches, blocks and transactions
// handed in by peers; then two nodes over a real loopback P2P connection: sync from
// genesis and gossip of a transaction and of new blocks.

#include "node/peer_hooks.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "crypto/sha256_compress.hpp"
#include "node/chain_setup.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"
#include "primitives/header.hpp"
#include "util/uint256.hpp"

namespace cloudchain::node {
namespace {

using namespace std::chrono_literals;
using test::wait_until;
using test::wall_ms;

constexpr std::uint32_t kChainId = 4343;

Genesis easy_genesis() {
  Genesis g = default_genesis(kChainId, "ccdev", wall_ms() - 1000);
  g.pow.target_block_time_ms = 100;
  g.pow.asert_half_life_ms = 2000;
  g.pow.genesis_bits = primitives::bits_from_target((util::Uint256::max() >> 12).to_be());
  g.alloc.push_back({test::address_of(1), 1'000'000'000});
  return g;
}

struct Log {
  std::shared_ptr<std::ostringstream> stream = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream));
  std::string text() const {
    logger->flush();
    return stream->str();
  }
};

NodeOptions options_for(const std::filesystem::path& home, const Genesis& genesis, bool mine, bool p2p,
                        const Log& log) {
  NodeOptions o;
  o.home = home;
  o.genesis = genesis;
  o.config.mining.enabled = mine;
  o.config.mining.address = test::address_of(9);
  o.config.mining.template_interval_ms = 50;
  o.config.p2p.enabled = p2p;
  o.config.p2p.listen_host = "127.0.0.1";
  o.config.p2p.listen_port = 0;
  o.logger = log.logger;
  o.verify_threads = 1;
  return o;
}

primitives::Transaction transfer(std::uint64_t nonce, std::uint64_t amount = 5) {
  primitives::Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = nonce;
  tx.fee = 1000;
  tx.body = primitives::Transfer{test::address_of(2), amount};
  primitives::sign(tx, test::key_of(1));
  return tx;
}

/// The node's active blocks 1..tip.
std::vector<primitives::Block> active_blocks(const Node& node) {
  std::vector<primitives::Block> out;
  for (std::uint64_t h = 1; h <= node.tip().height; ++h) {
    auto hash = node.database().hash_at(h);
    auto block = node.database().block(**hash);
    out.push_back(**block);
  }
  return out;
}

p2p::Verdict submit_block_sync(PeerHooks& hooks, const primitives::Block& block) {
  std::promise<p2p::Verdict> promise;
  hooks.submit_block(block, [&](p2p::Verdict v) { promise.set_value(std::move(v)); });
  return promise.get_future().get();
}

p2p::Verdict submit_tx_sync(PeerHooks& hooks, const primitives::Transaction& tx) {
  std::promise<p2p::Verdict> promise;
  hooks.submit_tx(tx, [&](p2p::Verdict v) { promise.set_value(std::move(v)); });
  return promise.get_future().get();
}

// One verdict per transaction, in their order.
std::vector<p2p::Verdict> submit_txs_sync(PeerHooks& hooks, std::vector<primitives::Transaction> txs) {
  const std::size_t n = txs.size();
  std::mutex mutex;
  std::condition_variable done;
  std::vector<p2p::Verdict> out(n);
  std::size_t answered = 0;
  std::vector<util::Hash256> ids;
  for (const auto& tx : txs) ids.push_back(primitives::txid(tx));
  hooks.submit_txs(std::move(txs), ids, [&](std::size_t i, p2p::Verdict v) {
    const std::lock_guard lock(mutex);
    out.at(i) = std::move(v);
    ++answered;
    done.notify_all();
  });
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return answered == n; });
  return out;
}

// The last kGeneration txids are always there, nothing older than the last 2 x
// kGeneration is, a repeat does not count, and txids that share their slot (the first 8
// bytes) or are all zero are kept apart exactly.
TEST(RecentTxids, KeepsTheNewestInTwoGenerationsExactly) {
  constexpr std::size_t kGen = RecentTxids::kGeneration;
  RecentTxids recent;
  const auto id = [](std::uint32_t i) {
    util::Hash256 h{};
    for (int b = 0; b < 4; ++b) h[b] = static_cast<std::uint8_t>(i >> (8 * b));
    h[31] = 1;  // never the zero txid
    return h;
  };
  std::vector<util::Hash256> batch;
  for (std::uint32_t i = 0; i < 10; ++i) batch.push_back(id(i));
  recent.add_all(batch);
  recent.add_all(batch);  // again: no second entry (it would push others out early)
  for (std::uint32_t i = 0; i < 10; ++i) EXPECT_TRUE(recent.contains(id(i)));
  for (std::uint32_t i = 10; i + 1 < kGen; ++i) recent.add(id(i));
  EXPECT_TRUE(recent.contains(id(0)));
  // Same slot, different txids: found exactly, not mistaken for each other.
  util::Hash256 twin = id(3);
  twin[20] = 0xEE;
  EXPECT_FALSE(recent.contains(twin));
  recent.add(twin);  // the generation's last: it becomes the previous one
  EXPECT_TRUE(recent.contains(twin));
  EXPECT_TRUE(recent.contains(id(3)));
  EXPECT_FALSE(recent.contains(util::Hash256{}));
  recent.add(util::Hash256{});
  EXPECT_TRUE(recent.contains(util::Hash256{}));

  // A second generation, in batches: the first is still there until it is full.
  std::vector<util::Hash256> second;
  for (std::uint32_t i = kGen; i + 2 < 2 * kGen; ++i) second.push_back(id(i));
  recent.add_all(second);
  EXPECT_TRUE(recent.contains(id(0)));
  EXPECT_TRUE(recent.contains(id(2 * kGen - 3)));
  recent.add_all(std::vector<util::Hash256>{id(2 * kGen - 2), id(2 * kGen - 1), id(2 * kGen)});
  // The second generation filled at 2 * kGen - 2 (the zero txid counted in it): the
  // first went at once.
  for (std::uint32_t i = 0; i + 1 < kGen; i += 97) EXPECT_FALSE(recent.contains(id(i))) << i;
  EXPECT_FALSE(recent.contains(twin));
  for (std::uint32_t i = kGen; i <= 2 * kGen; i += 89) EXPECT_TRUE(recent.contains(id(i))) << i;
  EXPECT_TRUE(recent.contains(id(2 * kGen)));
  EXPECT_TRUE(recent.contains(util::Hash256{}));
  // contains_each answers as contains does, in order.
  std::vector<util::Hash256> asked;
  for (std::uint32_t i = 0; i <= 2 * kGen; i += 1013) asked.push_back(id(i));
  asked.push_back(twin);
  asked.push_back(util::Hash256{});
  const std::vector<bool> each = recent.contains_each(asked);
  ASSERT_EQ(each.size(), asked.size());
  for (std::size_t i = 0; i < asked.size(); ++i) EXPECT_EQ(each[i], recent.contains(asked[i])) << i;
}

TEST(PeerHooks, LocatorHeights) {
  EXPECT_EQ(locator_heights(0), (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(locator_heights(1), (std::vector<std::uint64_t>{1, 0}));
  EXPECT_EQ(locator_heights(5), (std::vector<std::uint64_t>{5, 4, 3, 1, 0}));
  EXPECT_EQ(locator_heights(20), (std::vector<std::uint64_t>{20, 19, 18, 16, 12, 4, 0}));
  const auto big = locator_heights(~std::uint64_t{0});
  EXPECT_LE(big.size(), 64U);
  EXPECT_EQ(big.back(), 0U);
  for (std::size_t i = 1; i < big.size(); ++i) EXPECT_LT(big[i], big[i - 1]);
}

class PeerHooksOnNodes : public testing::Test {
 protected:
  void SetUp() override {
    genesis = easy_genesis();
    // A: mines a short chain. B: the same genesis, no miner, fed through its hooks.
    auto a = Node::open(options_for(home_a.path(), genesis, true, false, log_a));
    ASSERT_TRUE(a.has_value()) << a.error().detail;
    node_a = std::move(*a);
    ASSERT_TRUE(node_a->start().has_value());
    ASSERT_TRUE(wait_until([&] { return node_a->tip().height >= 6; })) << log_a.text();
    node_a->set_mining(false);
    ASSERT_TRUE(wait_until([&] { return !node_a->mining().enabled; }));
    std::this_thread::sleep_for(200ms);  // a found block may still be in flight
    auto b = Node::open(options_for(home_b.path(), genesis, false, false, log_b));
    ASSERT_TRUE(b.has_value()) << b.error().detail;
    node_b = std::move(*b);
    ASSERT_TRUE(node_b->start().has_value());
    hooks_a = std::make_unique<PeerHooks>(*node_a, genesis.pow);
    hooks_b = std::make_unique<PeerHooks>(*node_b, genesis.pow);
  }
  void TearDown() override {
    hooks_a.reset();
    hooks_b.reset();
    if (node_a) node_a->stop();
    if (node_b) node_b->stop();
  }

  test::TempDir home_a;
  test::TempDir home_b;
  Log log_a;
  Log log_b;
  Genesis genesis;
  std::unique_ptr<Node> node_a;
  std::unique_ptr<Node> node_b;
  std::unique_ptr<PeerHooks> hooks_a;
  std::unique_ptr<PeerHooks> hooks_b;
};

TEST_F(PeerHooksOnNodes, ReadsTheActiveChain) {
  const auto blocks = active_blocks(*node_a);
  const std::uint64_t tip = node_a->tip().height;
  ASSERT_EQ(blocks.size(), tip);
  EXPECT_EQ(hooks_a->chain_id(), kChainId);
  EXPECT_EQ(hooks_a->genesis_hash(), node_a->info().genesis_hash);
  EXPECT_EQ(hooks_a->best().height, tip);
  EXPECT_EQ(hooks_a->best().hash, node_a->tip().hash);
  EXPECT_EQ(to_decimal(hooks_a->best().work), node_a->tip().cumulative_work);

  const auto locator = hooks_a->locator();
  ASSERT_EQ(locator.size(), locator_heights(tip).size());
  EXPECT_EQ(locator.front(), node_a->tip().hash);
  EXPECT_EQ(locator.back(), node_a->info().genesis_hash);

  // From genesis (B's locator): every header after it, in order.
  const auto all = hooks_a->headers_after(hooks_b->locator(), util::Hash256{}, 2000);
  ASSERT_EQ(all.size(), tip);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], blocks[i].header);
  // From a locator whose first known hash is height 2; `max` and `stop` bound the answer.
  const util::Hash256 h2 = primitives::block_hash(blocks[1].header);
  const util::Hash256 h4 = primitives::block_hash(blocks[3].header);
  const auto from3 = hooks_a->headers_after({util::Hash256{7}, h2}, util::Hash256{}, 2);
  ASSERT_EQ(from3.size(), 2U);
  EXPECT_EQ(from3[0].height, 3U);
  const auto until4 = hooks_a->headers_after({h2}, h4, 100);
  ASSERT_EQ(until4.size(), 2U);
  EXPECT_EQ(until4.back().height, 4U);
  // Unknown locator: from height 1.
  EXPECT_EQ(hooks_a->headers_after({util::Hash256{9}}, util::Hash256{}, 1).front().height, 1U);
  // At the tip: nothing more.
  EXPECT_TRUE(hooks_a->headers_after({node_a->tip().hash}, util::Hash256{}, 10).empty());

  const auto bytes = hooks_a->block_bytes(h4);
  ASSERT_TRUE(bytes.has_value());
  auto decoded = primitives::decode_block(*bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(primitives::block_hash(decoded->header), h4);
  EXPECT_FALSE(hooks_a->block_bytes(util::Hash256{1}).has_value());

  // Any stored block, for sync to link headers to: height and cumulative work.
  const auto point = hooks_a->chain_point(h4);
  ASSERT_TRUE(point.has_value());
  EXPECT_EQ(point->height, 4U);
  EXPECT_EQ(point->hash, h4);
  EXPECT_EQ(hooks_a->chain_point(node_a->tip().hash)->work, hooks_a->best().work);
  EXPECT_LT(point->work, hooks_a->best().work);
  EXPECT_FALSE(hooks_a->chain_point(util::Hash256{1}).has_value());
  EXPECT_TRUE(hooks_a->has_block(h4));
  EXPECT_FALSE(hooks_b->has_block(h4));
  EXPECT_TRUE(hooks_b->has_block(node_b->info().genesis_hash));
}

TEST_F(PeerHooksOnNodes, ChecksHeaderBatches) {
  const auto blocks = active_blocks(*node_a);
  std::vector<primitives::BlockHeader> headers;
  util::Uint256 expected;
  for (const auto& b : blocks) {
    headers.push_back(b.header);
    expected = expected + *consensus::work_from_bits(std::get<primitives::PowSeal>(b.header.seal).bits);
  }
  auto work = hooks_b->check_headers(headers);
  ASSERT_TRUE(work.has_value()) << work.error().code << ": " << work.error().detail;
  EXPECT_EQ(*work, expected);
  EXPECT_TRUE(hooks_b->check_headers({}).has_value());

  const auto expect_fault = [&](std::vector<primitives::BlockHeader> batch, std::string_view code) {
    auto r = hooks_b->check_headers(batch);
    ASSERT_FALSE(r.has_value()) << code;
    EXPECT_EQ(r.error().code, code) << r.error().detail;
    EXPECT_TRUE(r.error().sender_at_fault) << code;
  };
  auto gap = headers;
  gap.erase(gap.begin() + 2);
  expect_fault(gap, "headers_not_connecting");
  auto other_chain = headers;
  other_chain[0].chain_id = kChainId + 1;
  expect_fault(other_chain, "wrong_chain");
  auto hard = headers;
  std::get<primitives::PowSeal>(hard[0].seal).bits = 0x1d00ffff;  // a target the hash misses
  expect_fault({hard[0]}, "high_hash");
  auto pos = headers;
  pos[0].seal = primitives::PosSeal{};
  expect_fault({pos[0]}, "wrong_seal_kind");
}

TEST_F(PeerHooksOnNodes, BlocksFromPeers) {
  const auto blocks = active_blocks(*node_a);
  // A block whose contents do not match its header proves the sender wrong.
  primitives::Block bad = blocks.front();
  bad.txs.push_back(transfer(0));
  const p2p::Verdict invalid = submit_block_sync(*hooks_b, bad);
  EXPECT_FALSE(invalid.accepted);
  EXPECT_TRUE(invalid.sender_at_fault) << invalid.code;
  EXPECT_EQ(invalid.code, "tx_root_mismatch");
  EXPECT_FALSE(invalid.hash_invalid);  // the real block (same hash) may still come from another peer
  // A header that breaks a rule in context: that hash is invalid whatever its body.
  primitives::Block bad_header = blocks.front();
  bad_header.header.version = 99;
  const p2p::Verdict header_invalid = submit_block_sync(*hooks_b, bad_header);
  EXPECT_FALSE(header_invalid.accepted);
  EXPECT_TRUE(header_invalid.sender_at_fault);
  EXPECT_TRUE(header_invalid.hash_invalid) << header_invalid.code;

  // Out of order: an orphan is not the sender's fault (fetch its parent).
  const p2p::Verdict orphan = submit_block_sync(*hooks_b, blocks[1]);
  EXPECT_FALSE(orphan.accepted);
  EXPECT_FALSE(orphan.sender_at_fault) << orphan.code;
  EXPECT_FALSE(orphan.hash_invalid);
  for (const auto& block : blocks) {
    const p2p::Verdict v = submit_block_sync(*hooks_b, block);
    EXPECT_TRUE(v.accepted) << v.code << ": " << v.detail;
    EXPECT_TRUE(v.new_tip);
  }
  EXPECT_EQ(node_b->tip().hash, node_a->tip().hash);
  const p2p::Verdict again = submit_block_sync(*hooks_b, blocks.back());
  EXPECT_FALSE(again.accepted);
  EXPECT_FALSE(again.sender_at_fault);
  EXPECT_EQ(again.code, "duplicate");
}

// Blocks with transactions handed over all at once, as sync does: the later ones wait at
// the actor while the look-ahead checks their signatures. A copy of one with a bad
// signature (its header redone to match) is refused as usual, and the real block after it
// is accepted although its look-ahead checks were consumed or dropped by the bad copy.
TEST_F(PeerHooksOnNodes, BlocksWithTransactionsFromPeersInARow) {
  std::uint64_t nonce = 0;
  for (int batch = 0; batch < 2; ++batch) {
    util::Hash256 last;
    for (int i = 0; i < 10; ++i, ++nonce) {
      const auto id = node_a->submit_transaction(transfer(nonce));
      ASSERT_TRUE(id.has_value()) << id.error().detail;
      last = *id;
    }
    node_a->set_mining(true);
    ASSERT_TRUE(wait_until([&] {
      auto location = node_a->database().tx_location(last);
      return location && location->has_value();
    })) << log_a.text();
    node_a->set_mining(false);
    ASSERT_TRUE(wait_until([&] { return !node_a->mining().enabled; }));
  }
  std::this_thread::sleep_for(200ms);  // a found block may still be in flight
  const auto blocks = active_blocks(*node_a);
  const auto with_txs = std::find_if(blocks.begin(), blocks.end(), [](const auto& b) { return !b.txs.empty(); });
  ASSERT_NE(with_txs, blocks.end());
  primitives::Block bad = *with_txs;
  bad.txs.back().signature[9] ^= 1;
  bad.header.tx_root = primitives::tx_root(bad);
  auto& seal = std::get<primitives::PowSeal>(bad.header.seal);
  const crypto::PowHasher hasher(primitives::pow_preimage(bad.header), primitives::kPowNonceOffset);
  seal.nonce = *hasher.search(0, std::uint64_t{1} << 32, *primitives::target_from_bits(seal.bits));

  std::vector<primitives::Block> order;
  for (auto it = blocks.begin(); it != blocks.end(); ++it) {
    if (it == with_txs) order.push_back(bad);
    order.push_back(*it);
  }
  std::vector<std::promise<p2p::Verdict>> verdicts(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    hooks_b->submit_block(order[i], [&verdicts, i](p2p::Verdict v) { verdicts[i].set_value(std::move(v)); });
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    const p2p::Verdict v = verdicts[i].get_future().get();
    if (primitives::block_hash(order[i].header) == primitives::block_hash(bad.header)) {
      EXPECT_FALSE(v.accepted);
      EXPECT_EQ(v.code, "tx_invalid");
      EXPECT_TRUE(v.detail.starts_with("tx " + std::to_string(bad.txs.size() - 1) + ": tx_invalid_signature"))
          << v.detail;
      EXPECT_TRUE(v.hash_invalid);
    } else {
      EXPECT_TRUE(v.accepted) << "block " << i << ": " << v.code << ": " << v.detail;
    }
  }
  EXPECT_EQ(node_b->tip().hash, node_a->tip().hash);
}

TEST_F(PeerHooksOnNodes, TransactionsFromPeers) {
  const primitives::Transaction tx = transfer(0);
  const util::Hash256 txid = primitives::txid(tx);
  EXPECT_FALSE(hooks_b->has_tx(txid));
  const p2p::Verdict v = submit_tx_sync(*hooks_b, tx);
  EXPECT_TRUE(v.accepted) << v.code << ": " << v.detail;
  EXPECT_TRUE(hooks_b->has_tx(txid));
  EXPECT_TRUE(node_b->mempool_get(txid).has_value());

  // One lookup for several: each answer in its txid's place, nullopt for one not pooled.
  std::promise<p2p::NodeHooks::FetchedTxs> fetched;
  hooks_b->fetch_txs({util::Hash256{3}, txid, util::Hash256{4}},
                     [&](p2p::NodeHooks::FetchedTxs t) { fetched.set_value(std::move(t)); });
  const p2p::NodeHooks::FetchedTxs got = fetched.get_future().get();
  ASSERT_EQ(got.size(), 3U);
  EXPECT_FALSE(got[0].has_value());
  EXPECT_EQ(got[1], tx);
  EXPECT_FALSE(got[2].has_value());

  // Known already, or a nonce a block used: refused without blaming the relayer. A copy
  // of one checked lately is answered before a second signature check.
  const p2p::Verdict dup = submit_tx_sync(*hooks_b, tx);
  EXPECT_FALSE(dup.accepted);
  EXPECT_FALSE(dup.sender_at_fault) << dup.code;
  EXPECT_EQ(dup.code, "mempool_already_known");
  EXPECT_EQ(dup.detail, "its signature was checked here lately");
  // A signature that passed counts at once, not when its batch is done: the same
  // transaction again later in one batch (the network never sends that; a proposal's
  // check can pass one while a batch waits) is not checked a second time.
  const primitives::Transaction tx2 = transfer(2);
  const auto verdicts = submit_txs_sync(*hooks_b, {tx2, transfer(3), tx2});
  ASSERT_EQ(verdicts.size(), 3U);
  EXPECT_TRUE(verdicts[0].accepted) << verdicts[0].code << ": " << verdicts[0].detail;
  EXPECT_TRUE(verdicts[1].accepted) << verdicts[1].code << ": " << verdicts[1].detail;
  EXPECT_EQ(verdicts[2].detail, "its signature was checked here lately");
  // A bad signature proves the relayer wrong (it should have checked).
  primitives::Transaction forged = transfer(1);
  forged.signature[5] ^= 1;
  const p2p::Verdict bad = submit_tx_sync(*hooks_b, forged);
  EXPECT_FALSE(bad.accepted);
  EXPECT_TRUE(bad.sender_at_fault) << bad.code;
  // ... and is not recorded as checked: RecentTxids vouches for signatures to the chain,
  // so it must hold only transactions whose signatures passed.
  EXPECT_FALSE(hooks_b->has_tx(primitives::txid(forged)));
  EXPECT_EQ(submit_tx_sync(*hooks_b, forged).code, bad.code);  // checked again, not "known"

  // Committed transactions are found through the tx index.
  node_a->set_mining(true);
  ASSERT_TRUE(node_a->submit_transaction(tx).has_value());
  ASSERT_TRUE(wait_until([&] {
    auto location = node_a->database().tx_location(txid);
    return location && location->has_value();
  })) << log_a.text();
  PeerHooks fresh(*node_a, genesis.pow);  // an empty recent-txid set
  EXPECT_TRUE(fresh.has_tx(txid));
  // The batch answer is has_tx's, in order: recent, committed, neither.
  const std::vector<util::Hash256> asked = {txid, util::Hash256{7}, primitives::txid(forged)};
  EXPECT_EQ(hooks_b->has_txs(asked), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(fresh.has_txs(asked), (std::vector<bool>{true, false, false}));
  EXPECT_TRUE(fresh.has_txs({}).empty());
}

TEST_F(PeerHooksOnNodes, StoppedNodeAnswersShuttingDown) {
  node_b->stop();
  const p2p::Verdict v = submit_tx_sync(*hooks_b, transfer(0));
  EXPECT_FALSE(v.accepted);
  EXPECT_EQ(v.code, "shutting_down");
  EXPECT_FALSE(v.sender_at_fault);
}

// Two nodes over real loopback sockets: B syncs A's chain from genesis, then follows it,
// and a transaction sent to B reaches A's mempool and a block.
TEST(NodeNetwork, SyncsAndGossipsOverLoopback) {
  const Genesis genesis = easy_genesis();
  test::TempDir home_a;
  test::TempDir home_b;
  Log log_a;
  Log log_b;
  auto a = Node::open(options_for(home_a.path(), genesis, true, true, log_a));
  ASSERT_TRUE(a.has_value()) << a.error().detail;
  ASSERT_TRUE((*a)->start().has_value()) << log_a.text();
  ASSERT_NE((*a)->p2p_port(), 0);
  ASSERT_TRUE(wait_until([&] { return (*a)->tip().height >= 20; })) << log_a.text();

  NodeOptions ob = options_for(home_b.path(), genesis, false, true, log_b);
  ob.config.p2p.seeds = {"127.0.0.1:" + std::to_string((*a)->p2p_port())};
  auto b = Node::open(ob);
  ASSERT_TRUE(b.has_value()) << b.error().detail;
  ASSERT_TRUE((*b)->start().has_value()) << log_b.text();

  ASSERT_TRUE(wait_until([&] { return (*b)->tip().height >= 20; })) << log_b.text();
  ASSERT_TRUE(wait_until([&] { return !(*b)->peers().empty() && !(*a)->peers().empty(); }));
  EXPECT_TRUE((*b)->peers().front().ready);
  EXPECT_TRUE((*b)->sync_status().has_value());

  const primitives::Transaction tx = transfer(0);
  ASSERT_TRUE((*b)->submit_transaction(tx).has_value());
  const util::Hash256 txid = primitives::txid(tx);
  ASSERT_TRUE(wait_until([&] {
    auto location = (*b)->database().tx_location(txid);
    return location && location->has_value();
  })) << log_a.text()
      << log_b.text();
  // B follows A's new blocks.
  const std::uint64_t height = (*a)->tip().height;
  ASSERT_TRUE(wait_until([&] { return (*b)->tip().height > height; })) << log_b.text();

  EXPECT_TRUE((*b)->ban_peer("127.0.0.9", 60s));
  ASSERT_TRUE(wait_until([&] { return !(*b)->bans().empty(); }));
  EXPECT_EQ((*b)->bans().front().ip, "127.0.0.9");
  EXPECT_TRUE((*b)->unban_peer("127.0.0.9"));
  ASSERT_TRUE(wait_until([&] { return (*b)->bans().empty(); }));
  (*b)->stop();
  (*a)->stop();
}

TEST(NodeNetwork, ListenerInUseFailsStart) {
  const Genesis genesis = easy_genesis();
  test::TempDir home_a;
  test::TempDir home_b;
  Log log_a;
  Log log_b;
  auto a = Node::open(options_for(home_a.path(), genesis, false, true, log_a));
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE((*a)->start().has_value());
  NodeOptions ob = options_for(home_b.path(), genesis, false, true, log_b);
  ob.config.p2p.listen_port = (*a)->p2p_port();
  auto b = Node::open(ob);
  ASSERT_TRUE(b.has_value());
  auto started = (*b)->start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, NodeError::kNetwork);
  EXPECT_NE(started.error().detail.find("p2p: "), std::string::npos) << started.error().detail;
  (*b)->stop();  // a node that failed to start stops cleanly
  EXPECT_FALSE((*b)->connect_peer("127.0.0.1:1"));
  (*a)->stop();
}

}  // namespace
}  // namespace cloudchain::node
