#pragma once
// ChainParams: everything fixed for one chain (from the genesis file): the chain id,
// the genesis block and the state its allocations create, the state rules, and the
// block limits.
//
// The genesis block is built deterministically from a GenesisSpec:
//   header = {version 1, chain_id, height 0, parent 0, timestamp_ms,
//             tx_root = RFC 6962 root of no txids (SHA-256 of ""),
//             state_root = root of the genesis state (below) built on an empty tree,
//             beneficiary 0, seal = spec.seal (PoW: genesis bits, nonce 0;
//             PoS: round 0, last_commit_hash = commit_hash(empty commit), zero signature)}
//   txs = none; PoS: last_commit = {round 0, no signatures}
// The genesis state: each allocation's balance; then (PoS) each validator's payout
// account gets the stake bonded to the validator's key (account.stake, account.validator,
// the validator record {payout, 0}, the key in the candidate list), and the epoch step
// of height 0 (state::apply_epoch) writes the first active set, effective from height 1.
// Every node building it from the same spec gets the same hash. The genesis block is
// exempt from the seal check (its nonce is not mined).
//
// Pure; thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "chain/error.hpp"
#include "crypto/address.hpp"
#include "primitives/block.hpp"
#include "state/node_store.hpp"
#include "state/rules.hpp"
#include "util/error.hpp"

namespace cloudchain::chain {

using util::Hash256;

struct GenesisAllocation {
  crypto::Address address{};
  std::uint64_t balance = 0;
};

/// Stake bonded at genesis (PoS).
struct GenesisValidator {
  crypto::PublicKey key{};  // consensus key
  std::uint64_t stake = 0;
  crypto::Address payout{};  // the account that holds the stake
};

struct GenesisSpec {
  std::uint32_t chain_id = 0;
  std::uint64_t timestamp_ms = 0;
  primitives::Seal seal;                       // PoW: PowSeal{genesis_bits, 0}; PoS: PosSeal{}
  std::vector<GenesisAllocation> allocations;  // distinct addresses, balances > 0
  std::vector<GenesisValidator> validators;    // PoS only: distinct keys and payouts, stakes > 0
  std::optional<state::PosRules> pos;          // set exactly on a PoS chain (with a PosSeal)
};

struct GenesisBlock {
  primitives::Block block;
  std::vector<state::StoredNode> state_nodes;  // every node of the genesis state root
  util::Hash256 hash{};                        // primitives::block_hash(block.header)
};

/// Builds the genesis block. Errors (kBadParams, the detail naming the allocation or
/// validator): chain id 0, a zero balance, an address allocated twice, a sum of balances
/// and stakes above u64; validators without pos or pos without validators, a seal that
/// is not the consensus's, more than state::kMaxCandidates validators, an invalid key, a
/// key listed twice, a payout account listed twice (an account bonds one key), a zero
/// stake, no validator selected by the epoch step (all below min_stake).
util::Result<GenesisBlock, ChainError> make_genesis(const GenesisSpec& spec);

struct ChainParams {
  std::uint32_t chain_id = 0;
  GenesisBlock genesis;
  state::ChainRules rules;  // rules.chain_id must equal chain_id
  std::size_t max_block_txs = primitives::kMaxBlockTxs;
  std::size_t max_block_bytes = primitives::kMaxBlockSize;
};

/// The self-consistency Chain::open demands (kBadParams): chain_id > 0 and equal to
/// rules.chain_id and the genesis header's; genesis at height 0 with a zero parent and
/// no transactions; genesis.hash its block hash; 1 <= max_block_txs <= kMaxBlockTxs;
/// 1 <= max_block_bytes <= kMaxBlockSize.
util::Result<void, ChainError> check_params(const ChainParams& params);

}  // namespace cloudchain::chain
