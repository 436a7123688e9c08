#pragma once
// PosEngine: the Proof-of-Stake rules of a block behind the chain's ConsensusEngine
// interface (chain/engine.hpp), docs/consensus-pos.md "The engine". It asks the chain for
// the validator sets (needs_validator_sets): ctx.validators, the active set in the
// parent's state, governs the header's height; ctx.parent_validators, the active set in
// the grandparent's state, governs the parent's height and so signed last_commit.
//
//   check_header       in order, each with its own BlockError:
//                      1. the seal is a PosSeal                              kWrongSealKind
//                      2. seal.round <= kMaxPosRound                         kRoundTooHigh
//                      3. timestamp > the parent's                           kTimeTooOld
//                      4. timestamp <= now_ms + max_future_drift_ms          kTimeTooNew
//                         (saturating; not the sender's fault)
//                      5. beneficiary = payout of the proposer that the set's
//                         ProposerSchedule picks for (height, seal.round)    kWrongProposer
//                      6. seal.proposer_sig verifies with that proposer's key over
//                         primitives::proposal_signing_hash(header)          kBadProposerSignature
//   check_last_commit  height 1: last_commit is round 0 with no signature    kUnexpectedCommitSigs
//                      height >= 2, for each commit_sig in order:
//                      7. validators strictly ascending (no one twice)       kCommitNotSorted
//                      8. the validator is in the parent height's set        kCommitSignerNotValidator
//                      9. its signature verifies for commit_vote(header,
//                         last_commit.round, sig): a precommit for the parent kBadCommitSignature
//                      then 10. the signers' power > 2/3 of the set's total  kCommitPowerTooLow
//                         (3p > 2T, exact integers; exactly 2/3 is refused)
//   work               1 per block: PoS fork choice is by height, the first seen
//                      among equals (the chain's rule for equal work); finality
//                      (never leaving a committed block) is the BFT layer's, not yet
//                      the chain's.
//   block_reward       the genesis reward schedule, as PoW.
//   next_header_template  PosSeal{round 0, last_commit_hash 0, proposer_sig 0} and
//                      timestamp max(now_ms, parent + 1); the node's consensus driver
//                      sets the round it proposes in, the block's last_commit (the
//                      parent's precommits) and seal.last_commit_hash =
//                      commit_hash(last_commit), then signs (proposer_sig, last).
//
// Missing validator sets in the context, or a record that does not make a ValidatorSet
// (a state the rules never write), are kEngineFailure: a local problem, not the sender's.
// Costs: the proposer of (height, round) takes (height - set.first_height + round + 1)
// round-robin steps of O(validators) each (round bounded by kMaxPosRound; height -
// first_height by the epoch length while epochs select validators); a commit costs one
// signature verification per commit_sig (at most 256).
//
// Pure and immutable after construction: any thread, any number at once.

#include <cstdint>

#include "chain/engine.hpp"
#include "consensus/reward.hpp"

namespace cloudchain::consensus {

/// The highest round a block may be proposed in. With the default timeouts round 10000
/// starts after about 290 days of failed rounds; the bound keeps the proposer
/// computation of a header from the network at most ~10^4 round-robin steps.
inline constexpr std::uint32_t kMaxPosRound = 10'000;

struct PosEngineParams {
  std::uint64_t max_future_drift_ms = 0;  // how far past the local clock a timestamp may be
};

class PosEngine final : public chain::ConsensusEngine {
 public:
  PosEngine(const PosEngineParams& params, const RewardSchedule& reward) : m_params(params), m_reward(reward) {}

  bool needs_validator_sets() const override { return true; }
  util::Result<void, chain::BlockError> check_header(const primitives::BlockHeader& header,
                                                     const chain::HeaderContext& ctx) const override;
  util::Result<void, chain::BlockError> check_last_commit(const primitives::Block& block,
                                                          const chain::HeaderContext& ctx) const override;
  util::Result<util::Uint256, chain::BlockError> work(const primitives::BlockHeader& header) const override;
  std::uint64_t block_reward(std::uint64_t height) const override;
  util::Result<primitives::BlockHeader, chain::BlockError> next_header_template(
      const chain::HeaderContext& parent_ctx) const override;

  const PosEngineParams& params() const { return m_params; }
  const RewardSchedule& reward() const { return m_reward; }

 private:
  PosEngineParams m_params;
  RewardSchedule m_reward;
};

}  // namespace cloudchain::consensus
