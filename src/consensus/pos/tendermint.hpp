#pragma once
// The Tendermint round state machine of one node (Buchman, Kwon, Milosevic, "The latest
// gossip on BFT consensus", 2018, Algorithm 1) over values = block hashes, with stake
// weights: 2f+1 is "more than 2/3 of the total power", f+1 "more than 1/3"
// (ValidatorSet). docs/consensus-pos.md describes every rule and the caller's duties.
//
// Pure: no threads, no I/O, no clock. Every input returns the actions it caused, in
// order; the caller carries them out (build a block, sign and gossip, set a timer,
// commit, submit evidence). Not thread-safe: one owner (the consensus actor).
//
// What the caller must do:
// - verify signatures (proposal and votes) and the proposed block before calling
//   on_proposal / on_vote; pass valid = false for a proposal whose block is invalid;
// - feed this node's own signed proposal and votes back through on_proposal / on_vote
//   like anyone else's (the state machine counts only what it is given);
// - persist "last signed height/round/step" before sending a vote, and never sign a
//   second, different vote for one (height, round, type) after a restart;
// - answer NeedValue with propose(block_hash) (a block it built);
// - fire each ScheduleTimeout after its duration with on_timeout (stale ones are
//   ignored, so timers need not be cancelled);
// - keep messages of a later height and hand them over after next_height; on Decide,
//   commit the block (fetching it by hash if it never arrived) with the precommits as
//   the next block's LastCommit, then call next_height.
//
// Bad input (wrong chain, height or round, a non-validator, a proposal from the wrong
// proposer, a stale timeout, an unrequested value) is ignored: the answer is no action.
// Equivocating votes are answered with Evidence and not counted.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "consensus/pos/validator_set.hpp"
#include "primitives/block.hpp"
#include "primitives/vote.hpp"

namespace cloudchain::consensus::pos {

using util::Hash256;

/// Round timeouts; timeout_X(r) = X_ms + r * X_delta_ms (saturating), growing with the
/// round so that a round eventually lasts long enough for any message delay. These
/// become genesis parameters.
struct BftParams {
  std::uint64_t propose_ms = 3000;
  std::uint64_t propose_delta_ms = 500;
  std::uint64_t prevote_ms = 1000;
  std::uint64_t prevote_delta_ms = 500;
  std::uint64_t precommit_ms = 1000;
  std::uint64_t precommit_delta_ms = 500;
  friend bool operator==(const BftParams&, const BftParams&) = default;
};

enum class Step : std::uint8_t { kPropose, kPrevote, kPrecommit };
std::string_view to_string(Step s);

enum class TimeoutKind : std::uint8_t { kPropose, kPrevote, kPrecommit };
std::string_view to_string(TimeoutKind k);

/// timeout_X(round) in milliseconds for X = kind (saturates at 2^64 - 1).
std::uint64_t timeout_ms(const BftParams& params, TimeoutKind kind, std::uint32_t round);

/// "No round": a proposal's valid_round, the locked and valid rounds before any lock.
inline constexpr std::int64_t kNoRound = -1;
/// Proposals more than this many rounds ahead of the node's round are ignored (the
/// proposer check costs one round-robin step per round); gossip re-sends them.
inline constexpr std::uint32_t kMaxProposalRoundsAhead = 16;
/// A validator's votes are kept for at most this many distinct rounds above the node's
/// round (memory bound against a validator voting in every future round); an honest
/// validator is in one round at a time, so skipping ahead is not lost.
inline constexpr std::size_t kMaxFutureRoundsPerValidator = 4;

/// A proposal whose signature (by `proposer`) and block the caller checked.
struct Proposal {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};
  std::int64_t valid_round = kNoRound;  // kNoRound or a round < round
  crypto::PublicKey proposer{};
  friend bool operator==(const Proposal&, const Proposal&) = default;
};

struct TimeoutEvent {
  TimeoutKind kind = TimeoutKind::kPropose;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  friend bool operator==(const TimeoutEvent&, const TimeoutEvent&) = default;
};

// ---- Actions ----

/// This node proposes in `round` and holds no valid value: build a block, then call
/// propose(its hash).
struct NeedValue {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  friend bool operator==(const NeedValue&, const NeedValue&) = default;
};
/// Sign and gossip this proposal (with its block).
struct BroadcastProposal {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};
  std::int64_t valid_round = kNoRound;
  friend bool operator==(const BroadcastProposal&, const BroadcastProposal&) = default;
};
/// Persist, sign and gossip `vote` (unsigned; validator = this node's key).
struct CastVote {
  primitives::Vote vote;
  friend bool operator==(const CastVote&, const CastVote&) = default;
};
/// Call on_timeout(event) after duration_ms.
struct ScheduleTimeout {
  TimeoutEvent event;
  std::uint64_t duration_ms = 0;
  friend bool operator==(const ScheduleTimeout&, const ScheduleTimeout&) = default;
};
/// `block_hash` is final at `height`: more than 2/3 of the power precommitted it in
/// `round`. `precommits` are those votes, in validator key order.
struct Decide {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};
  std::vector<primitives::Vote> precommits;
  friend bool operator==(const Decide&, const Decide&) = default;
};
/// Two different votes of one validator for one (height, round, type); vote_a's
/// encoding sorts before vote_b's (the evidence transaction's canonical order).
struct Evidence {
  primitives::Vote vote_a;
  primitives::Vote vote_b;
  friend bool operator==(const Evidence&, const Evidence&) = default;
};

using Action = std::variant<NeedValue, BroadcastProposal, CastVote, ScheduleTimeout, Decide, Evidence>;

/// The next block's last_commit: decide.round and one CommitSig per precommit.
primitives::LastCommit to_last_commit(const Decide& decide);

enum class BftError {
  kHeightBeforeSet,  // height >= the validator set's first_height (the proposer schedule's origin)
  kHeightOverflow,   // next_height: height + 1 fits in 64 bits
};
std::string_view to_string(BftError e);

class Tendermint {
 public:
  /// A node at `height` with `set`, round 0, not started. `own_key` in the set makes it
  /// a validator; absent or not in the set, it follows rounds and decides but casts no
  /// vote and proposes nothing.
  /// Errors: kHeightBeforeSet.
  static util::Result<Tendermint, BftError> create(const BftParams& params, std::uint32_t chain_id,
                                                   std::uint64_t height, ValidatorSet set,
                                                   std::optional<crypto::PublicKey> own_key);

  /// StartRound(0) (paper line 10). A second call does nothing.
  std::vector<Action> start();
  /// Paper lines 22, 28, 36 (and 49 through the precommits). Ignored unless
  /// proposal.height is this height, proposal.proposer is proposer(height, round),
  /// round is in [this round, this round + kMaxProposalRoundsAhead] and valid_round is
  /// kNoRound or below round. Only the first proposal of a round is kept.
  std::vector<Action> on_proposal(const Proposal& proposal, bool valid);
  /// Counts a prevote or precommit (lines 28-55). Ignored when the chain id or height
  /// differ, the validator is not in the set, or the round is too far ahead for this
  /// validator (kMaxFutureRoundsPerValidator); a repeat of a counted vote is ignored;
  /// a different second vote returns Evidence and is not counted.
  std::vector<Action> on_vote(const primitives::Vote& vote);
  /// Lines 57, 61, 65. A timeout of another height or round, or a step already left,
  /// does nothing.
  std::vector<Action> on_timeout(const TimeoutEvent& timeout);
  /// The answer to NeedValue for this round: broadcasts the proposal. Ignored when no
  /// NeedValue of this round is pending or block_hash is nil.
  std::vector<Action> propose(const Hash256& block_hash);
  /// Moves to height + 1 with `set` (after committing a decision, or a block synced
  /// with its commit) and starts round 0. Errors: kHeightBeforeSet, kHeightOverflow.
  util::Result<std::vector<Action>, BftError> next_height(ValidatorSet set);

  std::uint64_t height() const { return m_height; }
  std::uint32_t round() const { return m_round; }
  Step step() const { return m_step; }
  bool started() const { return m_started; }
  bool decided() const { return m_decision.has_value(); }
  const std::optional<Hash256>& decision() const { return m_decision; }
  std::optional<Hash256> locked_value() const { return m_locked_value; }
  std::int64_t locked_round() const { return m_locked_round; }
  std::optional<Hash256> valid_value() const { return m_valid_value; }
  std::int64_t valid_round() const { return m_valid_round; }
  bool is_validator() const { return m_own_index.has_value(); }
  const ValidatorSet& validator_set() const { return m_schedule.set(); }
  /// The proposer of (this height, round); nullopt never happens for a created machine.
  std::optional<crypto::PublicKey> proposer(std::uint32_t round) { return m_schedule.proposer(m_height, round); }

  /// Times the double-sign guard refused a vote (a bug if ever > 0; tests read it).
  std::uint64_t guard_refusals() const { return m_guard_refusals; }

 private:
  struct StoredProposal {
    Hash256 block_hash{};
    std::int64_t valid_round = kNoRound;
    bool valid = false;
  };
  struct Tally {
    std::map<std::size_t, primitives::Vote> by_validator;
    std::map<Hash256, std::uint64_t> power_by_hash;
    std::uint64_t total = 0;
    std::uint64_t power_for(const Hash256& h) const;
  };
  struct RoundVotes {
    Tally prevotes;
    Tally precommits;
    std::set<std::size_t> voters;  // either type
    std::uint64_t voters_power = 0;
  };

  Tendermint(const BftParams& params, std::uint32_t chain_id, std::uint64_t height, ValidatorSet set,
             std::optional<crypto::PublicKey> own_key);

  void reset_height();
  void start_round(std::uint32_t round, std::vector<Action>& out);
  void cast(primitives::VoteType type, const Hash256& value, std::vector<Action>& out);
  void schedule(TimeoutKind kind, std::vector<Action>& out);
  void check_decide(std::uint32_t round, const Hash256& value, std::vector<Action>& out);
  void run_rules(std::vector<Action>& out);
  bool apply_current_round_rules(std::vector<Action>& out);
  std::uint64_t prevote_power(std::uint32_t round, const Hash256& value) const;
  std::size_t future_rounds_of(std::size_t validator) const;

  BftParams m_params;
  std::uint32_t m_chain_id = 0;
  std::uint64_t m_height = 0;
  ProposerSchedule m_schedule;
  std::optional<crypto::PublicKey> m_own_key;
  std::optional<std::size_t> m_own_index;

  bool m_started = false;
  std::uint32_t m_round = 0;
  Step m_step = Step::kPropose;
  std::optional<Hash256> m_decision;
  std::optional<Hash256> m_locked_value;
  std::int64_t m_locked_round = kNoRound;
  std::optional<Hash256> m_valid_value;
  std::int64_t m_valid_round = kNoRound;
  std::optional<std::uint32_t> m_awaiting_value;  // round of a pending NeedValue
  // "For the first time" of lines 34, 36 and 47, for m_round.
  bool m_prevote_timeout_scheduled = false;
  bool m_line36_done = false;
  bool m_precommit_timeout_scheduled = false;

  std::map<std::uint32_t, StoredProposal> m_proposals;
  std::map<std::uint32_t, RoundVotes> m_votes;
  // Votes this node cast at this height: (round, type) -> value. The double-sign guard.
  std::map<std::pair<std::uint32_t, primitives::VoteType>, Hash256> m_cast;
  // (validator, round, type) already reported as equivocating: one Evidence each.
  std::set<std::tuple<std::size_t, std::uint32_t, primitives::VoteType>> m_reported;
  std::uint64_t m_guard_refusals = 0;
};

}  // namespace cloudchain::consensus::pos
