#include "crypto/address.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>

#include "crypto/sha256.hpp"
#include "util/hex.hpp"

namespace cloudchain::crypto {
namespace {

using util::Bech32Error;

PublicKey generator_point() {
  return util::from_hex_array<33>("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798").value();
}

TEST(Address, DerivedByTaggedHash) {
  const PublicKey key = generator_point();
  const Hash256 h = tagged_hash("cloudchain/address", key);
  const Address a = address_of(key);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), h.begin()));
}

TEST(Address, Vector) {
  // Pinned in docs/protocol.md section 3 (checked independently with Python's hashlib and
  // the BIP350 reference encoder): the key of private key 1, the generator G.
  const Address a = address_of(generator_point());
  EXPECT_EQ(util::to_hex(a), "698a7f845e8300a545cc84b2745130b3c55b2ab0");
  EXPECT_EQ(encode_address("cc", a), "cc1dx98lpz7svq223wvsje8g5fsk0z4k24sqjhu6t");
  EXPECT_EQ(encode_address("cctest", a), "cctest1dx98lpz7svq223wvsje8g5fsk0z4k24sstjmq9");
  EXPECT_EQ(encode_address("ccdev", a), "ccdev1dx98lpz7svq223wvsje8g5fsk0z4k24s8zklcx");
}

TEST(Address, RoundTripOnEveryNetwork) {
  std::mt19937_64 rng(20);
  for (const std::string_view hrp : {"cc", "cctest", "ccdev"}) {
    for (int i = 0; i < 50; ++i) {
      Address a{};
      for (auto& b : a) b = static_cast<std::uint8_t>(rng());
      const std::string text = encode_address(hrp, a);
      EXPECT_TRUE(text.starts_with(std::string(hrp) + "1")) << text;
      EXPECT_EQ(decode_address(text, hrp).value(), a);
      std::string upper = text;
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
      EXPECT_EQ(decode_address(upper, hrp).value(), a);  // BIP173: one case, either case
    }
  }
}

TEST(Address, WrongNetworkIsRejected) {
  const Address a = address_of(generator_point());
  EXPECT_EQ(decode_address(encode_address("cctest", a), "cc").error().code, Bech32Error::kWrongPrefix);
  EXPECT_EQ(decode_address(encode_address("cc", a), "cctest").error().code, Bech32Error::kWrongPrefix);
  EXPECT_EQ(decode_address(encode_address("ccdev", a), "cc").error().code, Bech32Error::kWrongPrefix);
}

TEST(Address, WrongLengthIsRejected) {
  for (const std::size_t len : {0U, 19U, 21U, 32U}) {
    const util::Bytes payload(len, 0xab);
    EXPECT_EQ(decode_address(util::bech32m_encode_bytes("cc", payload), "cc").error().code,
              Bech32Error::kWrongDataLength)
        << len;
  }
}

TEST(Address, TypoIsCaught) {
  const std::string text = encode_address("cc", address_of(generator_point()));
  // Any single substituted data character fails the checksum.
  for (std::size_t i = 3; i < text.size(); ++i) {
    std::string typo = text;
    typo[i] = typo[i] == 'q' ? 'p' : 'q';
    EXPECT_EQ(decode_address(typo, "cc").error().code, Bech32Error::kBadChecksum) << typo;
  }
  std::string mixed = text;
  mixed[4] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[4])));
  if (mixed != text) {
    EXPECT_EQ(decode_address(mixed, "cc").error().code, Bech32Error::kMixedCase);
  }
}

}  // namespace
}  // namespace cloudchain::crypto
