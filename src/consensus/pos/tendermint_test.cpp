#include "consensus/pos/tendermint.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <queue>
#include <random>

#include "consensus/pos/test_util.hpp"
#include "crypto/sha256.hpp"

namespace cloudchain::consensus::pos {
namespace {

using primitives::Vote;
using primitives::VoteType;
using test::make_set;

constexpr std::uint32_t kChain = 7;
constexpr Hash256 kNil{};

Hash256 value(std::uint8_t b) {
  Hash256 h{};
  h.fill(b);
  return h;
}
const Hash256 kV = value(0xAA);
const Hash256 kW = value(0xBB);

template <typename T>
std::vector<T> all(const std::vector<Action>& actions) {
  std::vector<T> out;
  for (const auto& a : actions) {
    if (const auto* t = std::get_if<T>(&a)) out.push_back(*t);
  }
  return out;
}
template <typename T>
bool has(const std::vector<Action>& actions) {
  return !all<T>(actions).empty();
}
void append(std::vector<Action>& to, const std::vector<Action>& from) { to.insert(to.end(), from.begin(), from.end()); }

/// The only vote cast in `actions`. REQUIRES (checked): exactly one.
Vote only_vote(const std::vector<Action>& actions) {
  const auto votes = all<CastVote>(actions);
  EXPECT_EQ(votes.size(), 1u);
  return votes.empty() ? Vote{} : votes.front().vote;
}

BftParams params() {
  BftParams p;
  p.propose_ms = 1000;
  p.propose_delta_ms = 500;
  p.prevote_ms = 400;
  p.prevote_delta_ms = 200;
  p.precommit_ms = 400;
  p.precommit_delta_ms = 200;
  return p;
}

// Validators are numbered in set (key) order. With four equal powers and first height 1,
// the proposer of (1, r) is validator r % 4, so validator 3 proposes none of rounds 0-2.
class Bft : public ::testing::Test {
 protected:
  explicit Bft(std::vector<std::uint64_t> powers = {1, 1, 1, 1}) : m_set(make_set(powers)) {}

  crypto::PublicKey k(std::size_t i) const { return m_set.validators()[i].key; }
  Tendermint node(std::optional<std::size_t> me) {
    auto n = Tendermint::create(params(), kChain, 1, m_set, me ? std::optional(k(*me)) : std::nullopt);
    EXPECT_TRUE(n);
    return *n;
  }
  Vote vote(std::size_t i, VoteType type, std::uint32_t round, const Hash256& h, std::uint64_t height = 1) const {
    Vote v;
    v.chain_id = kChain;
    v.type = type;
    v.height = height;
    v.round = round;
    v.block_hash = h;
    v.validator = k(i);
    return v;
  }
  static Proposal proposal(Tendermint& n, std::uint32_t round, const Hash256& h, std::int64_t vr = kNoRound) {
    return Proposal{n.height(), round, h, vr, *n.proposer(round)};
  }
  std::vector<Action> feed(Tendermint& n, std::initializer_list<std::size_t> who, VoteType type, std::uint32_t round,
                           const Hash256& h) const {
    std::vector<Action> out;
    for (auto i : who) append(out, n.on_vote(vote(i, type, round, h)));
    return out;
  }
  /// Round 0 ends with a lock on kV: proposal kV, prevotes from 0, 1, 2 (3 of 4).
  void lock_on_v_in_round_0(Tendermint& n) {
    n.start();
    n.on_proposal(proposal(n, 0, kV), true);
    const auto acts = feed(n, {0, 1, 2}, VoteType::kPrevote, 0, kV);
    ASSERT_EQ(only_vote(acts).block_hash, kV);
    ASSERT_EQ(n.locked_value(), kV);
    ASSERT_EQ(n.locked_round(), 0);
  }
  /// Moves from round r to r + 1 by nil precommits of 0, 1, 2 and the precommit timeout.
  void next_round_by_nil_precommits(Tendermint& n, std::uint32_t r) {
    const auto acts = feed(n, {0, 1, 2}, VoteType::kPrecommit, r, kNil);
    ASSERT_TRUE(has<ScheduleTimeout>(acts));
    n.on_timeout({TimeoutKind::kPrecommit, 1, r});
    ASSERT_EQ(n.round(), r + 1);
  }

  ValidatorSet m_set;
};

TEST_F(Bft, HappyPathDecidesInRound0) {
  auto n = node(3);
  const auto started = n.start();
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(std::get<ScheduleTimeout>(started[0]).event, (TimeoutEvent{TimeoutKind::kPropose, 1, 0}));
  EXPECT_EQ(std::get<ScheduleTimeout>(started[0]).duration_ms, 1000u);

  // Line 22: a valid proposal from the round's proposer gets our prevote.
  const auto prevote = only_vote(n.on_proposal(proposal(n, 0, kV), true));
  EXPECT_EQ(prevote, vote(3, VoteType::kPrevote, 0, kV));
  EXPECT_EQ(n.step(), Step::kPrevote);

  // Our own vote comes back like any other; two more make 3 of 4 (line 34, line 36).
  EXPECT_TRUE(n.on_vote(prevote).empty());
  EXPECT_TRUE(n.on_vote(vote(0, VoteType::kPrevote, 0, kV)).empty());
  const auto polka = n.on_vote(vote(1, VoteType::kPrevote, 0, kV));
  EXPECT_EQ(all<ScheduleTimeout>(polka).size(), 1u);
  EXPECT_EQ(only_vote(polka), vote(3, VoteType::kPrecommit, 0, kV));
  EXPECT_EQ(n.locked_value(), kV);
  EXPECT_EQ(n.valid_value(), kV);
  EXPECT_EQ(n.valid_round(), 0);

  // Line 49: 3 of 4 precommits decide.
  EXPECT_TRUE(feed(n, {3, 0}, VoteType::kPrecommit, 0, kV).empty());
  const auto done = n.on_vote(vote(2, VoteType::kPrecommit, 0, kV));
  const auto decide = all<Decide>(done);
  ASSERT_EQ(decide.size(), 1u);
  EXPECT_EQ(decide[0].height, 1u);
  EXPECT_EQ(decide[0].round, 0u);
  EXPECT_EQ(decide[0].block_hash, kV);
  ASSERT_EQ(decide[0].precommits.size(), 3u);
  const auto commit = to_last_commit(decide[0]);
  EXPECT_EQ(commit.round, 0u);
  EXPECT_TRUE(std::ranges::is_sorted(commit.sigs, {}, &primitives::CommitSig::validator));
  EXPECT_TRUE(n.decided());
  // Decided: everything else is ignored until next_height.
  EXPECT_TRUE(n.on_vote(vote(1, VoteType::kPrecommit, 0, kV)).empty());
  EXPECT_TRUE(n.on_timeout({TimeoutKind::kPrecommit, 1, 0}).empty());

  const auto next = n.next_height(m_set);
  ASSERT_TRUE(next);
  EXPECT_EQ(n.height(), 2u);
  EXPECT_EQ(n.round(), 0u);
  EXPECT_FALSE(n.locked_value());
  EXPECT_EQ(n.locked_round(), kNoRound);
  // (2, 0) is slot 1: validator 1 proposes, not us.
  EXPECT_FALSE(has<NeedValue>(*next));
}

TEST_F(Bft, ProposerAsksForAValueAndProposesIt) {
  auto n = node(0);  // proposer of (1, 0)
  const auto started = n.start();
  ASSERT_EQ(all<NeedValue>(started).size(), 1u);
  EXPECT_EQ(all<NeedValue>(started)[0], (NeedValue{1, 0}));
  EXPECT_TRUE(n.propose(kNil).empty());  // nil is no block
  const auto p = all<BroadcastProposal>(n.propose(kV));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], (BroadcastProposal{1, 0, kV, kNoRound}));
  EXPECT_TRUE(n.propose(kW).empty());  // only one answer per request
  // The signed proposal comes back and gets our prevote.
  EXPECT_EQ(only_vote(n.on_proposal(Proposal{1, 0, kV, kNoRound, k(0)}, true)).block_hash, kV);
}

TEST_F(Bft, ProposerReproposesItsValidValue) {
  auto n = node(1);  // proposer of (1, 1)
  n.start();
  n.on_proposal(proposal(n, 0, kV), true);
  feed(n, {0, 2, 3}, VoteType::kPrevote, 0, kV);  // polka: valid value kV in round 0
  feed(n, {0, 2, 3}, VoteType::kPrecommit, 0, kNil);
  const auto r1 = n.on_timeout({TimeoutKind::kPrecommit, 1, 0});
  EXPECT_FALSE(has<NeedValue>(r1));
  const auto p = all<BroadcastProposal>(r1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], (BroadcastProposal{1, 1, kV, 0}));
}

TEST_F(Bft, InvalidOrWrongProposalsGetNoValuePrevote) {
  auto n = node(3);
  n.start();
  // From someone who is not the proposer of round 0: ignored.
  EXPECT_TRUE(n.on_proposal(Proposal{1, 0, kV, kNoRound, k(2)}, true).empty());
  // Another height, a nil value, a valid round not below the round: ignored.
  EXPECT_TRUE(n.on_proposal(Proposal{2, 0, kV, kNoRound, *n.proposer(0)}, true).empty());
  EXPECT_TRUE(n.on_proposal(proposal(n, 0, kNil), true).empty());
  EXPECT_TRUE(n.on_proposal(proposal(n, 0, kV, 0), true).empty());
  EXPECT_EQ(n.step(), Step::kPropose);
  // Line 22 with valid(v) false: prevote nil.
  EXPECT_EQ(only_vote(n.on_proposal(proposal(n, 0, kV), false)).block_hash, kNil);
}

TEST_F(Bft, LockedNodePrevotesNilForAnotherValueWithoutANewerPolka) {
  auto n = node(3);
  lock_on_v_in_round_0(n);
  next_round_by_nil_precommits(n, 0);
  EXPECT_EQ(n.locked_value(), kV);  // the lock survives the round change
  // Line 22: locked on kV, a fresh proposal for kW gets nil.
  EXPECT_EQ(only_vote(n.on_proposal(proposal(n, 1, kW), true)).block_hash, kNil);

  // The same in round 2 with a proposal claiming valid round 1 for kW but no polka
  // for kW in round 1: line 28 does not apply, the timeout gives nil.
  next_round_by_nil_precommits(n, 1);
  EXPECT_TRUE(all<CastVote>(n.on_proposal(proposal(n, 2, kW, 1), true)).empty());
  EXPECT_EQ(only_vote(n.on_timeout({TimeoutKind::kPropose, 1, 2})).block_hash, kNil);
}

TEST_F(Bft, LockedNodePrevotesItsLockedValue) {
  auto n = node(3);
  lock_on_v_in_round_0(n);
  next_round_by_nil_precommits(n, 0);
  EXPECT_EQ(only_vote(n.on_proposal(proposal(n, 1, kV), true)).block_hash, kV);
}

TEST_F(Bft, UnlocksOnANewerPolka) {
  auto n = node(3);
  lock_on_v_in_round_0(n);
  next_round_by_nil_precommits(n, 0);
  // Round 1: we miss the proposal, prevote nil on timeout, and see a polka for kW.
  EXPECT_EQ(only_vote(n.on_timeout({TimeoutKind::kPropose, 1, 1})).block_hash, kNil);
  feed(n, {0, 1, 2}, VoteType::kPrevote, 1, kW);
  EXPECT_EQ(n.locked_value(), kV);  // no proposal seen: line 36 cannot fire
  next_round_by_nil_precommits(n, 1);
  // Round 2: kW re-proposed with valid round 1 >= locked round 0 and a polka in round
  // 1 (line 28): prevote kW although locked on kV.
  EXPECT_EQ(only_vote(n.on_proposal(proposal(n, 2, kW, 1), true)).block_hash, kW);
  // With 2/3 prevotes in round 2 we relock on kW (line 36).
  const auto acts = feed(n, {0, 1, 2}, VoteType::kPrevote, 2, kW);
  EXPECT_EQ(only_vote(acts), vote(3, VoteType::kPrecommit, 2, kW));
  EXPECT_EQ(n.locked_value(), kW);
  EXPECT_EQ(n.locked_round(), 2);
}

TEST_F(Bft, PolkaInAnOlderRoundThanTheLockDoesNotUnlock) {
  auto n = node(3);
  n.start();
  // Round 0: a polka for kW we saw without its proposal; no lock.
  EXPECT_EQ(only_vote(n.on_timeout({TimeoutKind::kPropose, 1, 0})).block_hash, kNil);
  feed(n, {0, 1, 2}, VoteType::kPrevote, 0, kW);
  EXPECT_FALSE(n.locked_value());
  // Skip round 0 (timeout prevote precommits nil), lock on kV in round 1.
  EXPECT_EQ(only_vote(n.on_timeout({TimeoutKind::kPrevote, 1, 0})).block_hash, kNil);
  next_round_by_nil_precommits(n, 0);
  n.on_proposal(proposal(n, 1, kV), true);
  feed(n, {0, 1, 2}, VoteType::kPrevote, 1, kV);
  ASSERT_EQ(n.locked_round(), 1);
  next_round_by_nil_precommits(n, 1);
  // Round 2: kW with valid round 0 < locked round 1: nil (line 28's else).
  EXPECT_EQ(only_vote(n.on_proposal(proposal(n, 2, kW, 0), true)).block_hash, kNil);
}

TEST_F(Bft, NilVotesLeadToTheNextRound) {
  auto n = node(3);
  n.start();
  // Line 57: no proposal in time.
  EXPECT_EQ(only_vote(n.on_timeout({TimeoutKind::kPropose, 1, 0})), vote(3, VoteType::kPrevote, 0, kNil));
  // Line 44: 2/3 prevotes for nil -> precommit nil (and line 34's timeout).
  const auto nil_polka = feed(n, {0, 1, 2}, VoteType::kPrevote, 0, kNil);
  EXPECT_EQ(only_vote(nil_polka), vote(3, VoteType::kPrecommit, 0, kNil));
  EXPECT_EQ(n.step(), Step::kPrecommit);
  // Line 47: 2/3 precommits of any kind schedule timeout_precommit(0) once.
  const auto pre = feed(n, {0, 1, 2}, VoteType::kPrecommit, 0, kNil);
  const auto timeouts = all<ScheduleTimeout>(pre);
  ASSERT_EQ(timeouts.size(), 1u);
  EXPECT_EQ(timeouts[0].event, (TimeoutEvent{TimeoutKind::kPrecommit, 1, 0}));
  EXPECT_FALSE(n.decided());  // nil is never decided
  // Line 65.
  const auto r1 = n.on_timeout({TimeoutKind::kPrecommit, 1, 0});
  EXPECT_EQ(n.round(), 1u);
  EXPECT_EQ(n.step(), Step::kPropose);
  EXPECT_FALSE(has<CastVote>(r1));
}

TEST_F(Bft, PrevoteTimeoutPrecommitsNil) {
  auto n = node(3);
  n.start();
  n.on_timeout({TimeoutKind::kPropose, 1, 0});
  // 2/3 prevotes split between kV and kW: line 34 only.
  auto acts = feed(n, {0, 1}, VoteType::kPrevote, 0, kV);
  append(acts, n.on_vote(vote(2, VoteType::kPrevote, 0, kW)));
  EXPECT_EQ(all<ScheduleTimeout>(acts).size(), 1u);
  EXPECT_FALSE(has<CastVote>(acts));
  // Line 61.
  EXPECT_EQ(only_vote(n.on_timeout({TimeoutKind::kPrevote, 1, 0})), vote(3, VoteType::kPrecommit, 0, kNil));
}

TEST_F(Bft, StaleTimeoutsAreIgnored) {
  auto n = node(3);
  n.start();
  EXPECT_TRUE(n.on_timeout({TimeoutKind::kPrevote, 1, 0}).empty());    // not in prevote step
  EXPECT_TRUE(n.on_timeout({TimeoutKind::kPropose, 1, 1}).empty());    // another round
  EXPECT_TRUE(n.on_timeout({TimeoutKind::kPropose, 2, 0}).empty());    // another height
  EXPECT_TRUE(n.on_timeout({TimeoutKind::kPrecommit, 1, 3}).empty());  // another round
  n.on_proposal(proposal(n, 0, kV), true);
  EXPECT_TRUE(n.on_timeout({TimeoutKind::kPropose, 1, 0}).empty());  // step already left
}

TEST_F(Bft, TimeoutsGrowWithTheRound) {
  const auto p = params();
  EXPECT_EQ(timeout_ms(p, TimeoutKind::kPropose, 0), 1000u);
  EXPECT_EQ(timeout_ms(p, TimeoutKind::kPropose, 3), 2500u);
  EXPECT_EQ(timeout_ms(p, TimeoutKind::kPrevote, 2), 800u);
  EXPECT_EQ(timeout_ms(p, TimeoutKind::kPrecommit, 5), 1400u);
  BftParams huge;
  huge.precommit_delta_ms = std::uint64_t{1} << 40;
  EXPECT_EQ(timeout_ms(huge, TimeoutKind::kPrecommit, 1u << 30), ~std::uint64_t{0});  // saturates

  auto n = node(3);
  std::vector<std::uint64_t> propose_timeouts;
  auto acts = n.start();
  for (std::uint32_t r = 0; r < 4; ++r) {
    for (const auto& t : all<ScheduleTimeout>(acts)) {
      if (t.event.kind == TimeoutKind::kPropose) propose_timeouts.push_back(t.duration_ms);
    }
    feed(n, {0, 1, 2}, VoteType::kPrecommit, r, kNil);
    acts = n.on_timeout({TimeoutKind::kPrecommit, 1, r});
  }
  EXPECT_EQ(propose_timeouts, (std::vector<std::uint64_t>{1000, 1500, 2000, 2500}));
}

TEST_F(Bft, VotesOfAHigherRoundFromMoreThanAThirdSkipToIt) {
  auto n = node(3);
  n.start();
  // One validator of four (1/4) in round 5: not enough.
  EXPECT_TRUE(n.on_vote(vote(0, VoteType::kPrevote, 5, kV)).empty());
  EXPECT_EQ(n.round(), 0u);
  // A second one (2/4 > 1/3), of any vote type: skip to round 5 (line 55).
  const auto acts = n.on_vote(vote(1, VoteType::kPrecommit, 5, kNil));
  EXPECT_EQ(n.round(), 5u);
  EXPECT_EQ(n.step(), Step::kPropose);
  const auto t = all<ScheduleTimeout>(acts);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].event, (TimeoutEvent{TimeoutKind::kPropose, 1, 5}));
  EXPECT_EQ(t[0].duration_ms, timeout_ms(params(), TimeoutKind::kPropose, 5));
}

TEST_F(Bft, FutureRoundMessagesAreKeptUntilThatRound) {
  auto n = node(3);
  n.start();
  // The round-1 proposal and two prevotes arrive while we are in round 0.
  EXPECT_TRUE(n.on_proposal(proposal(n, 1, kV), true).empty());
  EXPECT_TRUE(n.on_vote(vote(1, VoteType::kPrevote, 1, kV)).empty());
  EXPECT_EQ(n.round(), 0u);
  // A third voter of round 1 moves us there (line 55); the kept proposal then gets our
  // prevote (line 22) in the same call.
  const auto acts = n.on_vote(vote(2, VoteType::kPrevote, 1, kV));
  EXPECT_EQ(n.round(), 1u);
  EXPECT_EQ(only_vote(acts), vote(3, VoteType::kPrevote, 1, kV));
  // A proposal too far ahead is not kept.
  EXPECT_TRUE(n.on_proposal(proposal(n, 1 + kMaxProposalRoundsAhead + 1, kW), true).empty());
}

TEST_F(Bft, PrecommitsOfAnEarlierRoundDecide) {
  auto n = node(3);
  n.start();
  n.on_vote(vote(0, VoteType::kPrevote, 4, kNil));
  n.on_vote(vote(1, VoteType::kPrevote, 4, kNil));
  ASSERT_EQ(n.round(), 4u);
  // 2/3 precommits for kV in round 1 (we never saw round 1's proposal): decide.
  feed(n, {0, 1}, VoteType::kPrecommit, 1, kV);
  EXPECT_FALSE(n.decided());
  const auto d = all<Decide>(n.on_vote(vote(2, VoteType::kPrecommit, 1, kV)));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].round, 1u);
  EXPECT_EQ(d[0].block_hash, kV);
  EXPECT_EQ(*n.decision(), kV);
}

TEST_F(Bft, EquivocationIsEvidenceAndNotCounted) {
  auto n = node(3);
  n.start();
  n.on_proposal(proposal(n, 0, kW), true);  // we prevote kW
  const auto a = vote(0, VoteType::kPrevote, 0, kV);
  const auto b = vote(0, VoteType::kPrevote, 0, kW);
  EXPECT_TRUE(n.on_vote(a).empty());
  EXPECT_TRUE(n.on_vote(a).empty());  // a repeat is no equivocation
  const auto ev = all<Evidence>(n.on_vote(b));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(primitives::encode(ev[0].vote_a) < primitives::encode(ev[0].vote_b));
  EXPECT_TRUE((ev[0].vote_a == a && ev[0].vote_b == b) || (ev[0].vote_a == b && ev[0].vote_b == a));
  // Reported once per (validator, round, type).
  EXPECT_TRUE(all<Evidence>(n.on_vote(vote(0, VoteType::kPrevote, 0, value(0xCC)))).empty());
  // Validator 0's kW prevote did not count: kW has 1 and 2 only (2/4), no polka.
  const auto acts = feed(n, {1, 2}, VoteType::kPrevote, 0, kW);
  EXPECT_FALSE(has<CastVote>(acts));
  EXPECT_EQ(n.step(), Step::kPrevote);
  // Our own prevote makes 3/4.
  EXPECT_EQ(only_vote(n.on_vote(vote(3, VoteType::kPrevote, 0, kW))).type, VoteType::kPrecommit);
}

TEST_F(Bft, VotesFromOutsiderOtherChainOrOtherHeightAreIgnored) {
  auto n = node(3);
  n.start();
  n.on_proposal(proposal(n, 0, kV), true);
  auto outsider = vote(0, VoteType::kPrevote, 0, kV);
  outsider.validator = test::key(200).public_key();
  auto other_chain = vote(1, VoteType::kPrevote, 0, kV);
  other_chain.chain_id = kChain + 1;
  const auto other_height = vote(2, VoteType::kPrevote, 0, kV, 2);
  for (const auto& v : {outsider, other_chain, other_height}) EXPECT_TRUE(n.on_vote(v).empty());
  // Our own prevote plus these would be 4; only ours counts, so no polka yet.
  EXPECT_TRUE(n.on_vote(vote(3, VoteType::kPrevote, 0, kV)).empty());
  EXPECT_FALSE(n.locked_value());
}

TEST_F(Bft, FutureRoundVotesAreBoundedPerValidator) {
  auto n = node(3);
  n.start();
  for (std::uint32_t r = 10; r < 10 + kMaxFutureRoundsPerValidator; ++r) n.on_vote(vote(0, VoteType::kPrevote, r, kV));
  // Validator 0 fills its future rounds; its vote in one more round is not kept, so
  // validator 1 there does not make more than 1/3.
  n.on_vote(vote(0, VoteType::kPrevote, 50, kV));
  n.on_vote(vote(1, VoteType::kPrevote, 50, kV));
  EXPECT_EQ(n.round(), 0u);
  // In a round where validator 0's vote was kept, validator 1 makes the skip.
  n.on_vote(vote(1, VoteType::kPrevote, 11, kV));
  EXPECT_EQ(n.round(), 11u);
}

TEST_F(Bft, NeverCastsTwoDifferentVotesForOneRoundAndType) {
  auto n = node(3);
  n.start();
  // Timeout first: nil prevote; the proposal that arrives late gets no second prevote.
  EXPECT_EQ(only_vote(n.on_timeout({TimeoutKind::kPropose, 1, 0})).block_hash, kNil);
  EXPECT_FALSE(has<CastVote>(n.on_proposal(proposal(n, 0, kV), true)));

  // Random inputs for many heights: every cast vote is unique per (height, round, type).
  std::mt19937_64 rng(1234);
  std::map<std::tuple<std::uint64_t, std::uint32_t, VoteType>, Hash256> cast;
  for (std::uint64_t height = 1; height <= 30; ++height) {
    auto m = *Tendermint::create(params(), kChain, height, m_set, k(rng() % 4));
    std::vector<Action> acts = m.start();
    for (int i = 0; i < 400 && !m.decided(); ++i) {
      const auto r = static_cast<std::uint32_t>(m.round() + rng() % 3);
      const Hash256 h = std::array{kNil, kV, kW}[rng() % 3];
      switch (rng() % 4) {
        case 0:
          append(acts,
                 m.on_proposal(Proposal{height, r, h, static_cast<std::int64_t>(rng() % (r + 1)) - 1, *m.proposer(r)},
                               rng() % 4 != 0));
          break;
        case 1: append(acts, m.on_timeout({static_cast<TimeoutKind>(rng() % 3), height, r})); break;
        case 2:
          if (has<NeedValue>(acts)) append(acts, m.propose(h == kNil ? kV : h));
          break;
        default:
          append(acts, m.on_vote(vote(rng() % 4, rng() % 2 ? VoteType::kPrevote : VoteType::kPrecommit, r, h, height)));
          break;
      }
    }
    for (const auto& c : all<CastVote>(acts)) {
      const auto [it, fresh] = cast.try_emplace({c.vote.height, c.vote.round, c.vote.type}, c.vote.block_hash);
      EXPECT_TRUE(fresh) << "second vote at " << c.vote.height << "/" << c.vote.round;
    }
    EXPECT_EQ(m.guard_refusals(), 0u);
  }
  EXPECT_GT(cast.size(), 60u);  // the inputs made the node vote
}

class WeightedBft : public Bft {
 protected:
  WeightedBft() : Bft({70, 10, 10, 10}) {}
};

TEST_F(WeightedBft, SeventyPercentAloneDecides) {
  // 3 * 70 > 2 * 100. An observer (no key) sees validator 70's precommit alone decide.
  std::size_t big = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (m_set.validators()[i].power == 70) big = i;
  }
  auto n = node(std::nullopt);
  n.start();
  const auto d = all<Decide>(n.on_vote(vote(big, VoteType::kPrecommit, 0, kV)));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].precommits.size(), 1u);
}

class SixtyPercentBft : public Bft {
 protected:
  SixtyPercentBft() : Bft({60, 20, 20}) {}
};

TEST_F(SixtyPercentBft, SixtyPercentAloneCannotDecide) {
  std::size_t big = 0;
  std::vector<std::size_t> small;
  for (std::size_t i = 0; i < 3; ++i) {
    if (m_set.validators()[i].power == 60) {
      big = i;
    } else {
      small.push_back(i);
    }
  }
  auto n = node(std::nullopt);
  n.start();
  EXPECT_TRUE(n.on_vote(vote(big, VoteType::kPrecommit, 0, kV)).empty());
  // 60 is more than 1/3 in a later round: the observer skips there but cannot decide.
  n.on_vote(vote(big, VoteType::kPrevote, 3, kV));
  EXPECT_EQ(n.round(), 3u);
  EXPECT_FALSE(n.decided());
  // 60 + 20 = 80 > 66.67: decided.
  EXPECT_TRUE(has<Decide>(n.on_vote(vote(small[0], VoteType::kPrecommit, 0, kV))));
}

TEST_F(Bft, NonValidatorFollowsRoundsAndDecidesButCastsNothing) {
  auto n = node(std::nullopt);
  EXPECT_FALSE(n.is_validator());
  std::vector<Action> acts = n.start();
  append(acts, n.on_proposal(proposal(n, 0, kV), true));
  EXPECT_EQ(n.step(), Step::kPrevote);
  append(acts, n.on_timeout({TimeoutKind::kPropose, 1, 0}));
  append(acts, feed(n, {0, 1, 2}, VoteType::kPrevote, 0, kV));
  EXPECT_EQ(n.step(), Step::kPrecommit);
  append(acts, feed(n, {0, 1, 2}, VoteType::kPrecommit, 0, kV));
  EXPECT_FALSE(has<CastVote>(acts));
  EXPECT_FALSE(has<NeedValue>(acts));
  EXPECT_EQ(all<Decide>(acts).size(), 1u);
  // A key outside the set is a non-validator too.
  auto outsider = *Tendermint::create(params(), kChain, 1, m_set, std::optional(test::key(100).public_key()));
  EXPECT_FALSE(outsider.is_validator());
  EXPECT_FALSE(Tendermint::create(params(), kChain, 0, m_set, std::nullopt));  // before the set's first height
}

// ---- A simulated network of state machines ----
//
// Four validators (one silent) exchange signed proposals and votes through a seeded
// event queue with random delays and losses (re-sent by gossip). Each live node's actions are carried out
// as a real caller would: sign and gossip (own messages looped back at once), timers,
// values built on request, messages of a later height kept until the node gets there,
// and a decided commit served to nodes still at that height (block sync).
class Network {
 public:
  struct Msg {
    std::size_t to = 0;
    std::variant<Proposal, Vote, TimeoutEvent, Decide> what;
  };

  Network(std::uint64_t seed, std::size_t silent, const ValidatorSet& set) : m_rng(seed), m_set(set) {
    for (std::size_t i = 0; i < set.size(); ++i) {
      for (std::size_t j = 0; j < 250; ++j) {
        if (test::key(j).public_key() == set.validators()[i].key) m_keys.push_back(test::key(j));
      }
      if (i == silent) {
        m_nodes.emplace_back(std::nullopt);
      } else {
        m_nodes.emplace_back(*Tendermint::create(params(), kChain, 1, set, set.validators()[i].key));
      }
    }
    m_future.resize(set.size());
  }

  /// Runs until every live node decided `heights` heights or the clock passes `max_ms`.
  void run(std::uint64_t heights, std::uint64_t max_ms) {
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
      if (m_nodes[i]) carry_out(i, m_nodes[i]->start());
    }
    while (!m_queue.empty() && m_queue.top().at <= max_ms && !done(heights)) {
      const auto ev = m_queue.top();
      m_queue.pop();
      m_now = ev.at;
      deliver(ev.msg);
    }
  }

  bool done(std::uint64_t heights) const {
    for (const auto& n : m_nodes) {
      if (n && n->height() <= heights) return false;
    }
    return true;
  }
  const std::map<std::uint64_t, Hash256>& decisions() const { return m_decided; }
  std::uint64_t disagreements() const { return m_disagreements; }
  std::uint64_t max_round() const { return m_max_round; }
  std::uint64_t now() const { return m_now; }
  std::uint64_t evidence() const { return m_evidence; }
  std::uint64_t guard_refusals() const {
    std::uint64_t g = 0;
    for (const auto& n : m_nodes) g += n ? n->guard_refusals() : 0;
    return g;
  }

 private:
  struct Event {
    std::uint64_t at = 0;
    std::uint64_t seq = 0;
    Msg msg;
    bool operator>(const Event& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
  };

  void send(std::uint64_t delay, Msg msg) { m_queue.push(Event{m_now + delay, m_seq++, std::move(msg)}); }
  void gossip(std::size_t from, const std::variant<Proposal, Vote, TimeoutEvent, Decide>& what) {
    for (std::size_t to = 0; to < m_nodes.size(); ++to) {
      if (to == from) {
        send(0, {to, what});
      } else {
        // Each copy is lost with probability 1/5; gossip sends a lost one again about a
        // second later (the paper assumes eventual delivery; without re-sending, one lost
        // prevote can leave a node short of any quorum for ever).
        std::uint64_t delay = 1 + m_rng() % 300;
        while (m_rng() % 5 == 0) delay += 700 + m_rng() % 600;
        send(delay, {to, what});
      }
    }
  }

  static std::uint64_t height_of(const Msg& m) {
    return std::visit([](const auto& w) -> std::uint64_t { return w.height; }, m.what);
  }

  void deliver(const Msg& m) {
    auto& n = m_nodes[m.to];
    if (!n) return;  // silent
    const auto h = height_of(m);
    if (h > n->height()) {
      m_future[m.to].push_back(m);
      return;
    }
    if (h < n->height()) return;
    std::vector<Action> acts;
    if (const auto* p = std::get_if<Proposal>(&m.what)) acts = n->on_proposal(*p, true);
    if (const auto* v = std::get_if<Vote>(&m.what)) acts = n->on_vote(*v);
    if (const auto* t = std::get_if<TimeoutEvent>(&m.what)) acts = n->on_timeout(*t);
    if (const auto* d = std::get_if<Decide>(&m.what)) {
      for (const auto& v : d->precommits) append(acts, n->on_vote(v));
    }
    carry_out(m.to, acts);
  }

  void carry_out(std::size_t i, const std::vector<Action>& acts) {
    auto& n = *m_nodes[i];
    for (const auto& a : acts) {
      if (const auto* need = std::get_if<NeedValue>(&a)) {
        // The block: a hash of (height, round, proposer).
        util::Bytes seed(17);
        for (std::size_t b = 0; b < 8; ++b) {
          seed[b] = static_cast<std::uint8_t>(need->height >> (8 * b));
          seed[8 + b] = static_cast<std::uint8_t>(std::uint64_t{need->round} >> (8 * b));
        }
        seed[16] = static_cast<std::uint8_t>(i);
        carry_out(i, n.propose(crypto::sha256(seed)));
      } else if (const auto* bp = std::get_if<BroadcastProposal>(&a)) {
        gossip(i, Proposal{bp->height, bp->round, bp->block_hash, bp->valid_round, m_keys[i].public_key()});
      } else if (const auto* cv = std::get_if<CastVote>(&a)) {
        auto v = cv->vote;
        primitives::sign(v, m_keys[i]);
        gossip(i, v);
      } else if (const auto* st = std::get_if<ScheduleTimeout>(&a)) {
        send(st->duration_ms, {i, st->event});
      } else if (const auto* d = std::get_if<Decide>(&a)) {
        on_decide(i, *d);
      } else if (std::holds_alternative<Evidence>(a)) {
        ++m_evidence;
      }
    }
  }

  void on_decide(std::size_t i, const Decide& d) {
    auto& n = *m_nodes[i];
    for (const auto& v : d.precommits) EXPECT_TRUE(primitives::verify_vote(v));
    m_max_round = std::max<std::uint64_t>(m_max_round, d.round);
    const auto [it, first] = m_decided.try_emplace(d.height, d.block_hash);
    if (!first && it->second != d.block_hash) ++m_disagreements;
    // Serve the commit to the others a little later (block sync), never dropped.
    for (std::size_t to = 0; to < m_nodes.size(); ++to) {
      if (to != i) send(1000, {to, d});
    }
    auto next = n.next_height(m_set);
    ASSERT_TRUE(next);
    carry_out(i, *next);
    // Messages kept for the new height.
    auto kept = std::move(m_future[i]);
    m_future[i].clear();
    for (auto& msg : kept) send(0, std::move(msg));
  }

  std::mt19937_64 m_rng;
  ValidatorSet m_set;
  std::vector<crypto::PrivateKey> m_keys;
  std::vector<std::optional<Tendermint>> m_nodes;
  std::vector<std::vector<Msg>> m_future;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> m_queue;
  std::uint64_t m_now = 0;
  std::uint64_t m_seq = 0;
  std::map<std::uint64_t, Hash256> m_decided;
  std::uint64_t m_disagreements = 0;
  std::uint64_t m_max_round = 0;
  std::uint64_t m_evidence = 0;
};

TEST(BftNetwork, FourNodesOneSilentAgreeOnFiftyHeights) {
  const auto set = make_set({1, 1, 1, 1});
  for (std::uint64_t seed : {1, 2, 3}) {
    Network net(seed, 3, set);
    net.run(50, 50'000'000);
    EXPECT_TRUE(net.done(50)) << "seed " << seed << " stopped at " << net.now() << " ms";
    EXPECT_GE(net.decisions().size(), 50u);
    EXPECT_EQ(net.disagreements(), 0u);
    EXPECT_EQ(net.evidence(), 0u);
    EXPECT_EQ(net.guard_refusals(), 0u);
    // The silent validator's turns and the drops cost rounds.
    EXPECT_GT(net.max_round(), 0u) << "seed " << seed;
  }
}

TEST(BftNetwork, SameSeedSameRun) {
  const auto set = make_set({1, 1, 1, 1});
  Network a(9, 3, set);
  Network b(9, 3, set);
  a.run(20, 50'000'000);
  b.run(20, 50'000'000);
  EXPECT_EQ(a.decisions(), b.decisions());
  EXPECT_EQ(a.now(), b.now());
}

}  // namespace
}  // namespace cloudchain::consensus::pos
