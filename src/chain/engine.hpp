#pragma once
// ConsensusEngine: the consensus-specific rules the chain calls through an interface,
// because consensus/ sits ABOVE chain/ in the layering (DESIGN.md): the chain knows
// blocks, state and fork choice; an engine (consensus::PowEngine, later a PoS engine)
// knows seals, difficulty, block time and rewards.
//
// The chain calls an engine only for non-genesis blocks: the genesis block is fixed by
// the genesis file and exempt from seal checks. For each submitted block it calls, in
// order, check_header, check_last_commit (the one hook that sees the body), then work.
//
// Validator sets (PoS): an engine whose needs_validator_sets() is true gets, in every
// HeaderContext, the active set record (state record kind 5) of the parent's state (the
// validators of the header's height) and of the grandparent's state (the validators of
// the parent's height, who signed the header's last_commit). Other engines get neither
// and cost the chain no state read.
//
// Contract for implementations: pure functions of their arguments and the engine's own
// fixed parameters (no I/O, no clock: `now_ms` is a parameter), deterministic, and safe
// to call from any thread at once (the chain calls them from its actor; the node may
// call block_reward elsewhere). Bad input (a header from the network) is answered with
// a BlockError, never an assert or an exception.

#include <cstdint>
#include <optional>
#include <vector>

#include "chain/error.hpp"
#include "primitives/block.hpp"
#include "primitives/header.hpp"
#include "state/records.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/uint256.hpp"

namespace cloudchain::chain {

using util::Hash256;
using util::Uint256;

/// What an engine may know about a header's place in the chain: its parent and the
/// parent's recent ancestors, the genesis block, and the local clock.
struct HeaderContext {
  primitives::BlockHeader parent;  // the parent's header (its height, timestamp, seal)
  Hash256 parent_hash{};
  /// Timestamps of the last (up to) 11 blocks ending with the parent, oldest first
  /// (fewer near genesis; never empty: the parent is always there).
  std::vector<std::uint64_t> recent_timestamps_ms;
  primitives::BlockHeader genesis;  // the chain's block 0 (PoW: the ASERT anchor)
  std::uint64_t now_ms = 0;         // the local clock, Unix milliseconds
  /// Only when the engine's needs_validator_sets() (else nullopt): the active set in the
  /// state of the parent, i.e. the validators of the parent's height + 1 (always present
  /// on a PoS chain: its genesis state holds one).
  std::optional<state::ActiveSet> validators{};
  /// Only when the engine's needs_validator_sets() and the parent is not genesis: the
  /// active set in the state of the parent's parent, i.e. the validators of the parent's
  /// height, whose precommits for the parent make up the header's block's last_commit.
  std::optional<state::ActiveSet> parent_validators{};
};

class ConsensusEngine {
 public:
  virtual ~ConsensusEngine() = default;

  /// Every engine-specific rule of a non-genesis header whose parent is ctx.parent:
  /// seal kind, seal validity (PoW: bits canonical and within the limit, hash below the
  /// target), timestamp (above the median time past, not too far past now_ms), and the
  /// expected difficulty. The chain checks version, chain id, height and parent link
  /// itself. PoS: seal kind, round bound, timestamp above the parent's and not too far
  /// past now_ms, the scheduled proposer (beneficiary, signature). Errors:
  /// kWrongSealKind, kBadBits, kBitsNotExpected, kHighHash, kTimeTooOld, kTimeTooNew,
  /// kRoundTooHigh, kWrongProposer, kBadProposerSignature, kEngineFailure (the engine's
  /// own parameters, or the validator sets it was given, are unusable).
  virtual util::Result<void, BlockError> check_header(const primitives::BlockHeader& header,
                                                      const HeaderContext& ctx) const = 0;

  /// Whether the chain must fill HeaderContext::validators and parent_validators (state
  /// reads; PoS). Fixed for the engine's life.
  virtual bool needs_validator_sets() const { return false; }

  /// The rules of a block that need its body as well as its context, called after
  /// check_header passed, with the same context (PoS: last_commit proves the parent
  /// final). The default, for engines with none: accept. Errors (PoS):
  /// kMissingLastCommit, kUnexpectedCommitSigs, kCommitNotSorted,
  /// kCommitSignerNotValidator, kBadCommitSignature, kCommitPowerTooLow, kEngineFailure.
  virtual util::Result<void, BlockError> check_last_commit(const primitives::Block& block,
                                                           const HeaderContext& ctx) const {
    (void)block;
    (void)ctx;
    return {};
  }

  /// The work a valid header adds to its chain (PoW: expected hashes for its target).
  /// Errors: kWrongSealKind, kBadBits.
  virtual util::Result<Uint256, BlockError> work(const primitives::BlockHeader& header) const = 0;

  /// Base units the block at `height` mints for its beneficiary (fees come on top).
  virtual std::uint64_t block_reward(std::uint64_t height) const = 0;

  /// A header to build on parent_ctx.parent: the engine fills `seal` (PoW: the expected
  /// bits, nonce 0) and may set other consensus fields it owns; the chain then sets
  /// version, chain id, height, parent, timestamp, roots and beneficiary. Errors:
  /// kEngineFailure (unusable parameters).
  virtual util::Result<primitives::BlockHeader, BlockError> next_header_template(
      const HeaderContext& parent_ctx) const = 0;

 protected:
  ConsensusEngine() = default;
  ConsensusEngine(const ConsensusEngine&) = default;
  ConsensusEngine& operator=(const ConsensusEngine&) = default;
};

}  // namespace cloudchain::chain
