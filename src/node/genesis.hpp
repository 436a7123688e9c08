#pragma once
// genesis.json: the parameters every node of one network must share (a node with a
// different file is on another chain). Written once by `cloudchaind init`, copied to
// every node, never edited afterwards. docs/node.md lists every field.
//
//   {
//     "chain_id": 1001,                      u32 > 0, inside every signed object
//     "network": "ccdev",                     bech32m prefix of addresses
//     "consensus": "pow",                     the engine: "pow" or "pos"
//     "genesis_time_ms": 1764000000000,       timestamp of the genesis block
//     "pow": {                                required exactly when consensus is "pow"
//       "target_block_time_ms": 2000,         ASERT's ideal spacing
//       "asert_half_life_ms": 300000,         time off schedule that doubles/halves the target
//       "genesis_bits": "1e00abcc",           compact target of the genesis block (8 hex digits)
//       "pow_limit": "7fffff00...00",         easiest target allowed (64 hex digits, big-endian)
//       "max_future_drift_ms": 60000          how far past a node's clock a timestamp may be
//     },
//     "pos": {                                required exactly when consensus is "pos"
//       "validators": [{"consensus_key": "02..(66 hex)", "stake": "1000", "payout": "ccdev1..."}],
//       "epoch_blocks": 100,                  the active set changes at multiples of it
//       "max_validators": 100,                at most this many active validators (1..256)
//       "min_stake": "1000",                  an active validator has at least this stake
//       "block_time_ms": 1000,                the pause after a commit before the next height
//       "timeout_propose_ms": 3000, "timeout_propose_delta_ms": 500,       BFT timeouts
//       "timeout_prevote_ms": 1000, "timeout_prevote_delta_ms": 500,       (consensus::pos::
//       "timeout_precommit_ms": 1000, "timeout_precommit_delta_ms": 500    BftParams)
//     },
//     "reward": {"initial": "5000000000", "halving_interval": 210000},
//     "staking": {"unbonding_delay_blocks": 100, "slash_bps": 500, "jail_blocks": 1000},
//     "limits": {"max_block_txs": 20000, "max_block_bytes": 4194304},
//     "alloc": [{"address": "ccdev1...", "amount": "1000000"}]
//   }
//
// Amounts are decimal strings (they may exceed 2^53, which JSON numbers do not carry
// exactly); counts and times are JSON numbers. Parsing is strict: every field is
// required (a default here would be a consensus rule nobody wrote down), unknown fields
// and duplicate keys are errors, and each error names the file and the field
// ("genesis.json: pow.genesis_bits: ..."). Pure apart from reading the file;
// thread-safe.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/pos/tendermint.hpp"
#include "consensus/pow.hpp"
#include "consensus/reward.hpp"
#include "crypto/address.hpp"
#include "node/error.hpp"
#include "state/rules.hpp"

namespace cloudchain::node {

struct GenesisAlloc {
  crypto::Address address{};
  std::uint64_t amount = 0;
  friend bool operator==(const GenesisAlloc&, const GenesisAlloc&) = default;
};

struct StakingRules {
  std::uint64_t unbonding_delay_blocks = 0;
  std::uint32_t slash_bps = 0;  // 0..10000
  std::uint64_t jail_blocks = 0;
  friend bool operator==(const StakingRules&, const StakingRules&) = default;
};

/// A validator bonded at genesis (PoS).
struct GenesisValidator {
  crypto::PublicKey consensus_key{};  // a valid compressed point
  std::uint64_t stake = 0;            // >= min_stake
  crypto::Address payout{};           // the account that holds the stake
  friend bool operator==(const GenesisValidator&, const GenesisValidator&) = default;
};

/// The `pos` object: the initial validators and the PoS consensus parameters.
struct PosGenesis {
  std::vector<GenesisValidator> validators;  // 1..1000, distinct keys, distinct payouts
  std::uint64_t epoch_blocks = 0;            // >= 1
  std::uint32_t max_validators = 0;          // 1..256
  std::uint64_t min_stake = 0;
  std::uint64_t block_time_ms = 0;  // 1..2^32
  consensus::pos::BftParams bft;    // timeout_<step>_ms 1..3600000, timeout_<step>_delta_ms 0..3600000
  friend bool operator==(const PosGenesis&, const PosGenesis&) = default;
};

/// What a block template may hold: at most the protocol's limits (20000 transactions,
/// 4 MiB), possibly less.
struct BlockLimits {
  std::uint32_t max_block_txs = 0;
  std::uint32_t max_block_bytes = 0;
  friend bool operator==(const BlockLimits&, const BlockLimits&) = default;
};

struct Genesis {
  std::uint32_t chain_id = 0;
  std::string network;
  std::string consensus;  // "pow" or "pos"
  std::uint64_t genesis_time_ms = 0;
  consensus::PowParams pow;       // "pow" only (all zero on a PoS chain)
  std::optional<PosGenesis> pos;  // set exactly when consensus is "pos"
  consensus::RewardSchedule reward;
  StakingRules staking;
  BlockLimits limits;
  std::vector<GenesisAlloc> alloc;  // distinct addresses, amounts > 0, sum within u64

  /// The state rules the chain applies (chain id, staking, and on PoS the epoch rules).
  state::ChainRules chain_rules() const;
  /// Field by field (the consensus structs have no operator== of their own).
  friend bool operator==(const Genesis& a, const Genesis& b);
};

/// Defaults of `cloudchaind init` (a fast single-machine devnet; docs/node.md):
/// target block time 2000 ms, genesis bits 0x1e00abcc (about 25 M hashes per block:
/// 1-2 s for one SHA-NI thread), pow limit 0x207fffff's target, ASERT half-life 300 s,
/// drift 60 s, reward 50 * 10^8 halving every 210000 blocks, protocol block limits.
Genesis default_genesis(std::uint32_t chain_id, std::string network, std::uint64_t genesis_time_ms);

/// Every rule a parsed genesis must meet, for one built in code (init) as for a parsed
/// one: chain id > 0, network name, consensus "pow" or "pos"; for "pow" the PoW
/// parameters usable (consensus::validate_params) and no `pos`; for "pos" a `pos` with
/// 1..1000 validators (valid keys, no key or payout twice, stake >= min_stake and > 0,
/// stakes summing to at most 2^60, the validator set's power bound), epoch_blocks >= 1,
/// max_validators 1..256, block_time_ms 1..2^32, timeouts in range; halving_interval,
/// slash_bps <= 10000, limits in 1..protocol maximum, allocations distinct, > 0, and
/// allocations plus stakes summing within u64.
/// `file` names the file in messages.
util::Result<void, ConfigError> check_genesis(const Genesis& genesis, std::string_view file);

/// Parses genesis.json text. Errors: kSyntax (not JSON, a duplicate key), kMissingKey,
/// kUnknownKey, kWrongType, kOutOfRange, kBadValue, kInconsistent; each names `file`
/// and the field.
util::Result<Genesis, ConfigError> parse_genesis(std::string_view text, std::string_view file);

/// Reads and parses the file. Errors: kFileMissing, kIo, and parse_genesis's.
util::Result<Genesis, ConfigError> load_genesis(const std::filesystem::path& path);

/// Canonical JSON text (fields in the documented order, 2-space indent, final newline;
/// `pow` or `pos` by the consensus); parse_genesis(render_genesis(g)) == g.
std::string render_genesis(const Genesis& genesis);

}  // namespace cloudchain::node
