// The PoS genesis state and the epoch step of connect_block: the genesis holds the
// bonded validators, the candidates and the first active set; blocks change the set only
// at epoch boundaries, and only on a PoS chain.

#include <gtest/gtest.h>

#include "chain/connect.hpp"
#include "chain/params.hpp"
#include "crypto/address.hpp"
#include "state/epoch.hpp"

namespace cloudchain::chain {
namespace {

constexpr std::uint32_t kChainId = 9;
constexpr state::PosRules kPos{.epoch_blocks = 3, .max_validators = 2, .min_stake = 100};

crypto::PrivateKey secret_of(std::uint8_t seed) {
  util::ByteArray<32> secret{};
  secret.fill(seed);
  return *crypto::PrivateKey::from_bytes(secret);
}
crypto::PublicKey key_of(std::uint8_t seed) { return secret_of(seed).public_key(); }
crypto::Address payout_of(std::uint8_t seed) {
  return crypto::address_of(key_of(static_cast<std::uint8_t>(seed + 100)));
}

GenesisSpec pos_spec() {
  GenesisSpec spec;
  spec.chain_id = kChainId;
  spec.timestamp_ms = 1000;
  spec.seal = primitives::PosSeal{};
  spec.allocations = {{payout_of(1), 50}, {payout_of(4), 10'000}};
  spec.validators = {{key_of(1), 500, payout_of(1)}, {key_of(2), 300, payout_of(2)}, {key_of(3), 200, payout_of(3)}};
  spec.pos = kPos;
  return spec;
}

state::ChainRules pos_rules() {
  state::ChainRules rules;
  rules.chain_id = kChainId;
  rules.unbonding_delay_blocks = 10;
  rules.pos = kPos;
  return rules;
}

std::vector<crypto::PublicKey> sorted(std::vector<crypto::PublicKey> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

class EpochStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto g = make_genesis(pos_spec());
    ASSERT_TRUE(g) << g.error().detail;
    genesis = std::move(*g);
    store.put_all(genesis.state_nodes);
    root = genesis.block.header.state_root;
  }

  std::optional<state::ActiveSet> active_set() {
    state::StateOverlay o(store, root);
    return *o.active_set();
  }

  std::vector<crypto::PublicKey> active_keys() {
    std::vector<crypto::PublicKey> out;
    const auto set = active_set();
    for (const auto& v : set->validators) out.push_back(v.key);
    return out;
  }

  // Connects a block at `height` with `txs` (reward 0) whose header carries the root
  // computed with (`with_epoch`) or without the epoch step; returns connect_block's
  // verdict and, on success, moves the state on.
  util::Result<ConnectResult, BlockError> connect(std::uint64_t height, std::vector<primitives::Transaction> txs,
                                                  const state::ChainRules& rules, bool with_epoch = true) {
    state::StateOverlay o(store, root);
    std::uint64_t fees = 0;
    for (const auto& tx : txs) fees += *state::apply_transaction(o, tx, rules, height);
    EXPECT_TRUE(credit_beneficiary(o, payout_of(4), 0, fees));
    if (with_epoch) {
      EXPECT_TRUE(apply_epoch_step(o, rules, height));
    }
    auto c = o.commit();
    EXPECT_TRUE(c);
    primitives::Block block;
    block.header.chain_id = kChainId;
    block.header.height = height;
    block.header.beneficiary = payout_of(4);
    block.header.state_root = c->root;
    block.txs = std::move(txs);
    auto r = connect_block(store, root, block, rules, 0);
    if (r) {
      store.put_all(c->new_nodes);
      root = c->root;
    }
    return r;
  }

  primitives::Transaction stake_from(std::uint8_t payout_seed, std::uint64_t nonce, std::uint64_t amount,
                                     const crypto::PublicKey& key) {
    primitives::Transaction tx;
    tx.chain_id = kChainId;
    tx.sender = key_of(static_cast<std::uint8_t>(payout_seed + 100));
    tx.nonce = nonce;
    tx.body = primitives::Stake{amount, key};
    return tx;
  }

  GenesisBlock genesis;
  state::MemoryNodeStore store;
  Hash256 root{};
};

TEST_F(EpochStepTest, PosGenesisHoldsTheBondedValidatorsAndTheFirstActiveSet) {
  state::StateOverlay o(store, root);
  // Each payout account has its stake bonded (and keeps its allocation as balance).
  const state::Account a1 = *o.account(payout_of(1));
  EXPECT_EQ(a1.balance, 50U);
  EXPECT_EQ(a1.stake, 500U);
  EXPECT_EQ(a1.validator, key_of(1));
  EXPECT_EQ(*o.validator(key_of(2)), (state::ValidatorRecord{payout_of(2), 0}));
  EXPECT_EQ(*o.candidates(), sorted({key_of(1), key_of(2), key_of(3)}));
  // The top 2 by stake, effective from height 1, sorted by key, power = stake.
  const auto set = *o.active_set();
  ASSERT_TRUE(set);
  EXPECT_EQ(set->effective_height, 1U);
  ASSERT_EQ(set->validators.size(), 2U);
  for (const auto& v : set->validators) {
    EXPECT_TRUE(v.key == key_of(1) || v.key == key_of(2));
    EXPECT_EQ(v.power, o.account(v.payout)->stake);
    EXPECT_EQ(o.account(v.payout)->validator, v.key);
  }
  EXPECT_LT(set->validators[0].key, set->validators[1].key);
  // A PoS genesis block carries an (empty) last commit with its hash in the seal.
  EXPECT_TRUE(primitives::check_block_body(genesis.block));
  ASSERT_TRUE(genesis.block.last_commit);
  EXPECT_EQ(std::get<primitives::PosSeal>(genesis.block.header.seal).last_commit_hash,
            primitives::commit_hash(*genesis.block.last_commit));
  // Deterministic: the same spec, the same block.
  EXPECT_EQ(make_genesis(pos_spec())->hash, genesis.hash);
}

TEST(PosGenesis, RefusesBadValidators) {
  const auto refused = [](auto edit, std::string_view words) {
    GenesisSpec spec = pos_spec();
    edit(spec);
    auto g = make_genesis(spec);
    ASSERT_FALSE(g) << words;
    EXPECT_EQ(g.error().code, ChainError::kBadParams);
    EXPECT_NE(g.error().detail.find(words), std::string::npos) << g.error().detail;
  };
  refused([](GenesisSpec& s) { s.validators.clear(); }, "exactly on a PoS chain");
  refused([](GenesisSpec& s) { s.pos.reset(); }, "exactly on a PoS chain");
  refused([](GenesisSpec& s) { s.seal = primitives::PowSeal{0x207fffff, 0}; }, "seal");
  refused([](GenesisSpec& s) { s.validators[1].key = s.validators[0].key; }, "key listed twice");
  refused([](GenesisSpec& s) { s.validators[1].payout = s.validators[0].payout; }, "payout account listed twice");
  refused([](GenesisSpec& s) { s.validators[2].stake = 0; }, "zero stake");
  refused([](GenesisSpec& s) { s.validators[2].key = crypto::PublicKey{0x02}; }, "invalid key");
  refused([](GenesisSpec& s) { s.validators[2].stake = UINT64_MAX - 100; }, "above 2^64 - 1");
  refused([](GenesisSpec& s) { s.pos->min_stake = 1000; }, "no validator qualifies");
  refused(
      [](GenesisSpec& s) {
        s.validators.clear();
        for (std::size_t i = 0; i <= state::kMaxCandidates; ++i) s.validators.push_back({key_of(1), 1, {}});
      },
      "more than 1000 validators");
}

TEST_F(EpochStepTest, ConnectBlockChangesTheSetOnlyAtEpochBoundaries) {
  const auto genesis_set = active_set();
  // Height 1: account 4 bonds 1000 to key 4, more than anyone.
  ASSERT_TRUE(connect(1, {stake_from(4, 0, 1000, key_of(4))}, pos_rules()));
  EXPECT_EQ(active_set(), genesis_set);
  ASSERT_TRUE(connect(2, {}, pos_rules()));
  EXPECT_EQ(active_set(), genesis_set);
  // Height 3 is a boundary: a header without the epoch step has the wrong root.
  auto without = connect(3, {}, pos_rules(), false);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().code, BlockError::kStateRootMismatch);
  ASSERT_TRUE(connect(3, {}, pos_rules()));
  EXPECT_EQ(active_set()->effective_height, 4U);
  EXPECT_EQ(active_keys(), sorted({key_of(4), key_of(1)}));
  // Between boundaries the epoch step changes nothing.
  const auto set = active_set();
  ASSERT_TRUE(connect(4, {}, pos_rules()));
  ASSERT_TRUE(connect(5, {}, pos_rules()));
  EXPECT_EQ(active_set(), set);
}

TEST_F(EpochStepTest, APowChainHasNoEpochStep) {
  state::ChainRules pow = pos_rules();
  pow.pos.reset();
  // At a multiple of epoch_blocks, with the stake that would change the set: PoW takes
  // the root without the epoch step (and keeps no candidates).
  ASSERT_TRUE(connect(3, {stake_from(4, 0, 1000, key_of(4))}, pow, false));
  state::StateOverlay o(store, root);
  EXPECT_FALSE(*o.is_candidate(key_of(4)));
  EXPECT_EQ(active_set()->effective_height, 1U);
  EXPECT_TRUE(apply_epoch_step(o, pow, 3));
  EXPECT_TRUE(o.changes().empty());
}

}  // namespace
}  // namespace cloudchain::chain
