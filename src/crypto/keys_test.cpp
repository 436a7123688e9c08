#include "crypto/keys.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/sha256.hpp"
#include "util/hex.hpp"

namespace cloudchain::crypto {
namespace {

using util::as_bytes;
using util::from_hex_array;
using util::to_hex;

// secp256k1 group order n, big-endian.
constexpr std::string_view kOrderHex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

ByteArray<32> scalar(std::string_view hex) { return from_hex_array<32>(hex).value(); }

/// a - b for 256-bit big-endian numbers (a >= b).
ByteArray<32> sub(const ByteArray<32>& a, const ByteArray<32>& b) {
  ByteArray<32> out{};
  int borrow = 0;
  for (std::size_t i = 32; i-- > 0;) {
    const int d = int{a[i]} - int{b[i]} - borrow;
    borrow = d < 0 ? 1 : 0;
    out[i] = static_cast<std::uint8_t>(d + 256 * borrow);
  }
  return out;
}

/// ByteArray<32> + small
ByteArray<32> add_small(ByteArray<32> a, unsigned v) {
  for (std::size_t i = 32; i-- > 0 && v != 0;) {
    const unsigned sum = a[i] + v;
    a[i] = static_cast<std::uint8_t>(sum);
    v = sum >> 8;
  }
  return a;
}

Signature make_sig(const ByteArray<32>& r, const ByteArray<32>& s) {
  Signature sig{};
  std::copy(r.begin(), r.end(), sig.begin());
  std::copy(s.begin(), s.end(), sig.begin() + 32);
  return sig;
}

ByteArray<32> r_of(const Signature& sig) {
  ByteArray<32> r{};
  std::copy_n(sig.begin(), 32, r.begin());
  return r;
}

ByteArray<32> s_of(const Signature& sig) {
  ByteArray<32> s{};
  std::copy_n(sig.begin() + 32, 32, s.begin());
  return s;
}

struct Rfc6979Vector {
  std::string_view secret;
  std::string_view message;
  std::string_view r;
  std::string_view s;  // low-S form
};

// Deterministic ECDSA (RFC 6979, HMAC-SHA256 nonces) over secp256k1 with
// digest = SHA256(message): the vectors published for Bitcoin libraries
// (python-ecdsa, bitcoinj, libsecp256k1 users), s normalized to the lower half.
constexpr std::array<Rfc6979Vector, 7> kRfc6979 = {{
    {"0000000000000000000000000000000000000000000000000000000000000001", "Satoshi Nakamoto",
     "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8",
     "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"},
    {"0000000000000000000000000000000000000000000000000000000000000001",
     "All those moments will be lost in time, like tears in rain. Time to die...",
     "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b",
     "547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21"},
    {"0000000000000000000000000000000000000000000000000000000000000001",
     "Everything should be made as simple as possible, but not simpler.",
     "33a69cd2065432a30f3d1ce4eb0d59b8ab58c74f27c41a7fdb5696ad4e6108c9",
     "6f807982866f785d3f6418d24163ddae117b7db4d5fdf0071de069fa54342262"},
    {"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", "Satoshi Nakamoto",
     "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0",
     "6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5"},
    {"f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181", "Alan Turing",
     "7063ae83e7f62bbb171798131b4a0564b956930092b33b07b395615d9ec7e15c",
     "58dfcc1e00a35e1572f366ffe34ba0fc47db1e7189759b9fb233c5b05ab388ea"},
    {"e91671c46231f833a6406ccbea0e3e392c76c167bac1cb013f6f1013980455c2",
     "There is a computer disease that anybody who works with computers knows about. It's a very serious disease and "
     "it interferes completely with the work. The trouble with computers is that you 'play' with them!",
     "b552edd27580141f3b2a5463048cb7cd3e047b97c9f98076c32dbdf85a68718b",
     "279fa72dd19bfae05577e06c7c0c1900c371fcd5893f7e1d56a37d30174671f6"},
    {"cca9fbcc1b41e5a95d369eaa6ddcff73b61a4efaa279cfc6567e8daa39cbaf50", "sample",
     "af340daf02cc15c8d5d08d7735dfe6b98a474ed373bdb5fbecf7571be52b3842",
     "5009fb27f37034a9b24b707b7c6b79ca23ddef9e25f7282e8a797efe53a8f124"},
}};

TEST(Keys, Rfc6979Vectors) {
  for (const auto& v : kRfc6979) {
    const PrivateKey key = PrivateKey::from_bytes(scalar(v.secret)).value();
    const Hash256 digest = sha256(as_bytes(v.message));
    const Signature sig = key.sign(digest);
    EXPECT_EQ(to_hex(r_of(sig)), v.r) << v.message;
    EXPECT_EQ(to_hex(s_of(sig)), v.s) << v.message;
    EXPECT_TRUE(verify(key.public_key(), digest, sig).has_value()) << v.message;
  }
}

TEST(Keys, PublicKeyVectors) {
  // 1*G and a published key pair.
  EXPECT_EQ(to_hex(PrivateKey::from_bytes(scalar(kRfc6979[0].secret)).value().public_key()),
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  EXPECT_EQ(to_hex(PrivateKey::from_bytes(scalar(kRfc6979[6].secret)).value().public_key()),
            "0391f1ed66d63e12df118095ae010152f6cf65ffee656831f3000c28c4421d8e5b");
}

TEST(Keys, PrivateKeyRange) {
  const auto n = scalar(kOrderHex);
  EXPECT_EQ(PrivateKey::from_bytes(ByteArray<32>{}).error().code, SigError::kBadPrivateKey);
  EXPECT_EQ(PrivateKey::from_bytes(n).error().code, SigError::kBadPrivateKey);
  EXPECT_EQ(PrivateKey::from_bytes(add_small(n, 1)).error().code, SigError::kBadPrivateKey);
  ByteArray<32> max{};
  max.fill(0xff);
  EXPECT_EQ(PrivateKey::from_bytes(max).error().code, SigError::kBadPrivateKey);
  const ByteArray<32> one = scalar("0000000000000000000000000000000000000000000000000000000000000001");
  EXPECT_TRUE(PrivateKey::from_bytes(sub(n, one)).has_value());
  EXPECT_TRUE(PrivateKey::from_bytes(one).has_value());
}

TEST(Keys, GenerateSignVerify) {
  std::set<ByteArray<32>> seen;
  for (int i = 0; i < 20; ++i) {
    const PrivateKey key = PrivateKey::generate();
    EXPECT_TRUE(seen.insert(key.bytes()).second);
    const PublicKey pub = key.public_key();
    EXPECT_TRUE(is_valid_public_key(pub));
    const Hash256 digest = tagged_hash("cloudchain/tx", as_bytes(std::to_string(i)));
    const Signature sig = key.sign(digest);
    EXPECT_EQ(sig, key.sign(digest));  // deterministic
    EXPECT_TRUE(verify(pub, digest, sig).has_value());
  }
}

class Verify : public ::testing::Test {
 protected:
  const PrivateKey key = PrivateKey::from_bytes(scalar(kRfc6979[0].secret)).value();
  const PublicKey pub = key.public_key();
  const Hash256 digest = sha256(as_bytes(kRfc6979[0].message));
  const Signature sig = key.sign(digest);
  const ByteArray<32> n = scalar(kOrderHex);

  SigError code(const PublicKey& k, const Hash256& d, const Signature& s) const {
    const auto result = verify(k, d, s);
    EXPECT_FALSE(result.has_value());
    return result ? SigError::kBadPrivateKey : result.error().code;  // kBadPrivateKey: never a verify result
  }
};

TEST_F(Verify, HighSIsRejectedThoughTheMathHolds) {
  const Signature high = make_sig(r_of(sig), sub(n, s_of(sig)));
  EXPECT_EQ(code(pub, digest, high), SigError::kHighS);
}

TEST_F(Verify, ScalarsOutOfRange) {
  const ByteArray<32> zero{};
  EXPECT_EQ(code(pub, digest, make_sig(zero, s_of(sig))), SigError::kBadSignature);
  EXPECT_EQ(code(pub, digest, make_sig(r_of(sig), zero)), SigError::kBadSignature);
  EXPECT_EQ(code(pub, digest, make_sig(zero, zero)), SigError::kBadSignature);
  EXPECT_EQ(code(pub, digest, make_sig(n, s_of(sig))), SigError::kBadSignature);
  EXPECT_EQ(code(pub, digest, make_sig(r_of(sig), n)), SigError::kBadSignature);
  EXPECT_EQ(code(pub, digest, make_sig(add_small(n, 5), s_of(sig))), SigError::kBadSignature);
  ByteArray<32> max{};
  max.fill(0xff);
  EXPECT_EQ(code(pub, digest, make_sig(r_of(sig), max)), SigError::kBadSignature);
  // n-1 is in range: the encoding passes, the signature itself does not verify.
  const ByteArray<32> one = scalar("0000000000000000000000000000000000000000000000000000000000000001");
  EXPECT_EQ(code(pub, digest, make_sig(sub(n, one), one)), SigError::kInvalidSignature);
}

TEST_F(Verify, PublicKeyEncodings) {
  for (const std::uint8_t prefix : std::array<std::uint8_t, 7>{0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0xff}) {
    PublicKey bad = pub;
    bad[0] = prefix;
    EXPECT_FALSE(is_valid_public_key(bad)) << int{prefix};
    EXPECT_EQ(code(bad, digest, sig), SigError::kBadPublicKey) << int{prefix};
  }
  // X >= p is not a field element.
  PublicKey big{};
  big[0] = 0x02;
  std::fill(big.begin() + 1, big.end(), 0xff);
  EXPECT_EQ(code(big, digest, sig), SigError::kBadPublicKey);
  // An X with no Y: x^3 + 7 is a non-residue for about half of all X.
  int off_curve = 0;
  for (std::uint8_t x = 1; x < 20; ++x) {
    PublicKey k{};
    k[0] = 0x02;
    k[32] = x;
    if (!is_valid_public_key(k)) {
      ++off_curve;
      EXPECT_EQ(code(k, digest, sig), SigError::kBadPublicKey);
    }
  }
  EXPECT_GT(off_curve, 0);
}

TEST_F(Verify, WrongDigestOrKey) {
  Hash256 other = digest;
  other[31] ^= 1;
  EXPECT_EQ(code(pub, other, sig), SigError::kInvalidSignature);
  const PublicKey other_key = PrivateKey::generate().public_key();
  EXPECT_EQ(code(other_key, digest, sig), SigError::kInvalidSignature);
  PublicKey negated = pub;                                // -P: same X, other Y
  negated[0] = static_cast<std::uint8_t>(pub[0] ^ 0x01);  // 0x02 <-> 0x03
  EXPECT_EQ(code(negated, digest, sig), SigError::kInvalidSignature);
}

TEST_F(Verify, RulesAreCheckedInDocumentedOrder) {
  PublicKey bad = pub;
  bad[0] = 0x04;
  const ByteArray<32> zero{};
  // key before signature encoding, encoding before low-S, low-S before the math.
  EXPECT_EQ(code(bad, digest, make_sig(zero, zero)), SigError::kBadPublicKey);
  EXPECT_EQ(code(pub, digest, make_sig(zero, sub(n, s_of(sig)))), SigError::kBadSignature);
  Hash256 other = digest;
  other[0] ^= 0x80;
  EXPECT_EQ(code(pub, other, make_sig(r_of(sig), sub(n, s_of(sig)))), SigError::kHighS);
}

TEST(Keys, ErrorNames) {
  std::set<std::string_view> names;
  for (const SigError e : {SigError::kBadPrivateKey, SigError::kBadPublicKey, SigError::kBadSignature, SigError::kHighS,
                           SigError::kInvalidSignature}) {
    EXPECT_TRUE(to_string(e).starts_with("sig_"));
    names.insert(to_string(e));
  }
  EXPECT_EQ(names.size(), 5U);
}

}  // namespace
}  // namespace cloudchain::crypto
