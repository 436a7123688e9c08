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

TEST(StateRecordError, NamesAreStable) {
  EXPECT_EQ(to_string(RecordError::kBadValidatorFlag), "record_bad_validator_flag");
  EXPECT_EQ(to_string(RecordError::kReleaseWithoutUnbonding), "record_release_without_unbonding");
}

}  // namespace
}  // namespace cloudchain::state
