#include "state/rules.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>

namespace cloudchain::state {

namespace {

using primitives::Transaction;
using Fail = std::unexpected<util::Error<TxRuleError>>;

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

bool add_overflows(std::uint64_t a, std::uint64_t b) { return a > kMaxU64 - b; }
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return add_overflows(a, b) ? kMaxU64 : a + b; }

Fail unavailable(const util::Error<StateError>& e) {
  return util::fail(TxRuleError::kStateUnavailable, std::string(to_string(e.code)) + ": " + e.detail);
}

// The amount that leaves the balance besides the fee.
std::uint64_t spent_amount(const Transaction& tx) {
  if (const auto* t = std::get_if<primitives::Transfer>(&tx.body)) return t->amount;
  if (const auto* s = std::get_if<primitives::Stake>(&tx.body)) return s->amount;
  return 0;
}

util::Result<void, TxRuleError> apply_transfer(StateOverlay& overlay, const primitives::Transfer& body) {
  // Read after the sender's write: a transfer to oneself sees the debited balance.
  auto to = overlay.account(body.to);
  if (!to) return unavailable(to.error());
  if (add_overflows(to->balance, body.amount)) return util::fail(TxRuleError::kBalanceOverflow, "transfer.to");
  to->balance += body.amount;
  overlay.set_account(body.to, *to);
  return {};
}

util::Result<void, TxRuleError> apply_stake(StateOverlay& overlay, const Address& sender, Account& account,
                                            const primitives::Stake& body, const ChainRules& rules) {
  if (account.stake > 0 && account.validator != body.validator) {
    return util::fail(TxRuleError::kValidatorMismatch, "stake.validator");
  }
  auto record = overlay.validator(body.validator);
  if (!record) return unavailable(record.error());
  const std::optional<ValidatorRecord>& existing = *record;
  if (existing && existing->account != sender) return util::fail(TxRuleError::kValidatorKeyTaken, "stake.validator");
  if (add_overflows(account.stake, body.amount)) return util::fail(TxRuleError::kStakeOverflow, "stake.amount");
  const bool new_candidate = rules.pos.has_value() && account.stake == 0;
  if (new_candidate) {
    auto count = overlay.candidate_count();
    if (!count) return unavailable(count.error());
    if (*count >= kMaxCandidates) {
      return util::fail(TxRuleError::kTooManyCandidates, std::to_string(*count) + " candidates");
    }
    if (auto added = overlay.add_candidate(body.validator); !added) return unavailable(added.error());
  }
  account.balance -= body.amount;  // covered: rule 4 checked fee + amount
  account.stake += body.amount;
  account.validator = body.validator;
  // An existing record keeps its jail: re-bonding does not lift it.
  if (!existing) overlay.set_validator(body.validator, ValidatorRecord{sender, 0});
  return {};
}

util::Result<void, TxRuleError> apply_unstake(StateOverlay& overlay, Account& account, const primitives::Unstake& body,
                                              const ChainRules& rules, std::uint64_t height) {
  if (body.amount == 0 || body.amount > account.stake) {
    return util::fail(TxRuleError::kInsufficientStake, "unstake.amount");
  }
  if (add_overflows(account.unbonding, body.amount)) {
    return util::fail(TxRuleError::kUnbondingOverflow, "unstake.amount");
  }
  // (stake > 0, so the account names its validator key: records are canonical.)
  if (account.stake == body.amount && rules.pos && account.validator) {
    if (auto removed = overlay.remove_candidate(*account.validator); !removed) return unavailable(removed.error());
  }
  account.stake -= body.amount;
  if (account.stake == 0) account.validator.reset();
  account.unbonding += body.amount;
  account.unbonding_release_height = saturating_add(height, rules.unbonding_delay_blocks);
  return {};
}

util::Result<void, TxRuleError> apply_evidence(StateOverlay& overlay, const primitives::Evidence& body,
                                               const ChainRules& rules, std::uint64_t height) {
  const PublicKey& key = body.a.validator;
  // Evidence expires with the offender's stake: after the unbonding delay the stake that
  // signed may be gone, so an older offence is no longer punished.
  if (height > saturating_add(body.a.height, rules.unbonding_delay_blocks)) {
    return util::fail(TxRuleError::kEvidenceTooOld, "votes of height " + std::to_string(body.a.height) +
                                                        ", at height " + std::to_string(height) +
                                                        " older than the unbonding delay of " +
                                                        std::to_string(rules.unbonding_delay_blocks) + " blocks");
  }
  auto record = overlay.validator(key);
  if (!record) return unavailable(record.error());
  const std::optional<ValidatorRecord>& found = *record;
  if (!found) return util::fail(TxRuleError::kUnknownValidator, "no validator record");
  ValidatorRecord validator = *found;
  // Read after the sender's write: the submitter may be the offender.
  auto offender = overlay.account(validator.account);
  if (!offender) return unavailable(offender.error());
  if (offender->stake == 0 || offender->validator != key) {
    return util::fail(TxRuleError::kUnknownValidator, "no stake bonded to the key");
  }
  const Hash256 id = evidence_id(body);
  auto used = overlay.used_evidence(id);
  if (!used) return unavailable(used.error());
  const std::optional<std::uint64_t>& used_at = *used;
  if (used_at) return util::fail(TxRuleError::kDuplicateEvidence, "used at height " + std::to_string(*used_at));

  offender->stake -= slash_amount(offender->stake, rules.slash_bps);
  if (offender->stake == 0) {
    offender->validator.reset();
    if (rules.pos) {
      if (auto removed = overlay.remove_candidate(key); !removed) return unavailable(removed.error());
    }
  }
  // Never 0, which means "not jailed" (height + jail_blocks >= 1 for any block but genesis).
  validator.jailed_until_height =
      std::max({validator.jailed_until_height, saturating_add(height, rules.jail_blocks), std::uint64_t{1}});
  overlay.set_account(validator.account, *offender);
  overlay.set_validator(key, validator);
  overlay.set_used_evidence(id, height);
  return {};
}

util::Result<void, TxRuleError> apply_unjail(StateOverlay& overlay, const Address& sender,
                                             const primitives::Unjail& body, std::uint64_t height) {
  auto record = overlay.validator(body.validator);
  if (!record) return unavailable(record.error());
  const std::optional<ValidatorRecord>& found = *record;
  if (!found) return util::fail(TxRuleError::kUnknownValidator, "no validator record");
  ValidatorRecord validator = *found;
  if (validator.account != sender) return util::fail(TxRuleError::kNotValidatorAccount, "unjail.validator");
  if (validator.jailed_until_height == 0) return util::fail(TxRuleError::kNotJailed, "unjail.validator");
  if (height < validator.jailed_until_height) {
    return util::fail(TxRuleError::kStillJailed, "height " + std::to_string(height) + " < jailed_until_height " +
                                                     std::to_string(validator.jailed_until_height));
  }
  validator.jailed_until_height = 0;
  overlay.set_validator(body.validator, validator);
  return {};
}

util::Result<std::uint64_t, TxRuleError> apply_unchecked(StateOverlay& overlay, const Transaction& tx,
                                                         const ChainRules& rules, std::uint64_t height) {
  if (tx.chain_id != rules.chain_id) return util::fail(TxRuleError::kWrongChain);
  const Address sender = primitives::sender_address(tx);
  auto loaded = overlay.account(sender);
  if (!loaded) return unavailable(loaded.error());
  Account account = *loaded;

  if (auto released = release_unbonding(account, height); !released) return std::unexpected(released.error());
  if (tx.nonce < account.nonce) {
    return util::fail(TxRuleError::kNonceTooLow, "expected " + std::to_string(account.nonce));
  }
  if (tx.nonce > account.nonce) return util::fail(TxRuleError::kNonceGap, "expected " + std::to_string(account.nonce));
  if (account.nonce == kMaxU64) return util::fail(TxRuleError::kNonceExhausted);
  const std::uint64_t amount = spent_amount(tx);
  if (add_overflows(tx.fee, amount)) return util::fail(TxRuleError::kAmountOverflow, "fee + amount");
  if (account.balance < tx.fee + amount) {
    return util::fail(TxRuleError::kInsufficientBalance,
                      "balance " + std::to_string(account.balance) + " < " + std::to_string(tx.fee + amount));
  }
  account.nonce += 1;
  account.balance -= tx.fee;

  util::Result<void, TxRuleError> body_result;
  if (const auto* t = std::get_if<primitives::Transfer>(&tx.body)) {
    account.balance -= t->amount;
    overlay.set_account(sender, account);
    body_result = apply_transfer(overlay, *t);
  } else if (const auto* s = std::get_if<primitives::Stake>(&tx.body)) {
    body_result = apply_stake(overlay, sender, account, *s, rules);
    if (body_result) overlay.set_account(sender, account);
  } else if (const auto* u = std::get_if<primitives::Unstake>(&tx.body)) {
    body_result = apply_unstake(overlay, account, *u, rules, height);
    if (body_result) overlay.set_account(sender, account);
  } else if (const auto* e = std::get_if<primitives::Evidence>(&tx.body)) {
    overlay.set_account(sender, account);
    body_result = apply_evidence(overlay, *e, rules, height);
  } else if (const auto* j = std::get_if<primitives::Unjail>(&tx.body)) {
    overlay.set_account(sender, account);
    body_result = apply_unjail(overlay, sender, *j, height);
  } else {
    overlay.set_account(sender, account);  // anchor: the fee and nonce only
  }
  if (!body_result) return std::unexpected(body_result.error());
  return tx.fee;
}

}  // namespace

std::string_view to_string(TxRuleError e) {
  switch (e) {
    case TxRuleError::kWrongChain: return "tx_wrong_chain";
    case TxRuleError::kNonceTooLow: return "tx_nonce_too_low";
    case TxRuleError::kNonceGap: return "tx_nonce_gap";
    case TxRuleError::kNonceExhausted: return "tx_nonce_exhausted";
    case TxRuleError::kAmountOverflow: return "tx_amount_overflow";
    case TxRuleError::kInsufficientBalance: return "tx_insufficient_balance";
    case TxRuleError::kBalanceOverflow: return "tx_balance_overflow";
    case TxRuleError::kStakeOverflow: return "tx_stake_overflow";
    case TxRuleError::kValidatorMismatch: return "tx_validator_mismatch";
    case TxRuleError::kValidatorKeyTaken: return "tx_validator_key_taken";
    case TxRuleError::kInsufficientStake: return "tx_insufficient_stake";
    case TxRuleError::kUnbondingOverflow: return "tx_unbonding_overflow";
    case TxRuleError::kUnknownValidator: return "tx_unknown_validator";
    case TxRuleError::kDuplicateEvidence: return "tx_duplicate_evidence";
    case TxRuleError::kEvidenceTooOld: return "tx_evidence_too_old";
    case TxRuleError::kTooManyCandidates: return "tx_too_many_candidates";
    case TxRuleError::kNotValidatorAccount: return "tx_not_validator_account";
    case TxRuleError::kNotJailed: return "tx_not_jailed";
    case TxRuleError::kStillJailed: return "tx_still_jailed";
    case TxRuleError::kStateUnavailable: return "tx_state_unavailable";
  }
  return "tx_unknown_rule";
}

bool sender_at_fault(TxRuleError e) { return e != TxRuleError::kStateUnavailable; }

std::uint64_t slash_amount(std::uint64_t stake, std::uint32_t slash_bps) {
  constexpr std::uint64_t kDenominator = 10000;
  const std::uint64_t bps = std::min<std::uint64_t>(slash_bps, kDenominator);
  // stake = q * 10000 + r, so stake * bps / 10000 = q * bps + r * bps / 10000 where the
  // first term is exact and <= stake, and r * bps < 10^8: nothing overflows.
  const std::uint64_t q = stake / kDenominator;
  const std::uint64_t r = stake % kDenominator;
  return q * bps + r * bps / kDenominator;
}

util::Result<void, TxRuleError> release_unbonding(Account& account, std::uint64_t height) {
  if (account.unbonding == 0 || height < account.unbonding_release_height) return {};
  if (add_overflows(account.balance, account.unbonding)) {
    return util::fail(TxRuleError::kBalanceOverflow, "unbonding release");
  }
  account.balance += account.unbonding;
  account.unbonding = 0;
  account.unbonding_release_height = 0;
  return {};
}

util::Result<std::uint64_t, TxRuleError> apply_transaction(StateOverlay& overlay, const Transaction& tx,
                                                           const ChainRules& rules, std::uint64_t height) {
  const std::size_t mark = overlay.checkpoint();
  auto result = apply_unchecked(overlay, tx, rules, height);
  if (!result) overlay.rollback(mark);
  return result;
}

util::Result<void, TxRuleError> credit(StateOverlay& overlay, const Address& address, std::uint64_t amount) {
  auto account = overlay.account(address);
  if (!account) return unavailable(account.error());
  if (add_overflows(account->balance, amount)) return util::fail(TxRuleError::kBalanceOverflow, "credit");
  account->balance += amount;
  overlay.set_account(address, *account);
  return {};
}

}  // namespace cloudchain::state
