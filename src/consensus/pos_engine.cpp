#include "consensus/pos_engine.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <variant>

#include "consensus/pos/validator_set.hpp"
#include "primitives/vote.hpp"
#include "util/hex.hpp"

namespace cloudchain::consensus {

namespace {

using chain::BlockError;

// The ValidatorSet of an active set record. The record's rules (sorted keys, powers > 0)
// are the set's; a record that still fails (a key off the curve, total power above 2^60)
// is a state the rules never write: a local failure.
util::Result<pos::ValidatorSet, BlockError> to_validator_set(const state::ActiveSet& record, std::string_view which) {
  std::vector<pos::Validator> validators;
  validators.reserve(record.validators.size());
  for (const state::ActiveValidator& v : record.validators) validators.push_back({v.key, v.power});
  auto set = pos::ValidatorSet::create(std::move(validators), record.effective_height);
  if (!set) {
    return util::fail(BlockError::kEngineFailure, "the validator set of " + std::string(which) + ": " +
                                                      std::string(pos::to_string(set.error().code)));
  }
  return std::move(*set);
}

}  // namespace

util::Result<void, BlockError> PosEngine::check_header(const primitives::BlockHeader& header,
                                                       const chain::HeaderContext& ctx) const {
  const auto* seal = std::get_if<primitives::PosSeal>(&header.seal);
  if (seal == nullptr) return util::fail(BlockError::kWrongSealKind, "not a PoS seal");
  if (seal->round > kMaxPosRound) {
    return util::fail(BlockError::kRoundTooHigh,
                      "round " + std::to_string(seal->round) + ", at most " + std::to_string(kMaxPosRound));
  }
  if (header.timestamp_ms <= ctx.parent.timestamp_ms) {
    return util::fail(BlockError::kTimeTooOld, "timestamp " + std::to_string(header.timestamp_ms) +
                                                   " not above the parent's " +
                                                   std::to_string(ctx.parent.timestamp_ms));
  }
  const std::uint64_t latest = ctx.now_ms > std::numeric_limits<std::uint64_t>::max() - m_params.max_future_drift_ms
                                   ? std::numeric_limits<std::uint64_t>::max()
                                   : ctx.now_ms + m_params.max_future_drift_ms;
  if (header.timestamp_ms > latest) {
    return util::fail(BlockError::kTimeTooNew, "timestamp " + std::to_string(header.timestamp_ms) + " after " +
                                                   std::to_string(latest) + " (now + drift)");
  }

  if (!ctx.validators) return util::fail(BlockError::kEngineFailure, "the chain gave no validator set");
  const state::ActiveSet& record = *ctx.validators;
  auto set = to_validator_set(record, "height " + std::to_string(header.height));
  if (!set) return std::unexpected(set.error());
  pos::ProposerSchedule schedule(std::move(*set));
  const auto index = schedule.proposer_index(header.height, seal->round);
  if (!index || *index >= record.validators.size()) {
    return util::fail(BlockError::kEngineFailure, "the validator set of height " + std::to_string(header.height) +
                                                      " starts at height " + std::to_string(record.effective_height));
  }
  const state::ActiveValidator& proposer = record.validators[*index];
  if (header.beneficiary != proposer.payout) {
    return util::fail(BlockError::kWrongProposer,
                      "round " + std::to_string(seal->round) + ": beneficiary " + util::to_hex(header.beneficiary) +
                          ", the proposer " + util::to_hex(proposer.key) + " pays to " + util::to_hex(proposer.payout));
  }
  if (auto v = primitives::verify_proposal(header, proposer.key); !v) {
    return util::fail(BlockError::kBadProposerSignature,
                      "proposer " + util::to_hex(proposer.key) + ": " + std::string(crypto::to_string(v.error().code)));
  }
  return {};
}

util::Result<void, BlockError> PosEngine::check_last_commit(const primitives::Block& block,
                                                            const chain::HeaderContext& ctx) const {
  const primitives::BlockHeader& header = block.header;
  if (!block.last_commit) return util::fail(BlockError::kMissingLastCommit, "a PoS block without last_commit");
  const primitives::LastCommit& commit = *block.last_commit;
  if (header.height <= 1) {
    // The genesis block is final by definition: nobody precommits it.
    if (commit.round != 0 || !commit.sigs.empty()) {
      return util::fail(BlockError::kUnexpectedCommitSigs, "height 1: last_commit round " +
                                                               std::to_string(commit.round) + " with " +
                                                               std::to_string(commit.sigs.size()) + " signatures");
    }
    return {};
  }
  if (!ctx.parent_validators) return util::fail(BlockError::kEngineFailure, "the chain gave no parent validator set");
  auto set = to_validator_set(*ctx.parent_validators, "height " + std::to_string(header.height - 1));
  if (!set) return std::unexpected(set.error());

  std::uint64_t power = 0;  // <= total power <= 2^60: no overflow
  for (std::size_t i = 0; i < commit.sigs.size(); ++i) {
    const primitives::CommitSig& sig = commit.sigs[i];
    if (i > 0 && !(commit.sigs[i - 1].validator < sig.validator)) {
      return util::fail(BlockError::kCommitNotSorted, "commit_sig " + std::to_string(i) + " not above the one before");
    }
    const auto index = set->index_of(sig.validator);
    if (!index) {
      return util::fail(BlockError::kCommitSignerNotValidator,
                        "commit_sig " + std::to_string(i) + ": " + util::to_hex(sig.validator) +
                            " is not a validator of height " + std::to_string(header.height - 1));
    }
    if (auto v = primitives::verify_vote(primitives::commit_vote(header, commit.round, sig)); !v) {
      return util::fail(BlockError::kBadCommitSignature, "commit_sig " + std::to_string(i) + " by " +
                                                             util::to_hex(sig.validator) + ": " +
                                                             std::string(crypto::to_string(v.error().code)));
    }
    power += set->validators()[*index].power;
  }
  if (!set->more_than_two_thirds(power)) {
    return util::fail(BlockError::kCommitPowerTooLow, "commit power " + std::to_string(power) + " of " +
                                                          std::to_string(set->total_power()) +
                                                          ", more than 2/3 needed");
  }
  return {};
}

util::Result<util::Uint256, BlockError> PosEngine::work(const primitives::BlockHeader& header) const {
  if (!std::holds_alternative<primitives::PosSeal>(header.seal)) {
    return util::fail(BlockError::kWrongSealKind, "not a PoS seal");
  }
  return util::Uint256(1);
}

std::uint64_t PosEngine::block_reward(std::uint64_t height) const { return consensus::block_reward(height, m_reward); }

util::Result<primitives::BlockHeader, BlockError> PosEngine::next_header_template(
    const chain::HeaderContext& parent_ctx) const {
  primitives::BlockHeader h;
  h.seal = primitives::PosSeal{};
  // The parent's timestamp < 2^64 - 1 for any real chain.
  h.timestamp_ms = std::max(parent_ctx.now_ms, parent_ctx.parent.timestamp_ms + 1);
  return h;
}

}  // namespace cloudchain::consensus
