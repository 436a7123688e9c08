#pragma once
// State records (docs/protocol.md, section 9): what the state tree stores, under which
// key, with which value hash.
//
//   key        = H_cloudchain/state-key(record_kind:u8 || id)
//   record_kind = 1 account        id = address (20 bytes)
//               | 2 validator      id = consensus public key (33 bytes)
//               | 3 used evidence  id = evidence id (32 bytes, below)
//
//   account    = balance:u64 nonce:u64 stake:u64 validator_flag:u8 [validator:pubkey]
//                unbonding:u64 unbonding_release_height:u64
//   validator  = account:addr jailed_until_height:u64
//   used_evidence = height:u64                          height of the block that used it
//
//   value_hash = H_cloudchain/account(account) | H_cloudchain/validator(validator)
//              | H_cloudchain/used-evidence(used_evidence)
//
//   evidence id = H_cloudchain/evidence(validator:pubkey height:u64 round:u32 type:u8)
//
// Canonical account form, enforced by decode_account: validator_flag is 0 or 1, the
// validator key is present exactly when validator_flag = 1, which is exactly when
// stake > 0; unbonding_release_height is 0 when unbonding is 0. A missing account is the
// zero account, and the zero account is never stored (its update is a deletion), so the
// state root does not depend on whether an address was ever touched.
//
// The evidence id names the offence (who double-signed which vote), not the pair of
// votes: a third conflicting vote at the same height and round yields new pairs but the
// same id, so one offence is punished once.
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/address.hpp"
#include "crypto/keys.hpp"
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
};

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
  std::uint64_t jailed_until_height = 0;  // 0: never jailed
  friend bool operator==(const ValidatorRecord&, const ValidatorRecord&) = default;
};

enum class RecordError {
  kTruncated,                // the input ends inside a field
  kTrailingBytes,            // nothing follows the record
  kBadValidatorFlag,         // account: validator_flag is 0 or 1
  kValidatorStakeMismatch,   // account: a validator key is present exactly when stake > 0
  kReleaseWithoutUnbonding,  // account: unbonding_release_height is 0 when unbonding is 0
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

/// H_cloudchain/state-key(kind || id).
Hash256 record_key(RecordKind kind, ByteSpan id);
Hash256 account_key(const Address& address);
Hash256 validator_key(const PublicKey& validator);
Hash256 used_evidence_key(const Hash256& evidence_id);

/// The tree values of records: encoding plus value hash under the record kind's tag.
TreeValue account_value(const Account& account);
TreeValue validator_value(const ValidatorRecord& record);
TreeValue used_evidence_value(std::uint64_t height);

/// The value hash of an encoded account, H_cloudchain/account(encoding) (what a state
/// proof for an account commits to).
Hash256 account_value_hash(ByteSpan encoded_account);

/// The offence an evidence proves, from vote_a (whose validator, height, round and type
/// equal vote_b's once primitives::check_evidence has passed).
Hash256 evidence_id(const primitives::Evidence& evidence);

}  // namespace cloudchain::state
