#include "node/chain_setup.hpp"

#include "consensus/pos_engine.hpp"
#include "consensus/pow_engine.hpp"
#include "util/hex.hpp"

namespace cloudchain::node {

namespace {
// How far past a node's clock a PoS block's timestamp may be (60 s).
constexpr std::uint64_t kPosMaxFutureDriftMs = 60'000;
}  // namespace

util::Result<chain::ChainParams, ConfigError> make_chain_params(const Genesis& genesis) {
  chain::GenesisSpec spec;
  spec.chain_id = genesis.chain_id;
  spec.timestamp_ms = genesis.genesis_time_ms;
  const state::ChainRules rules = genesis.chain_rules();
  if (genesis.pos) {
    spec.seal = primitives::PosSeal{};
    spec.pos = rules.pos;
    spec.validators.reserve(genesis.pos->validators.size());
    for (const GenesisValidator& v : genesis.pos->validators) {
      spec.validators.push_back({v.consensus_key, v.stake, v.payout});
    }
  } else {
    spec.seal = primitives::PowSeal{genesis.pow.genesis_bits, 0};
  }
  spec.allocations.reserve(genesis.alloc.size());
  for (const GenesisAlloc& a : genesis.alloc) spec.allocations.push_back({a.address, a.amount});
  auto block = chain::make_genesis(spec);
  if (!block) {
    return config_fail(ConfigError::kInconsistent, "genesis.json", genesis.pos ? "pos.validators" : "alloc",
                       "the chain refuses the genesis: " + block.error().detail);
  }
  chain::ChainParams params;
  params.chain_id = genesis.chain_id;
  params.genesis = std::move(*block);
  params.rules = rules;
  params.max_block_txs = genesis.limits.max_block_txs;
  params.max_block_bytes = genesis.limits.max_block_bytes;
  return params;
}

util::Result<std::unique_ptr<chain::ConsensusEngine>, ConfigError> make_engine(const Genesis& genesis) {
  if (genesis.consensus == "pos") {
    // genesis.json's pos object has no drift field yet: PoS chains use the devnet's PoW
    // default (docs/consensus-pos.md, "The engine").
    return std::make_unique<consensus::PosEngine>(consensus::PosEngineParams{kPosMaxFutureDriftMs}, genesis.reward);
  }
  auto engine = consensus::PowEngine::create(genesis.pow, genesis.reward);
  if (!engine) {
    return config_fail(ConfigError::kInconsistent, "genesis.json", "pow",
                       "the PoW engine refuses the parameters: " + engine.error().detail);
  }
  return std::make_unique<consensus::PowEngine>(std::move(*engine));
}

std::string to_decimal(const util::Uint256& value) {
  // Nineteen digits at a time: 10^19 is the largest power of ten below 2^64.
  constexpr std::uint64_t kChunk = 10'000'000'000'000'000'000ULL;
  if (value.is_zero()) return "0";
  std::vector<std::uint64_t> chunks;  // least significant first
  util::Uint256 rest = value;
  while (!rest.is_zero()) {
    auto [quotient, remainder] = util::Uint256::divmod(rest, util::Uint256(kChunk));
    chunks.push_back(remainder.low64());
    rest = quotient;
  }
  std::string out = std::to_string(chunks.back());
  for (std::size_t i = chunks.size() - 1; i-- > 0;) {
    const std::string digits = std::to_string(chunks[i]);
    out += std::string(19 - digits.size(), '0') + digits;
  }
  return out;
}

std::string short_hash(const util::Hash256& hash) { return util::to_hex(hash).substr(0, 16); }

}  // namespace cloudchain::node
