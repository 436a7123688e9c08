#include "state/records.hpp"

#include <gtest/gtest.h>

#include <set>

namespace cloudchain::state {
namespace {

Account sample_validator_account() {
  Account a;
  a.balance = 1000;
  a.nonce = 3;
  a.stake = 500;
  a.validator = PublicKey{0x02, 0xAA};
  a.unbonding = 7;
  a.unbonding_release_height = 99;
  return a;
}

TEST(StateAccountCodec, RoundTripsBothForms) {
  Account plain;
  plain.balance = 5;
  plain.nonce = 1;
  for (const Account& a : {plain, sample_validator_account(), Account{}}) {
    const Bytes enc = encode_account(a);
    EXPECT_EQ(enc.size(), a.validator ? kMaxAccountSize : kMaxAccountSize - 33);
    auto dec = decode_account(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, a);
    EXPECT_EQ(encode_account(*dec), enc);
  }
}

TEST(StateAccountCodec, LayoutIsLittleEndianInFieldOrder) {
  Account a;
  a.balance = 0x0102;
  a.nonce = 3;
  const Bytes enc = encode_account(a);
  ASSERT_EQ(enc.size(), 41U);
  EXPECT_EQ(enc[0], 0x02);
  EXPECT_EQ(enc[1], 0x01);
  EXPECT_EQ(enc[8], 3);
  EXPECT_EQ(enc[24], 0);  // validator_flag
}

TEST(StateAccountCodec, RejectsTruncationAndTrailingBytes) {
  const Bytes enc = encode_account(sample_validator_account());
  for (std::size_t cut = 0; cut < enc.size(); ++cut) {
    auto r = decode_account(ByteSpan(enc).first(cut));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, RecordError::kTruncated) << cut;
  }
  Bytes longer = enc;
  longer.push_back(0);
  auto r = decode_account(longer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, RecordError::kTrailingBytes);
}

TEST(StateAccountCodec, RejectsAFlagOtherThanZeroOrOne) {
  Bytes enc = encode_account(sample_validator_account());
  enc[24] = 2;
  auto r = decode_account(enc);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, RecordError::kBadValidatorFlag);
}

TEST(StateAccountCodec, RejectsAValidatorKeyWithoutStakeAndStakeWithoutKey) {
  Account no_stake = sample_validator_account();
  no_stake.stake = 0;
  auto r = decode_account(encode_account(no_stake));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, RecordError::kValidatorStakeMismatch);
  Account no_key = sample_validator_account();
  no_key.validator.reset();
  r = decode_account(encode_account(no_key));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, RecordError::kValidatorStakeMismatch);
}

TEST(StateAccountCodec, RejectsAReleaseHeightWithoutUnbonding) {
  Account a;
  a.balance = 1;
  a.unbonding_release_height = 10;
  auto r = decode_account(encode_account(a));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, RecordError::kReleaseWithoutUnbonding);
}

TEST(StateValidatorCodec, RoundTripsAndIsStrict) {
  const ValidatorRecord v{Address{1, 2, 3}, 77};
  const Bytes enc = encode_validator(v);
  EXPECT_EQ(enc.size(), 28U);
  EXPECT_EQ(*decode_validator(enc), v);
  Bytes longer = enc;
  longer.push_back(1);
  EXPECT_EQ(decode_validator(longer).error().code, RecordError::kTrailingBytes);
  EXPECT_EQ(decode_validator(ByteSpan(enc).first(27)).error().code, RecordError::kTruncated);
  EXPECT_EQ(*decode_used_evidence(encode_used_evidence(12345)), 12345U);
  EXPECT_EQ(decode_used_evidence(Bytes(9)).error().code, RecordError::kTrailingBytes);
}

TEST(StateRecordKeys, KindsAndIdsNeverShareAKey) {
  std::set<Hash256> keys;
  const Address addr{0x11};
  PublicKey key{};
  std::copy(addr.begin(), addr.end(), key.begin());
  Hash256 id{};
  std::copy(addr.begin(), addr.end(), id.begin());
  keys.insert(account_key(addr));
  keys.insert(validator_key(key));
  keys.insert(used_evidence_key(id));
  keys.insert(account_key(Address{0x12}));
  EXPECT_EQ(keys.size(), 4U);
  EXPECT_EQ(account_key(addr), record_key(RecordKind::kAccount, addr));
}

TEST(StateRecordValues, EachKindHasItsOwnTag) {
  // The same bytes under two kinds hash differently (domain separation).
  const Bytes eight(8, 0);
  EXPECT_NE(used_evidence_value(0).value_hash, account_value_hash(eight));
  const TreeValue v = account_value(sample_validator_account());
  EXPECT_EQ(v.value, encode_account(sample_validator_account()));
  EXPECT_EQ(v.value_hash, account_value_hash(v.value));
}

TEST(StateEvidenceId, NamesTheOffenceNotTheVotePair) {
  primitives::Vote a;
  a.validator = PublicKey{0x02, 0x01};
  a.height = 10;
  a.round = 2;
  a.type = primitives::VoteType::kPrecommit;
  primitives::Vote b = a, c = a;
  a.block_hash = Hash256{1};
  b.block_hash = Hash256{2};
  c.block_hash = Hash256{3};
  const Hash256 ab = evidence_id({a, b});
  EXPECT_EQ(ab, evidence_id({a, c}));
  primitives::Vote other_round = a;
  other_round.round = 3;
  EXPECT_NE(ab, evidence_id({other_round, b}));
  primitives::Vote prevote = a;
  prevote.type = primitives::VoteType::kPrevote;
  EXPECT_NE(ab, evidence_id({prevote, b}));
}

PublicKey pk(std::uint8_t first, std::uint8_t second) { return PublicKey{0x02, first, second}; }

Bytes u32_le(std::uint32_t v) {
  return Bytes{static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v >> 16),
               static_cast<std::uint8_t>(v >> 24)};
}

Bytes cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(StateCandidatesCodec, LayoutIsCountThenSortedKeys) {
  const std::vector<PublicKey> keys{pk(1, 0), pk(1, 1), pk(9, 0)};
  const Bytes enc = encode_candidates(keys);
  EXPECT_EQ(enc, cat({u32_le(3), keys[0], keys[1], keys[2]}));
  EXPECT_EQ(*decode_candidates(enc), keys);
  EXPECT_EQ(candidates_value(keys).value, enc);
}

TEST(StateCandidatesCodec, RejectsEveryMalformedForm) {
  const std::vector<PublicKey> keys{pk(1, 0), pk(2, 0)};
  const Bytes enc = encode_candidates(keys);
  const auto code = [](ByteSpan b) { return decode_candidates(b).error().code; };
  EXPECT_EQ(code(ByteSpan(enc).first(3)), RecordError::kTruncated);               // inside the count
  EXPECT_EQ(code(ByteSpan(enc).first(enc.size() - 1)), RecordError::kTruncated);  // inside a key
  Bytes longer = enc;
  longer.push_back(0);
  EXPECT_EQ(code(longer), RecordError::kTrailingBytes);
  EXPECT_EQ(code(u32_le(0)), RecordError::kEmptyList);  // an empty list is never stored
  // 1001 keys: rejected from the count, before reading (or allocating) anything.
  EXPECT_EQ(code(u32_le(1001)), RecordError::kListTooLong);
  EXPECT_EQ(code(cat({u32_le(2), keys[1], keys[0]})), RecordError::kUnsortedKeys);
  EXPECT_EQ(code(cat({u32_le(2), keys[0], keys[0]})), RecordError::kUnsortedKeys);  // a repeat
  // The bound itself is accepted.
  std::vector<PublicKey> full;
  for (std::size_t i = 0; i < kMaxCandidates; ++i)
    full.push_back(pk(static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)));
  const Bytes max = encode_candidates(full);
  EXPECT_EQ(max.size(), 4 + kMaxCandidates * 33);
  EXPECT_LE(max.size(), kMaxValueSize);
  EXPECT_EQ(*decode_candidates(max), full);
}

ActiveSet sample_active_set() { return ActiveSet{41, {{pk(1, 0), 500, Address{0xA1}}, {pk(3, 0), 7, Address{0xA3}}}}; }

TEST(StateActiveSetCodec, LayoutIsHeightCountThenEntries) {
  const ActiveSet set = sample_active_set();
  const Bytes enc = encode_active_set(set);
  const Bytes height{41, 0, 0, 0, 0, 0, 0, 0};
  const Bytes p500{0xF4, 0x01, 0, 0, 0, 0, 0, 0};
  const Bytes p7{7, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(enc, cat({height, u32_le(2), set.validators[0].key, p500, set.validators[0].payout, set.validators[1].key,
                      p7, set.validators[1].payout}));
  EXPECT_EQ(*decode_active_set(enc), set);
  EXPECT_EQ(active_set_value(set).value, enc);
}

TEST(StateActiveSetCodec, RejectsEveryMalformedForm) {
  const auto code = [](const ActiveSet& s) { return decode_active_set(encode_active_set(s)).error().code; };
  const Bytes enc = encode_active_set(sample_active_set());
  EXPECT_EQ(decode_active_set(ByteSpan(enc).first(7)).error().code, RecordError::kTruncated);
  EXPECT_EQ(decode_active_set(ByteSpan(enc).first(enc.size() - 1)).error().code, RecordError::kTruncated);
  Bytes longer = enc;
  longer.push_back(0);
  EXPECT_EQ(decode_active_set(longer).error().code, RecordError::kTrailingBytes);
  EXPECT_EQ(code(ActiveSet{41, {}}), RecordError::kEmptyList);
  const Bytes height(8, 0);
  EXPECT_EQ(decode_active_set(cat({height, u32_le(257)})).error().code, RecordError::kListTooLong);
  ActiveSet unsorted = sample_active_set();
  std::swap(unsorted.validators[0], unsorted.validators[1]);
  EXPECT_EQ(code(unsorted), RecordError::kUnsortedKeys);
  ActiveSet repeated = sample_active_set();
  repeated.validators[1].key = repeated.validators[0].key;
  EXPECT_EQ(code(repeated), RecordError::kUnsortedKeys);
  ActiveSet zero = sample_active_set();
  zero.validators[1].power = 0;
  EXPECT_EQ(code(zero), RecordError::kZeroPower);
  ActiveSet overflow = sample_active_set();
  overflow.validators[1].power = UINT64_MAX - 499;
  EXPECT_EQ(code(overflow), RecordError::kPowerOverflow);
  overflow.validators[1].power = UINT64_MAX - 500;  // the sum is exactly 2^64 - 1
  EXPECT_TRUE(decode_active_set(encode_active_set(overflow)));
  // The bound itself is accepted.
  ActiveSet full{1, {}};
  for (std::size_t i = 0; i < kMaxActiveValidators; ++i)
    full.validators.push_back({pk(0, static_cast<std::uint8_t>(i)), 1, Address{}});
  EXPECT_EQ(*decode_active_set(encode_active_set(full)), full);
}

TEST(StateRecordKeys, ThePosRecordsHaveFixedKeys) {
  EXPECT_EQ(candidates_key(), record_key(RecordKind::kCandidates, {}));
  EXPECT_EQ(active_set_key(), record_key(RecordKind::kActiveSet, {}));
  EXPECT_NE(candidates_key(), active_set_key());
  // Same bytes, other kind: other value hash.
  const ActiveSet set = sample_active_set();
  const std::vector<PublicKey> keys{pk(1, 0)};
  EXPECT_NE(candidates_value(keys).value_hash, active_set_value(set).value_hash);
}

TEST(StateRecordError, NamesAreStable) {
  EXPECT_EQ(to_string(RecordError::kBadValidatorFlag), "record_bad_validator_flag");
  EXPECT_EQ(to_string(RecordError::kReleaseWithoutUnbonding), "record_release_without_unbonding");
  EXPECT_EQ(to_string(RecordError::kEmptyList), "record_empty_list");
  EXPECT_EQ(to_string(RecordError::kListTooLong), "record_list_too_long");
  EXPECT_EQ(to_string(RecordError::kUnsortedKeys), "record_unsorted_keys");
  EXPECT_EQ(to_string(RecordError::kZeroPower), "record_zero_power");
  EXPECT_EQ(to_string(RecordError::kPowerOverflow), "record_power_overflow");
}

}  // namespace
}  // namespace cloudchain::state
