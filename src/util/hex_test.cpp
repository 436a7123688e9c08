#include "util/hex.hpp"

#include <gtest/gtest.h>

namespace cloudchain::util {
namespace {

TEST(Hex, RoundTrip) {
  const Bytes b{0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  EXPECT_EQ(from_hex("0001ABff").value(), b);
  EXPECT_EQ(from_hex("").value(), Bytes{});
}

TEST(Hex, RejectsOddLength) { EXPECT_EQ(from_hex("abc").error().code, HexError::kOddLength); }

TEST(Hex, RejectsBadCharacter) {
  EXPECT_EQ(from_hex("0g").error().code, HexError::kBadCharacter);
  EXPECT_EQ(from_hex("0x00").error().code, HexError::kBadCharacter);
}

TEST(Hex, FixedLength) {
  EXPECT_TRUE(from_hex_array<2>("abcd").has_value());
  EXPECT_EQ(from_hex_array<2>("abcdef").error().code, HexError::kWrongLength);
}

TEST(Bytes, EqualConstantTime) {
  EXPECT_TRUE(equal_ct(Bytes{1, 2}, Bytes{1, 2}));
  EXPECT_FALSE(equal_ct(Bytes{1, 2}, Bytes{1, 3}));
  EXPECT_FALSE(equal_ct(Bytes{1, 2}, Bytes{1}));
}

// The same order as operator< on every pair: differing in the first 8 bytes (where the
// big-endian reading decides, not the machine's), only after them, or not at all.
TEST(Bytes, LessByPrefixIsTheArraysOrder) {
  std::vector<ByteArray<20>> values;
  for (const int lead : {0x00, 0x01, 0x80, 0xff}) {
    for (const std::size_t at : {0UL, 7UL, 8UL, 19UL}) {
      ByteArray<20> v{};
      v.fill(0x11);
      v[0] = static_cast<std::uint8_t>(lead);
      v[at] = static_cast<std::uint8_t>(v[at] ^ 0x90U);
      values.push_back(v);
    }
  }
  for (const auto& a : values) {
    for (const auto& b : values) EXPECT_EQ(less_by_prefix(a, b), a < b) << to_hex(a) << " " << to_hex(b);
  }
}

TEST(Hex, EveryCharacterDecodesAsItsDigitOrFails) {
  for (int c = 0; c < 256; ++c) {
    const std::string text{static_cast<char>(c), '0'};
    const auto decoded = from_hex(text);
    const std::string_view digits = "0123456789abcdef";
    const auto lower = digits.find(static_cast<char>(c));
    const auto upper = std::string_view("0123456789ABCDEF").find(static_cast<char>(c));
    const auto digit = lower != std::string_view::npos ? lower : upper;
    if (digit == std::string_view::npos) {
      ASSERT_FALSE(decoded) << c;
      EXPECT_EQ(decoded.error().code, HexError::kBadCharacter);
    } else {
      ASSERT_TRUE(decoded) << c;
      EXPECT_EQ(*decoded, Bytes{static_cast<std::uint8_t>(digit << 4)}) << c;
    }
  }
}

}  // namespace
}  // namespace cloudchain::util
