#include "amount.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace cloudchain::cli {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(CliAmount, AcceptsPlainDecimalBaseUnits) {
  EXPECT_EQ(parse_amount("0").value(), 0U);
  EXPECT_EQ(parse_amount("1").value(), 1U);
  EXPECT_EQ(parse_amount("5000000").value(), 5000000U);
  EXPECT_EQ(parse_amount("18446744073709551615").value(), kMax);
}

void expect_error(std::string_view text, AmountError code, std::string_view fragment) {
  auto r = parse_amount(text, "amount");
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_EQ(r.error().code, code) << text << ": " << r.error().detail;
  EXPECT_NE(r.error().detail.find(fragment), std::string::npos) << r.error().detail;
}

TEST(CliAmount, RejectsEachKindOfBadInputWithItsReason) {
  expect_error("", AmountError::kEmpty, "empty");
  expect_error("-5", AmountError::kNegative, "negative");
  expect_error("-0", AmountError::kNegative, "negative");
  expect_error("+5", AmountError::kSign, "sign");
  expect_error("1.5", AmountError::kFraction, "fractions");
  expect_error("10.", AmountError::kFraction, "fractions");
  expect_error(".5", AmountError::kFraction, "fractions");
  expect_error("1,000", AmountError::kSeparator, "separators");
  expect_error("1_000", AmountError::kSeparator, "separators");
  expect_error("1 000", AmountError::kSeparator, "separators");
  expect_error("1'000", AmountError::kSeparator, "separators");
  expect_error("010", AmountError::kLeadingZero, "leading zeros");
  expect_error("00", AmountError::kLeadingZero, "leading zeros");
  expect_error("1e6", AmountError::kBadCharacter, "digits");
  expect_error("0x10", AmountError::kBadCharacter, "digits");
  expect_error("ten", AmountError::kBadCharacter, "digits");
  expect_error("5\n", AmountError::kBadCharacter, "digits");
  expect_error("18446744073709551616", AmountError::kOverflow, "18,446,744,073,709,551,615");
  expect_error("99999999999999999999", AmountError::kOverflow, "maximum");
  expect_error("100000000000000000000000000000", AmountError::kOverflow, "maximum");
}

TEST(CliAmount, MessageNamesTheFieldAndTheText) {
  auto r = parse_amount("1.5", "fee");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "fee must be a whole number of base units (no fractions): \"1.5\"");
}

TEST(CliAmount, ErrorNamesAreStable) {
  EXPECT_EQ(to_string(AmountError::kOverflow), "amount_overflow");
  EXPECT_EQ(to_string(AmountError::kNegative), "amount_negative");
}

TEST(CliAmount, FormatsWithThousandsSeparators) {
  EXPECT_EQ(format_amount(0), "0");
  EXPECT_EQ(format_amount(999), "999");
  EXPECT_EQ(format_amount(1000), "1,000");
  EXPECT_EQ(format_amount(123456), "123,456");
  EXPECT_EQ(format_amount(1234567), "1,234,567");
  EXPECT_EQ(format_amount(kMax), "18,446,744,073,709,551,615");
}

TEST(CliAmount, FormatTextKeepsWhatItCannotParse) {
  EXPECT_EQ(format_amount_text("5000000"), "5,000,000");
  EXPECT_EQ(format_amount_text("-"), "-");
  EXPECT_EQ(format_amount_text("12abc"), "12abc");
}

TEST(CliAmount, RoundTripsThroughFormatWithoutSeparators) {
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{1000}, std::uint64_t{1} << 63, kMax}) {
    EXPECT_EQ(parse_amount(std::to_string(v)).value(), v);
  }
}

}  // namespace
}  // namespace cloudchain::cli
