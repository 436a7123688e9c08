// The PoS engine on a real chain: a RocksDB database, a PoS genesis, blocks built by the
// chain's own template, proposed and committed with real secp256k1 keys.

#include "consensus/pos_engine.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "chain/chain.hpp"
#include "consensus/pos/validator_set.hpp"
#include "crypto/address.hpp"
#include "primitives/vote.hpp"
#include "state/overlay.hpp"
#include "storage/database.hpp"
#include "util/temp_dir.hpp"

namespace cloudchain::consensus {
namespace {

using chain::BlockError;

constexpr std::uint32_t kChainId = 11;
constexpr std::uint64_t kGenesisTime = 1'700'000'000'000;
constexpr std::uint64_t kDrift = 60'000;
constexpr std::uint64_t kSpacing = 1'000;  // ms between blocks
// Every third block a boundary; three of the four genesis validators active.
constexpr state::PosRules kPos{.epoch_blocks = 3, .max_validators = 3, .min_stake = 100};
constexpr std::uint8_t kOutsider = 9;  // a key that never stakes

crypto::PrivateKey secret_of(std::uint8_t seed) {
  util::ByteArray<32> secret{};
  secret.fill(seed);
  return *crypto::PrivateKey::from_bytes(secret);
}
crypto::PublicKey key_of(std::uint8_t seed) { return secret_of(seed).public_key(); }
crypto::PrivateKey payout_secret(std::uint8_t seed) { return secret_of(static_cast<std::uint8_t>(seed + 100)); }
crypto::Address payout_of(std::uint8_t seed) { return crypto::address_of(payout_secret(seed).public_key()); }

chain::ChainParams pos_params() {
  chain::GenesisSpec spec;
  spec.chain_id = kChainId;
  spec.timestamp_ms = kGenesisTime;
  spec.seal = primitives::PosSeal{};
  spec.allocations = {{payout_of(4), 10'000}};
  // Stakes 400/300/200 active (total 900), 100 a candidate outside the set.
  spec.validators = {{key_of(1), 400, payout_of(1)},
                     {key_of(2), 300, payout_of(2)},
                     {key_of(3), 200, payout_of(3)},
                     {key_of(4), 100, payout_of(4)}};
  spec.pos = kPos;
  auto genesis = chain::make_genesis(spec);
  if (!genesis) throw std::logic_error("genesis: " + genesis.error().detail);
  chain::ChainParams p;
  p.chain_id = kChainId;
  p.genesis = std::move(*genesis);
  p.rules.chain_id = kChainId;
  p.rules.unbonding_delay_blocks = 10;
  p.rules.pos = kPos;
  return p;
}

// How to build one block; every default gives a valid one.
struct Proposal {
  std::uint32_t round = 0;
  std::vector<primitives::Transaction> txs{};
  std::optional<std::uint8_t> proposer{};  // default: the scheduled one
  std::optional<std::uint8_t> signer{};    // default: the proposer
  // The seeds whose precommits make the commit (default: every validator of the
  // parent's height); and the round and block hash they sign.
  std::optional<std::vector<std::uint8_t>> commit_signers{};
  std::uint32_t commit_round = 0;
  std::optional<util::Hash256> commit_hash_signed{};
  std::optional<std::uint32_t> vote_round{};  // the round the votes sign (default commit_round)
  std::optional<std::uint64_t> timestamp_ms{};
  // After the commit is in place, before the seal's commit hash and the signature.
  std::function<void(primitives::Block&)> tamper{};
  // After the signature: breaks it.
  std::function<void(primitives::Block&)> after_sign{};
};

class PosEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = storage::Database::open(dir.path() / "db");
    ASSERT_TRUE(d) << d.error().detail;
    db = std::move(*d);
    chain::ChainOptions options;
    options.verify_threads = 2;
    options.checkpoint_interval = 2;  // checkpoints land on and off epoch boundaries
    auto c = chain::Chain::open(*db, params, engine, options);
    ASSERT_TRUE(c) << c.error().detail;
    chain = std::move(*c);
    for (std::uint8_t s : {std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{3}, std::uint8_t{4}, kOutsider})
      seed_of[key_of(s)] = s;
    sets.push_back(*tip_set());  // the genesis set governs height 1; index = height - 1
  }

  // The active set after the tip (the validators of the next height).
  std::optional<state::ActiveSet> tip_set() const {
    const auto tip = chain->tip();
    state::StateOverlay overlay(*tip->state_nodes, tip->header.state_root);
    return *overlay.active_set();
  }

  std::uint8_t scheduled(const state::ActiveSet& set, std::uint64_t height, std::uint32_t round) const {
    std::vector<pos::Validator> validators;
    for (const auto& v : set.validators) validators.push_back({v.key, v.power});
    pos::ProposerSchedule schedule(*pos::ValidatorSet::create(validators, set.effective_height));
    return seed_of.at(*schedule.proposer(height, round));
  }

  primitives::Block build(const Proposal& p = {}) {
    const auto tip = chain->tip();
    const std::uint64_t height = tip->height + 1;
    const state::ActiveSet set = *tip_set();
    const std::uint8_t proposer = p.proposer.value_or(scheduled(set, height, p.round));
    std::vector<const primitives::Transaction*> candidates;
    for (const auto& tx : p.txs) candidates.push_back(&tx);
    auto tpl = chain->build_block_template(payout_of(proposer), candidates, tip->timestamp_ms + kSpacing);
    if (!tpl) throw std::logic_error("template: " + tpl.error().detail);
    primitives::Block block = std::move(tpl->block);
    if (p.timestamp_ms) block.header.timestamp_ms = *p.timestamp_ms;

    primitives::LastCommit commit;
    commit.round = p.commit_round;
    if (height >= 2) {
      std::vector<std::uint8_t> signers;
      if (p.commit_signers) {
        signers = *p.commit_signers;
      } else {
        for (const auto& v : sets.at(height - 2).validators) signers.push_back(seed_of.at(v.key));
      }
      for (std::uint8_t s : signers) {
        primitives::Vote vote{.chain_id = kChainId,
                              .type = primitives::VoteType::kPrecommit,
                              .height = height - 1,
                              .round = p.vote_round.value_or(p.commit_round),
                              .block_hash = p.commit_hash_signed.value_or(tip->hash),
                              .validator = key_of(s),
                              .signature = {}};
        primitives::sign(vote, secret_of(s));
        commit.sigs.push_back({vote.validator, vote.signature});
      }
      std::sort(commit.sigs.begin(), commit.sigs.end(),
                [](const auto& a, const auto& b) { return a.validator < b.validator; });
    }
    block.last_commit = std::move(commit);
    if (p.tamper) p.tamper(block);
    if (auto* seal = std::get_if<primitives::PosSeal>(&block.header.seal)) {
      seal->round = p.round;
      seal->last_commit_hash = block.last_commit ? primitives::commit_hash(*block.last_commit) : util::Hash256{};
      primitives::sign_proposal(block.header, secret_of(p.signer.value_or(proposer)));
    }
    if (p.after_sign) p.after_sign(block);
    return block;
  }

  util::Result<chain::SubmitOutcome, BlockError> submit(const primitives::Block& block) {
    return chain->submit_block(block, block.header.timestamp_ms + 10);
  }

  // Builds, submits (it must connect) and records the set of the new height.
  primitives::Block extend(const Proposal& p = {}) {
    primitives::Block block = build(p);
    auto r = submit(block);
    if (!r) throw std::runtime_error("extend: " + std::string(to_string(r.error().code)) + ": " + r.error().detail);
    if (r->status != chain::SubmitStatus::kConnected) throw std::runtime_error("extend: not connected");
    sets.push_back(*tip_set());
    return block;
  }

  // The block fails with `code`; the tip stays.
  void refused(const Proposal& p, BlockError code, bool at_fault = true) {
    const auto before = chain->tip()->hash;
    auto r = submit(build(p));
    ASSERT_FALSE(r) << to_string(code);
    EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
    EXPECT_EQ(chain::sender_at_fault(r.error().code), at_fault) << to_string(code);
    EXPECT_EQ(chain->tip()->hash, before);
  }

  primitives::Transaction stake_tx(std::uint8_t seed, std::uint64_t nonce, std::uint64_t amount) {
    primitives::Transaction tx;
    tx.chain_id = kChainId;
    tx.sender = payout_secret(seed).public_key();
    tx.nonce = nonce;
    tx.fee = 1;
    tx.body = primitives::Stake{amount, key_of(seed)};
    primitives::sign(tx, payout_secret(seed));
    return tx;
  }

  util::Result<void, BlockError> propose(const primitives::Block& block) {
    return chain->check_proposal(block, block.header.timestamp_ms + 10);
  }
  util::Result<chain::SubmitOutcome, BlockError> commit(const primitives::Block& block) {
    return chain->commit_final(block, block.header.timestamp_ms + 10);
  }

  // check_proposal refuses `block` with `code` and nothing about it is kept.
  void proposal_refused(const primitives::Block& block, BlockError code) {
    const auto before = chain->tip()->hash;
    const std::size_t index_size = chain->index_size();
    auto r = propose(block);
    ASSERT_FALSE(r) << to_string(code);
    EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
    EXPECT_EQ(chain->tip()->hash, before);
    EXPECT_EQ(chain->index_size(), index_size);
    EXPECT_FALSE(chain->lookup(primitives::block_hash(block.header)));
  }

  primitives::Transaction transfer_tx(std::uint8_t seed, std::uint64_t nonce, std::uint64_t amount) {
    primitives::Transaction tx;
    tx.chain_id = kChainId;
    tx.sender = payout_secret(seed).public_key();
    tx.nonce = nonce;
    tx.fee = 1;
    tx.body = primitives::Transfer{payout_of(1), amount};
    primitives::sign(tx, payout_secret(seed));
    return tx;
  }

  static std::vector<crypto::PublicKey> keys(const state::ActiveSet& set) {
    std::vector<crypto::PublicKey> out;
    for (const auto& v : set.validators) out.push_back(v.key);
    return out;
  }

  util::TempDir dir{"pos-engine"};
  PosEngine engine{PosEngineParams{kDrift}, RewardSchedule{1'000, 0}};
  chain::ChainParams params = pos_params();
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<chain::Chain> chain;
  std::map<crypto::PublicKey, std::uint8_t> seed_of;
  std::vector<state::ActiveSet> sets;  // sets[h - 1]: the validators of height h
};

TEST_F(PosEngineTest, AcceptsProposedAndCommittedBlocksAcrossAnEpochBoundary) {
  // Key 4 stakes 1000 more in block 1: at the boundary (height 3) it enters the set and
  // key 3 (the smallest stake) leaves it, effective from height 4.
  extend({.txs = {stake_tx(4, 0, 1000)}});
  extend();
  EXPECT_EQ(keys(sets.back()), keys(sets.front()));
  extend();
  const state::ActiveSet next = sets.back();
  EXPECT_EQ(next.effective_height, 4U);
  std::vector<crypto::PublicKey> expected{key_of(1), key_of(2), key_of(4)};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys(next), expected);

  // Block 4 is proposed by the new set, but its commit (for block 3) is by the old set
  // (the set in the state of block 2): key 4 was no validator of height 3.
  refused({.commit_signers = std::vector<std::uint8_t>{1, 2, 4}}, BlockError::kCommitSignerNotValidator);
  extend({.commit_signers = std::vector<std::uint8_t>{1, 2, 3}});
  // Block 5's commit is by the new set: key 3 is out, key 4 (power 1100 of 1800) in.
  refused({.commit_signers = std::vector<std::uint8_t>{1, 2, 3}}, BlockError::kCommitSignerNotValidator);
  extend({.commit_signers = std::vector<std::uint8_t>{4, 1}});
  // A later round has its own proposer, and a commit may come from any round.
  extend({.round = 1, .commit_round = 2});
  extend();
  EXPECT_EQ(chain->tip()->height, 7U);
}

TEST_F(PosEngineTest, RefusesTheWrongProposerAndBadProposerSignatures) {
  const std::uint8_t proposer = scheduled(*tip_set(), 1, 0);
  const std::uint8_t other = proposer == 1 ? 2 : 1;
  // Another validator proposes (and signs) in the scheduled one's slot.
  refused({.proposer = other}, BlockError::kWrongProposer);
  // The scheduled proposer's payout with another key's signature.
  refused({.signer = other}, BlockError::kBadProposerSignature);
  refused({.signer = kOutsider}, BlockError::kBadProposerSignature);
  // A signature of another header (the round changed after signing).
  refused({.after_sign = [](primitives::Block& b) { std::get<primitives::PosSeal>(b.header.seal).round = 1; }},
          BlockError::kWrongProposer);
  refused({.after_sign =
               [](primitives::Block& b) {
                 auto& sig = std::get<primitives::PosSeal>(b.header.seal).proposer_sig;
                 sig[10] ^= 1;
               }},
          BlockError::kBadProposerSignature);
  // The round bound comes before the proposer.
  refused({.round = kMaxPosRound + 1}, BlockError::kRoundTooHigh);
  extend();
  // Past block 1 too (the commit checked, the proposer wrong).
  refused({.proposer = scheduled(*tip_set(), 2, 0) == 1 ? std::uint8_t{2} : std::uint8_t{1}},
          BlockError::kWrongProposer);
}

TEST_F(PosEngineTest, RefusesAnotherSealKind) {
  refused({.tamper =
               [](primitives::Block& b) {
                 b.header.seal = primitives::PowSeal{0x207fffff, 0};
                 b.last_commit.reset();
               }},
          BlockError::kWrongSealKind);
}

TEST_F(PosEngineTest, RefusesTimestampsNotAboveTheParentOrTooFarAhead) {
  const std::uint64_t parent = chain->tip()->timestamp_ms;
  refused({.timestamp_ms = parent}, BlockError::kTimeTooOld);
  refused({.timestamp_ms = parent - 1}, BlockError::kTimeTooOld);
  // submit() runs the clock 10 ms after the block's own time: a block is too new only
  // against a slower clock.
  const primitives::Block b = build({.timestamp_ms = parent + 1});
  auto r = chain->submit_block(b, parent + 1 - kDrift - 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BlockError::kTimeTooNew);
  EXPECT_FALSE(chain::sender_at_fault(r.error().code));
  EXPECT_TRUE(chain->submit_block(b, parent + 1 - kDrift));  // at the limit: accepted
}

TEST_F(PosEngineTest, HeightOneCarriesAnEmptyCommit) {
  refused({.commit_round = 1}, BlockError::kUnexpectedCommitSigs);
  refused({.tamper =
               [this](primitives::Block& b) {
                 primitives::Vote vote{.chain_id = kChainId,
                                       .type = primitives::VoteType::kPrecommit,
                                       .height = 0,
                                       .round = 0,
                                       .block_hash = params.genesis.hash,
                                       .validator = key_of(1),
                                       .signature = {}};
                 primitives::sign(vote, secret_of(1));
                 b.last_commit->sigs.push_back({vote.validator, vote.signature});
               }},
          BlockError::kUnexpectedCommitSigs);
  extend();
}

TEST_F(PosEngineTest, RefusesCommitsWithoutMoreThanTwoThirdsOfThePower) {
  extend();
  // Height 1's set: 400 (key 1), 300 (key 2), 200 (key 3); 2/3 of 900 is 600.
  refused({.commit_signers = std::vector<std::uint8_t>{}}, BlockError::kCommitPowerTooLow);
  refused({.commit_signers = std::vector<std::uint8_t>{2, 3}}, BlockError::kCommitPowerTooLow);  // 500
  refused({.commit_signers = std::vector<std::uint8_t>{1, 3}}, BlockError::kCommitPowerTooLow);  // 600: exactly 2/3
  extend({.commit_signers = std::vector<std::uint8_t>{1, 2}});                                   // 700
}

TEST_F(PosEngineTest, RefusesCommitSignaturesOfOutsidersDuplicatesAndOtherVotes) {
  extend();
  // A key with no stake, and a candidate outside the active set.
  refused({.commit_signers = std::vector<std::uint8_t>{1, 2, 3, kOutsider}}, BlockError::kCommitSignerNotValidator);
  refused({.commit_signers = std::vector<std::uint8_t>{1, 2, 4}}, BlockError::kCommitSignerNotValidator);
  // One validator twice (the context-free order rule catches it).
  refused({.commit_signers = std::vector<std::uint8_t>{1, 1, 2}}, BlockError::kCommitNotSorted);
  // Precommits for another block, or of another round than last_commit.round.
  refused({.commit_hash_signed = params.genesis.hash}, BlockError::kBadCommitSignature);
  refused({.commit_round = 0, .vote_round = 1}, BlockError::kBadCommitSignature);
  // A flipped bit in one signature.
  refused({.tamper = [](primitives::Block& b) { b.last_commit->sigs[1].signature[20] ^= 1; }},
          BlockError::kBadCommitSignature);
  extend();
}

TEST_F(PosEngineTest, BlocksOnABlockOffTheActiveChainWaitForItsState) {
  // A second node that stops at block 1 builds another block 2 (round 1: another
  // proposer) and a child of it; this chain has its own block 2.
  const primitives::Block b1 = extend();
  auto other_db = storage::Database::open(dir.path() / "other");
  ASSERT_TRUE(other_db);
  auto other = chain::Chain::open(**other_db, params, engine);
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->submit_block(b1, b1.header.timestamp_ms + 10));
  extend();
  std::swap(chain, *other);
  const primitives::Block side = build({.round = 1});
  ASSERT_TRUE(submit(side));
  const primitives::Block child = build();
  ASSERT_TRUE(submit(child));
  std::swap(chain, *other);

  // Its parent is on the active chain: checked, stored beside it.
  auto r = submit(side);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, chain::SubmitStatus::kSideChain);
  // Its parent is not: the validator set after it is not known here. Not the sender's
  // fault, and the block is not remembered as invalid.
  auto c = submit(child);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, BlockError::kStateUnavailable);
  EXPECT_FALSE(chain::sender_at_fault(c.error().code));
  EXPECT_FALSE(chain->lookup(primitives::block_hash(child.header)));
}

TEST_F(PosEngineTest, CheckProposalAcceptsAValidProposalAndStoresNothing) {
  extend();
  const primitives::Block block = build({.txs = {stake_tx(4, 0, 1000)}});
  const util::Hash256 hash = primitives::block_hash(block.header);
  const auto tip = chain->tip()->hash;
  const std::size_t index_size = chain->index_size();
  for (int i = 0; i < 2; ++i) {  // twice: the first left nothing behind
    auto r = propose(block);
    ASSERT_TRUE(r) << to_string(r.error().code) << ": " << r.error().detail;
  }
  EXPECT_EQ(chain->tip()->hash, tip);
  EXPECT_EQ(chain->index_size(), index_size);
  EXPECT_FALSE(chain->lookup(hash));
  auto stored = db->block(hash);
  ASSERT_TRUE(stored);
  EXPECT_FALSE(*stored);
  // The tip's leaf cache still holds the tip's values: the block connects, and so does
  // the next one (built on the state the dry run read).
  auto r = submit(block);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, chain::SubmitStatus::kConnected);
  sets.push_back(*tip_set());
  extend();
  // Stored now.
  auto again = chain->check_proposal(block, block.header.timestamp_ms + 10);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, BlockError::kDuplicate);
}

TEST_F(PosEngineTest, CommitFinalConnectsTheCheckedProposalWithoutExecutingItAgain) {
  extend();
  const primitives::Block a = build({.txs = {stake_tx(4, 0, 1000)}});
  ASSERT_TRUE(propose(a));
  const chain::ChainTimings before = chain->timings();
  auto r = commit(a);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, chain::SubmitStatus::kConnected);
  EXPECT_EQ(chain->timings().proposals_reused, before.proposals_reused + 1);
  EXPECT_EQ(chain->timings().blocks_executed, before.blocks_executed);
  EXPECT_EQ(chain->tip()->header.state_root, a.header.state_root);
  sets.push_back(*tip_set());

  // Two proposals checked at one height (rounds 0 and 1), the first decided: only the
  // last check is kept, so the decided block is executed, and its state is the same.
  const primitives::Block b0 = build({.txs = {stake_tx(5, 0, 1000)}});
  const primitives::Block b1 = build({.round = 1});
  ASSERT_TRUE(propose(b0));
  ASSERT_TRUE(propose(b1));
  const chain::ChainTimings mid = chain->timings();
  auto r0 = commit(b0);
  ASSERT_TRUE(r0) << r0.error().detail;
  EXPECT_EQ(chain->timings().proposals_reused, mid.proposals_reused);
  EXPECT_EQ(chain->timings().blocks_executed, mid.blocks_executed + 1);
  EXPECT_EQ(chain->tip()->header.state_root, b0.header.state_root);
  sets.push_back(*tip_set());
  // The next block connects on that state (the reused result left the leaf cache exact).
  extend({.txs = {transfer_tx(4, 1, 5)}});
}

// The checked proposal's checks all passed in check_proposal: committing it checks and
// asks about nothing again, and connects the body kept then. Any other block's
// transactions are each asked about.
TEST_F(PosEngineTest, CommitFinalOfTheCheckedProposalLooksUpNoSignatureAgain) {
  extend();
  int asked = 0;
  const chain::Chain::VerifiedFn counting = [&asked](const util::Hash256&) {
    ++asked;
    return false;
  };
  const primitives::Block a = build({.txs = {stake_tx(4, 0, 1000)}});
  ASSERT_EQ(a.txs.size(), 1u);
  ASSERT_TRUE(propose(a));
  // The copy given to commit_final is not what is connected: the body kept by
  // check_proposal is (a body that does not match its header is never stored).
  primitives::Block tampered = a;
  tampered.txs[0].fee += 1;
  auto r = chain->commit_final(tampered, a.header.timestamp_ms + 10, counting);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(asked, 0);
  auto stored = db->block(primitives::block_hash(a.header));
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ(**stored, a);
  // Indexed with the txids check_proposal hashed: found under the block.
  auto location = db->tx_location(primitives::txid(a.txs[0]));
  ASSERT_TRUE(location && *location);
  EXPECT_EQ((*location)->block_hash, primitives::block_hash(a.header));
  EXPECT_FALSE(*db->tx_location(primitives::txid(tampered.txs[0])));
  sets.push_back(*tip_set());

  const primitives::Block b = build({.txs = {transfer_tx(4, 1, 5)}});
  ASSERT_EQ(b.txs.size(), 1u);
  // Not a checked proposal: a body that does not match its header is refused.
  primitives::Block tampered_b = b;
  tampered_b.txs[0].fee += 1;
  auto bad = chain->commit_final(tampered_b, b.header.timestamp_ms + 10, counting);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, BlockError::kTxRootMismatch);
  auto rb = chain->commit_final(b, b.header.timestamp_ms + 10, counting);
  ASSERT_TRUE(rb) << rb.error().detail;
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(chain->tip()->hash, primitives::block_hash(b.header));
}

TEST_F(PosEngineTest, CheckProposalRefusesEveryRuleAndRemembersNothing) {
  extend();
  // Its parent is no longer the tip: not the proposer's fault.
  const primitives::Block stale = build({.round = 1});  // round 1: not the block extend() makes
  extend();
  proposal_refused(stale, BlockError::kNotOnTip);
  EXPECT_FALSE(chain::sender_at_fault(BlockError::kNotOnTip));

  proposal_refused(build({.tamper = [](primitives::Block& b) { b.header.state_root[0] ^= 1; }}),
                   BlockError::kStateRootMismatch);
  proposal_refused(
      build({.after_sign =
                 [](primitives::Block& b) { std::get<primitives::PosSeal>(b.header.seal).proposer_sig[10] ^= 1; }}),
      BlockError::kBadProposerSignature);
  // A bad transaction signature (the template does not check signatures; tx_root and
  // state_root match the block): refused, but not remembered as invalid, unlike
  // submit_block, which remembers it.
  primitives::Transaction bad = stake_tx(4, 0, 1000);
  bad.signature[5] ^= 1;
  const primitives::Block bad_tx = build({.txs = {bad}});
  proposal_refused(bad_tx, BlockError::kTxInvalid);
  proposal_refused(bad_tx, BlockError::kTxInvalid);
  // A signature failure is reported before a state failure of the same block.
  proposal_refused(build({.txs = {bad}, .tamper = [](primitives::Block& b) { b.header.state_root[0] ^= 1; }}),
                   BlockError::kTxInvalid);
  auto submitted = submit(bad_tx);
  ASSERT_FALSE(submitted);
  EXPECT_EQ(submitted.error().code, BlockError::kTxInvalid);
  auto known = propose(bad_tx);
  ASSERT_FALSE(known);
  EXPECT_EQ(known.error().code, BlockError::kKnownInvalid);
  // After every refusal a valid block still connects.
  const primitives::Block good = build({.txs = {stake_tx(4, 0, 1000)}});
  ASSERT_TRUE(propose(good));
  auto r = submit(good);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, chain::SubmitStatus::kConnected);
}

TEST_F(PosEngineTest, CommitFinalConnectsOnTheTipAndMakesItFinal) {
  EXPECT_EQ(chain->final_height(), 0U);
  extend();
  EXPECT_EQ(chain->final_height(), 0U);  // block 1's commit is not known yet
  extend();
  EXPECT_EQ(chain->final_height(), 1U);  // block 2's last_commit proves block 1
  const primitives::Block block = build({.txs = {stake_tx(4, 0, 1000)}});
  auto r = commit(block);
  ASSERT_TRUE(r) << to_string(r.error().code) << ": " << r.error().detail;
  EXPECT_EQ(r->status, chain::SubmitStatus::kConnected);
  ASSERT_EQ(r->connected.size(), 1U);
  EXPECT_EQ(r->connected[0], block);
  EXPECT_EQ(chain->tip()->hash, primitives::block_hash(block.header));
  EXPECT_EQ(chain->final_height(), 3U);
  sets.push_back(*tip_set());

  // Again: already the active block there, nothing changes.
  auto again = commit(block);
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ(again->status, chain::SubmitStatus::kUnchanged);
  EXPECT_TRUE(again->connected.empty());
  EXPECT_EQ(again->tip->hash, primitives::block_hash(block.header));

  // Its parent is neither the tip nor the tip's parent.
  auto orphan = commit(build({.tamper = [](primitives::Block& b) { b.header.parent[0] ^= 1; }}));
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code, BlockError::kNotOnTip);
  // A decided block that breaks a rule is refused like a submitted one.
  auto bad = commit(build({.tamper = [](primitives::Block& b) { b.header.state_root[0] ^= 1; }}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, BlockError::kStateRootMismatch);
  extend();
}

TEST_F(PosEngineTest, CommitFinalReplacesAnUndecidedSiblingTip) {
  extend();
  // Two proposals for height 2 (rounds 0 and 1: two proposers). This node connects A
  // first; the validators decide B.
  const primitives::Block a = build({.txs = {stake_tx(4, 0, 1000), transfer_tx(4, 1, 5)}});
  const primitives::Block b = build({.round = 1});
  const primitives::Block e = build({.round = 2});
  auto ra = submit(a);
  ASSERT_TRUE(ra) << ra.error().detail;
  EXPECT_EQ(ra->status, chain::SubmitStatus::kConnected);
  EXPECT_EQ(chain->final_height(), 1U);
  auto rb = commit(b);
  ASSERT_TRUE(rb) << to_string(rb.error().code) << ": " << rb.error().detail;
  EXPECT_EQ(rb->status, chain::SubmitStatus::kReorg);
  EXPECT_EQ(rb->disconnected, std::vector<util::Hash256>{primitives::block_hash(a.header)});
  EXPECT_EQ(rb->disconnected_txs, a.txs);
  ASSERT_EQ(rb->connected.size(), 1U);
  EXPECT_EQ(rb->connected[0], b);
  EXPECT_EQ(chain->tip()->hash, primitives::block_hash(b.header));
  EXPECT_EQ(chain->final_height(), 2U);
  sets.push_back(*tip_set());

  // A is final-conflicting now, by either door; not remembered as invalid.
  auto again = commit(a);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, BlockError::kForkBelowFinal);
  EXPECT_TRUE(chain::sender_at_fault(again.error().code));
  const auto a_view = chain->lookup(primitives::block_hash(a.header));
  ASSERT_TRUE(a_view);
  EXPECT_FALSE(a_view->status & storage::kStatusInvalid);
  EXPECT_FALSE(a_view->active);
  // A new sibling of the final tip, submitted: refused, not stored.
  auto sibling = submit(e);
  ASSERT_FALSE(sibling);
  EXPECT_EQ(sibling.error().code, BlockError::kForkBelowFinal);
  EXPECT_FALSE(chain->lookup(primitives::block_hash(e.header)));
  // The chain goes on from B (A's transactions are back for the mempool, not in the state).
  extend({.txs = {stake_tx(4, 0, 1000)}});
}

TEST_F(PosEngineTest, CommitFinalSwitchesToASiblingStoredBesideTheTip) {
  extend();
  const primitives::Block a = build();
  const primitives::Block b = build({.round = 1, .txs = {stake_tx(4, 0, 1000)}});
  ASSERT_TRUE(submit(a));
  // Equal work: the first seen stays; B waits beside it.
  auto side = submit(b);
  ASSERT_TRUE(side) << side.error().detail;
  EXPECT_EQ(side->status, chain::SubmitStatus::kSideChain);
  EXPECT_EQ(chain->tip()->hash, primitives::block_hash(a.header));

  auto r = commit(b);
  ASSERT_TRUE(r) << to_string(r.error().code) << ": " << r.error().detail;
  EXPECT_EQ(r->status, chain::SubmitStatus::kReorg);
  EXPECT_EQ(r->disconnected, std::vector<util::Hash256>{primitives::block_hash(a.header)});
  EXPECT_EQ(chain->tip()->hash, primitives::block_hash(b.header));
  EXPECT_EQ(chain->final_height(), 2U);
  sets.push_back(*tip_set());
  // B's stake is in the state: the next block's template (and its root) agree.
  extend();
  extend();
  EXPECT_EQ(chain->tip()->height, 4U);
}

TEST_F(PosEngineTest, BlocksConflictingWithAFinalHeightAreRefused) {
  extend();
  // C and D: two more proposals for height 2 (rounds 1 and 2), kept for later.
  const primitives::Block c = build({.round = 1});
  const primitives::Block d = build({.round = 2});
  extend();
  // Height 2 is not final yet (the tip's commit proves height 1 only): a sibling of the
  // tip is still stored beside it.
  auto side = submit(c);
  ASSERT_TRUE(side) << side.error().detail;
  EXPECT_EQ(side->status, chain::SubmitStatus::kSideChain);
  extend();
  EXPECT_EQ(chain->final_height(), 2U);  // block 3's last_commit
  // Now D conflicts, by submit_block and by commit_final; C (stored) by commit_final.
  auto r = submit(d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, BlockError::kForkBelowFinal);
  EXPECT_TRUE(chain::sender_at_fault(r.error().code));
  EXPECT_FALSE(chain->lookup(primitives::block_hash(d.header)));
  auto f = commit(d);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, BlockError::kForkBelowFinal);
  auto fc = commit(c);
  ASSERT_FALSE(fc);
  EXPECT_EQ(fc.error().code, BlockError::kForkBelowFinal);
  // The active block at a final height is no conflict.
  ASSERT_TRUE(chain->active_hash_at(2));
  const auto at2 = chain->lookup(*chain->active_hash_at(2));
  ASSERT_TRUE(at2);
  EXPECT_TRUE(at2->active);
}

TEST_F(PosEngineTest, FinalHeightAfterOpenIsTheTipsParent) {
  extend();
  extend();
  const primitives::Block block = build();
  ASSERT_TRUE(commit(block));
  EXPECT_EQ(chain->final_height(), 3U);
  chain.reset();
  chain::ChainOptions options;
  options.verify_threads = 2;
  auto c = chain::Chain::open(*db, params, engine, options);
  ASSERT_TRUE(c) << c.error().detail;
  chain = std::move(*c);
  EXPECT_EQ(chain->tip()->height, 3U);
  EXPECT_EQ(chain->final_height(), 2U);  // not persisted: the tip's parent
}

}  // namespace
}  // namespace cloudchain::consensus
