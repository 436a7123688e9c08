#pragma once
// The epoch step of a Proof-of-Stake chain (docs/protocol.md, section 9.6): how the
// active validator set (records.hpp, record kind 5) changes, and only at epoch
// boundaries.
//
// At a block whose height is a multiple of epoch_blocks (height 0, the genesis state,
// included), after its transactions and the beneficiary credit:
//   1. each candidate (record kind 4) with its stake (its validator record's account,
//      which has the stake bonded to that key) and its jail is a contender when
//      stake >= min_stake and jailed_until_height = 0 (never jailed, or unjailed by an
//      unjail transaction: a jail does not lapse by itself);
//   2. the contenders sorted by stake, highest first (ties: the lower key first); the
//      first max_validators of them are selected;
//   3. a non-empty selection becomes the active set, sorted by key, each with power =
//      its stake and payout = its account, effective_height = height + 1 (saturating);
//      it is written even when it equals the old one (the effective height moves, and
//      with it the origin of the proposer rotation);
//   4. an empty selection leaves the old set (and its effective height) in place: the
//      chain never loses all its validators. (Only at genesis can there be no old set;
//      the genesis file's checks rule an empty selection out.)
// Between boundaries nothing changes: a stake, an unstake or a slash mid-epoch is seen at
// the next boundary. The set of height h is the active set in the state of block h - 1.
//
// Cost: two record reads per candidate (at most kMaxCandidates), one sort, one write.
// Pure: a function of (state, rules, height); no clock, no I/O. Not thread-safe beyond
// its overlay (one thread at a time).

#include <cstdint>
#include <vector>

#include "state/overlay.hpp"
#include "state/rules.hpp"

namespace cloudchain::state {

/// A candidate as the selection sees it.
struct Contender {
  PublicKey key{};
  std::uint64_t stake = 0;
  Address account{};
  std::uint64_t jailed_until_height = 0;
};

/// True when `height` is a multiple of rules.epoch_blocks (never when epoch_blocks is 0,
/// which a checked genesis rules out).
bool is_epoch_boundary(const PosRules& rules, std::uint64_t height);

/// Steps 1-2 and the order of step 3: the selected validators, sorted by key (empty when
/// none qualifies). Any order of `candidates` gives the same answer; a key must appear
/// once.
std::vector<ActiveValidator> select_validators(std::vector<Contender> candidates, const PosRules& rules);

/// The epoch step on `overlay` at `height`. Returns true when it wrote a new active set,
/// false when `height` is no boundary or the selection was empty. Errors: those of the
/// overlay's reads, and kCorruptRecord when a candidate has no validator record or its
/// account has no stake bonded to the key (a state the rules never produce).
util::Result<bool, StateError> apply_epoch(StateOverlay& overlay, const PosRules& rules, std::uint64_t height);

}  // namespace cloudchain::state
