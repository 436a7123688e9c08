#include "node/genesis.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "node/chain_setup.hpp"
#include "node/test_util.hpp"
#include "primitives/header.hpp"
#include "state/overlay.hpp"
#include "util/hex.hpp"
#include "util/uint256.hpp"

namespace cloudchain::node {
namespace {

using Json = nlohmann::ordered_json;
constexpr std::string_view kFile = "/h/genesis.json";

Genesis sample() {
  Genesis g = default_genesis(1001, "ccdev", 1'764'000'000'000);
  g.alloc.push_back({test::address_of(1), 1'000'000});
  g.alloc.push_back({test::address_of(2), 18'000'000'000'000'000'000ULL});
  return g;
}

Json sample_json() { return Json::parse(render_genesis(sample())); }

/// Parses the JSON after `edit` and expects `code` with a detail starting
/// "<file>: <field>: " and containing `words`.
template <typename Edit>
void expect_error(Edit edit, ConfigError code, std::string_view field, std::string_view words = "") {
  Json doc = sample_json();
  edit(doc);
  auto r = parse_genesis(doc.dump(), kFile);
  ASSERT_FALSE(r.has_value()) << doc.dump();
  EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
  const std::string prefix = std::string(kFile) + ": " + std::string(field) + ": ";
  EXPECT_TRUE(r.error().detail.starts_with(prefix)) << r.error().detail << "\nexpected prefix: " << prefix;
  EXPECT_NE(r.error().detail.find(words), std::string::npos) << r.error().detail << "\nexpected: " << words;
}

TEST(Genesis, RenderParseRoundTrip) {
  const Genesis g = sample();
  auto r = parse_genesis(render_genesis(g), kFile);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_TRUE(*r == g);
  EXPECT_EQ(render_genesis(*r), render_genesis(g));
}

TEST(Genesis, DefaultsAreTheDocumentedDevnet) {
  const Genesis g = default_genesis(7, "ccdev", 5);
  EXPECT_EQ(g.pow.target_block_time_ms, 2000U);
  EXPECT_EQ(g.pow.genesis_bits, 0x1e00abccU);
  EXPECT_EQ(g.pow.pow_limit, *primitives::target_from_bits(0x207fffff));
  EXPECT_EQ(g.reward.initial, 5'000'000'000ULL);
  EXPECT_EQ(g.reward.halving_interval, 210'000U);
  EXPECT_TRUE(check_genesis(g, kFile).has_value());
  // About 25 M hashes per block: between 2^24 and 2^25.
  const auto work = consensus::work_from_bits(g.pow.genesis_bits);
  ASSERT_TRUE(work.has_value());
  EXPECT_GT(*work, util::Uint256(std::uint64_t{1} << 24));
  EXPECT_LT(*work, util::Uint256(std::uint64_t{1} << 25));
}

TEST(Genesis, DocumentedFieldOrder) {
  const std::string text = render_genesis(sample());
  const auto pos = [&](std::string_view key) { return text.find("\"" + std::string(key) + "\""); };
  EXPECT_LT(pos("chain_id"), pos("network"));
  EXPECT_LT(pos("network"), pos("consensus"));
  EXPECT_LT(pos("pow"), pos("reward"));
  EXPECT_LT(pos("limits"), pos("alloc"));
  EXPECT_NE(text.find("\"genesis_bits\": \"1e00abcc\""), std::string::npos);
  EXPECT_NE(text.find("\"initial\": \"5000000000\""), std::string::npos);
  EXPECT_TRUE(text.ends_with("}\n"));
}

TEST(Genesis, Syntax) {
  auto r = parse_genesis("{\"chain_id\": 1,", kFile);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kSyntax);
  EXPECT_TRUE(r.error().detail.starts_with(std::string(kFile) + ": not valid JSON")) << r.error().detail;

  auto top = parse_genesis("[1, 2]", kFile);
  ASSERT_FALSE(top.has_value());
  EXPECT_EQ(top.error().code, ConfigError::kWrongType);
  EXPECT_NE(top.error().detail.find("expected an object, got an array"), std::string::npos);
}

TEST(Genesis, DuplicateKeyRejected) {
  std::string text = render_genesis(sample());
  text.insert(1, "\"chain_id\": 5,");
  auto r = parse_genesis(text, kFile);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kSyntax);
  EXPECT_NE(r.error().detail.find("duplicate key 'chain_id'"), std::string::npos);
}

TEST(Genesis, EveryFieldIsRequired) {
  for (const char* top :
       {"chain_id", "network", "consensus", "genesis_time_ms", "pow", "reward", "staking", "limits", "alloc"}) {
    expect_error([&](Json& d) { d.erase(top); }, ConfigError::kMissingKey, top, "required field is missing");
  }
  for (const char* key :
       {"target_block_time_ms", "asert_half_life_ms", "genesis_bits", "pow_limit", "max_future_drift_ms"}) {
    expect_error([&](Json& d) { d["pow"].erase(key); }, ConfigError::kMissingKey, std::string("pow.") + key);
  }
  expect_error([](Json& d) { d["reward"].erase("initial"); }, ConfigError::kMissingKey, "reward.initial");
  expect_error([](Json& d) { d["staking"].erase("slash_bps"); }, ConfigError::kMissingKey, "staking.slash_bps");
  expect_error([](Json& d) { d["limits"].erase("max_block_bytes"); }, ConfigError::kMissingKey,
               "limits.max_block_bytes");
  expect_error([](Json& d) { d["alloc"][1].erase("amount"); }, ConfigError::kMissingKey, "alloc[1].amount");
}

TEST(Genesis, UnknownFields) {
  expect_error([](Json& d) { d["chainid"] = 1; }, ConfigError::kUnknownKey, "chainid", "unknown field");
  expect_error([](Json& d) { d["pow"]["half_life"] = 1; }, ConfigError::kUnknownKey, "pow.half_life");
  expect_error([](Json& d) { d["alloc"][0]["memo"] = "x"; }, ConfigError::kUnknownKey, "alloc[0].memo");
  expect_error([](Json& d) { d["reward"]["x"] = 1; }, ConfigError::kUnknownKey, "reward.x");
  expect_error([](Json& d) { d["staking"]["x"] = 1; }, ConfigError::kUnknownKey, "staking.x");
  expect_error([](Json& d) { d["limits"]["x"] = 1; }, ConfigError::kUnknownKey, "limits.x");
}

TEST(Genesis, WrongTypes) {
  expect_error([](Json& d) { d["chain_id"] = "1001"; }, ConfigError::kWrongType, "chain_id",
               "expected a non-negative integer, got a string");
  expect_error([](Json& d) { d["chain_id"] = -1; }, ConfigError::kWrongType, "chain_id", "got -1");
  expect_error([](Json& d) { d["chain_id"] = 1.5; }, ConfigError::kWrongType, "chain_id");
  expect_error([](Json& d) { d["network"] = 1; }, ConfigError::kWrongType, "network", "expected a string");
  expect_error([](Json& d) { d["pow"] = 1; }, ConfigError::kWrongType, "pow", "expected an object");
  expect_error([](Json& d) { d["pow"]["genesis_bits"] = 0x1e00abcc; }, ConfigError::kWrongType, "pow.genesis_bits");
  expect_error([](Json& d) { d["reward"]["initial"] = 5000; }, ConfigError::kWrongType, "reward.initial",
               "expected a decimal string");
  expect_error([](Json& d) { d["alloc"] = Json::object(); }, ConfigError::kWrongType, "alloc", "expected an array");
  expect_error([](Json& d) { d["alloc"][0] = "x"; }, ConfigError::kWrongType, "alloc[0]", "expected an object");
  expect_error([](Json& d) { d["alloc"][0]["amount"] = 5; }, ConfigError::kWrongType, "alloc[0].amount");
  // Above 2^64 - 1: nlohmann reads it as a float, which is not an integer.
  auto r = parse_genesis(
      [] {
        std::string t = render_genesis(sample());
        const auto p = t.find("\"genesis_time_ms\": ") + 19;
        return t.replace(p, t.find(',', p) - p, "18446744073709551616");
      }(),
      kFile);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kWrongType);
  EXPECT_TRUE(r.error().detail.starts_with(std::string(kFile) + ": genesis_time_ms: ")) << r.error().detail;
}

TEST(Genesis, BadValues) {
  expect_error([](Json& d) { d["network"] = "CC"; }, ConfigError::kBadValue, "network");
  expect_error([](Json& d) { d["consensus"] = "poa"; }, ConfigError::kBadValue, "consensus",
               "\"pow\" or \"pos\", got 'poa'");
  // A "pos" chain needs its "pos" object (and then has no "pow").
  expect_error([](Json& d) { d["consensus"] = "pos"; }, ConfigError::kMissingKey, "pos", "required field is missing");
  expect_error([](Json& d) { d["pow"]["genesis_bits"] = "1e00abc"; }, ConfigError::kBadValue, "pow.genesis_bits",
               "8 lower-case hex digits");
  expect_error([](Json& d) { d["pow"]["genesis_bits"] = "1E00ABCC"; }, ConfigError::kBadValue, "pow.genesis_bits");
  expect_error([](Json& d) { d["pow"]["genesis_bits"] = "1e80abcc"; }, ConfigError::kBadValue, "pow.genesis_bits",
               "compact_negative");
  expect_error([](Json& d) { d["pow"]["genesis_bits"] = "1e000001"; }, ConfigError::kBadValue, "pow.genesis_bits",
               "compact_not_normalized");
  expect_error([](Json& d) { d["pow"]["pow_limit"] = "7fffff"; }, ConfigError::kBadValue, "pow.pow_limit",
               "64 lower-case hex digits");
  expect_error([](Json& d) { d["reward"]["initial"] = "1e9"; }, ConfigError::kBadValue, "reward.initial", "got '1e9'");
  expect_error([](Json& d) { d["reward"]["initial"] = "18446744073709551616"; }, ConfigError::kBadValue,
               "reward.initial");
  expect_error([](Json& d) { d["alloc"][0]["amount"] = "-5"; }, ConfigError::kBadValue, "alloc[0].amount");
  expect_error([](Json& d) { d["alloc"][0]["address"] = test::address_text(1, "cctest"); }, ConfigError::kBadValue,
               "alloc[0].address", "network 'ccdev'");
  expect_error([](Json& d) { d["alloc"][1]["address"] = "ccdev1qqqq"; }, ConfigError::kBadValue, "alloc[1].address");
}

TEST(Genesis, Ranges) {
  expect_error([](Json& d) { d["chain_id"] = 0; }, ConfigError::kOutOfRange, "chain_id", "1..4294967295, got 0");
  expect_error([](Json& d) { d["chain_id"] = 4294967296ULL; }, ConfigError::kOutOfRange, "chain_id");
  expect_error([](Json& d) { d["pow"]["target_block_time_ms"] = 0; }, ConfigError::kOutOfRange,
               "pow.target_block_time_ms");
  expect_error([](Json& d) { d["pow"]["target_block_time_ms"] = (std::uint64_t{1} << 32) + 1; },
               ConfigError::kOutOfRange, "pow.target_block_time_ms");
  expect_error([](Json& d) { d["pow"]["asert_half_life_ms"] = 0; }, ConfigError::kOutOfRange, "pow.asert_half_life_ms");
  expect_error([](Json& d) { d["pow"]["pow_limit"] = std::string(64, '0'); }, ConfigError::kOutOfRange, "pow.pow_limit",
               "zero");
  expect_error([](Json& d) { d["staking"]["slash_bps"] = 10001; }, ConfigError::kOutOfRange, "staking.slash_bps");
  expect_error([](Json& d) { d["limits"]["max_block_txs"] = 0; }, ConfigError::kOutOfRange, "limits.max_block_txs");
  expect_error([](Json& d) { d["limits"]["max_block_txs"] = 20001; }, ConfigError::kOutOfRange, "limits.max_block_txs");
  expect_error([](Json& d) { d["limits"]["max_block_bytes"] = 4194305; }, ConfigError::kOutOfRange,
               "limits.max_block_bytes");
  expect_error([](Json& d) { d["genesis_time_ms"] = 9223372036854775808ULL; }, ConfigError::kOutOfRange,
               "genesis_time_ms");
  expect_error([](Json& d) { d["alloc"][0]["amount"] = "0"; }, ConfigError::kOutOfRange, "alloc[0].amount", "> 0");
}

TEST(Genesis, Inconsistencies) {
  // The genesis target must not be easier than the limit.
  expect_error([](Json& d) { d["pow"]["pow_limit"] = util::to_hex(*primitives::target_from_bits(0x1d00ffff)); },
               ConfigError::kInconsistent, "pow.genesis_bits", "easier than pow.pow_limit");
  expect_error([](Json& d) { d["alloc"][1]["address"] = d["alloc"][0]["address"]; }, ConfigError::kInconsistent,
               "alloc[1].address", "allocated twice");
  expect_error([](Json& d) { d["alloc"][0]["amount"] = "18446744073709551615"; }, ConfigError::kInconsistent,
               "alloc[1].amount", "sum to more than");
}

TEST(Genesis, ChainRules) {
  const Genesis g = sample();
  const state::ChainRules rules = g.chain_rules();
  EXPECT_EQ(rules.chain_id, 1001U);
  EXPECT_EQ(rules.unbonding_delay_blocks, g.staking.unbonding_delay_blocks);
  EXPECT_EQ(rules.slash_bps, g.staking.slash_bps);
  EXPECT_EQ(rules.jail_blocks, g.staking.jail_blocks);
}

// --- Proof of Stake -------------------------------------------------------------------

Genesis pos_sample() {
  Genesis g = sample();
  g.consensus = "pos";
  g.pow = consensus::PowParams{};
  PosGenesis p;
  p.validators = {{test::key_of(11).public_key(), 5000, test::address_of(21)},
                  {test::key_of(12).public_key(), 3000, test::address_of(22)},
                  {test::key_of(13).public_key(), 1000, test::address_of(1)}};
  p.epoch_blocks = 100;
  p.max_validators = 2;
  p.min_stake = 1000;
  p.block_time_ms = 1000;
  p.bft = consensus::pos::BftParams{3000, 500, 1000, 500, 1000, 500};
  g.pos = p;
  return g;
}

Json pos_json() { return Json::parse(render_genesis(pos_sample())); }

template <typename Edit>
void expect_pos_error(Edit edit, ConfigError code, std::string_view field, std::string_view words = "") {
  Json doc = pos_json();
  edit(doc);
  auto r = parse_genesis(doc.dump(), kFile);
  ASSERT_FALSE(r.has_value()) << doc.dump();
  EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
  const std::string prefix = std::string(kFile) + ": " + std::string(field) + ": ";
  EXPECT_TRUE(r.error().detail.starts_with(prefix)) << r.error().detail << "\nexpected prefix: " << prefix;
  EXPECT_NE(r.error().detail.find(words), std::string::npos) << r.error().detail << "\nexpected: " << words;
}

TEST(PosGenesis, RenderParseRoundTrip) {
  const Genesis g = pos_sample();
  ASSERT_TRUE(check_genesis(g, kFile).has_value()) << check_genesis(g, kFile).error().detail;
  auto r = parse_genesis(render_genesis(g), kFile);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_TRUE(*r == g);
  EXPECT_EQ(render_genesis(*r), render_genesis(g));
  EXPECT_FALSE(*r == sample());
}

TEST(PosGenesis, DocumentedFieldOrder) {
  const std::string text = render_genesis(pos_sample());
  const auto pos = [&](std::string_view key) { return text.find("\"" + std::string(key) + "\""); };
  EXPECT_EQ(pos("pow"), std::string::npos);
  const auto pos_object = text.find("\"pos\": {");
  ASSERT_NE(pos_object, std::string::npos);
  EXPECT_LT(pos("genesis_time_ms"), pos_object);
  EXPECT_LT(pos_object, pos("reward"));
  EXPECT_LT(pos("validators"), pos("epoch_blocks"));
  EXPECT_LT(pos("consensus_key"), pos("stake"));
  EXPECT_LT(pos("stake"), pos("payout"));
  EXPECT_LT(pos("block_time_ms"), pos("timeout_propose_ms"));
  EXPECT_LT(pos("timeout_precommit_ms"), pos("timeout_precommit_delta_ms"));
  EXPECT_NE(text.find("\"min_stake\": \"1000\""), std::string::npos);
  EXPECT_NE(text.find("\"stake\": \"5000\""), std::string::npos);
  // A PoW file has no pos object: PoW files are as before.
  EXPECT_EQ(render_genesis(sample()).find("\"pos\""), std::string::npos);
}

TEST(PosGenesis, EveryFieldIsRequired) {
  expect_pos_error([](Json& d) { d.erase("pos"); }, ConfigError::kMissingKey, "pos", "required field is missing");
  for (const char* key : {"validators", "epoch_blocks", "max_validators", "min_stake", "block_time_ms",
                          "timeout_propose_ms", "timeout_propose_delta_ms", "timeout_prevote_ms",
                          "timeout_prevote_delta_ms", "timeout_precommit_ms", "timeout_precommit_delta_ms"}) {
    expect_pos_error([&](Json& d) { d["pos"].erase(key); }, ConfigError::kMissingKey, std::string("pos.") + key);
  }
  for (const char* key : {"consensus_key", "stake", "payout"}) {
    expect_pos_error([&](Json& d) { d["pos"]["validators"][1].erase(key); }, ConfigError::kMissingKey,
                     std::string("pos.validators[1].") + key);
  }
}

TEST(PosGenesis, UnknownFields) {
  expect_pos_error([](Json& d) { d["pos"]["x"] = 1; }, ConfigError::kUnknownKey, "pos.x", "unknown field");
  expect_pos_error([](Json& d) { d["pos"]["validators"][0]["x"] = 1; }, ConfigError::kUnknownKey,
                   "pos.validators[0].x");
  // The other engine's object is unknown.
  expect_pos_error([](Json& d) { d["pow"] = sample_json()["pow"]; }, ConfigError::kUnknownKey, "pow");
  expect_error([](Json& d) { d["pos"] = pos_json()["pos"]; }, ConfigError::kUnknownKey, "pos");
}

TEST(PosGenesis, WrongTypes) {
  expect_pos_error([](Json& d) { d["pos"] = 1; }, ConfigError::kWrongType, "pos", "expected an object");
  expect_pos_error([](Json& d) { d["pos"]["validators"] = Json::object(); }, ConfigError::kWrongType, "pos.validators",
                   "expected an array");
  expect_pos_error([](Json& d) { d["pos"]["validators"][0] = "x"; }, ConfigError::kWrongType, "pos.validators[0]");
  expect_pos_error([](Json& d) { d["pos"]["validators"][0]["stake"] = 5000; }, ConfigError::kWrongType,
                   "pos.validators[0].stake", "expected a decimal string");
  expect_pos_error([](Json& d) { d["pos"]["validators"][0]["consensus_key"] = 2; }, ConfigError::kWrongType,
                   "pos.validators[0].consensus_key");
  expect_pos_error([](Json& d) { d["pos"]["min_stake"] = 1000; }, ConfigError::kWrongType, "pos.min_stake");
  expect_pos_error([](Json& d) { d["pos"]["epoch_blocks"] = "100"; }, ConfigError::kWrongType, "pos.epoch_blocks");
  expect_pos_error([](Json& d) { d["pos"]["timeout_prevote_ms"] = 1.5; }, ConfigError::kWrongType,
                   "pos.timeout_prevote_ms");
}

TEST(PosGenesis, BadValues) {
  const std::string key = util::to_hex(test::key_of(11).public_key());
  expect_pos_error([&](Json& d) { d["pos"]["validators"][0]["consensus_key"] = key.substr(2); }, ConfigError::kBadValue,
                   "pos.validators[0].consensus_key", "66 lower-case hex digits");
  std::string upper = key;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  expect_pos_error([&](Json& d) { d["pos"]["validators"][0]["consensus_key"] = upper; }, ConfigError::kBadValue,
                   "pos.validators[0].consensus_key");
  // 33 bytes, but not a point: an 04 prefix, and an x with no point on the curve.
  expect_pos_error([&](Json& d) { d["pos"]["validators"][0]["consensus_key"] = "04" + key.substr(2); },
                   ConfigError::kBadValue, "pos.validators[0].consensus_key", "not a valid");
  expect_pos_error([](Json& d) { d["pos"]["validators"][0]["consensus_key"] = "02" + std::string(64, '0'); },
                   ConfigError::kBadValue, "pos.validators[0].consensus_key", "not a valid");
  expect_pos_error([](Json& d) { d["pos"]["validators"][0]["stake"] = "-1"; }, ConfigError::kBadValue,
                   "pos.validators[0].stake");
  expect_pos_error([](Json& d) { d["pos"]["validators"][2]["payout"] = test::address_text(1, "cctest"); },
                   ConfigError::kBadValue, "pos.validators[2].payout", "network 'ccdev'");
  expect_pos_error([](Json& d) { d["pos"]["min_stake"] = "1e3"; }, ConfigError::kBadValue, "pos.min_stake");
}

TEST(PosGenesis, Ranges) {
  expect_pos_error([](Json& d) { d["pos"]["validators"] = Json::array(); }, ConfigError::kOutOfRange, "pos.validators",
                   "at least one validator");
  expect_pos_error([](Json& d) { d["pos"]["epoch_blocks"] = 0; }, ConfigError::kOutOfRange, "pos.epoch_blocks");
  expect_pos_error([](Json& d) { d["pos"]["max_validators"] = 0; }, ConfigError::kOutOfRange, "pos.max_validators");
  expect_pos_error([](Json& d) { d["pos"]["max_validators"] = 257; }, ConfigError::kOutOfRange, "pos.max_validators");
  expect_pos_error([](Json& d) { d["pos"]["block_time_ms"] = 0; }, ConfigError::kOutOfRange, "pos.block_time_ms");
  for (const char* key : {"timeout_propose_ms", "timeout_prevote_ms", "timeout_precommit_ms"}) {
    expect_pos_error([&](Json& d) { d["pos"][key] = 0; }, ConfigError::kOutOfRange, std::string("pos.") + key);
  }
  for (const char* key : {"timeout_propose_delta_ms", "timeout_prevote_delta_ms", "timeout_precommit_delta_ms"}) {
    expect_pos_error([&](Json& d) { d["pos"][key] = 3'600'001; }, ConfigError::kOutOfRange, std::string("pos.") + key);
  }
  expect_pos_error([](Json& d) { d["pos"]["validators"][1]["stake"] = "0"; }, ConfigError::kOutOfRange,
                   "pos.validators[1].stake", "> 0");
  expect_pos_error([](Json& d) { d["pos"]["validators"][2]["stake"] = "999"; }, ConfigError::kOutOfRange,
                   "pos.validators[2].stake", ">= pos.min_stake (1000)");
  expect_pos_error(
      [](Json& d) {
        Json many = Json::array();
        for (int i = 0; i < 1001; ++i) many.push_back(d["pos"]["validators"][0]);
        d["pos"]["validators"] = many;
      },
      ConfigError::kOutOfRange, "pos.validators", "at most 1000");
}

TEST(PosGenesis, Inconsistencies) {
  expect_pos_error(
      [](Json& d) { d["pos"]["validators"][1]["consensus_key"] = d["pos"]["validators"][0]["consensus_key"]; },
      ConfigError::kInconsistent, "pos.validators[1].consensus_key", "listed twice");
  expect_pos_error([](Json& d) { d["pos"]["validators"][1]["payout"] = d["pos"]["validators"][0]["payout"]; },
                   ConfigError::kInconsistent, "pos.validators[1].payout", "backs two validators");
  expect_pos_error([](Json& d) { d["pos"]["validators"][1]["stake"] = std::to_string(std::uint64_t{1} << 60); },
                   ConfigError::kInconsistent, "pos.validators[1].stake", "more than 2^60");
  // sample() allocates 1.8e19: with the stakes (9000) the supply passes 2^64 - 1 by one.
  expect_pos_error([](Json& d) { d["alloc"][0]["amount"] = "446744073709542616"; }, ConfigError::kInconsistent,
                   "pos.validators", "allocations and validator stakes");
  // PoW parameters on a PoS chain built in code.
  Genesis with_pow = pos_sample();
  with_pow.pow = sample().pow;
  auto p = check_genesis(with_pow, kFile);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ConfigError::kInconsistent);
  // A pos object on a PoW chain built in code.
  Genesis g = sample();
  g.pos = pos_sample().pos;
  auto r = check_genesis(g, kFile);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ConfigError::kInconsistent);
}

TEST(PosGenesis, ChainRulesCarryThePosRules) {
  const state::ChainRules rules = pos_sample().chain_rules();
  ASSERT_TRUE(rules.pos);
  EXPECT_EQ(*rules.pos, (state::PosRules{100, 2, 1000}));
  EXPECT_FALSE(sample().chain_rules().pos);
}

TEST(PosGenesis, TheGenesisStateHoldsTheActiveSet) {
  const Genesis g = pos_sample();
  auto params = make_chain_params(g);
  ASSERT_TRUE(params) << params.error().detail;
  EXPECT_TRUE(std::holds_alternative<primitives::PosSeal>(params->genesis.block.header.seal));
  EXPECT_TRUE(params->rules.pos);
  state::MemoryNodeStore store;
  store.put_all(params->genesis.state_nodes);
  state::StateOverlay o(store, params->genesis.block.header.state_root);
  // Every validator's payout account has its stake bonded to its key.
  for (const GenesisValidator& v : g.pos->validators) {
    const state::Account a = *o.account(v.payout);
    EXPECT_EQ(a.stake, v.stake);
    EXPECT_EQ(a.validator, v.consensus_key);
    EXPECT_EQ(*o.validator(v.consensus_key), (state::ValidatorRecord{v.payout, 0}));
  }
  EXPECT_EQ(o.account(test::address_of(1))->balance, 1'000'000U);  // its allocation, besides the stake
  EXPECT_EQ(o.candidates()->size(), 3U);
  // max_validators 2: the two largest stakes, effective from height 1.
  const auto set = *o.active_set();
  ASSERT_TRUE(set);
  EXPECT_EQ(set->effective_height, 1U);
  std::vector<state::ActiveValidator> expected{{g.pos->validators[0].consensus_key, 5000, test::address_of(21)},
                                               {g.pos->validators[1].consensus_key, 3000, test::address_of(22)}};
  std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  EXPECT_EQ(set->validators, expected);
  // A PoS genesis gets the PoS engine, which asks the chain for the validator sets.
  auto engine = make_engine(g);
  ASSERT_TRUE(engine) << engine.error().detail;
  EXPECT_TRUE((*engine)->needs_validator_sets());
  EXPECT_FALSE((*make_engine(sample()))->needs_validator_sets());
  // The PoW genesis is the same block as before this change would have built (no epoch).
  EXPECT_FALSE(make_chain_params(sample())->rules.pos);
}

TEST(Genesis, MissingFile) {
  test::TempDir dir;
  auto r = load_genesis(dir.path() / "genesis.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kFileMissing);
  EXPECT_TRUE(r.error().detail.starts_with((dir.path() / "genesis.json").string() + ": no such file"));
}

TEST(Genesis, LoadFromFile) {
  test::TempDir dir;
  const auto path = dir.path() / "genesis.json";
  std::ofstream(path) << render_genesis(sample());
  auto r = load_genesis(path);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_TRUE(*r == sample());
}

}  // namespace
}  // namespace cloudchain::node
