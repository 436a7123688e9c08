#include "state/records.hpp"

#include <array>
#include <string>
#include <tuple>

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
  switch (e.code) {
    case CodecError::kTrailingBytes: return {RecordError::kTrailingBytes, e.detail};
    case CodecError::kListTooLong: return {RecordError::kListTooLong, e.detail};
    default: return {RecordError::kTruncated, e.detail};
  }
}

constexpr std::size_t kKeySize = std::tuple_size_v<PublicKey>;
constexpr std::size_t kActiveEntrySize = kKeySize + 8 + std::tuple_size_v<Address>;

// Reads a list count in 1..max whose items are at least `item_size` bytes each.
std::optional<util::Error<RecordError>> read_count(Reader& r, std::size_t& n, std::size_t max, std::size_t item_size,
                                                   std::string_view field) {
  r.count(n, max, item_size, field);
  if (auto st = r.status(); !st) return from_codec(st.error());
  if (n == 0) return util::Error<RecordError>{RecordError::kEmptyList, std::string(field)};
  return std::nullopt;
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
    case RecordError::kEmptyList: return "record_empty_list";
    case RecordError::kListTooLong: return "record_list_too_long";
    case RecordError::kUnsortedKeys: return "record_unsorted_keys";
    case RecordError::kZeroPower: return "record_zero_power";
    case RecordError::kPowerOverflow: return "record_power_overflow";
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

Bytes encode_candidates(std::span<const PublicKey> keys) {
  Writer w(4 + keys.size() * kKeySize);
  w.count(keys.size(), kMaxCandidates, kKeySize, "candidates");
  for (const PublicKey& key : keys) w.array(key, "candidate");
  return w.take();
}

util::Result<std::vector<PublicKey>, RecordError> decode_candidates(ByteSpan in) {
  Reader r(in);
  std::size_t n = 0;
  if (auto e = read_count(r, n, kMaxCandidates, kKeySize, "candidates.count")) return std::unexpected(*e);
  std::vector<PublicKey> keys(n);
  for (std::size_t i = 0; i < n; ++i) {
    r.array(keys[i], "candidates.key");
    if (r.ok() && i > 0 && !(keys[i - 1] < keys[i])) {
      return util::fail(RecordError::kUnsortedKeys, "candidates.key[" + std::to_string(i) + "]");
    }
  }
  return finish(r, std::move(keys), "candidates");
}

Bytes encode_active_set(const ActiveSet& set) {
  Writer w(8 + 4 + set.validators.size() * kActiveEntrySize);
  w.u64(set.effective_height, "effective_height");
  w.count(set.validators.size(), kMaxActiveValidators, kActiveEntrySize, "validators");
  for (const ActiveValidator& v : set.validators) {
    w.array(v.key, "key");
    w.u64(v.power, "power");
    w.array(v.payout, "payout");
  }
  return w.take();
}

util::Result<ActiveSet, RecordError> decode_active_set(ByteSpan in) {
  Reader r(in);
  ActiveSet set;
  r.u64(set.effective_height, "active_set.effective_height");
  std::size_t n = 0;
  if (auto e = read_count(r, n, kMaxActiveValidators, kActiveEntrySize, "active_set.count")) {
    return std::unexpected(*e);
  }
  set.validators.resize(n);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ActiveValidator& v = set.validators[i];
    r.array(v.key, "active_set.key");
    r.u64(v.power, "active_set.power");
    r.array(v.payout, "active_set.payout");
    if (!r.ok()) break;
    const std::string where = "active_set.validator[" + std::to_string(i) + "]";
    if (i > 0 && !(set.validators[i - 1].key < v.key)) return util::fail(RecordError::kUnsortedKeys, where + ".key");
    if (v.power == 0) return util::fail(RecordError::kZeroPower, where + ".power");
    if (v.power > UINT64_MAX - total) return util::fail(RecordError::kPowerOverflow, where + ".power");
    total += v.power;
  }
  return finish(r, std::move(set), "active_set");
}

Hash256 record_key(RecordKind kind, ByteSpan id) {
  static const crypto::TaggedHasher kHasher("cloudchain/state-key");
  const std::array<std::uint8_t, 1> kind_byte{static_cast<std::uint8_t>(kind)};
  return kHasher.begin().update(kind_byte).update(id).finish();
}

Hash256 account_key(const Address& address) { return record_key(RecordKind::kAccount, address); }
Hash256 validator_key(const PublicKey& validator) { return record_key(RecordKind::kValidator, validator); }
Hash256 used_evidence_key(const Hash256& evidence_id) { return record_key(RecordKind::kUsedEvidence, evidence_id); }

Hash256 candidates_key() { return record_key(RecordKind::kCandidates, {}); }
Hash256 active_set_key() { return record_key(RecordKind::kActiveSet, {}); }

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

TreeValue candidates_value(std::span<const PublicKey> keys) {
  static const crypto::TaggedHasher kHasher("cloudchain/candidates");
  Bytes enc = encode_candidates(keys);
  const Hash256 h = kHasher.hash(enc);
  return TreeValue{h, std::move(enc)};
}

TreeValue active_set_value(const ActiveSet& set) {
  static const crypto::TaggedHasher kHasher("cloudchain/active-set");
  Bytes enc = encode_active_set(set);
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
