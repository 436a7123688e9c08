#include "state/records.hpp"

#include <array>

#include "crypto/sha256.hpp"
#include "primitives/codec.hpp"

namespace cloudchain::state {

namespace {

using primitives::CodecError;
using primitives::Reader;
using primitives::Writer;

const crypto::TaggedHasher& account_hasher() {
  static const crypto::TaggedHasher kHasher("cloudchain/account");
  return kHasher;
}

util::Error<RecordError> from_codec(const util::Error<CodecError>& e) {
  return {e.code == CodecError::kTrailingBytes ? RecordError::kTrailingBytes : RecordError::kTruncated, e.detail};
}

// Checks that the input is used up and turns the reader's status into a record result.
template <typename T>
util::Result<T, RecordError> finish(Reader& r, T value, std::string_view what) {
  r.finish(what);
  if (auto st = r.status(); !st) return std::unexpected(from_codec(st.error()));
  return value;
}

}  // namespace

std::string_view to_string(RecordError e) {
  switch (e) {
    case RecordError::kTruncated: return "record_truncated";
    case RecordError::kTrailingBytes: return "record_trailing_bytes";
    case RecordError::kBadValidatorFlag: return "record_bad_validator_flag";
    case RecordError::kValidatorStakeMismatch: return "record_validator_stake_mismatch";
    case RecordError::kReleaseWithoutUnbonding: return "record_release_without_unbonding";
  }
  return "record_unknown";
}

Bytes encode_account(const Account& a) {
  Writer w(kMaxAccountSize);
  w.u64(a.balance, "balance");
  w.u64(a.nonce, "nonce");
  w.u64(a.stake, "stake");
  w.u8(static_cast<std::uint8_t>(a.validator.has_value()), "validator_flag");
  if (a.validator) w.array(*a.validator, "validator");
  w.u64(a.unbonding, "unbonding");
  w.u64(a.unbonding_release_height, "unbonding_release_height");
  return w.take();
}

util::Result<Account, RecordError> decode_account(ByteSpan in) {
  Reader r(in);
  Account a;
  std::uint8_t flag = 0;
  r.u64(a.balance, "account.balance");
  r.u64(a.nonce, "account.nonce");
  r.u64(a.stake, "account.stake");
  r.u8(flag, "account.validator_flag");
  if (auto st = r.status(); !st) return std::unexpected(from_codec(st.error()));
  if (flag > 1) return util::fail(RecordError::kBadValidatorFlag, "account.validator_flag");
  if (flag == 1) {
    PublicKey key{};
    r.array(key, "account.validator");
    a.validator = key;
  }
  r.u64(a.unbonding, "account.unbonding");
  r.u64(a.unbonding_release_height, "account.unbonding_release_height");
  auto account = finish(r, a, "account");
  if (!account) return account;
  if (account->validator.has_value() != (account->stake > 0)) {
    return util::fail(RecordError::kValidatorStakeMismatch, "account.validator_flag");
  }
  if (account->unbonding == 0 && account->unbonding_release_height != 0) {
    return util::fail(RecordError::kReleaseWithoutUnbonding, "account.unbonding_release_height");
  }
  return account;
}

Bytes encode_validator(const ValidatorRecord& v) {
  Writer w(28);
  w.array(v.account, "account");
  w.u64(v.jailed_until_height, "jailed_until_height");
  return w.take();
}

util::Result<ValidatorRecord, RecordError> decode_validator(ByteSpan in) {
  Reader r(in);
  ValidatorRecord v;
  r.array(v.account, "validator.account");
  r.u64(v.jailed_until_height, "validator.jailed_until_height");
  return finish(r, v, "validator");
}

Bytes encode_used_evidence(std::uint64_t height) {
  Writer w(8);
  w.u64(height, "height");
  return w.take();
}

util::Result<std::uint64_t, RecordError> decode_used_evidence(ByteSpan in) {
  Reader r(in);
  std::uint64_t height = 0;
  r.u64(height, "used_evidence.height");
  return finish(r, height, "used_evidence");
}

Hash256 record_key(RecordKind kind, ByteSpan id) {
  static const crypto::TaggedHasher kHasher("cloudchain/state-key");
  const std::array<std::uint8_t, 1> kind_byte{static_cast<std::uint8_t>(kind)};
  return kHasher.begin().update(kind_byte).update(id).finish();
}

Hash256 account_key(const Address& address) { return record_key(RecordKind::kAccount, address); }
Hash256 validator_key(const PublicKey& validator) { return record_key(RecordKind::kValidator, validator); }
Hash256 used_evidence_key(const Hash256& evidence_id) { return record_key(RecordKind::kUsedEvidence, evidence_id); }

Hash256 account_value_hash(ByteSpan encoded_account) { return account_hasher().hash(encoded_account); }

TreeValue account_value(const Account& account) {
  Bytes enc = encode_account(account);
  const Hash256 h = account_value_hash(enc);
  return TreeValue{h, std::move(enc)};
}

TreeValue validator_value(const ValidatorRecord& record) {
  static const crypto::TaggedHasher kHasher("cloudchain/validator");
  Bytes enc = encode_validator(record);
  const Hash256 h = kHasher.hash(enc);
  return TreeValue{h, std::move(enc)};
}

TreeValue used_evidence_value(std::uint64_t height) {
  static const crypto::TaggedHasher kHasher("cloudchain/used-evidence");
  Bytes enc = encode_used_evidence(height);
  const Hash256 h = kHasher.hash(enc);
  return TreeValue{h, std::move(enc)};
}

Hash256 evidence_id(const primitives::Evidence& evidence) {
  static const crypto::TaggedHasher kHasher("cloudchain/evidence");
  const primitives::Vote& v = evidence.a;
  Writer w(33 + 8 + 4 + 1);
  w.array(v.validator, "validator");
  w.u64(v.height, "height");
  w.u32(v.round, "round");
  w.u8(static_cast<std::uint8_t>(v.type), "type");
  return kHasher.hash(w.bytes_written());
}

}  // namespace cloudchain::state
