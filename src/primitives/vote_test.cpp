#include "primitives/vote.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/sha256.hpp"
#include "primitives/test_util.hpp"
#include "primitives/transaction.hpp"

namespace cloudchain::primitives {
namespace {

constexpr std::uint32_t kChain = 7;

crypto::PrivateKey key(std::uint8_t fill) {
  util::ByteArray<32> secret{};
  secret.fill(fill);
  return *crypto::PrivateKey::from_bytes(secret);
}

Vote signed_vote(std::uint8_t block_fill, const crypto::PrivateKey& k = key(0x03)) {
  Vote v;
  v.chain_id = kChain;
  v.type = VoteType::kPrevote;
  v.height = 12;
  v.round = 1;
  v.block_hash.fill(block_fill);
  sign(v, k);
  return v;
}

/// A valid double-sign pair, in canonical order.
Evidence valid_evidence() {
  Vote a = signed_vote(0xaa);
  Vote b = signed_vote(0xbb);
  if (!std::ranges::lexicographical_compare(encode(a), encode(b))) std::swap(a, b);
  return Evidence{.a = a, .b = b};
}

// --- codec ------------------------------------------------------------------

TEST(VoteCodec, RoundTripRandom) {
  test::Rng rng(0x7101);
  for (int i = 0; i < 500; ++i) {
    const Vote v = test::random_vote(rng);
    const Bytes enc = encode(v);
    ASSERT_EQ(enc.size(), kVoteSize);
    auto dec = decode_vote(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, v);
    EXPECT_EQ(encode(*dec), enc);
  }
}

TEST(VoteCodec, ReencodesEveryAcceptedMutation) {
  test::Rng rng(0x7102);
  for (int i = 0; i < 500; ++i) {
    Bytes b = encode(test::random_vote(rng));
    b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1 + rng.below(255));
    if (auto dec = decode_vote(b)) {
      EXPECT_EQ(encode(*dec), b);
    }
  }
}

TEST(VoteCodec, TruncationAtEveryOffset) {
  const Bytes enc = encode(signed_vote(1));
  for (std::size_t n = 0; n < enc.size(); ++n) {
    auto dec = decode_vote(ByteSpan(enc).first(n));
    ASSERT_FALSE(dec);
    EXPECT_EQ(dec.error().code, CodecError::kTruncated) << n;
  }
}

TEST(VoteCodec, TrailingByteRejected) {
  Bytes enc = encode(signed_vote(1));
  enc.push_back(0);
  EXPECT_EQ(decode_vote(enc).error().code, CodecError::kTrailingBytes);
}

TEST(VoteCodec, UnknownTypeRejected) {
  for (std::uint8_t t : test::U8List{0, 3, 255}) {
    Bytes enc = encode(signed_vote(1));
    enc[4] = t;
    auto dec = decode_vote(enc);
    ASSERT_FALSE(dec);
    EXPECT_EQ(dec.error().code, CodecError::kUnknownVoteType);
    EXPECT_EQ(dec.error().detail, "vote.type");
  }
}

TEST(Vote, NilIsAllZeroBlockHash) {
  Vote v;
  EXPECT_TRUE(v.is_nil());
  v.block_hash[31] = 1;
  EXPECT_FALSE(v.is_nil());
}

// --- signatures ---------------------------------------------------------------

TEST(VoteSig, SignVerifyAndDefinition) {
  const Vote v = signed_vote(0x42);
  EXPECT_EQ(v.validator, key(0x03).public_key());
  EXPECT_TRUE(verify_vote(v));
  const Bytes enc = encode(v);
  EXPECT_EQ(signing_hash(v), crypto::tagged_hash("cloudchain/vote", ByteSpan(enc).first(enc.size() - 64)));
}

TEST(VoteSig, AnyFlippedBitFails) {
  const Bytes enc = encode(signed_vote(0x42));
  for (std::size_t i = 0; i < enc.size(); ++i) {
    Bytes b = enc;
    b[i] ^= 0x01;
    auto dec = decode_vote(b);
    if (!dec) continue;
    EXPECT_FALSE(verify_vote(*dec)) << "byte " << i;
  }
}

TEST(VoteSig, HighSRejected) {
  Vote v = signed_vote(0x42);
  v.signature = test::negate_s(v.signature);
  EXPECT_EQ(verify_vote(v).error().code, crypto::SigError::kHighS);
}

// --- evidence (section 8) -----------------------------------------------------

util::Result<void, TxCheckError> check(const Evidence& e) { return check_evidence(e, kChain); }

TEST(Evidence, ValidPairAccepted) {
  EXPECT_TRUE(check(valid_evidence()));

  // And as a transaction.
  Transaction tx;
  tx.chain_id = kChain;
  tx.body = valid_evidence();
  sign(tx, key(0x01));
  EXPECT_TRUE(check_transaction(tx, kChain));
}

TEST(Evidence, NilAgainstABlockIsADoubleSign) {
  Evidence e = valid_evidence();
  e.a = signed_vote(0x00);
  e.b = signed_vote(0xbb);
  ASSERT_TRUE(std::ranges::lexicographical_compare(encode(e.a), encode(e.b)));
  EXPECT_TRUE(check(e));
}

TEST(Evidence, SameBlockHashRejected) {
  Evidence e = valid_evidence();
  e.b = e.a;
  EXPECT_EQ(check(e).error().code, TxCheckError::kEvidenceSameBlock);
}

TEST(Evidence, UnorderedPairRejected) {
  Evidence e = valid_evidence();
  std::swap(e.a, e.b);
  EXPECT_EQ(check(e).error().code, TxCheckError::kEvidenceNotOrdered);
}

TEST(Evidence, DifferentHeightsRejected) {
  Evidence e = valid_evidence();
  e.b.height += 1;
  sign(e.b, key(0x03));
  EXPECT_EQ(check(e).error().code, TxCheckError::kEvidenceHeightMismatch);
}

TEST(Evidence, DifferentRoundsRejected) {
  Evidence e = valid_evidence();
  e.b.round += 1;
  sign(e.b, key(0x03));
  EXPECT_EQ(check(e).error().code, TxCheckError::kEvidenceRoundMismatch);
}

TEST(Evidence, DifferentTypesRejected) {
  Evidence e = valid_evidence();
  e.b.type = VoteType::kPrecommit;
  sign(e.b, key(0x03));
  EXPECT_EQ(check(e).error().code, TxCheckError::kEvidenceTypeMismatch);
}

TEST(Evidence, DifferentValidatorsRejected) {
  Evidence e = valid_evidence();
  sign(e.b, key(0x04));
  EXPECT_EQ(check(e).error().code, TxCheckError::kEvidenceValidatorMismatch);
}

TEST(Evidence, WrongChainRejected) {
  Evidence e = valid_evidence();
  EXPECT_EQ(check_evidence(e, kChain + 1).error().code, TxCheckError::kEvidenceWrongChain);
  e.b.chain_id = kChain + 1;
  sign(e.b, key(0x03));
  EXPECT_EQ(check(e).error().code, TxCheckError::kEvidenceWrongChain);
}

TEST(Evidence, BadSignatureRejected) {
  for (bool which : {false, true}) {
    Evidence e = valid_evidence();
    Vote& v = which ? e.b : e.a;
    v.signature[40] ^= 1;
    auto r = check(e);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, TxCheckError::kEvidenceBadSignature);
  }
  Evidence e = valid_evidence();
  e.a.signature = test::negate_s(e.a.signature);
  EXPECT_EQ(check(e).error().code, TxCheckError::kEvidenceBadSignature);
}

TEST(Evidence, TransactionCarriesTheRuleCode) {
  Transaction tx;
  tx.chain_id = kChain;
  Evidence e = valid_evidence();
  std::swap(e.a, e.b);
  tx.body = e;
  sign(tx, key(0x01));
  EXPECT_EQ(check_transaction(tx, kChain).error().code, TxCheckError::kEvidenceNotOrdered);
}

}  // namespace
}  // namespace cloudchain::primitives
