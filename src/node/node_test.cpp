// The node in-process: a real database in a temp home, the real chain, mempool and
// miner (on an easy target), transactions submitted through NodeService.

#include "node/node.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "node/chain_setup.hpp"
#include "node/test_util.hpp"
#include "primitives/header.hpp"
#include "state/overlay.hpp"
#include "util/hex.hpp"
#include "util/uint256.hpp"

namespace cloudchain::node {
namespace {

using namespace std::chrono_literals;
using test::CapturedLog;
using test::wait_until;
using test::wall_ms;

constexpr std::uint32_t kChainId = 4242;
constexpr std::uint64_t kAliceFunds = 1'000'000'000;
constexpr std::uint64_t kReward = 5'000'000'000;

/// A devnet that one thread mines in milliseconds: about 2^12 hashes per block at
/// first, 100 ms target spacing, a short ASERT half-life so the pace settles fast.
Genesis easy_genesis() {
  Genesis g = default_genesis(kChainId, "ccdev", wall_ms() - 1000);
  g.pow.target_block_time_ms = 100;
  g.pow.asert_half_life_ms = 2000;
  util::Uint256 target = util::Uint256::max() >> 12;
  g.pow.genesis_bits = primitives::bits_from_target(target.to_be());
  g.alloc.push_back({test::address_of(1), kAliceFunds});
  return g;
}

NodeOptions options_for(const std::filesystem::path& home, const Genesis& genesis, bool mine,
                        const std::shared_ptr<spdlog::logger>& logger) {
  NodeOptions o;
  o.home = home;
  o.genesis = genesis;
  o.config.mining.enabled = mine;
  o.config.mining.address = test::address_of(9);
  o.config.mining.threads = 1;
  o.config.mining.template_interval_ms = 50;
  o.logger = logger;
  o.verify_threads = 1;
  o.config.p2p.listen_host = "127.0.0.1";
  o.config.p2p.listen_port = 0;  // an ephemeral port: tests run side by side
  return o;
}

primitives::Transaction transfer(std::uint32_t from, const crypto::Address& to, std::uint64_t amount,
                                 std::uint64_t nonce, std::uint64_t fee = 1000, std::uint32_t chain_id = kChainId) {
  primitives::Transaction tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.body = primitives::Transfer{to, amount};
  primitives::sign(tx, test::key_of(from));
  return tx;
}

state::Account account_at_tip(const Node& node, const crypto::Address& address) {
  const auto tip = node.chain_tip();
  state::StateOverlay overlay(*tip->state_nodes, tip->header.state_root);
  auto account = overlay.account(address);
  EXPECT_TRUE(account.has_value());
  return account ? *account : state::Account{};
}

TEST(Node, MinesIncludesTransfersAndRestartsOnItsTip) {
  test::TempDir home;
  CapturedLog log;
  const Genesis genesis = easy_genesis();
  const crypto::Address bob = test::address_of(2);
  Hash256 tip_hash{};
  std::uint64_t tip_height = 0;
  Hash256 queued_txid{};
  {
    auto opened = Node::open(options_for(home.path(), genesis, /*mine=*/true, log.logger));
    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    Node& node = **opened;
    EXPECT_EQ(node.info().chain_id, kChainId);
    EXPECT_EQ(node.info().network, "ccdev");
    EXPECT_EQ(node.info().consensus, "pow");
    EXPECT_EQ(node.info().version, kVersion);
    EXPECT_EQ(node.info().genesis_hash, make_chain_params(genesis)->genesis.hash);
    EXPECT_EQ(node.tip().height, 0U);
    EXPECT_EQ(node.tip().hash, node.info().genesis_hash);
    ASSERT_TRUE(node.start().has_value());
    EXPECT_FALSE(node.start().has_value());  // once only

    ASSERT_TRUE(wait_until([&] { return node.tip().height >= 3; })) << log.text();
    EXPECT_TRUE(node.mining().enabled);
    EXPECT_EQ(node.mining().threads, 1U);
    EXPECT_NE(node.tip().cumulative_work, "0");
    EXPECT_NE(node.tip().bits, 0U);

    // A transfer through NodeService, included by the miner.
    const crypto::Address alice = test::address_of(1);
    EXPECT_EQ(node.next_nonce(alice), 0U);
    const primitives::Transaction tx = transfer(1, bob, 12345, 0, 1000);
    auto submitted = node.submit_transaction(tx);
    ASSERT_TRUE(submitted.has_value()) << submitted.error().code << ": " << submitted.error().detail;
    EXPECT_EQ(*submitted, primitives::txid(tx));
    ASSERT_TRUE(wait_until([&] {
      auto location = node.database().tx_location(*submitted);
      return location.has_value() && location->has_value();
    })) << log.text();

    // A transaction with a nonce gap waits in the pool, visible to the API.
    const primitives::Transaction queued = transfer(1, bob, 1, 5, 1000);
    auto queued_id = node.submit_transaction(queued);
    ASSERT_TRUE(queued_id.has_value()) << queued_id.error().detail;
    queued_txid = *queued_id;
    EXPECT_EQ(node.mempool_get(queued_txid), queued);
    const auto listed = node.mempool_list(0, 10);
    EXPECT_NE(std::find(listed.begin(), listed.end(), queued), listed.end());
    EXPECT_TRUE(node.mempool_list(listed.size(), 10).empty());
    EXPECT_GE(node.mempool_stats().size, 1U);
    EXPECT_GT(node.mempool_stats().bytes, 0U);
    EXPECT_EQ(node.next_nonce(alice), 1U);  // the gap stops the run at the account nonce

    // Balances at the tip: alice paid amount + fee, bob got the amount, and the miner
    // got every block's reward plus the fee.
    node.set_mining(false);
    ASSERT_TRUE(wait_until([&] { return !node.mining().enabled; }));
    // A found block may still be in flight: let the tip settle.
    std::this_thread::sleep_for(200ms);
    const auto tip = node.chain_tip();
    const state::Account a = account_at_tip(node, alice);
    EXPECT_EQ(a.balance, kAliceFunds - 12345 - 1000);
    EXPECT_EQ(a.nonce, 1U);
    EXPECT_EQ(account_at_tip(node, bob).balance, 12345U);
    EXPECT_EQ(account_at_tip(node, test::address_of(9)).balance, tip->height * kReward + 1000);

    // Mining stays off: the tip does not move.
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(node.tip().height, tip->height);
    tip_hash = tip->hash;
    tip_height = tip->height;

    // The /metrics counters: every block since genesis connected here, one transfer in
    // them, one timing observation per tip change (no reorg on a lone miner).
    const NodeCounters counters = node.counters();
    EXPECT_EQ(counters.blocks_processed, tip->height);
    EXPECT_EQ(counters.transactions_processed, 1U);
    for (const util::HistogramSnapshot* h : {&counters.block_validation_seconds, &counters.block_commit_seconds}) {
      EXPECT_EQ(h->count, tip->height);
      EXPECT_GT(h->sum, 0.0);
      EXPECT_EQ(h->bounds.size() + 1, h->counts.size());
    }
    // The transfer's signature was checked (at submission) through the node's key cache.
    EXPECT_GE(counters.signature_checks, 1U);
    // No peers: nothing sent or received, but a network to ask.
    EXPECT_EQ(node.p2p_traffic().bytes_sent, 0U);
    EXPECT_EQ(node.p2p_traffic().bytes_received, 0U);

    EXPECT_FALSE(node.shutdown_requested());
    node.request_shutdown();
    EXPECT_TRUE(node.wait_for_shutdown_request(1s));
    bool hook_ran = false;
    node.stop([&] { hook_ran = true; });
    EXPECT_TRUE(hook_ran);
    node.stop();  // idempotent
  }
  const std::string text = log.text();
  if (std::getenv("NODE_TEST_LOG") != nullptr) std::cerr << text;
  EXPECT_NE(text.find("mining: on"), std::string::npos) << text;
  EXPECT_NE(text.find("height 1 txs 0"), std::string::npos) << text;
  EXPECT_NE(text.find("txs 1 interval"), std::string::npos) << text;
  EXPECT_NE(text.find("mempool: saved 1 transaction(s)"), std::string::npos) << text;
  EXPECT_TRUE(std::filesystem::exists(home.path() / "mempool.dat"));

  // Reopen: same tip, the queued transaction is back in the pool.
  CapturedLog log2;
  auto reopened = Node::open(options_for(home.path(), genesis, /*mine=*/false, log2.logger));
  ASSERT_TRUE(reopened.has_value()) << reopened.error().detail;
  EXPECT_EQ((*reopened)->tip().height, tip_height);
  EXPECT_EQ((*reopened)->tip().hash, tip_hash);
  ASSERT_TRUE((*reopened)->start().has_value());
  EXPECT_TRUE((*reopened)->mempool_get(queued_txid).has_value()) << log2.text();
  EXPECT_FALSE((*reopened)->mining().enabled);
  (*reopened)->stop();
}

/// The blocks 1..tip of `node`'s active chain, read from its database.
std::vector<primitives::Block> active_blocks(const Node& node) {
  std::vector<primitives::Block> out;
  const std::uint64_t height = node.tip().height;
  for (std::uint64_t h = 1; h <= height; ++h) {
    auto hash = node.database().hash_at(h);
    EXPECT_TRUE(hash.has_value() && hash->has_value());
    auto block = node.database().block(**hash);
    EXPECT_TRUE(block.has_value() && block->has_value());
    out.push_back(std::move(**block));
  }
  return out;
}

// The event hub (GET /v1/events): every connected block in height order, each admitted
// transaction before the block that includes it.
TEST(Node, PublishesBlockAndTransactionEvents) {
  test::TempDir home;
  CapturedLog log;
  auto opened = Node::open(options_for(home.path(), easy_genesis(), /*mine=*/true, log.logger));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  Node& node = **opened;
  std::mutex mutex;
  std::vector<Event> events;  // guarded by mutex
  const std::uint64_t id = node.events()->subscribe([&](const std::shared_ptr<const Event>& e) {
    const std::lock_guard lock(mutex);
    events.push_back(*e);
  });
  ASSERT_TRUE(node.start().has_value());
  ASSERT_TRUE(wait_until([&] { return node.tip().height >= 2; })) << log.text();
  const primitives::Transaction tx = transfer(1, test::address_of(2), 77, 0);
  auto submitted = node.submit_transaction(tx);
  ASSERT_TRUE(submitted.has_value()) << submitted.error().detail;
  ASSERT_TRUE(wait_until([&] {
    auto location = node.database().tx_location(*submitted);
    return location.has_value() && location->has_value();
  })) << log.text();
  node.set_mining(false);
  node.request_shutdown();
  node.stop();
  node.events()->unsubscribe(id);

  const std::lock_guard lock(mutex);
  std::uint64_t next_height = 1;
  bool tx_seen = false;
  bool included = false;
  for (const Event& e : events) {
    const auto doc = nlohmann::json::parse(e.data);
    if (e.type == "tx") {
      EXPECT_EQ(doc.at("txid"), util::to_hex(*submitted));
      EXPECT_FALSE(tx_seen);
      tx_seen = true;
    } else {
      ASSERT_EQ(e.type, "block") << e.data;
      EXPECT_EQ(doc.at("height"), next_height) << e.data;  // a lone miner: no reorg
      ++next_height;
      EXPECT_EQ(doc.at("hash").get<std::string>().size(), 64u);
      if (doc.at("txs") == 1) {
        EXPECT_TRUE(tx_seen);
        included = true;
      }
    }
  }
  EXPECT_TRUE(tx_seen);
  EXPECT_TRUE(included);
  EXPECT_EQ(next_height, node.tip().height + 1);
}

TEST(Node, ReorgReturnsTransactionsToThePool) {
  const Genesis genesis = easy_genesis();
  test::TempDir home_a;
  test::TempDir home_b;
  CapturedLog log_a;
  CapturedLog log_b;
  auto a = Node::open(options_for(home_a.path(), genesis, true, log_a.logger));
  ASSERT_TRUE(a.has_value()) << a.error().detail;
  NodeOptions ob = options_for(home_b.path(), genesis, false, log_b.logger);
  ob.config.mining.address = test::address_of(8);  // another beneficiary: other blocks
  auto b = Node::open(ob);
  ASSERT_TRUE(b.has_value()) << b.error().detail;
  ASSERT_TRUE((*a)->start().has_value());
  ASSERT_TRUE((*b)->start().has_value());

  // A includes a transfer in its chain, then stops mining.
  const primitives::Transaction tx = transfer(1, test::address_of(2), 777, 0);
  ASSERT_TRUE((*a)->submit_transaction(tx).has_value());
  ASSERT_TRUE(wait_until([&] {
    auto location = (*a)->database().tx_location(primitives::txid(tx));
    return location.has_value() && location->has_value();
  })) << log_a.text();
  (*a)->set_mining(false);
  ASSERT_TRUE(wait_until([&] { return !(*a)->mining().enabled; }));
  EXPECT_EQ((*a)->mempool_stats().size, 0U);

  // B mines a chain with more work without it (ASERT may give B's later blocks less
  // work each, so compare work, not heights).
  (*b)->set_mining(true);
  const util::Uint256 work_a = (*a)->chain_tip()->cumulative_work;
  ASSERT_TRUE(wait_until([&] { return (*b)->chain_tip()->cumulative_work > work_a; })) << log_b.text();
  (*b)->set_mining(false);
  ASSERT_TRUE(wait_until([&] { return !(*b)->mining().enabled; }));

  // A receives B's chain: it reorganizes onto it and the transfer is pending again.
  bool reorganized = false;
  for (const primitives::Block& block : active_blocks(**b)) {
    auto status = (*a)->submit_block(block);
    ASSERT_TRUE(status.has_value()) << status.error().code << ": " << status.error().detail;
    reorganized = reorganized || *status == chain::SubmitStatus::kReorg;
  }
  EXPECT_TRUE(reorganized);
  EXPECT_EQ((*a)->tip().hash, (*b)->tip().hash);
  EXPECT_EQ((*a)->mempool_get(primitives::txid(tx)), tx) << log_a.text();
  EXPECT_NE(log_a.text().find("reorg:"), std::string::npos);
  auto location = (*a)->database().tx_location(primitives::txid(tx));
  ASSERT_TRUE(location.has_value());
  EXPECT_FALSE(location->has_value());

  // Known blocks and bad blocks are refused with the chain's code.
  auto again = (*a)->submit_block(active_blocks(**b).back());
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "duplicate");
  primitives::Block bad = active_blocks(**b).back();
  bad.header.height += 1;
  bad.header.parent = (*b)->tip().hash;
  bad.header.timestamp_ms += 1;
  auto refused = (*a)->submit_block(bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_TRUE(refused.error().sender_at_fault) << refused.error().code;
  (*a)->stop();
  (*b)->stop();
  auto late = (*a)->submit_block(bad);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, "shutting_down");
}

class StoppedNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    genesis = easy_genesis();
    auto opened = Node::open(options_for(home.path(), genesis, false, log.logger));
    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    node = std::move(*opened);
    ASSERT_TRUE(node->start().has_value());
  }
  test::TempDir home;
  CapturedLog log;
  Genesis genesis;
  std::unique_ptr<Node> node;
};

TEST_F(StoppedNodeTest, RejectionsCarryTheRuleCode) {
  const crypto::Address bob = test::address_of(2);
  primitives::Transaction bad_sig = transfer(1, bob, 5, 0);
  bad_sig.signature[5] ^= 1;
  auto r = node->submit_transaction(bad_sig);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().code == "tx_invalid_signature" || r.error().code == "tx_bad_signature_encoding")
      << r.error().code;
  EXPECT_TRUE(r.error().sender_at_fault);

  auto wrong_chain = node->submit_transaction(transfer(1, bob, 5, 0, 1000, kChainId + 1));
  ASSERT_FALSE(wrong_chain.has_value());
  EXPECT_EQ(wrong_chain.error().code, "tx_wrong_chain");

  auto poor = node->submit_transaction(transfer(3, bob, 5, 0));  // key 3 has no funds
  ASSERT_FALSE(poor.has_value());
  EXPECT_EQ(poor.error().code, "mempool_insufficient_balance");
  EXPECT_TRUE(poor.error().sender_at_fault);

  auto cheap = node->submit_transaction(transfer(1, bob, 5, 0, 1));
  ASSERT_FALSE(cheap.has_value());
  EXPECT_EQ(cheap.error().code, "mempool_fee_too_low");

  const auto good = transfer(1, bob, 5, 0);
  ASSERT_TRUE(node->submit_transaction(good).has_value());
  auto again = node->submit_transaction(good);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "mempool_already_known");
  EXPECT_EQ(node->mempool_stats().size, 1U);

  node->stop();
  auto late = node->submit_transaction(transfer(1, bob, 6, 1));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, "shutting_down");
  EXPECT_FALSE(late.error().sender_at_fault);
  EXPECT_TRUE(node->mempool_list(0, 10).empty());
  EXPECT_EQ(node->next_nonce(test::address_of(1)), 0U);
}

// A batch: every entry answered once under its own index, the pool's verdicts in order.
TEST_F(StoppedNodeTest, ABatchIsAnsweredEntryByEntry) {
  const crypto::Address bob = test::address_of(2);
  primitives::Transaction forged = transfer(1, bob, 5, 1);
  forged.signature[5] ^= 1;
  const std::vector<primitives::Transaction> batch = {transfer(1, bob, 5, 0), forged, transfer(1, bob, 6, 1),
                                                      transfer(1, bob, 5, 0), transfer(3, bob, 5, 0)};
  struct Answers {
    std::mutex mutex;
    std::vector<std::vector<std::expected<Hash256, SubmitRejection>>> by_index;
    std::size_t count = 0;
  };
  auto answers = std::make_shared<Answers>();
  answers->by_index.resize(batch.size());
  std::promise<void> all_in;
  node->submit_transactions_async(batch, [answers, &all_in, n = batch.size()](std::size_t i, auto r) {
    const std::lock_guard lock(answers->mutex);
    answers->by_index.at(i).push_back(std::move(r));
    if (++answers->count == n) all_in.set_value();
  });
  ASSERT_EQ(all_in.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const std::lock_guard lock(answers->mutex);
  for (const auto& a : answers->by_index) ASSERT_EQ(a.size(), 1U);
  EXPECT_EQ(answers->by_index[0][0], primitives::txid(batch[0]));
  EXPECT_TRUE(answers->by_index[1][0].error().code == "tx_invalid_signature" ||
              answers->by_index[1][0].error().code == "tx_bad_signature_encoding");
  EXPECT_EQ(answers->by_index[2][0], primitives::txid(batch[2]));
  EXPECT_EQ(answers->by_index[3][0].error().code, "mempool_already_known");  // its first copy went in first
  EXPECT_EQ(answers->by_index[4][0].error().code, "mempool_insufficient_balance");
  EXPECT_EQ(node->mempool_stats().size, 2U);

  node->stop();
  std::promise<std::string> late;
  node->submit_transactions_async({transfer(1, bob, 7, 2)},
                                  [&late](std::size_t, auto r) { late.set_value(r ? "admitted" : r.error().code); });
  EXPECT_EQ(late.get_future().get(), "shutting_down");
}

TEST_F(StoppedNodeTest, MiningNeedsAnAddress) {
  node->stop();
  NodeOptions o = options_for(home.path(), genesis, false, log.logger);
  o.config.mining.address.reset();
  auto opened = Node::open(o);
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  ASSERT_TRUE((*opened)->start().has_value());
  (*opened)->set_mining(true);
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE((*opened)->mining().enabled);
  EXPECT_NE(log.text().find("without a miner address"), std::string::npos);
}

TEST_F(StoppedNodeTest, ASecondNodeOnTheSameHomeIsRefused) {
  auto second = Node::open(options_for(home.path(), genesis, false, log.logger));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, NodeError::kStorage);
  EXPECT_NE(second.error().detail.find("locked"), std::string::npos) << second.error().detail;
}

TEST_F(StoppedNodeTest, AnotherGenesisIsRefused) {
  node->stop();
  node.reset();
  Genesis other = genesis;
  other.alloc.push_back({test::address_of(7), 1});
  auto opened = Node::open(options_for(home.path(), other, false, log.logger));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, NodeError::kGenesisMismatch);
  EXPECT_NE(opened.error().detail.find("genesis.json"), std::string::npos) << opened.error().detail;

  Genesis other_chain = genesis;
  other_chain.chain_id = kChainId + 1;
  auto opened2 = Node::open(options_for(home.path(), other_chain, false, log.logger));
  ASSERT_FALSE(opened2.has_value());
  EXPECT_EQ(opened2.error().code, NodeError::kGenesisMismatch);
}

TEST_F(StoppedNodeTest, ReindexKeepsTheTip) {
  // Mine a few blocks first.
  node->set_mining(true);
  ASSERT_TRUE(wait_until([&] { return node->tip().height >= 2; })) << log.text();
  node->stop();
  const std::uint64_t height = node->tip().height;
  const Hash256 hash = node->tip().hash;
  node.reset();

  NodeOptions for_reindex = options_for(home.path(), genesis, false, log.logger);
  for_reindex.reindex = true;  // opened without loading the state, as cloudchaind --reindex does
  auto opened = Node::open(std::move(for_reindex));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  EXPECT_EQ((*opened)->tip().hash, hash);
  auto early = (*opened)->start();  // the state is not loaded yet
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, NodeError::kChain);
  auto rebuilt = (*opened)->reindex();
  ASSERT_TRUE(rebuilt.has_value()) << rebuilt.error().detail;
  EXPECT_EQ(*rebuilt, height);
  EXPECT_EQ((*opened)->tip().hash, hash);
  EXPECT_NE(log.text().find("reindex: 100% done"), std::string::npos) << log.text();
  ASSERT_TRUE((*opened)->start().has_value());
  EXPECT_FALSE((*opened)->reindex().has_value());  // not once started
}

TEST_F(StoppedNodeTest, CorruptMempoolFileIsLoggedNotFatal) {
  node->stop();
  node.reset();
  {
    std::ofstream out(home.path() / "mempool.dat", std::ios::binary);
    out << "not a mempool file";
  }
  CapturedLog log2;
  auto opened = Node::open(options_for(home.path(), genesis, false, log2.logger));
  ASSERT_TRUE(opened.has_value());
  ASSERT_TRUE((*opened)->start().has_value());
  EXPECT_EQ((*opened)->mempool_stats().size, 0U);
  EXPECT_NE(log2.text().find("mempool:"), std::string::npos) << log2.text();
}

}  // namespace
}  // namespace cloudchain::node
