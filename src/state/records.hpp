#pragma once
// State records (docs/protocol.md, section 9): what the state tree stores, under which
// key, with which value hash.
//
//   key        = H_cloudchain/state-key(record_kind:u8 || id)
//   record_kind = 1 account        id = address (20 bytes)
//               | 2 validator      id = consensus public key (33 bytes)
//               | 3 used evidence  id = evidence id (32 bytes, below)
//               | 4 candidates     id = empty (one record per state; PoS chains only)
//               | 5 active set     id = empty (one record per state; PoS chains only)
//
//   account    = balance:u64 nonce:u64 stake:u64 validator_flag:u8 [validator:pubkey]
//                unbonding:u64 unbonding_release_height:u64
//   validator  = account:addr jailed_until_height:u64
//   used_evidence = height:u64                          height of the block that used it
//   candidates = count:u32 key:pubkey*count             1 <= count <= 1000, keys strictly ascending
//   active_set = effective_height:u64 count:u32 entry*count
//                                                       1 <= count <= 256, keys strictly ascending
//   entry      = key:pubkey power:u64 payout:addr       power > 0; the powers sum within u64
//
//   value_hash = H_cloudchain/account(account) | H_cloudchain/validator(validator)
//              | H_cloudchain/used-evidence(used_evidence) | H_cloudchain/candidates(candidates)
//              | H_cloudchain/active-set(active_set)
//
//   evidence id = H_cloudchain/evidence(validator:pubkey height:u64 round:u32 type:u8)
//
// Canonical account form, enforced by decode_account: validator_flag is 0 or 1, the
// validator key is present exactly when validator_flag = 1, which is exactly when
// stake > 0; unbonding_release_height is 0 when unbonding is 0. A missing account is the
// zero account, and the zero account is never stored (its update is a deletion), so the
// state root does not depend on whether an address was ever touched.
//
// The candidates record lists the consensus keys whose account has stake > 0 (bonded to
// that key); the active set record the validators of the current epoch (state/epoch.hpp)
// and the first height they govern. An empty candidate list is never stored (its update
// is a deletion), so decoding rejects count 0 like any other non-canonical form. Keys
// are not re-validated as curve points: they entered the state through checked paths
// (a stake transaction, the genesis file).
//
// The evidence id names the offence (who double-signed which vote), not the pair of
// votes: a third conflicting vote at the same height and round yields new pairs but the
// same id, so one offence is punished once.
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/address.hpp"
#include "crypto/keys.hpp"
#include "primitives/block.hpp"
#include "primitives/transaction.hpp"
#include "state/tree.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::state {

using crypto::Address;
using crypto::PublicKey;

enum class RecordKind : std::uint8_t {
  kAccount = 1,
  kValidator = 2,
  kUsedEvidence = 3,
  kCandidates = 4,
  kActiveSet = 5,
};

/// At most this many candidates: the epoch step reads each one (state/epoch.hpp), so the
/// bound keeps an epoch block's work bounded (a stake that would add one more is refused).
inline constexpr std::size_t kMaxCandidates = 1000;
/// At most this many active validators: any commit fits one block's last_commit
/// (primitives::kMaxCommitSigs).
inline constexpr std::size_t kMaxActiveValidators = primitives::kMaxCommitSigs;

struct Account {
  std::uint64_t balance = 0;
  std::uint64_t nonce = 0;  // transactions applied from this account
  std::uint64_t stake = 0;
  std::optional<PublicKey> validator;  // the consensus key the stake is bonded to; set iff stake > 0
  std::uint64_t unbonding = 0;
  std::uint64_t unbonding_release_height = 0;  // first height at which `unbonding` is spendable

  bool is_zero() const { return *this == Account{}; }
  friend bool operator==(const Account&, const Account&) = default;
};

struct ValidatorRecord {
  Address account{};                      // the account whose stake backs the key
  std::uint64_t jailed_until_height = 0;  // 0: not jailed (never, or unjailed); else unjail allowed from it
  friend bool operator==(const ValidatorRecord&, const ValidatorRecord&) = default;
};

/// One validator of the active set.
struct ActiveValidator {
  PublicKey key{};          // consensus key
  std::uint64_t power = 0;  // the key's stake when the set was selected; > 0
  Address payout{};         // the account whose stake backs the key (it receives rewards)
  friend bool operator==(const ActiveValidator&, const ActiveValidator&) = default;
};

/// The validators of the current epoch (record kind 5).
struct ActiveSet {
  std::uint64_t effective_height = 0;       // the first height this set governs
  std::vector<ActiveValidator> validators;  // 1..kMaxActiveValidators, keys strictly ascending
  friend bool operator==(const ActiveSet&, const ActiveSet&) = default;
};

enum class RecordError {
  kTruncated,                // the input ends inside a field
  kTrailingBytes,            // nothing follows the record
  kBadValidatorFlag,         // account: validator_flag is 0 or 1
  kValidatorStakeMismatch,   // account: a validator key is present exactly when stake > 0
  kReleaseWithoutUnbonding,  // account: unbonding_release_height is 0 when unbonding is 0
  kEmptyList,                // candidates, active set: count >= 1 (an empty list is not stored)
  kListTooLong,              // candidates: count <= 1000; active set: count <= 256
  kUnsortedKeys,             // candidates, active set: keys strictly ascending (sorted, no repeat)
  kZeroPower,                // active set: every power > 0
  kPowerOverflow,            // active set: the powers sum within u64
};
std::string_view to_string(RecordError e);

inline constexpr std::size_t kMaxAccountSize = 8 * 3 + 1 + 33 + 8 * 2;  // 74

Bytes encode_account(const Account& account);
/// Strict decode. Errors: every RecordError (the first rule broken, in field order).
util::Result<Account, RecordError> decode_account(ByteSpan in);

Bytes encode_validator(const ValidatorRecord& record);
/// Errors: kTruncated, kTrailingBytes.
util::Result<ValidatorRecord, RecordError> decode_validator(ByteSpan in);

Bytes encode_used_evidence(std::uint64_t height);
/// Errors: kTruncated, kTrailingBytes.
util::Result<std::uint64_t, RecordError> decode_used_evidence(ByteSpan in);

/// REQUIRES: 1..kMaxCandidates keys, strictly ascending (what decoding accepts).
Bytes encode_candidates(std::span<const PublicKey> keys);
/// Strict decode. Errors: kTruncated, kListTooLong (before allocating), kEmptyList,
/// kUnsortedKeys, kTrailingBytes.
util::Result<std::vector<PublicKey>, RecordError> decode_candidates(ByteSpan in);

/// REQUIRES: the rules of ActiveSet (what decoding accepts).
Bytes encode_active_set(const ActiveSet& set);
/// Strict decode. Errors: kTruncated, kListTooLong (before allocating), kEmptyList,
/// kUnsortedKeys, kZeroPower, kPowerOverflow, kTrailingBytes.
util::Result<ActiveSet, RecordError> decode_active_set(ByteSpan in);

/// H_cloudchain/state-key(kind || id).
Hash256 record_key(RecordKind kind, ByteSpan id);
Hash256 account_key(const Address& address);
Hash256 validator_key(const PublicKey& validator);
Hash256 used_evidence_key(const Hash256& evidence_id);
Hash256 candidates_key();  // record_key(kCandidates, empty id)
Hash256 active_set_key();  // record_key(kActiveSet, empty id)

/// The tree values of records: encoding plus value hash under the record kind's tag.
TreeValue account_value(const Account& account);
TreeValue validator_value(const ValidatorRecord& record);
TreeValue used_evidence_value(std::uint64_t height);
TreeValue candidates_value(std::span<const PublicKey> keys);
TreeValue active_set_value(const ActiveSet& set);

/// The value hash of an encoded account, H_cloudchain/account(encoding) (what a state
/// proof for an account commits to).
Hash256 account_value_hash(ByteSpan encoded_account);

/// The offence an evidence proves, from vote_a (whose validator, height, round and type
/// equal vote_b's once primitives::check_evidence has passed).
Hash256 evidence_id(const primitives::Evidence& evidence);

}  // namespace cloudchain::state
