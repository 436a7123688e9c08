#pragma once
// The contextual transaction rules (docs/protocol.md, section 9): what applying one
// context-free-valid transaction (primitives::check_transaction passed) does to the
// state, and when it is rejected.
//
// Order of application:
//   0. tx.chain_id = the chain's id (repeating the context-free check).
//   1. Lazy unbonding release of the sender: if unbonding > 0 and height >=
//      unbonding_release_height, balance += unbonding and both fields become 0.
//   2. nonce = the account's nonce (below: kNonceTooLow, above: kNonceGap), and that
//      nonce is below 2^64 - 1.
//   3. total = fee + amount fits in u64 (amount: transfer and stake; 0 otherwise).
//   4. balance >= total.
//   5. nonce += 1; balance -= fee (the fee goes to the caller, who credits the block's
//      beneficiary with credit()).
//   6. The kind:
//      transfer  balance -= amount; to.balance += amount (overflow-checked).
//      stake     the account's stake is 0 or bonded to the same key; the key's validator
//                record is absent or names this account; balance -= amount; stake +=
//                amount (overflow-checked); validator = key; the validator record is
//                created ({account, jailed_until_height = 0}) when absent.
//                PoS only (rules.pos set): when the stake was 0, the candidate list has
//                room (fewer than kMaxCandidates keys), and the key joins it.
//      unstake   0 < amount <= stake; stake -= amount (the key is dropped at 0, and
//                leaves the candidate list on PoS);
//                unbonding += amount (overflow-checked); unbonding_release_height =
//                height + unbonding_delay_blocks (saturating). One unbonding slot:
//                a later unstake moves the whole slot's release height.
//      anchor    nothing more (the anchor index is storage's).
//      evidence  height <= the votes' height + unbonding_delay_blocks (saturating); the
//                key's validator record exists and its account has stake > 0
//                bonded to that key; the evidence id was not used; slash =
//                floor(stake * min(slash_bps, 10000) / 10000) is burned (and the key
//                dropped if stake reaches 0, leaving the candidate list on PoS);
//                jailed_until_height = max(current, height + jail_blocks, 1)
//                (saturating; never 0, which means "not jailed"); the evidence id is
//                marked used.
//      unjail    the key's validator record exists and names the sender's account; it
//                is jailed (jailed_until_height != 0) and height >= jailed_until_height;
//                jailed_until_height = 0. A jail never lapses by itself: only an unjail
//                makes the key a contender again (state/epoch.hpp).
//
// The candidate list (records.hpp, record kind 4) is kept only when rules.pos is set: a
// PoW chain stores no candidates, so its state roots are those of the rules without it.
//
// All rules are pure functions of (state, transaction, rules, height); no clock, no I/O.

#include <cstdint>
#include <optional>
#include <string_view>

#include "primitives/transaction.hpp"
#include "state/overlay.hpp"

namespace cloudchain::state {

/// The consensus parameters of a Proof-of-Stake chain (genesis `pos`; state/epoch.hpp).
struct PosRules {
  std::uint64_t epoch_blocks = 1;    // the active set changes at heights that are multiples of it (>= 1)
  std::uint32_t max_validators = 1;  // at most this many active validators (1..kMaxActiveValidators)
  std::uint64_t min_stake = 0;       // an active validator has at least this stake
  friend bool operator==(const PosRules&, const PosRules&) = default;
};

struct ChainRules {
  std::uint32_t chain_id = 0;
  std::uint64_t unbonding_delay_blocks = 0;
  std::uint32_t slash_bps = 0;  // basis points of stake burned per evidence; above 10000 means 10000
  std::uint64_t jail_blocks = 0;
  std::optional<PosRules> pos;  // set on a PoS chain only: candidates are kept, epochs change the set
};

enum class TxRuleError {
  kWrongChain,           // tx.chain_id = the chain's id (also a context-free check; repeated for safety)
  kNonceTooLow,          // tx.nonce >= account nonce: an already used nonce (replay)
  kNonceGap,             // tx.nonce <= account nonce: no nonce may be skipped
  kNonceExhausted,       // account nonce < 2^64 - 1, so that nonce + 1 fits
  kAmountOverflow,       // fee + amount fits in u64 (CVE-2010-5139 class)
  kInsufficientBalance,  // balance >= fee + amount
  kBalanceOverflow,      // a credit (transfer, release, fee payout) keeps the balance within u64
  kStakeOverflow,        // stake: stake + amount fits in u64
  kValidatorMismatch,    // stake: an account with stake bonds it to one validator key only
  kValidatorKeyTaken,    // stake: the key's validator record, if any, names this account
  kInsufficientStake,    // unstake: 0 < amount <= stake
  kUnbondingOverflow,    // unstake: unbonding + amount fits in u64
  kUnknownValidator,     // evidence: the key is bonded (record, its account's key, stake > 0); unjail: a record
  kDuplicateEvidence,    // evidence: the offence (evidence id) was not punished before
  kEvidenceTooOld,       // evidence: height <= votes' height + unbonding_delay_blocks (saturating)
  kTooManyCandidates,    // stake (PoS): a new candidate needs room: fewer than kMaxCandidates (1000) keys
  kNotValidatorAccount,  // unjail: the key's validator record names the sender's account
  kNotJailed,            // unjail: the key is jailed (jailed_until_height != 0)
  kStillJailed,          // unjail: height >= jailed_until_height (the jail has been served)
  kStateUnavailable,     // not a rule: the state could not be read (missing or corrupt node)
};
std::string_view to_string(TxRuleError e);

/// True when the transaction's sender is to blame (every rule), false for a local
/// failure (kStateUnavailable) that says nothing about the transaction or its peer.
bool sender_at_fault(TxRuleError e);

/// floor(stake * min(slash_bps, 10000) / 10000), exact without 128-bit arithmetic.
std::uint64_t slash_amount(std::uint64_t stake, std::uint32_t slash_bps);

/// Rule 1: releases matured unbonding into the balance. Errors: kBalanceOverflow.
util::Result<void, TxRuleError> release_unbonding(Account& account, std::uint64_t height);

/// Applies `tx` in the block at `height`. On success returns the fee (not yet credited
/// to anyone). On any error the overlay is exactly as before the call.
/// REQUIRES: primitives::check_transaction(tx, rules.chain_id) passed.
util::Result<std::uint64_t, TxRuleError> apply_transaction(StateOverlay& overlay, const primitives::Transaction& tx,
                                                           const ChainRules& rules, std::uint64_t height);

/// Adds `amount` to the balance of `address` (block reward and fees). On error the
/// overlay is unchanged. Errors: kBalanceOverflow, kStateUnavailable.
util::Result<void, TxRuleError> credit(StateOverlay& overlay, const Address& address, std::uint64_t amount);

}  // namespace cloudchain::state
