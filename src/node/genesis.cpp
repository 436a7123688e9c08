#include "node/genesis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

#include "node/fields.hpp"
#include "node/file_io.hpp"
#include "node/json_reader.hpp"
#include "primitives/block.hpp"
#include "state/records.hpp"
#include "util/hex.hpp"
#include "util/uint256.hpp"

namespace cloudchain::node {

namespace {

using detail::ErrorSlot;
using detail::Json;
using detail::JsonObject;

constexpr std::uint64_t kU32Max = 0xFFFFFFFF;
constexpr std::uint64_t kU64Max = ~std::uint64_t{0};
constexpr std::uint32_t kMaxSlashBps = 10'000;
/// Alloc entries are a list in a small file; this bounds the work a huge list costs.
constexpr std::size_t kMaxAllocs = 100'000;
/// Genesis validators become candidates, whose number the state bounds.
constexpr std::size_t kMaxGenesisValidators = state::kMaxCandidates;
/// A BFT timeout (or its growth per round) of more than an hour is a typo.
constexpr std::uint64_t kMaxTimeoutMs = 3'600'000;

// The BFT timeouts: JSON name, lower bound, and the BftParams field.
struct TimeoutField {
  std::string_view name;
  std::uint64_t min;
  std::uint64_t consensus::pos::BftParams::* field;
};
constexpr TimeoutField kTimeoutFields[] = {
    {"timeout_propose_ms", 1, &consensus::pos::BftParams::propose_ms},
    {"timeout_propose_delta_ms", 0, &consensus::pos::BftParams::propose_delta_ms},
    {"timeout_prevote_ms", 1, &consensus::pos::BftParams::prevote_ms},
    {"timeout_prevote_delta_ms", 0, &consensus::pos::BftParams::prevote_delta_ms},
    {"timeout_precommit_ms", 1, &consensus::pos::BftParams::precommit_ms},
    {"timeout_precommit_delta_ms", 0, &consensus::pos::BftParams::precommit_delta_ms},
};

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void read_pow(JsonObject& root, consensus::PowParams& pow) {
  JsonObject t = root.object("pow");
  t.get_uint("target_block_time_ms", 1, consensus::kMaxTargetBlockTimeMs, pow.target_block_time_ms);
  t.get_uint("asert_half_life_ms", 1, kU64Max, pow.asert_half_life_ms);
  std::string bits;
  t.get_string("genesis_bits", bits);
  if (t.ok()) {
    auto parsed = util::from_hex_array<4>(bits);
    if (!parsed || !is_lower_hex(bits)) {
      t.fail(ConfigError::kBadValue, "genesis_bits",
             "expected 8 lower-case hex digits (compact target), got " + quote(bits));
    } else {
      pow.genesis_bits = (std::uint32_t{(*parsed)[0]} << 24) | (std::uint32_t{(*parsed)[1]} << 16) |
                         (std::uint32_t{(*parsed)[2]} << 8) | std::uint32_t{(*parsed)[3]};
    }
  }
  std::string limit;
  t.get_string("pow_limit", limit);
  if (t.ok()) {
    auto parsed = util::from_hex_array<32>(limit);
    if (!parsed || !is_lower_hex(limit)) {
      t.fail(ConfigError::kBadValue, "pow_limit",
             "expected 64 lower-case hex digits (a big-endian target), got " + quote(limit));
    } else {
      pow.pow_limit = *parsed;
    }
  }
  t.get_uint("max_future_drift_ms", 0, kU64Max, pow.max_future_drift_ms);
  t.finish();
}

void read_alloc(JsonObject& root, std::string_view network, std::vector<GenesisAlloc>& out) {
  const Json* list = root.array("alloc");
  if (list == nullptr) return;
  if (list->size() > kMaxAllocs) {
    return root.fail(ConfigError::kOutOfRange, "alloc", "at most " + std::to_string(kMaxAllocs) + " entries");
  }
  for (std::size_t i = 0; i < list->size() && root.ok(); ++i) {
    JsonObject entry(&(*list)[i], root.errors(), root.file(), "alloc[" + std::to_string(i) + "]");
    GenesisAlloc alloc;
    std::string address;
    entry.get_string("address", address);
    if (entry.ok()) {
      if (auto parsed = parse_address(address, network)) {
        alloc.address = *parsed;
      } else {
        entry.fail(ConfigError::kBadValue, "address", parsed.error());
      }
    }
    entry.get_amount("amount", alloc.amount);
    entry.finish();
    out.push_back(alloc);
  }
}

void read_pos_validators(JsonObject& pos, std::string_view network, std::vector<GenesisValidator>& out) {
  const Json* list = pos.array("validators");
  if (list == nullptr) return;
  if (list->size() > kMaxGenesisValidators) {
    return pos.fail(ConfigError::kOutOfRange, "validators",
                    "at most " + std::to_string(kMaxGenesisValidators) + " entries");
  }
  for (std::size_t i = 0; i < list->size() && pos.ok(); ++i) {
    JsonObject entry(&(*list)[i], pos.errors(), pos.file(), pos.path("validators") + "[" + std::to_string(i) + "]");
    GenesisValidator v;
    std::string key;
    entry.get_string("consensus_key", key);
    if (entry.ok()) {
      auto parsed = util::from_hex_array<33>(key);
      if (!parsed || !is_lower_hex(key)) {
        entry.fail(ConfigError::kBadValue, "consensus_key",
                   "expected 66 lower-case hex digits (a compressed public key), got " + quote(key));
      } else if (!crypto::is_valid_public_key(*parsed)) {
        entry.fail(ConfigError::kBadValue, "consensus_key", "not a valid compressed secp256k1 public key");
      } else {
        v.consensus_key = *parsed;
      }
    }
    entry.get_amount("stake", v.stake);
    std::string payout;
    entry.get_string("payout", payout);
    if (entry.ok()) {
      if (auto parsed = parse_address(payout, network)) {
        v.payout = *parsed;
      } else {
        entry.fail(ConfigError::kBadValue, "payout", parsed.error());
      }
    }
    entry.finish();
    out.push_back(v);
  }
}

void read_pos(JsonObject& root, std::string_view network, PosGenesis& pos) {
  JsonObject t = root.object("pos");
  read_pos_validators(t, network, pos.validators);
  t.get_uint("epoch_blocks", 1, kU64Max, pos.epoch_blocks);
  t.get_uint("max_validators", 1, state::kMaxActiveValidators, pos.max_validators);
  t.get_amount("min_stake", pos.min_stake);
  t.get_uint("block_time_ms", 1, consensus::kMaxTargetBlockTimeMs, pos.block_time_ms);
  for (const TimeoutField& f : kTimeoutFields) t.get_uint(f.name, f.min, kMaxTimeoutMs, pos.bft.*f.field);
  t.finish();
}

util::Result<void, ConfigError> check_pos(const Genesis& g, std::string_view file) {
  if (!g.pos) return config_fail(ConfigError::kMissingKey, file, "pos", "required when consensus is \"pos\"");
  // A PoS file has no pow object, so a parsed genesis has these all zero; one built in
  // code must too, or it would not render and parse back to itself.
  const consensus::PowParams& w = g.pow;
  if (w.target_block_time_ms != 0 || w.asert_half_life_ms != 0 || w.pow_limit != util::Hash256{} ||
      w.genesis_bits != 0 || w.max_future_drift_ms != 0) {
    return config_fail(ConfigError::kInconsistent, file, "pow", "a \"pos\" chain has no PoW parameters");
  }
  const PosGenesis& p = *g.pos;
  if (p.validators.empty()) {
    return config_fail(ConfigError::kOutOfRange, file, "pos.validators", "expected at least one validator");
  }
  if (p.validators.size() > kMaxGenesisValidators) {
    return config_fail(ConfigError::kOutOfRange, file, "pos.validators",
                       "at most " + std::to_string(kMaxGenesisValidators) + " entries");
  }
  if (p.epoch_blocks < 1) return config_fail(ConfigError::kOutOfRange, file, "pos.epoch_blocks", "expected >= 1");
  if (p.max_validators < 1 || p.max_validators > state::kMaxActiveValidators) {
    return config_fail(ConfigError::kOutOfRange, file, "pos.max_validators",
                       "expected 1..256, got " + std::to_string(p.max_validators));
  }
  if (p.block_time_ms < 1 || p.block_time_ms > consensus::kMaxTargetBlockTimeMs) {
    return config_fail(ConfigError::kOutOfRange, file, "pos.block_time_ms",
                       "expected 1..4294967296, got " + std::to_string(p.block_time_ms));
  }
  for (const TimeoutField& f : kTimeoutFields) {
    const std::uint64_t v = p.bft.*f.field;
    if (v < f.min || v > kMaxTimeoutMs) {
      return config_fail(
          ConfigError::kOutOfRange, file, "pos." + std::string(f.name),
          "expected " + std::to_string(f.min) + ".." + std::to_string(kMaxTimeoutMs) + ", got " + std::to_string(v));
    }
  }
  std::set<crypto::PublicKey> keys;
  std::set<crypto::Address> payouts;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < p.validators.size(); ++i) {
    const GenesisValidator& v = p.validators[i];
    const std::string field = "pos.validators[" + std::to_string(i) + "]";
    if (!crypto::is_valid_public_key(v.consensus_key)) {
      return config_fail(ConfigError::kBadValue, file, field + ".consensus_key",
                         "not a valid compressed secp256k1 public key");
    }
    if (v.stake == 0 || v.stake < p.min_stake) {
      return config_fail(
          ConfigError::kOutOfRange, file, field + ".stake",
          "expected > 0 and >= pos.min_stake (" + std::to_string(p.min_stake) + "), got " + std::to_string(v.stake));
    }
    if (!keys.insert(v.consensus_key).second) {
      return config_fail(ConfigError::kInconsistent, file, field + ".consensus_key",
                         "key " + util::to_hex(v.consensus_key) + " is listed twice");
    }
    if (!payouts.insert(v.payout).second) {
      return config_fail(ConfigError::kInconsistent, file, field + ".payout",
                         "account " + crypto::encode_address(g.network, v.payout) +
                             " backs two validators (an account bonds one key)");
    }
    if (v.stake > consensus::pos::kMaxTotalPower - total) {
      return config_fail(ConfigError::kInconsistent, file, field + ".stake",
                         "the validator stakes sum to more than 2^60 (the validator set's power bound)");
    }
    total += v.stake;
  }
  return {};
}

// The validator stakes (at most 2^60, check_pos) are minted with the allocations.
std::uint64_t total_stake(const Genesis& g) {
  std::uint64_t total = 0;
  if (g.pos) {
    for (const GenesisValidator& v : g.pos->validators) total += v.stake;
  }
  return total;
}

std::string hex_u32(std::uint32_t v) { return fmt::format("{:08x}", v); }

}  // namespace

state::ChainRules Genesis::chain_rules() const {
  state::ChainRules rules;
  rules.chain_id = chain_id;
  rules.unbonding_delay_blocks = staking.unbonding_delay_blocks;
  rules.slash_bps = staking.slash_bps;
  rules.jail_blocks = staking.jail_blocks;
  if (pos) rules.pos = state::PosRules{pos->epoch_blocks, pos->max_validators, pos->min_stake};
  return rules;
}

bool operator==(const Genesis& a, const Genesis& b) {
  const auto pow_tuple = [](const consensus::PowParams& p) {
    return std::tie(p.target_block_time_ms, p.asert_half_life_ms, p.pow_limit, p.genesis_bits, p.max_future_drift_ms);
  };
  return a.chain_id == b.chain_id && a.network == b.network && a.consensus == b.consensus &&
         a.genesis_time_ms == b.genesis_time_ms && pow_tuple(a.pow) == pow_tuple(b.pow) && a.pos == b.pos &&
         a.reward.initial == b.reward.initial && a.reward.halving_interval == b.reward.halving_interval &&
         a.staking == b.staking && a.limits == b.limits && a.alloc == b.alloc;
}

Genesis default_genesis(std::uint32_t chain_id, std::string network, std::uint64_t genesis_time_ms) {
  Genesis g;
  g.chain_id = chain_id;
  g.network = std::move(network);
  g.consensus = "pow";
  g.genesis_time_ms = genesis_time_ms;
  g.pow.target_block_time_ms = 2000;
  g.pow.asert_half_life_ms = 300'000;
  g.pow.genesis_bits = 0x1e00abcc;
  g.pow.pow_limit = *primitives::target_from_bits(0x207fffff);
  g.pow.max_future_drift_ms = 60'000;
  g.reward.initial = std::uint64_t{50} * 100'000'000;
  g.reward.halving_interval = 210'000;
  g.staking.unbonding_delay_blocks = 100;
  g.staking.slash_bps = 500;
  g.staking.jail_blocks = 1000;
  g.limits.max_block_txs = static_cast<std::uint32_t>(primitives::kMaxBlockTxs);
  g.limits.max_block_bytes = static_cast<std::uint32_t>(primitives::kMaxBlockSize);
  return g;
}

util::Result<void, ConfigError> check_genesis(const Genesis& g, std::string_view file) {
  if (g.chain_id == 0) return config_fail(ConfigError::kOutOfRange, file, "chain_id", "expected 1..4294967295, got 0");
  if (!is_network_name(g.network)) {
    return config_fail(ConfigError::kBadValue, file, "network",
                       "expected 1..16 lower-case letters and digits starting with a letter, got " + quote(g.network));
  }
  if (g.consensus != "pow" && g.consensus != "pos") {
    return config_fail(ConfigError::kBadValue, file, "consensus",
                       "expected \"pow\" or \"pos\", got " + quote(g.consensus));
  }
  if (g.genesis_time_ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return config_fail(ConfigError::kOutOfRange, file, "genesis_time_ms", "expected at most 2^63 - 1");
  }
  if (g.consensus == "pos") {
    if (auto ok = check_pos(g, file); !ok) return ok;
  } else {
    if (g.pos) {
      return config_fail(ConfigError::kInconsistent, file, "pos", "only a \"pos\" chain has a pos object");
    }
    const auto target = primitives::target_from_bits(g.pow.genesis_bits);
    if (!target) {
      return config_fail(
          ConfigError::kBadValue, file, "pow.genesis_bits",
          "not a canonical compact target (" + std::string(primitives::to_string(target.error().code)) + ")");
    }
    if (util::Uint256::from_be(g.pow.pow_limit).is_zero()) {
      return config_fail(ConfigError::kOutOfRange, file, "pow.pow_limit", "must not be zero");
    }
    if (util::Uint256::from_be(*target) > util::Uint256::from_be(g.pow.pow_limit)) {
      return config_fail(ConfigError::kInconsistent, file, "pow.genesis_bits",
                         "its target is easier than pow.pow_limit allows");
    }
    // The rules above are the field-by-field form of validate_params; this catches any the
    // consensus layer adds later.
    if (auto ok = consensus::validate_params(g.pow); !ok) {
      return config_fail(ConfigError::kInconsistent, file, "pow", ok.error().detail);
    }
  }
  if (g.staking.slash_bps > kMaxSlashBps) {
    return config_fail(ConfigError::kOutOfRange, file, "staking.slash_bps",
                       "expected 0..10000, got " + std::to_string(g.staking.slash_bps));
  }
  if (g.limits.max_block_txs < 1 || g.limits.max_block_txs > primitives::kMaxBlockTxs) {
    return config_fail(
        ConfigError::kOutOfRange, file, "limits.max_block_txs",
        "expected 1.." + std::to_string(primitives::kMaxBlockTxs) + ", got " + std::to_string(g.limits.max_block_txs));
  }
  if (g.limits.max_block_bytes < 1 || g.limits.max_block_bytes > primitives::kMaxBlockSize) {
    return config_fail(ConfigError::kOutOfRange, file, "limits.max_block_bytes",
                       "expected 1.." + std::to_string(primitives::kMaxBlockSize) + ", got " +
                           std::to_string(g.limits.max_block_bytes));
  }
  std::set<crypto::Address> seen;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < g.alloc.size(); ++i) {
    const std::string field = "alloc[" + std::to_string(i) + "]";
    if (g.alloc[i].amount == 0) return config_fail(ConfigError::kOutOfRange, file, field + ".amount", "must be > 0");
    if (!seen.insert(g.alloc[i].address).second) {
      return config_fail(ConfigError::kInconsistent, file, field + ".address",
                         "address " + crypto::encode_address(g.network, g.alloc[i].address) + " is allocated twice");
    }
    if (total > kU64Max - g.alloc[i].amount) {
      return config_fail(ConfigError::kInconsistent, file, field + ".amount",
                         "the allocations sum to more than 18446744073709551615");
    }
    total += g.alloc[i].amount;
  }
  if (total_stake(g) > kU64Max - total) {
    return config_fail(ConfigError::kInconsistent, file, "pos.validators",
                       "the allocations and validator stakes sum to more than 18446744073709551615");
  }
  return {};
}

util::Result<Genesis, ConfigError> parse_genesis(std::string_view text, std::string_view file) {
  auto doc = detail::parse_json_strict(text, file);
  if (!doc) return std::unexpected(doc.error());
  ErrorSlot errors;
  JsonObject root(&*doc, errors, file, "");
  Genesis g;
  root.get_uint("chain_id", 1, kU32Max, g.chain_id);
  root.get_string("network", g.network);
  if (root.ok() && !is_network_name(g.network)) {
    root.fail(ConfigError::kBadValue, "network",
              "expected 1..16 lower-case letters and digits starting with a letter, got " + quote(g.network));
  }
  root.get_string("consensus", g.consensus);
  root.get_uint("genesis_time_ms", 0, kU64Max, g.genesis_time_ms);
  // The engine's object: "pos" on a PoS chain, "pow" otherwise (an unknown engine is
  // read as PoW and refused by check_genesis).
  if (root.ok() && g.consensus == "pos") {
    read_pos(root, g.network, g.pos.emplace());
  } else {
    read_pow(root, g.pow);
  }
  {
    JsonObject t = root.object("reward");
    t.get_amount("initial", g.reward.initial);
    t.get_uint("halving_interval", 0, kU64Max, g.reward.halving_interval);
    t.finish();
  }
  {
    JsonObject t = root.object("staking");
    t.get_uint("unbonding_delay_blocks", 0, kU64Max, g.staking.unbonding_delay_blocks);
    t.get_uint("slash_bps", 0, kMaxSlashBps, g.staking.slash_bps);
    t.get_uint("jail_blocks", 0, kU64Max, g.staking.jail_blocks);
    t.finish();
  }
  {
    JsonObject t = root.object("limits");
    t.get_uint("max_block_txs", 1, primitives::kMaxBlockTxs, g.limits.max_block_txs);
    t.get_uint("max_block_bytes", 1, primitives::kMaxBlockSize, g.limits.max_block_bytes);
    t.finish();
  }
  read_alloc(root, g.network, g.alloc);
  root.finish();
  if (auto status = errors.status(); !status) return std::unexpected(status.error());
  if (auto ok = check_genesis(g, file); !ok) return std::unexpected(ok.error());
  return g;
}

util::Result<Genesis, ConfigError> load_genesis(const std::filesystem::path& path) {
  auto text = read_text_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_genesis(*text, path.string());
}

std::string render_genesis(const Genesis& g) {
  // ordered_json keeps the documented field order (plain json sorts keys).
  nlohmann::ordered_json doc;
  doc["chain_id"] = g.chain_id;
  doc["network"] = g.network;
  doc["consensus"] = g.consensus;
  doc["genesis_time_ms"] = g.genesis_time_ms;
  if (g.pos) {
    auto validators = nlohmann::ordered_json::array();
    for (const GenesisValidator& v : g.pos->validators) {
      validators.push_back(nlohmann::ordered_json{{"consensus_key", util::to_hex(v.consensus_key)},
                                                  {"stake", std::to_string(v.stake)},
                                                  {"payout", crypto::encode_address(g.network, v.payout)}});
    }
    nlohmann::ordered_json pos{{"validators", std::move(validators)},
                               {"epoch_blocks", g.pos->epoch_blocks},
                               {"max_validators", g.pos->max_validators},
                               {"min_stake", std::to_string(g.pos->min_stake)},
                               {"block_time_ms", g.pos->block_time_ms}};
    for (const TimeoutField& f : kTimeoutFields) pos[std::string(f.name)] = g.pos->bft.*f.field;
    doc["pos"] = std::move(pos);
  } else {
    doc["pow"] = nlohmann::ordered_json{{"target_block_time_ms", g.pow.target_block_time_ms},
                                        {"asert_half_life_ms", g.pow.asert_half_life_ms},
                                        {"genesis_bits", hex_u32(g.pow.genesis_bits)},
                                        {"pow_limit", util::to_hex(g.pow.pow_limit)},
                                        {"max_future_drift_ms", g.pow.max_future_drift_ms}};
  }
  doc["reward"] = nlohmann::ordered_json{{"initial", std::to_string(g.reward.initial)},
                                         {"halving_interval", g.reward.halving_interval}};
  doc["staking"] = nlohmann::ordered_json{{"unbonding_delay_blocks", g.staking.unbonding_delay_blocks},
                                          {"slash_bps", g.staking.slash_bps},
                                          {"jail_blocks", g.staking.jail_blocks}};
  doc["limits"] =
      nlohmann::ordered_json{{"max_block_txs", g.limits.max_block_txs}, {"max_block_bytes", g.limits.max_block_bytes}};
  auto alloc = nlohmann::ordered_json::array();
  for (const GenesisAlloc& a : g.alloc) {
    alloc.push_back(nlohmann::ordered_json{{"address", crypto::encode_address(g.network, a.address)},
                                           {"amount", std::to_string(a.amount)}});
  }
  doc["alloc"] = std::move(alloc);
  return doc.dump(2) + "\n";
}

}  // namespace cloudchain::node
