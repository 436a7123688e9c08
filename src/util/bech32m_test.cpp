#include "util/bech32m.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>

namespace cloudchain::util {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// BIP350 "Test vectors for Bech32m": valid strings.
constexpr std::array<std::string_view, 7> kValid = {
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
};

TEST(Bech32m, Bip350ValidStrings) {
  for (const auto text : kValid) {
    const auto decoded = bech32m_decode(text);
    ASSERT_TRUE(decoded.has_value()) << text << ": " << to_string(decoded.error().code);
    // Re-encoding gives the lower-case form of the input.
    EXPECT_EQ(bech32m_encode(decoded->hrp, decoded->data), lower(text));
  }
}

TEST(Bech32m, Bip350ValidStringContents) {
  const auto empty = bech32m_decode("A1LQFN3A").value();
  EXPECT_EQ(empty.hrp, "a");
  EXPECT_TRUE(empty.data.empty());
  // "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx" carries the values 31, 30, ..., 0.
  const auto desc = bech32m_decode("abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx").value();
  ASSERT_EQ(desc.data.size(), 32U);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(desc.data[i], 31 - i);
}

struct InvalidCase {
  std::string_view text;
  Bech32Error code;
  std::string_view why;  // BIP350's reason
};

TEST(Bech32m, Bip350InvalidStrings) {
  using enum Bech32Error;
  const std::array<InvalidCase, 14> cases = {{
      {std::string_view("\x20"
                        "1xj0phk"),
       kBadCharacter, "HRP character out of range"},
      {std::string_view("\x7f"
                        "1g6xzxy"),
       kBadCharacter, "HRP character out of range"},
      {std::string_view("\x80"
                        "1vctc34"),
       kBadCharacter, "HRP character out of range"},
      {"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4", kTooLong,
       "overall max length exceeded"},
      {"qyrz8wqd2c9m", kNoSeparator, "no separator character"},
      {"1qyrz8wqd2c9m", kBadHrp, "empty HRP"},
      {"y1b0jsk6g", kBadCharacter, "invalid data character"},
      {"lt1igcx5c0", kBadCharacter, "invalid data character"},
      {"in1muywd", kTooShort, "too short checksum"},
      {"mm1crxm3i", kBadCharacter, "invalid character in checksum"},
      {"au1s5cgom", kBadCharacter, "invalid character in checksum"},
      {"M1VUXWEZ", kBadChecksum, "checksum calculated with uppercase form of HRP"},
      {"16plkw9", kBadHrp, "empty HRP"},
      {"1p2gdwpf", kBadHrp, "empty HRP"},
  }};
  for (const auto& c : cases) {
    const auto decoded = bech32m_decode(c.text);
    ASSERT_FALSE(decoded.has_value()) << c.why;
    EXPECT_EQ(decoded.error().code, c.code) << c.why << ": got " << to_string(decoded.error().code);
  }
}

TEST(Bech32m, Bip350InvalidAddressesAtTheChecksumLevel) {
  // From BIP350's invalid segwit addresses, those invalid for bech32m itself (the
  // others break segwit-only rules: witness version, program length).
  EXPECT_EQ(bech32m_decode("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd").error().code,
            Bech32Error::kBadChecksum);  // bech32 instead of bech32m
  EXPECT_EQ(bech32m_decode("tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf").error().code,
            Bech32Error::kBadChecksum);  // bech32 instead of bech32m
  EXPECT_EQ(bech32m_decode("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL").error().code,
            Bech32Error::kBadChecksum);  // bech32 instead of bech32m
  EXPECT_EQ(bech32m_decode("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq").error().code,
            Bech32Error::kMixedCase);
  EXPECT_EQ(bech32m_decode("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4").error().code,
            Bech32Error::kBadCharacter);  // 'o' is not in the alphabet
}

TEST(Bech32m, Bech32ChecksumIsNotBech32m) {
  // BIP173 valid bech32 strings: every one must fail as bech32m.
  for (const std::string_view text : {
           "A12UEL5L",
           "a12uel5l",
           "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
           "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
           "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
           "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
           "?1ezyfcl",
           "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
       }) {
    const auto decoded = bech32m_decode(text);
    ASSERT_FALSE(decoded.has_value()) << text;
    EXPECT_EQ(decoded.error().code, Bech32Error::kBadChecksum) << text;
  }
}

TEST(Bech32m, RandomBytesRoundTrip) {
  std::mt19937_64 rng(350);
  for (std::size_t len = 0; len <= 50; ++len) {  // 2 + 1 + ceil(8*50/5) + 6 = 89 <= 90
    for (int k = 0; k < 20; ++k) {
      Bytes bytes(len);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      const std::string text = bech32m_encode_bytes("cc", bytes);
      ASSERT_LE(text.size(), 90U);
      const auto back = bech32m_decode_bytes(text, "cc");
      ASSERT_TRUE(back.has_value()) << text;
      EXPECT_EQ(*back, bytes);
    }
  }
}

TEST(Bech32m, BadPaddingInPayload) {
  // Valid checksums around 5-bit payloads that are not whole bytes.
  EXPECT_EQ(bech32m_decode_bytes(bech32m_encode("cc", Bytes{31, 29}), "cc").error().code, Bech32Error::kBadPadding);
  EXPECT_EQ(bech32m_decode_bytes(bech32m_encode("cc", Bytes{31, 28, 0}), "cc").error().code, Bech32Error::kBadPadding);
  EXPECT_EQ(bech32m_decode_bytes(bech32m_encode("cc", Bytes{31, 28}), "cc").value(), Bytes{0xff});
}

TEST(Bech32m, WrongPrefix) {
  const std::string text = bech32m_encode_bytes("cctest", Bytes{1, 2, 3});
  EXPECT_EQ(bech32m_decode_bytes(text, "cc").error().code, Bech32Error::kWrongPrefix);
  EXPECT_EQ(bech32m_decode_bytes(text, "cctest").value(), (Bytes{1, 2, 3}));
}

TEST(Bech32m, ConvertBitsPadding) {
  // 8->5 pads with zeros; 5->8 rejects non-zero padding and more than 4 padding bits.
  EXPECT_EQ(convert_bits(Bytes{0xff}, 8, 5, true).value(), (Bytes{31, 28}));
  EXPECT_EQ(convert_bits(Bytes{31, 28}, 5, 8, false).value(), (Bytes{0xff}));
  EXPECT_EQ(convert_bits(Bytes{31, 29}, 5, 8, false).error().code, Bech32Error::kBadPadding);
  EXPECT_EQ(convert_bits(Bytes{31, 28, 0}, 5, 8, false).error().code, Bech32Error::kBadPadding);
  EXPECT_EQ(convert_bits(Bytes{32}, 5, 8, false).error().code, Bech32Error::kBadCharacter);
}

TEST(Bech32m, ErrorNamesAreDistinct) {
  using enum Bech32Error;
  std::vector<std::string_view> names;
  for (const auto e : {kTooLong, kMixedCase, kNoSeparator, kBadHrp, kBadCharacter, kTooShort, kBadChecksum, kBadPadding,
                       kWrongPrefix, kWrongDataLength}) {
    EXPECT_TRUE(to_string(e).starts_with("bech32_"));
    names.push_back(to_string(e));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
}

}  // namespace
}  // namespace cloudchain::util
