#pragma once
// From genesis.json to what the chain layer takes: chain::ChainParams (the genesis block
// built by chain::make_genesis from the allocations) and the consensus engine. Also the
// small conversions the node shows to people (decimal work, hash prefixes). Pure;
// thread-safe.

#include <memory>
#include <string>

#include "chain/engine.hpp"
#include "chain/params.hpp"
#include "node/error.hpp"
#include "node/genesis.hpp"
#include "util/uint256.hpp"

namespace cloudchain::node {

/// The chain parameters of `genesis`: its genesis block (timestamp, PoW seal with the
/// genesis bits or a PoS seal, allocations, and on PoS the bonded validators and the
/// first active set: chain::make_genesis), state rules and block limits. Errors:
/// kInconsistent when chain::make_genesis refuses the allocations or validators
/// (check_genesis already rules that out).
util::Result<chain::ChainParams, ConfigError> make_chain_params(const Genesis& genesis);

/// The consensus engine genesis.consensus names ("pow": consensus::PowEngine with the
/// genesis PoW parameters and reward schedule; "pos": consensus::PosEngine with the
/// reward schedule and a 60 s future drift). Errors: kInconsistent when the PoW engine
/// refuses the parameters (check_genesis already rules that out).
util::Result<std::unique_ptr<chain::ConsensusEngine>, ConfigError> make_engine(const Genesis& genesis);

/// Decimal digits of `value` (cumulative work as the API shows it).
std::string to_decimal(const util::Uint256& value);

/// The first 16 hex digits of a hash, for log lines.
std::string short_hash(const util::Hash256& hash);

}  // namespace cloudchain::node
