// A real PoS node in-process: one validator holding all the power decides blocks alone
// (its own proposals, votes and precommits through the signing guard), includes a
// transfer, restarts on its tip with the tip's commit from disk, and refuses a bad
// validator.key. (Several validators over real sockets: tests/system/pos_*_test.py.)

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "node/genesis.hpp"
#include "node/node.hpp"
#include "node/peer_hooks.hpp"
#include "node/pos_driver.hpp"
#include "node/test_util.hpp"
#include "state/overlay.hpp"

namespace cloudchain::node {
namespace {

using namespace std::chrono_literals;
using test::CapturedLog;
using test::wait_until;
using test::wall_ms;

constexpr std::uint32_t kChainId = 77;

Genesis pos_genesis(const crypto::PrivateKey& consensus_key) {
  Genesis g = default_genesis(kChainId, "ccdev", wall_ms() - 1000);
  g.consensus = "pos";
  g.pow = consensus::PowParams{};
  PosGenesis p;
  p.validators.push_back({consensus_key.public_key(), 1'000'000, test::address_of(7)});
  p.epoch_blocks = 10;
  p.max_validators = 4;
  p.min_stake = 1000;
  p.block_time_ms = 100;
  p.bft = consensus::pos::BftParams{300, 100, 200, 100, 200, 100};
  g.pos = p;
  g.alloc.push_back({test::address_of(1), 1'000'000'000});
  return g;
}

NodeOptions options_for(const std::filesystem::path& home, const Genesis& genesis,
                        const std::shared_ptr<spdlog::logger>& logger) {
  NodeOptions o;
  o.home = home;
  o.genesis = genesis;
  o.logger = logger;
  o.verify_threads = 1;
  o.config.p2p.enabled = false;
  return o;
}

TEST(PosNode, ALoneValidatorDecidesIncludesAndRestartsOnItsTip) {
  test::TempDir home;
  CapturedLog log;
  const crypto::PrivateKey consensus_key = test::key_of(100);
  const Genesis genesis = pos_genesis(consensus_key);
  ASSERT_TRUE(save_validator_key(home.path() / "validator.key", consensus_key));
  std::uint64_t height = 0;
  {
    auto opened = Node::open(options_for(home.path(), genesis, log.logger));
    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    Node& node = **opened;
    ASSERT_TRUE(node.start().has_value());
    ASSERT_TRUE(wait_until([&] { return node.tip().height >= 3; })) << log.text();
    // The status snapshot follows the tip a moment later (published after the actions run).
    ASSERT_TRUE(wait_until([&] { return node.consensus() && node.consensus()->decided >= 3; })) << log.text();
    const auto status = node.consensus();
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->validator);
    EXPECT_EQ(status->key, consensus_key.public_key());
    EXPECT_EQ(status->validators, 1U);
    EXPECT_GE(status->decided, 3U);
    EXPECT_FALSE(node.mining().enabled);

    // A transfer is proposed and decided.
    primitives::Transaction tx;
    tx.chain_id = kChainId;
    tx.fee = 1000;
    tx.body = primitives::Transfer{test::address_of(2), 5555};
    primitives::sign(tx, test::key_of(1));
    ASSERT_TRUE(node.submit_transaction(tx).has_value());
    ASSERT_TRUE(wait_until([&] {
      const auto tip = node.chain_tip();
      state::StateOverlay overlay(*tip->state_nodes, tip->header.state_root);
      auto bob = overlay.account(test::address_of(2));
      return bob && bob->balance == 5555;
    })) << log.text();
    // Every block's commit is this validator's precommit; none missed.
    ASSERT_TRUE(wait_until([&] { return node.tip().height >= 6; })) << log.text();
    EXPECT_EQ(node.missed_blocks().at(consensus_key.public_key()), 0U);
    node.stop();
    height = node.tip().height;
  }
  EXPECT_TRUE(std::filesystem::exists(home.path() / "data" / "validator_state"));
  EXPECT_TRUE(std::filesystem::exists(home.path() / "data" / "last_commit"));

  // Restarted: it holds the tip's commit again and goes on proposing.
  auto opened = Node::open(options_for(home.path(), genesis, log.logger));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  ASSERT_TRUE((*opened)->start().has_value());
  ASSERT_TRUE(wait_until([&] { return (*opened)->tip().height >= height + 3; })) << log.text();
  EXPECT_NE(log.text().find("holding the commit of the tip"), std::string::npos);
  EXPECT_EQ(log.text().find("we hold no commit"), std::string::npos) << log.text();
  (*opened)->stop();
}

TEST(PosNode, AFollowerWithoutAKeyNeverSigns) {
  test::TempDir home;
  CapturedLog log;
  const Genesis genesis = pos_genesis(test::key_of(100));
  auto opened = Node::open(options_for(home.path(), genesis, log.logger));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  ASSERT_TRUE((*opened)->start().has_value());
  ASSERT_TRUE(wait_until([&] { return (*opened)->consensus().has_value() && (*opened)->consensus()->height == 1; }));
  std::this_thread::sleep_for(500ms);  // rounds go by: nobody proposes, nothing is decided
  const auto status = (*opened)->consensus();
  EXPECT_FALSE(status->validator);
  EXPECT_FALSE(status->key.has_value());
  EXPECT_EQ((*opened)->tip().height, 0U);
  EXPECT_FALSE(std::filesystem::exists(home.path() / "data" / "validator_state"));
  (*opened)->stop();
}

TEST(PosNode, ABadValidatorKeyFileStopsTheStart) {
  test::TempDir home;
  CapturedLog log;
  const Genesis genesis = pos_genesis(test::key_of(100));
  const auto key_path = home.path() / "validator.key";
  const auto write = [&](const std::string& text, std::filesystem::perms perms) {
    std::ofstream(key_path, std::ios::trunc) << text;
    std::filesystem::permissions(key_path, perms);
  };
  const auto owner = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
  for (const auto& [text, perms, why] :
       {std::tuple{std::string("zz"), owner, std::string("64 lower-case hex")},
        std::tuple{std::string(64, '0') + "\n", owner, std::string("not a valid secp256k1 private key")},
        std::tuple{std::string(64, '1') + "\n", owner | std::filesystem::perms::others_read,
                   std::string("readable by group or others")}}) {
    write(text, perms);
    auto opened = Node::open(options_for(home.path(), genesis, log.logger));
    ASSERT_TRUE(opened.has_value()) << opened.error().detail;
    auto started = (*opened)->start();
    ASSERT_FALSE(started.has_value()) << text;
    EXPECT_EQ(started.error().code, NodeError::kConfig);
    EXPECT_NE(started.error().detail.find(why), std::string::npos) << started.error().detail;
    EXPECT_NE(started.error().detail.find("validator.key"), std::string::npos) << started.error().detail;
  }
}

TEST(PosNode, ConsensusMessagesFromPeersAreCheckedBeforeTheActor) {
  // A follower stays at height 1 (its only validator is not running): its view is stable.
  test::TempDir home;
  CapturedLog log;
  const crypto::PrivateKey validator = test::key_of(100);
  const crypto::PrivateKey outsider = test::key_of(101);
  const Genesis genesis = pos_genesis(validator);
  auto opened = Node::open(options_for(home.path(), genesis, log.logger));
  ASSERT_TRUE(opened.has_value()) << opened.error().detail;
  Node& node = **opened;
  ASSERT_TRUE(node.start().has_value());
  ASSERT_TRUE(wait_until([&] { return node.consensus() && node.consensus()->height == 1; }));
  PeerHooks hooks(node, genesis.pow);

  primitives::Block block;
  block.header.chain_id = kChainId;
  block.header.seal = primitives::PosSeal{};
  const auto proposal_at = [&](std::uint64_t height, const crypto::PrivateKey& key, std::uint32_t chain_id) {
    block.header.height = height;
    primitives::Proposal p;
    p.chain_id = chain_id;
    p.height = height;
    p.block_hash = primitives::block_hash(block.header);
    primitives::sign(p, key);
    return p;
  };
  const auto vote_at = [&](std::uint64_t height, const crypto::PrivateKey& key) {
    primitives::Vote v;
    v.chain_id = kChainId;
    v.type = primitives::VoteType::kPrevote;
    v.height = height;
    v.block_hash = util::Hash256{7};
    primitives::sign(v, key);
    return v;
  };
  const auto expect = [](const p2p::ConsensusVerdict& v, bool relay, bool fault, std::string_view code) {
    EXPECT_EQ(v.relay, relay) << code;
    EXPECT_EQ(v.sender_at_fault, fault) << code;
    EXPECT_EQ(v.code, code);
  };

  // Proposals: only the set's validators, for this height and the next (4 MiB each).
  expect(hooks.on_proposal(proposal_at(1, validator, kChainId), block), true, false, "");
  expect(hooks.on_proposal(proposal_at(2, validator, kChainId), block), true, false, "");
  expect(hooks.on_proposal(proposal_at(1, outsider, kChainId), block), false, false, "not_a_validator");
  expect(hooks.on_proposal(proposal_at(2, outsider, kChainId), block), false, false, "not_a_validator");
  expect(hooks.on_proposal(proposal_at(3, validator, kChainId), block), false, false, "not_current_height");
  expect(hooks.on_proposal(proposal_at(1, validator, kChainId + 1), block), false, true, "wrong_chain");
  auto forged = proposal_at(1, validator, kChainId);
  forged.signature[10] ^= 1;
  expect(hooks.on_proposal(forged, block), false, true, "bad_signature");
  block.header.height = 2;  // the block is not of the proposal's height
  expect(hooks.on_proposal(forged, block), false, true, "block_height_mismatch");

  // Votes: the set's for this height; any key's for the next (kept, not relayed).
  expect(hooks.on_vote(vote_at(1, validator)), true, false, "");
  expect(hooks.on_vote(vote_at(1, outsider)), false, false, "not_a_validator");
  expect(hooks.on_vote(vote_at(2, outsider)), false, false, "");
  auto bad_vote = vote_at(1, validator);
  bad_vote.signature[5] ^= 1;
  expect(hooks.on_vote(bad_vote), false, true, "bad_signature");
  node.stop();
}

}  // namespace
}  // namespace cloudchain::node
