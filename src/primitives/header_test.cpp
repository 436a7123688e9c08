#include "primitives/header.hpp"

#include <gtest/gtest.h>

#include "crypto/sha256.hpp"
#include "crypto/sha256_compress.hpp"
#include "primitives/test_util.hpp"
#include "util/hex.hpp"

namespace cloudchain::primitives {
namespace {

constexpr std::size_t kSealKindOffset = kHeaderFixedSize;
constexpr std::size_t kBitsOffset = kHeaderFixedSize + 1;

crypto::PrivateKey key(std::uint8_t fill) {
  util::ByteArray<32> secret{};
  secret.fill(fill);
  return *crypto::PrivateKey::from_bytes(secret);
}

Hash256 target_hex(std::string_view hex) { return *util::from_hex_array<32>(hex); }

Bytes with_bits(const BlockHeader& h, std::uint32_t bits) {
  Bytes b = encode(h);
  for (std::size_t i = 0; i < 4; ++i) b[kBitsOffset + i] = static_cast<std::uint8_t>(bits >> (8 * i));
  return b;
}

// --- codec ------------------------------------------------------------------

TEST(HeaderCodec, RoundTripRandom) {
  test::Rng rng(0x7201);
  for (int i = 0; i < 600; ++i) {
    const bool pos = (i % 2) == 1;
    const BlockHeader h = test::random_header(rng, pos);
    const Bytes enc = encode(h);
    EXPECT_EQ(enc.size(), pos ? kPosHeaderSize : kPowHeaderSize);
    auto dec = decode_header(enc);
    ASSERT_TRUE(dec) << to_string(dec.error().code);
    EXPECT_EQ(*dec, h);
    EXPECT_EQ(encode(*dec), enc);
  }
}

TEST(HeaderCodec, ReencodesEveryAcceptedMutation) {
  test::Rng rng(0x7202);
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) {
    Bytes b = encode(test::random_header(rng, rng.coin()));
    b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1 + rng.below(255));
    if (auto dec = decode_header(b)) {
      ++accepted;
      EXPECT_EQ(encode(*dec), b);
    }
  }
  EXPECT_GT(accepted, 500);
}

TEST(HeaderCodec, TruncationAtEveryOffset) {
  test::Rng rng(0x7203);
  for (bool pos : {false, true}) {
    const Bytes enc = encode(test::random_header(rng, pos));
    for (std::size_t n = 0; n < enc.size(); ++n) {
      auto dec = decode_header(ByteSpan(enc).first(n));
      ASSERT_FALSE(dec);
      EXPECT_EQ(dec.error().code, CodecError::kTruncated) << n;
    }
  }
}

TEST(HeaderCodec, TrailingByteRejected) {
  test::Rng rng(0x7204);
  Bytes enc = encode(test::random_header(rng, false));
  enc.push_back(0);
  EXPECT_EQ(decode_header(enc).error().code, CodecError::kTrailingBytes);
}

TEST(HeaderCodec, UnknownVersionRejected) {
  test::Rng rng(0x7205);
  Bytes enc = encode(test::random_header(rng, false));
  for (std::uint8_t v : test::U8List{0, 2}) {
    enc[0] = v;
    EXPECT_EQ(decode_header(enc).error().code, CodecError::kUnknownVersion);
  }
  enc[0] = 1;
  enc[3] = 1;  // version 0x01000001
  EXPECT_EQ(decode_header(enc).error().code, CodecError::kUnknownVersion);
}

TEST(HeaderCodec, UnknownSealKindRejected) {
  test::Rng rng(0x7206);
  Bytes enc = encode(test::random_header(rng, false));
  for (std::uint8_t k : test::U8List{0, 3, 255}) {
    enc[kSealKindOffset] = k;
    auto dec = decode_header(enc);
    ASSERT_FALSE(dec);
    EXPECT_EQ(dec.error().code, CodecError::kUnknownSealKind);
  }
}

TEST(HeaderCodec, NonCanonicalBitsRejected) {
  test::Rng rng(0x7207);
  const BlockHeader h = test::random_header(rng, false);
  EXPECT_EQ(decode_header(with_bits(h, 0x1d80ffff)).error().code, CodecError::kCompactNegative);
  EXPECT_EQ(decode_header(with_bits(h, 0x1d000000)).error().code, CodecError::kCompactZero);
  EXPECT_EQ(decode_header(with_bits(h, 0x22010000)).error().code, CodecError::kCompactOverflow);
  EXPECT_EQ(decode_header(with_bits(h, 0x1d0000ff)).error().code, CodecError::kCompactNotNormalized);
  EXPECT_TRUE(decode_header(with_bits(h, 0x1d00ffff)));
}

// --- compact targets ----------------------------------------------------------

TEST(Compact, KnownValues) {
  // Bitcoin's genesis difficulty and regtest's minimum difficulty.
  EXPECT_EQ(*target_from_bits(0x1d00ffff),
            target_hex("00000000ffff0000000000000000000000000000000000000000000000000000"));
  EXPECT_EQ(*target_from_bits(0x207fffff),
            target_hex("7fffff0000000000000000000000000000000000000000000000000000000000"));
  EXPECT_EQ(*target_from_bits(0x03123456),
            target_hex("0000000000000000000000000000000000000000000000000000000000123456"));
  EXPECT_EQ(*target_from_bits(0x02008000),
            target_hex("0000000000000000000000000000000000000000000000000000000000000080"));
  EXPECT_EQ(*target_from_bits(0x01010000),
            target_hex("0000000000000000000000000000000000000000000000000000000000000001"));
  EXPECT_EQ(*target_from_bits(0x2100ffff),
            target_hex("ffff000000000000000000000000000000000000000000000000000000000000"));
  EXPECT_EQ(bits_from_target(target_hex("00000000ffff0000000000000000000000000000000000000000000000000000")),
            0x1d00ffffu);
  EXPECT_EQ(bits_from_target(target_hex("0000000000000000000000000000000000000000000000000000000000000080")),
            0x02008000u);
  EXPECT_EQ(bits_from_target(Hash256{}), 0u);
}

TEST(Compact, EachRuleHasItsCode) {
  EXPECT_EQ(target_from_bits(0x04923456).error().code, CodecError::kCompactNegative);
  EXPECT_EQ(target_from_bits(0x00800000).error().code, CodecError::kCompactNegative);
  EXPECT_EQ(target_from_bits(0x00000000).error().code, CodecError::kCompactZero);
  EXPECT_EQ(target_from_bits(0x20000000).error().code, CodecError::kCompactZero);
  EXPECT_EQ(target_from_bits(0x01003456).error().code, CodecError::kCompactZero);  // shifted out entirely
  EXPECT_EQ(target_from_bits(0x22010000).error().code, CodecError::kCompactOverflow);
  EXPECT_EQ(target_from_bits(0x21010000).error().code, CodecError::kCompactOverflow);
  EXPECT_EQ(target_from_bits(0xff123456).error().code, CodecError::kCompactOverflow);
  EXPECT_EQ(target_from_bits(0x01123456).error().code, CodecError::kCompactNotNormalized);  // low bytes lost
  EXPECT_EQ(target_from_bits(0x05001234).error().code, CodecError::kCompactNotNormalized);  // leading zero byte
  EXPECT_EQ(target_from_bits(0x1d0000ff).error().code, CodecError::kCompactNotNormalized);
  EXPECT_EQ(target_from_bits(0x04000080).error().code, CodecError::kCompactNotNormalized);
}

TEST(Compact, NormalizedRoundTripOfRandomTargets) {
  test::Rng rng(0x7208);
  for (int i = 0; i < 2000; ++i) {
    Hash256 t = rng.array<32>();
    const std::size_t zeros = rng.below(33);
    for (std::size_t j = 0; j < zeros && j < 32; ++j) t[j] = 0;
    const std::uint32_t bits = bits_from_target(t);
    if (bits == 0) continue;
    auto back = target_from_bits(bits);
    ASSERT_TRUE(back) << std::hex << bits << " " << to_string(back.error().code);
    EXPECT_TRUE(hash_meets_target(*back, t));  // rounds down
    EXPECT_EQ(bits_from_target(*back), bits);
  }
}

TEST(Compact, HashComparisonIsBigEndian) {
  const Hash256 target = target_hex("0000ff0000000000000000000000000000000000000000000000000000000000");
  EXPECT_TRUE(hash_meets_target(target, target));
  EXPECT_TRUE(
      hash_meets_target(target_hex("0000feffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), target));
  EXPECT_FALSE(
      hash_meets_target(target_hex("0000ff0000000000000000000000000000000000000000000000000000000001"), target));
  EXPECT_FALSE(
      hash_meets_target(target_hex("0100000000000000000000000000000000000000000000000000000000000000"), target));
}

// --- hashes -------------------------------------------------------------------

TEST(HeaderHash, BlockHashDefinition) {
  test::Rng rng(0x7209);
  for (bool pos : {false, true}) {
    const BlockHeader h = test::random_header(rng, pos);
    Bytes preimage(kHeaderHashPrefix.begin(), kHeaderHashPrefix.end());
    util::append(preimage, encode(h));
    EXPECT_EQ(pow_preimage(h), preimage);
    EXPECT_EQ(block_hash(h), crypto::sha256d(preimage));
  }
}

TEST(HeaderHash, PowHasherOverPreimageGivesBlockHash) {
  test::Rng rng(0x720a);
  BlockHeader h = test::random_header(rng, false);
  const Bytes preimage = pow_preimage(h);
  ASSERT_EQ(preimage.size(), kPowPreimageSize);
  ASSERT_EQ(kPowPreimageSize % 64, 41u);  // two whole blocks and a 41-byte tail
  const crypto::PowHasher hasher(preimage, kPowNonceOffset);
  for (std::uint64_t nonce : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0xdeadbeef}, rng.u64(), UINT64_MAX}) {
    std::get<PowSeal>(h.seal).nonce = nonce;
    EXPECT_EQ(hasher.hash(nonce), block_hash(h)) << nonce;
    const Bytes p = pow_preimage(h);
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(p[kPowNonceOffset + i], static_cast<std::uint8_t>(nonce >> (8 * i)));
  }
}

TEST(HeaderHash, MinedNonceMeetsTarget) {
  test::Rng rng(0x720b);
  BlockHeader h = test::random_header(rng, false);
  std::get<PowSeal>(h.seal).bits = 0x1f00ffff;  // about 1 in 65536 hashes
  const Hash256 target = *target_from_bits(0x1f00ffff);
  const crypto::PowHasher hasher(pow_preimage(h), kPowNonceOffset);
  const auto nonce = hasher.search(0, 10'000'000, target);
  ASSERT_TRUE(nonce);
  std::get<PowSeal>(h.seal).nonce = *nonce;
  EXPECT_TRUE(hash_meets_target(block_hash(h), target));
  std::get<PowSeal>(h.seal).nonce = *nonce + 1;
  // The next nonce almost surely fails; the check is that hashing is not constant.
  EXPECT_NE(block_hash(h), hasher.hash(*nonce));
}

// --- PoS proposals --------------------------------------------------------------

TEST(Proposal, SignAndVerify) {
  test::Rng rng(0x720c);
  BlockHeader h = test::random_header(rng, true);
  h.chain_id = 7;
  sign_proposal(h, key(0x09));
  EXPECT_TRUE(verify_proposal(h, key(0x09).public_key()));
  EXPECT_EQ(verify_proposal(h, key(0x0a).public_key()).error().code, crypto::SigError::kInvalidSignature);

  const Bytes enc = encode(h);
  EXPECT_EQ(proposal_signing_hash(h), crypto::tagged_hash("cloudchain/proposal", ByteSpan(enc).first(enc.size() - 64)));

  BlockHeader other = h;
  other.timestamp_ms += 1;
  EXPECT_FALSE(verify_proposal(other, key(0x09).public_key()));
  other = h;
  std::get<PosSeal>(other.seal).last_commit_hash[0] ^= 1;
  EXPECT_FALSE(verify_proposal(other, key(0x09).public_key()));
  other = h;
  std::get<PosSeal>(other.seal).proposer_sig = test::negate_s(std::get<PosSeal>(h.seal).proposer_sig);
  EXPECT_EQ(verify_proposal(other, key(0x09).public_key()).error().code, crypto::SigError::kHighS);
}

TEST(Proposal, PowHeaderHasNoProposerSignature) {
  test::Rng rng(0x720d);
  const BlockHeader h = test::random_header(rng, false);
  EXPECT_EQ(verify_proposal(h, key(0x09).public_key()).error().code, crypto::SigError::kBadSignature);
}

}  // namespace
}  // namespace cloudchain::primitives
