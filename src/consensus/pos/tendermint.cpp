#include "consensus/pos/tendermint.hpp"

#include <algorithm>
#include <limits>

namespace cloudchain::consensus::pos {

namespace {

using primitives::Vote;
using primitives::VoteType;

constexpr Hash256 kNil{};

}  // namespace

std::string_view to_string(Step s) {
  switch (s) {
    case Step::kPropose: return "propose";
    case Step::kPrevote: return "prevote";
    case Step::kPrecommit: return "precommit";
  }
  return "unknown";
}

std::string_view to_string(TimeoutKind k) {
  switch (k) {
    case TimeoutKind::kPropose: return "propose";
    case TimeoutKind::kPrevote: return "prevote";
    case TimeoutKind::kPrecommit: return "precommit";
  }
  return "unknown";
}

std::string_view to_string(BftError e) {
  switch (e) {
    case BftError::kHeightBeforeSet: return "height_before_set";
    case BftError::kHeightOverflow: return "height_overflow";
  }
  return "unknown";
}

std::uint64_t timeout_ms(const BftParams& params, TimeoutKind kind, std::uint32_t round) {
  std::uint64_t base = 0;
  std::uint64_t delta = 0;
  switch (kind) {
    case TimeoutKind::kPropose: base = params.propose_ms, delta = params.propose_delta_ms; break;
    case TimeoutKind::kPrevote: base = params.prevote_ms, delta = params.prevote_delta_ms; break;
    case TimeoutKind::kPrecommit: base = params.precommit_ms, delta = params.precommit_delta_ms; break;
  }
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  if (delta != 0 && round > (kMax - base) / delta) return kMax;
  return base + round * delta;
}

primitives::LastCommit to_last_commit(const Decide& decide) {
  primitives::LastCommit commit;
  commit.round = decide.round;
  commit.sigs.reserve(decide.precommits.size());
  for (const auto& v : decide.precommits) commit.sigs.push_back({v.validator, v.signature});
  return commit;
}

std::uint64_t Tendermint::Tally::power_for(const Hash256& h) const {
  const auto it = power_by_hash.find(h);
  return it == power_by_hash.end() ? 0 : it->second;
}

util::Result<Tendermint, BftError> Tendermint::create(const BftParams& params, std::uint32_t chain_id,
                                                      std::uint64_t height, ValidatorSet set,
                                                      std::optional<crypto::PublicKey> own_key) {
  if (height < set.first_height()) return util::fail(BftError::kHeightBeforeSet);
  return Tendermint(params, chain_id, height, std::move(set), own_key);
}

Tendermint::Tendermint(const BftParams& params, std::uint32_t chain_id, std::uint64_t height, ValidatorSet set,
                       std::optional<crypto::PublicKey> own_key)
    : m_params(params), m_chain_id(chain_id), m_height(height), m_schedule(std::move(set)), m_own_key(own_key) {
  if (m_own_key) m_own_index = m_schedule.set().index_of(*m_own_key);
}

void Tendermint::reset_height() {
  m_round = 0;
  m_step = Step::kPropose;
  m_decision.reset();
  m_locked_value.reset();
  m_locked_round = kNoRound;
  m_valid_value.reset();
  m_valid_round = kNoRound;
  m_awaiting_value.reset();
  m_prevote_timeout_scheduled = false;
  m_line36_done = false;
  m_precommit_timeout_scheduled = false;
  m_proposals.clear();
  m_votes.clear();
  m_cast.clear();
  m_reported.clear();
}

std::vector<Action> Tendermint::start() {
  std::vector<Action> out;
  if (m_started || m_decision) return out;
  m_started = true;
  start_round(0, out);
  run_rules(out);
  return out;
}

util::Result<std::vector<Action>, BftError> Tendermint::next_height(ValidatorSet set) {
  if (m_height == std::numeric_limits<std::uint64_t>::max()) return util::fail(BftError::kHeightOverflow);
  if (m_height + 1 < set.first_height()) return util::fail(BftError::kHeightBeforeSet);
  // The same set keeps its cached round-robin state.
  if (!(set == m_schedule.set())) {
    m_schedule = ProposerSchedule(std::move(set));
    m_own_index = m_own_key ? m_schedule.set().index_of(*m_own_key) : std::nullopt;
  }
  ++m_height;
  reset_height();
  m_started = true;
  std::vector<Action> out;
  start_round(0, out);
  run_rules(out);
  return out;
}

// Paper lines 11-21. Unlike the paper, the proposer too schedules timeout_propose (as
// Tendermint does): if its block never comes, it prevotes nil like everyone else.
void Tendermint::start_round(std::uint32_t round, std::vector<Action>& out) {
  m_round = round;
  m_step = Step::kPropose;
  m_awaiting_value.reset();
  m_prevote_timeout_scheduled = false;
  m_line36_done = false;
  m_precommit_timeout_scheduled = false;
  // Proposals of earlier rounds are never read again (lines 28 and 36 read this round's).
  m_proposals.erase(m_proposals.begin(), m_proposals.lower_bound(round));
  if (m_own_index && m_schedule.proposer_index(m_height, round) == m_own_index) {
    if (m_valid_value) {
      out.push_back(BroadcastProposal{m_height, round, *m_valid_value, m_valid_round});
    } else {
      m_awaiting_value = round;
      out.push_back(NeedValue{m_height, round});
    }
  }
  schedule(TimeoutKind::kPropose, out);
}

void Tendermint::schedule(TimeoutKind kind, std::vector<Action>& out) {
  out.push_back(ScheduleTimeout{TimeoutEvent{kind, m_height, m_round}, timeout_ms(m_params, kind, m_round)});
}

// The double-sign guard: at most one vote per (height, round, type), whatever the rules
// above it do. A refusal is counted (it would be a bug in the rules).
void Tendermint::cast(VoteType type, const Hash256& value, std::vector<Action>& out) {
  if (!m_own_index || !m_own_key) return;  // m_own_index implies m_own_key
  const auto [it, inserted] = m_cast.try_emplace({m_round, type}, value);
  if (!inserted) {
    if (it->second != value) ++m_guard_refusals;
    return;
  }
  Vote vote;
  vote.chain_id = m_chain_id;
  vote.type = type;
  vote.height = m_height;
  vote.round = m_round;
  vote.block_hash = value;
  vote.validator = *m_own_key;
  out.push_back(CastVote{vote});
}

std::vector<Action> Tendermint::propose(const Hash256& block_hash) {
  std::vector<Action> out;
  if (m_decision || m_awaiting_value != m_round || m_step != Step::kPropose || block_hash == kNil) return out;
  m_awaiting_value.reset();
  out.push_back(BroadcastProposal{m_height, m_round, block_hash, kNoRound});
  return out;
}

std::vector<Action> Tendermint::on_proposal(const Proposal& p, bool valid) {
  std::vector<Action> out;
  if (m_decision || p.height != m_height || p.block_hash == kNil) return out;
  if (p.round < m_round || p.round - m_round > kMaxProposalRoundsAhead) return out;
  if (p.valid_round < kNoRound || p.valid_round >= static_cast<std::int64_t>(p.round)) return out;
  if (m_schedule.proposer(m_height, p.round) != p.proposer) return out;
  if (!m_proposals.try_emplace(p.round, StoredProposal{p.block_hash, p.valid_round, valid}).second) return out;
  if (m_started) run_rules(out);
  return out;
}

std::size_t Tendermint::future_rounds_of(std::size_t validator) const {
  std::size_t n = 0;
  for (auto it = m_votes.upper_bound(m_round); it != m_votes.end(); ++it) n += it->second.voters.contains(validator);
  return n;
}

std::vector<Action> Tendermint::on_vote(const Vote& vote) {
  std::vector<Action> out;
  if (m_decision || vote.chain_id != m_chain_id || vote.height != m_height) return out;
  const auto index = m_schedule.set().index_of(vote.validator);
  if (!index) return out;
  const auto existing_round = m_votes.find(vote.round);
  const bool known_voter = existing_round != m_votes.end() && existing_round->second.voters.contains(*index);
  if (vote.round > m_round && !known_voter && future_rounds_of(*index) >= kMaxFutureRoundsPerValidator) return out;

  auto& rv = m_votes[vote.round];
  auto& tally = vote.type == VoteType::kPrevote ? rv.prevotes : rv.precommits;
  if (const auto it = tally.by_validator.find(*index); it != tally.by_validator.end()) {
    const Vote& first = it->second;
    if (first.block_hash == vote.block_hash) return out;  // a repeat
    if (m_reported.emplace(*index, vote.round, vote.type).second) {
      const bool first_sorts_first = primitives::encode(first) < primitives::encode(vote);
      out.push_back(first_sorts_first ? Evidence{first, vote} : Evidence{vote, first});
    }
    return out;
  }
  const std::uint64_t power = m_schedule.set().validators()[*index].power;
  tally.by_validator.emplace(*index, vote);
  // Each validator counts once per tally and the total is <= 2^60: no overflow.
  tally.power_by_hash[vote.block_hash] += power;
  tally.total += power;
  if (rv.voters.insert(*index).second) rv.voters_power += power;

  if (vote.type == VoteType::kPrecommit && vote.block_hash != kNil) check_decide(vote.round, vote.block_hash, out);
  if (m_started && !m_decision) run_rules(out);
  return out;
}

// Line 49. The paper also requires the proposal of that round; here values are block
// hashes, and more than 2/3 precommits for a hash mean that validators holding more
// than 1/3 of the power, so at least one honest one, checked its block: the hash is
// decided and the caller fetches the block if it lacks it (as Tendermint does).
void Tendermint::check_decide(std::uint32_t round, const Hash256& value, std::vector<Action>& out) {
  const auto& tally = m_votes.at(round).precommits;
  if (!m_schedule.set().more_than_two_thirds(tally.power_for(value))) return;
  Decide d{m_height, round, value, {}};
  for (const auto& [index, vote] : tally.by_validator) {
    if (vote.block_hash == value) d.precommits.push_back(vote);  // index order = key order
  }
  m_decision = value;
  out.push_back(std::move(d));
}

std::uint64_t Tendermint::prevote_power(std::uint32_t round, const Hash256& value) const {
  const auto it = m_votes.find(round);
  return it == m_votes.end() ? 0 : it->second.prevotes.power_for(value);
}

void Tendermint::run_rules(std::vector<Action>& out) {
  // Each rule fires at most once per round and step, and rounds only grow: this ends.
  while (!m_decision) {
    // Line 55: votes of a later round from more than 1/3 of the power; go to the
    // highest such round.
    std::optional<std::uint32_t> skip;
    for (auto it = m_votes.upper_bound(m_round); it != m_votes.end(); ++it) {
      if (m_schedule.set().more_than_one_third(it->second.voters_power)) skip = it->first;
    }
    if (skip) {
      start_round(*skip, out);
      continue;
    }
    if (!apply_current_round_rules(out)) return;
  }
}

bool Tendermint::apply_current_round_rules(std::vector<Action>& out) {
  const auto& set = m_schedule.set();
  const auto prop_it = m_proposals.find(m_round);
  const StoredProposal* prop = prop_it == m_proposals.end() ? nullptr : &prop_it->second;
  const auto votes_it = m_votes.find(m_round);
  const RoundVotes* rv = votes_it == m_votes.end() ? nullptr : &votes_it->second;

  if (m_step == Step::kPropose && prop) {
    const Hash256& v = prop->block_hash;
    // Line 22: a fresh proposal.
    if (prop->valid_round == kNoRound) {
      const bool ok = prop->valid && (m_locked_round == kNoRound || m_locked_value == v);
      cast(VoteType::kPrevote, ok ? v : kNil, out);
      m_step = Step::kPrevote;
      return true;
    }
    // Line 28: a re-proposal with a polka (2/3 prevotes) in its valid round.
    const auto vr = prop->valid_round;
    if (vr < static_cast<std::int64_t>(m_round) &&
        set.more_than_two_thirds(prevote_power(static_cast<std::uint32_t>(vr), v))) {
      const bool ok = prop->valid && (m_locked_round <= vr || m_locked_value == v);
      cast(VoteType::kPrevote, ok ? v : kNil, out);
      m_step = Step::kPrevote;
      return true;
    }
  }
  // Line 34: 2/3 prevotes of any kind, for the first time.
  if (m_step == Step::kPrevote && !m_prevote_timeout_scheduled && rv && set.more_than_two_thirds(rv->prevotes.total)) {
    m_prevote_timeout_scheduled = true;
    schedule(TimeoutKind::kPrevote, out);
    return true;
  }
  // Line 36: a valid proposal with a polka in this round, for the first time.
  if (m_step != Step::kPropose && !m_line36_done && prop && prop->valid && rv &&
      set.more_than_two_thirds(rv->prevotes.power_for(prop->block_hash))) {
    m_line36_done = true;
    if (m_step == Step::kPrevote) {
      m_locked_value = prop->block_hash;
      m_locked_round = m_round;
      cast(VoteType::kPrecommit, prop->block_hash, out);
      m_step = Step::kPrecommit;
    }
    m_valid_value = prop->block_hash;
    m_valid_round = m_round;
    return true;
  }
  // Line 44: 2/3 prevotes for nil.
  if (m_step == Step::kPrevote && rv && set.more_than_two_thirds(rv->prevotes.power_for(kNil))) {
    cast(VoteType::kPrecommit, kNil, out);
    m_step = Step::kPrecommit;
    return true;
  }
  // Line 47: 2/3 precommits of any kind, for the first time.
  if (!m_precommit_timeout_scheduled && rv && set.more_than_two_thirds(rv->precommits.total)) {
    m_precommit_timeout_scheduled = true;
    schedule(TimeoutKind::kPrecommit, out);
    return true;
  }
  return false;
}

std::vector<Action> Tendermint::on_timeout(const TimeoutEvent& t) {
  std::vector<Action> out;
  if (!m_started || m_decision || t.height != m_height || t.round != m_round) return out;
  switch (t.kind) {
    case TimeoutKind::kPropose:  // line 57
      if (m_step != Step::kPropose) return out;
      cast(VoteType::kPrevote, kNil, out);
      m_step = Step::kPrevote;
      break;
    case TimeoutKind::kPrevote:  // line 61
      if (m_step != Step::kPrevote) return out;
      cast(VoteType::kPrecommit, kNil, out);
      m_step = Step::kPrecommit;
      break;
    case TimeoutKind::kPrecommit:  // line 65
      if (m_round == std::numeric_limits<std::uint32_t>::max()) return out;
      start_round(m_round + 1, out);
      break;
  }
  run_rules(out);
  return out;
}

}  // namespace cloudchain::consensus::pos
