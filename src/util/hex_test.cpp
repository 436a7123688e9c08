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

}  // namespace
}  // namespace cloudchain::util
