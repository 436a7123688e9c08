#include "primitives/proposal.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "crypto/sha256.hpp"
#include "primitives/test_util.hpp"
#include "primitives/vote.hpp"

namespace cloudchain::primitives {
namespace {

constexpr std::uint32_t kChain = 7;
constexpr std::size_t kValidRoundOffset = 4 + 8 + 4 + 32;

crypto::PrivateKey key(std::uint8_t fill) {
  util::ByteArray<32> secret{};
  secret.fill(fill);
  return *crypto::PrivateKey::from_bytes(secret);
}

Proposal signed_proposal(std::int32_t valid_round = kNoValidRound, std::uint32_t round = 3) {
  Proposal p;
  p.chain_id = kChain;
  p.height = 12;
  p.round = round;
  p.block_hash.fill(0x42);
  p.valid_round = valid_round;
  sign(p, key(0x03));
  return p;
}

/// Random fields that keep the decoder's rules (non-nil hash, valid_round below round).
Proposal random_proposal(test::Rng& rng) {
  Proposal p;
  p.chain_id = rng.u32();
  p.height = rng.interesting_u64();
  p.round = rng.coin() ? rng.u32() : static_cast<std::uint32_t>(rng.below(4));
  p.block_hash = rng.array<32>();
  p.block_hash[rng.below(32)] |= 1;
  p.valid_round = kNoValidRound;
  if (p.round > 0 && rng.coin()) {
    const auto below = std::min<std::uint32_t>(p.round, std::numeric_limits<std::int32_t>::max());
    p.valid_round = static_cast<std::int32_t>(rng.below(below));
  }
  p.proposer = rng.array<33>();
  p.signature = rng.array<64>();
  return p;
}

Bytes with_valid_round(Bytes enc, std::uint32_t raw) {
  for (int i = 0; i < 4; ++i) enc[kValidRoundOffset + i] = static_cast<std::uint8_t>(raw >> (8 * i));
  return enc;
}

void expect_error(const Bytes& enc, CodecError code, std::string_view field) {
  auto dec = decode_proposal(enc);
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().code, code);
  EXPECT_EQ(dec.error().detail, field);
}

// --- codec ------------------------------------------------------------------

TEST(ProposalCodec, LayoutAndSize) {
  const Proposal p = signed_proposal(1);
  const Bytes enc = encode(p);
  ASSERT_EQ(enc.size(), kProposalSize);
  EXPECT_EQ(kProposalSize, 149u);
  // chain_id, height, round little-endian; valid_round as i32; proposer; signature last.
  EXPECT_EQ(enc[0], kChain);
  EXPECT_EQ(enc[4], 12);
  EXPECT_EQ(enc[12], 3);
  EXPECT_EQ(enc[16], 0x42);
  EXPECT_EQ(enc[kValidRoundOffset], 1);
  EXPECT_TRUE(std::equal(p.proposer.begin(), p.proposer.end(), enc.begin() + kValidRoundOffset + 4));
  EXPECT_TRUE(std::equal(p.signature.begin(), p.signature.end(), enc.end() - 64));
  // -1 is ff ff ff ff.
  const Bytes none = encode(signed_proposal(kNoValidRound));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(none[kValidRoundOffset + i], 0xff);
}

TEST(ProposalCodec, RoundTripRandom) {
  test::Rng rng(0x7201);
  for (int i = 0; i < 500; ++i) {
    const Proposal p = random_proposal(rng);
    const Bytes enc = encode(p);
    ASSERT_EQ(enc.size(), kProposalSize);
    auto dec = decode_proposal(enc);
    ASSERT_TRUE(dec) << to_string(dec.error().code);
    EXPECT_EQ(*dec, p);
    EXPECT_EQ(encode(*dec), enc);
  }
}

TEST(ProposalCodec, ReencodesEveryAcceptedMutation) {
  test::Rng rng(0x7202);
  for (int i = 0; i < 1000; ++i) {
    Bytes b = encode(random_proposal(rng));
    b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1 + rng.below(255));
    if (auto dec = decode_proposal(b)) {
      EXPECT_EQ(encode(*dec), b);
    }
  }
}

TEST(ProposalCodec, TruncationAtEveryOffset) {
  const Bytes enc = encode(signed_proposal(1));
  for (std::size_t n = 0; n < enc.size(); ++n) {
    auto dec = decode_proposal(ByteSpan(enc).first(n));
    ASSERT_FALSE(dec);
    EXPECT_EQ(dec.error().code, CodecError::kTruncated) << n;
  }
}

TEST(ProposalCodec, TrailingByteRejected) {
  Bytes enc = encode(signed_proposal());
  enc.push_back(0);
  EXPECT_EQ(decode_proposal(enc).error().code, CodecError::kTrailingBytes);
}

TEST(ProposalCodec, NilBlockHashRejected) {
  Proposal p = signed_proposal();
  p.block_hash = Hash256{};
  expect_error(encode(p), CodecError::kNilProposal, "proposal.block_hash");
  // One non-zero byte anywhere is a block hash.
  for (std::size_t i : {0u, 31u}) {
    p.block_hash = Hash256{};
    p.block_hash[i] = 1;
    EXPECT_TRUE(decode_proposal(encode(p))) << i;
  }
}

TEST(ProposalCodec, ValidRoundNoneOrBelowRound) {
  const Bytes enc = encode(signed_proposal(kNoValidRound, 3));
  for (std::uint32_t raw : {0xffffffffu, 0u, 1u, 2u}) {
    auto dec = decode_proposal(with_valid_round(enc, raw));
    ASSERT_TRUE(dec) << raw;
    EXPECT_EQ(dec->valid_round, static_cast<std::int32_t>(raw));
  }
  // The round itself and above; negatives other than -1 (0x80000000 is INT32_MIN).
  for (std::uint32_t raw : {3u, 4u, 0x7fffffffu, 0x80000000u, 0xfffffffeu}) {
    expect_error(with_valid_round(enc, raw), CodecError::kBadValidRound, "proposal.valid_round");
  }
}

TEST(ProposalCodec, RoundZeroHasNoValidRound) {
  const Bytes enc = encode(signed_proposal(kNoValidRound, 0));
  EXPECT_TRUE(decode_proposal(enc));
  expect_error(with_valid_round(enc, 0), CodecError::kBadValidRound, "proposal.valid_round");
}

TEST(ProposalCodec, LargestValidRound) {
  // i32 bounds valid_round, not round: round 2^32 - 1 may name any round up to 2^31 - 1.
  const Proposal p = signed_proposal(std::numeric_limits<std::int32_t>::max(), 0xffffffff);
  auto dec = decode_proposal(encode(p));
  ASSERT_TRUE(dec);
  EXPECT_EQ(*dec, p);
}

TEST(ProposalCodec, FirstErrorInFieldOrder) {
  Proposal p = signed_proposal(kNoValidRound, 0);
  p.block_hash = Hash256{};
  p.valid_round = 5;
  expect_error(encode(p), CodecError::kNilProposal, "proposal.block_hash");
  Bytes long_bad = encode(p);
  long_bad.push_back(0);
  expect_error(long_bad, CodecError::kNilProposal, "proposal.block_hash");
}

TEST(ProposalCodec, ValidRoundRule) {
  EXPECT_TRUE(valid_round_ok(kNoValidRound, 0));
  EXPECT_TRUE(valid_round_ok(0, 1));
  EXPECT_FALSE(valid_round_ok(0, 0));
  EXPECT_FALSE(valid_round_ok(1, 1));
  EXPECT_FALSE(valid_round_ok(-2, 10));
  EXPECT_FALSE(valid_round_ok(std::numeric_limits<std::int32_t>::min(), 10));
}

// --- signatures ---------------------------------------------------------------

TEST(ProposalSig, SignVerifyAndDefinition) {
  const Proposal p = signed_proposal(1);
  EXPECT_EQ(p.proposer, key(0x03).public_key());
  EXPECT_TRUE(verify_proposal(p));
  const Bytes enc = encode(p);
  const ByteSpan prefix = ByteSpan(enc).first(enc.size() - 64);
  EXPECT_EQ(signing_hash(p), crypto::tagged_hash("cloudchain/bft-proposal", prefix));
  // Its own tag: not the header's proposer_sig tag, so neither signature serves as the other.
  EXPECT_NE(signing_hash(p), crypto::tagged_hash("cloudchain/proposal", prefix));
}

TEST(ProposalSig, EveryFieldIsSigned) {
  const Proposal p = signed_proposal(1);
  std::vector<Proposal> changed(6, p);
  changed[0].chain_id += 1;
  changed[1].height += 1;
  changed[2].round += 1;
  changed[3].block_hash[0] ^= 1;
  changed[4].valid_round = kNoValidRound;
  changed[5].proposer = key(0x04).public_key();
  for (std::size_t i = 0; i < changed.size(); ++i) EXPECT_FALSE(verify_proposal(changed[i])) << i;
}

TEST(ProposalSig, AnyFlippedBitFails) {
  const Bytes enc = encode(signed_proposal(2));
  for (std::size_t i = 0; i < enc.size(); ++i) {
    Bytes b = enc;
    b[i] ^= 0x01;
    auto dec = decode_proposal(b);
    if (!dec) continue;
    EXPECT_FALSE(verify_proposal(*dec)) << "byte " << i;
  }
}

TEST(ProposalSig, HighSRejected) {
  Proposal p = signed_proposal();
  p.signature = test::negate_s(p.signature);
  EXPECT_EQ(verify_proposal(p).error().code, crypto::SigError::kHighS);
}

TEST(ProposalSig, BadProposerKeyRejected) {
  Proposal p = signed_proposal();
  p.proposer[0] = 0x04;
  EXPECT_FALSE(verify_proposal(p));
}

}  // namespace
}  // namespace cloudchain::primitives
