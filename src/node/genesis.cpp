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

std::string hex_u32(std::uint32_t v) { return fmt::format("{:08x}", v); }

}  // namespace

state::ChainRules Genesis::chain_rules() const {
  state::ChainRules rules;
  rules.chain_id = chain_id;
  rules.unbonding_delay_blocks = staking.unbonding_delay_blocks;
  rules.slash_bps = staking.slash_bps;
  rules.jail_blocks = staking.jail_blocks;
  return rules;
}

bool operator==(const Genesis& a, const Genesis& b) {
  const auto pow_tuple = [](const consensus::PowParams& p) {
    return std::tie(p.target_block_time_ms, p.asert_half_life_ms, p.pow_limit, p.genesis_bits, p.max_future_drift_ms);
  };
  return a.chain_id == b.chain_id && a.network == b.network && a.consensus == b.consensus &&
         a.genesis_time_ms == b.genesis_time_ms && pow_tuple(a.pow) == pow_tuple(b.pow) &&
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
  if (g.consensus != "pow") {
    return config_fail(ConfigError::kBadValue, file, "consensus",
                       "expected \"pow\" (the only engine this node runs), got " + quote(g.consensus));
  }
  if (g.genesis_time_ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return config_fail(ConfigError::kOutOfRange, file, "genesis_time_ms", "expected at most 2^63 - 1");
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
  read_pow(root, g.pow);
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
  doc["pow"] = nlohmann::ordered_json{{"target_block_time_ms", g.pow.target_block_time_ms},
                                      {"asert_half_life_ms", g.pow.asert_half_life_ms},
                                      {"genesis_bits", hex_u32(g.pow.genesis_bits)},
                                      {"pow_limit", util::to_hex(g.pow.pow_limit)},
                                      {"max_future_drift_ms", g.pow.max_future_drift_ms}};
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
