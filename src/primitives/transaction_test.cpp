#include "primitives/transaction.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "crypto/sha256.hpp"
#include "primitives/test_util.hpp"

namespace cloudchain::primitives {
namespace {

constexpr std::uint32_t kChain = 7;

crypto::PrivateKey key(std::uint8_t fill) {
  util::ByteArray<32> secret{};
  secret.fill(fill);
  return *crypto::PrivateKey::from_bytes(secret);
}

Transaction signed_tx(TxBody body, std::uint32_t chain = kChain) {
  Transaction tx;
  tx.chain_id = chain;
  tx.nonce = 3;
  tx.fee = 10;
  tx.body = std::move(body);
  sign(tx, key(0x01));
  return tx;
}

Transaction signed_transfer() { return signed_tx(Transfer{.to = crypto::Address{}, .amount = 42}); }

/// The encoding of `tx` with one byte replaced.
Bytes with_byte(const Transaction& tx, std::size_t offset, std::uint8_t value) {
  Bytes b = encode(tx);
  b.at(offset) = value;
  return b;
}

constexpr std::size_t kKindOffset = 1 + 4;

// --- codec ------------------------------------------------------------------

TEST(TxCodec, RoundTripRandom) {
  test::Rng rng(0x7001);
  for (int i = 0; i < 1000; ++i) {
    const Transaction tx = test::random_tx(rng);
    const Bytes enc = encode(tx);
    EXPECT_EQ(enc.size(), encoded_size(tx));
    auto dec = decode_transaction(enc);
    ASSERT_TRUE(dec) << to_string(dec.error().code) << " " << dec.error().detail;
    EXPECT_EQ(*dec, tx);
    EXPECT_EQ(encode(*dec), enc);
  }
}

TEST(TxCodec, ReencodesEveryAcceptedMutation) {
  // encode(decode(b)) == b for every accepted b: mutate valid encodings at random.
  test::Rng rng(0x7002);
  int accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    Bytes b = encode(test::random_tx(rng));
    const std::size_t flips = 1 + rng.below(3);
    for (std::size_t f = 0; f < flips; ++f) b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1 + rng.below(255));
    if (auto dec = decode_transaction(b)) {
      ++accepted;
      EXPECT_EQ(encode(*dec), b);
    }
  }
  EXPECT_GT(accepted, 100);
}

TEST(TxCodec, SizesPerKind) {
  test::Rng rng(0x7003);
  EXPECT_EQ(encode(test::random_tx(rng, 1)).size(), 147u);
  EXPECT_EQ(encode(test::random_tx(rng, 3)).size(), kMinTxSize);
  EXPECT_EQ(encode(test::random_tx(rng, 5)).size(), 119u + 2 * kVoteSize);
  EXPECT_EQ(encode(test::random_tx(rng, 6)).size(), 152u);
}

TEST(TxCodec, TruncationAtEveryOffsetOfEveryKind) {
  test::Rng rng(0x7004);
  for (int kind = 1; kind <= 6; ++kind) {
    const Bytes enc = encode(test::random_tx(rng, kind));
    for (std::size_t n = 0; n < enc.size(); ++n) {
      auto dec = decode_transaction(ByteSpan(enc).first(n));
      ASSERT_FALSE(dec) << "kind " << kind << " length " << n;
      EXPECT_EQ(dec.error().code, CodecError::kTruncated) << "kind " << kind << " length " << n;
    }
  }
}

TEST(TxCodec, TrailingByteRejected) {
  Bytes enc = encode(signed_transfer());
  enc.push_back(0);
  EXPECT_EQ(decode_transaction(enc).error().code, CodecError::kTrailingBytes);
}

TEST(TxCodec, UnknownVersionRejected) {
  for (std::uint8_t v : test::U8List{0, 2, 255}) {
    auto dec = decode_transaction(with_byte(signed_transfer(), 0, v));
    ASSERT_FALSE(dec);
    EXPECT_EQ(dec.error().code, CodecError::kUnknownVersion);
    EXPECT_EQ(dec.error().detail, "tx.version");
  }
}

TEST(TxCodec, UnknownKindRejected) {
  for (std::uint8_t k : test::U8List{0, 7, 255}) {
    auto dec = decode_transaction(with_byte(signed_transfer(), kKindOffset, k));
    ASSERT_FALSE(dec);
    EXPECT_EQ(dec.error().code, CodecError::kUnknownTxKind);
  }
}

TEST(TxCodec, MemoLengthLimit) {
  test::Rng rng(0x7005);
  Transaction tx = test::random_tx(rng, 4);
  std::get<Anchor>(tx.body).memo = Bytes(kMaxMemoSize, 0x61);
  ASSERT_TRUE(decode_transaction(encode(tx)));

  std::get<Anchor>(tx.body).memo = Bytes(kMaxMemoSize + 1, 0x61);
  auto dec = decode_transaction(encode(tx));
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().code, CodecError::kLengthTooLarge);
  EXPECT_EQ(dec.error().detail, "tx.anchor.memo");
}

TEST(TxCodec, EvidenceWithUnknownVoteTypeRejected) {
  test::Rng rng(0x7006);
  const Transaction tx = test::random_tx(rng, 5);
  const std::size_t vote_a_type = 1 + 4 + 1 + 33 + 8 + 8 + 4;
  const std::size_t vote_b_type = vote_a_type + kVoteSize;
  for (std::size_t offset : {vote_a_type, vote_b_type}) {
    for (std::uint8_t t : test::U8List{0, 3}) {
      auto dec = decode_transaction(with_byte(tx, offset, t));
      ASSERT_FALSE(dec);
      EXPECT_EQ(dec.error().code, CodecError::kUnknownVoteType);
    }
  }
}

TEST(TxCodec, UnjailLayout) {
  // kind 6, then the 33-byte key right after the fee; the signature follows it.
  const crypto::PublicKey validator = key(0x05).public_key();
  const Transaction tx = signed_tx(Unjail{.validator = validator});
  const Bytes enc = encode(tx);
  ASSERT_EQ(enc.size(), kMinTxSize - 8 + 33);
  EXPECT_EQ(enc[kKindOffset], 6);
  constexpr std::size_t kBodyOffset = 1 + 4 + 1 + 33 + 8 + 8;
  EXPECT_TRUE(std::equal(validator.begin(), validator.end(), enc.begin() + kBodyOffset));
  auto dec = decode_transaction(enc);
  ASSERT_TRUE(dec);
  EXPECT_EQ(*dec, tx);
  EXPECT_EQ(dec->kind(), TxKind::kUnjail);
  EXPECT_EQ(to_string(dec->kind()), "unjail");

  // Strict: one byte short is truncated, one more is trailing; an unstake body under
  // kind 6 is too short.
  EXPECT_EQ(decode_transaction(ByteSpan(enc).first(enc.size() - 1)).error().code, CodecError::kTruncated);
  Bytes longer = enc;
  longer.push_back(0);
  EXPECT_EQ(decode_transaction(longer).error().code, CodecError::kTrailingBytes);
  auto as_unstake = decode_transaction(with_byte(signed_tx(Unstake{.amount = 1}), kKindOffset, 6));
  ASSERT_FALSE(as_unstake);
  EXPECT_EQ(as_unstake.error().code, CodecError::kTruncated);
}

TEST(TxCodec, KindFollowsBody) {
  test::Rng rng(0x7007);
  for (int kind = 1; kind <= 6; ++kind) {
    const Transaction tx = test::random_tx(rng, kind);
    EXPECT_EQ(static_cast<int>(tx.kind()), kind);
    EXPECT_EQ(encode(tx)[kKindOffset], kind);
  }
}

// --- hashes and signatures ----------------------------------------------------

TEST(TxHash, TxidCoversSignatureSighashDoesNot) {
  Transaction tx = signed_transfer();
  const Hash256 id = txid(tx);
  const Hash256 sighash = signing_hash(tx);
  EXPECT_NE(id, sighash);
  tx.signature[10] ^= 1;
  EXPECT_NE(txid(tx), id);
  EXPECT_EQ(signing_hash(tx), sighash);
}

TEST(TxHash, DefinitionsFromTheSpec) {
  const Transaction tx = signed_transfer();
  const Bytes enc = encode(tx);
  EXPECT_EQ(txid(tx), crypto::tagged_hash("cloudchain/txid", enc));
  EXPECT_EQ(signing_hash(tx), crypto::tagged_hash("cloudchain/tx", ByteSpan(enc).first(enc.size() - 64)));
  EXPECT_EQ(sender_address(tx), crypto::address_of(key(0x01).public_key()));
}

TEST(TxCheck, SignedTransactionsOfEveryKindPass) {
  EXPECT_TRUE(check_transaction(signed_transfer(), kChain));
  EXPECT_TRUE(check_transaction(signed_tx(Stake{.amount = 1, .validator = key(0x05).public_key()}), kChain));
  EXPECT_TRUE(check_transaction(signed_tx(Unstake{.amount = 1}), kChain));
  EXPECT_TRUE(check_transaction(signed_tx(Anchor{.digest = Hash256{}, .memo = {}}), kChain));
  EXPECT_TRUE(check_transaction(signed_tx(Anchor{.digest = Hash256{}, .memo = Bytes(64, 1)}), kChain));
  EXPECT_TRUE(check_transaction(signed_tx(Unjail{.validator = key(0x05).public_key()}), kChain));
}

TEST(TxCheck, AnyFlippedBitFails) {
  for (const Transaction& tx : {signed_transfer(), signed_tx(Anchor{.digest = Hash256{}, .memo = Bytes{1, 2, 3}}),
                                signed_tx(Stake{.amount = 9, .validator = key(0x05).public_key()}),
                                signed_tx(Unjail{.validator = key(0x05).public_key()})}) {
    const Bytes enc = encode(tx);
    for (std::size_t i = 0; i < enc.size(); ++i) {
      for (int bit : {0, 7}) {
        Bytes b = enc;
        b[i] ^= static_cast<std::uint8_t>(1 << bit);
        auto dec = decode_transaction(b);
        if (!dec) continue;  // the codec already rejects it
        EXPECT_FALSE(check_transaction(*dec, kChain)) << "byte " << i << " bit " << bit;
      }
    }
  }
}

TEST(TxCheck, WrongChainRejected) {
  const Transaction tx = signed_transfer();
  auto r = check_transaction(tx, kChain + 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TxCheckError::kWrongChain);

  // Replayed onto another chain by editing the field: the signature no longer verifies.
  Transaction replay = tx;
  replay.chain_id = kChain + 1;
  EXPECT_EQ(check_transaction(replay, kChain + 1).error().code, TxCheckError::kInvalidSignature);
}

TEST(TxCheck, HighSRejected) {
  Transaction tx = signed_transfer();
  tx.signature = test::negate_s(tx.signature);
  EXPECT_EQ(check_transaction(tx, kChain).error().code, TxCheckError::kHighS);
}

TEST(TxCheck, SignatureEncodingRules) {
  Transaction tx = signed_transfer();
  tx.signature = {};
  EXPECT_EQ(check_transaction(tx, kChain).error().code, TxCheckError::kBadSignatureEncoding);
  tx = signed_transfer();
  tx.sender[0] = 0x04;
  EXPECT_EQ(check_transaction(tx, kChain).error().code, TxCheckError::kBadSenderKey);
  tx = signed_transfer();
  sign(tx, key(0x02));
  tx.sender = key(0x01).public_key();
  EXPECT_EQ(check_transaction(tx, kChain).error().code, TxCheckError::kInvalidSignature);
}

TEST(TxCheck, ZeroAmountRejectedForKinds1To3) {
  for (const TxBody& body :
       {TxBody{Transfer{.to = {}, .amount = 0}}, TxBody{Stake{.amount = 0, .validator = key(0x05).public_key()}},
        TxBody{Unstake{.amount = 0}}}) {
    auto r = check_transaction(signed_tx(body), kChain);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, TxCheckError::kZeroAmount);
  }
}

TEST(TxCheck, StakeNeedsAValidValidatorKey) {
  crypto::PublicKey bad = key(0x05).public_key();
  bad[0] = 0x05;
  EXPECT_EQ(check_transaction(signed_tx(Stake{.amount = 1, .validator = bad}), kChain).error().code,
            TxCheckError::kBadValidatorKey);
}

TEST(TxCheck, UnjailNeedsAValidValidatorKey) {
  crypto::PublicKey bad = key(0x05).public_key();
  bad[0] = 0x05;
  auto r = check_transaction(signed_tx(Unjail{.validator = bad}), kChain);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TxCheckError::kBadValidatorKey);
  EXPECT_EQ(r.error().detail, "tx.unjail.validator");
  // Not on the curve: x = 5 has no y (5^3 + 7 = 132 is not a square mod p).
  crypto::PublicKey off_curve{};
  off_curve[0] = 0x02;
  off_curve[32] = 0x05;
  EXPECT_EQ(check_transaction(signed_tx(Unjail{.validator = off_curve}), kChain).error().code,
            TxCheckError::kBadValidatorKey);
  EXPECT_EQ(check_transaction(signed_tx(Unjail{.validator = crypto::PublicKey{}}), kChain).error().code,
            TxCheckError::kBadValidatorKey);
}

TEST(TxCheck, StructOutsideCodecLimitsRejected) {
  EXPECT_EQ(check_transaction(signed_tx(Anchor{.digest = {}, .memo = Bytes(65, 0)}), kChain).error().code,
            TxCheckError::kMemoTooLong);
  Transaction tx = signed_transfer();
  tx.version = 2;
  EXPECT_EQ(check_transaction(tx, kChain).error().code, TxCheckError::kUnsupportedVersion);
}

TEST(TxCheck, ErrorNamesAreDistinct) {
  std::set<std::string> names;
  const int last = static_cast<int>(TxCheckError::kEvidenceBadSignature);
  for (int i = 0; i <= last; ++i) {
    const auto name = to_string(static_cast<TxCheckError>(i));
    EXPECT_NE(name, "tx_unknown");
    names.emplace(name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(last) + 1);
}

TEST(TxCheck, DecodedRandomTransactionsNeverCrashTheChecker) {
  test::Rng rng(0x7008);
  for (int i = 0; i < 300; ++i) {
    const Transaction tx = test::random_tx(rng);
    EXPECT_FALSE(check_transaction(tx, tx.chain_id));  // random signatures never verify
  }
}

}  // namespace
}  // namespace cloudchain::primitives
