#include "amount.hpp"

#include <limits>

namespace cloudchain::cli {

std::string_view to_string(AmountError e) {
  switch (e) {
    case AmountError::kEmpty: return "amount_empty";
    case AmountError::kNegative: return "amount_negative";
    case AmountError::kSign: return "amount_sign";
    case AmountError::kFraction: return "amount_fraction";
    case AmountError::kSeparator: return "amount_separator";
    case AmountError::kLeadingZero: return "amount_leading_zero";
    case AmountError::kBadCharacter: return "amount_bad_character";
    case AmountError::kOverflow: return "amount_overflow";
  }
  return "amount_unknown";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

util::Result<std::uint64_t, AmountError> parse_amount(std::string_view text, std::string_view what) {
  const std::string name(what);
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) return util::fail(AmountError::kEmpty, name + " is empty");
  if (text.front() == '-') {
    return util::fail(AmountError::kNegative, name + " must not be negative: " + quoted);
  }
  if (text.front() == '+') {
    return util::fail(AmountError::kSign, name + " must be written without a sign: " + quoted);
  }
  // Classify the first offending character so the message says what to change.
  for (char c : text) {
    if (is_digit(c)) continue;
    if (c == '.') {
      return util::fail(AmountError::kFraction,
                        name + " must be a whole number of base units (no fractions): " + quoted);
    }
    if (c == ',' || c == '_' || c == '\'' || c == ' ') {
      return util::fail(AmountError::kSeparator, name + " must be written without separators: " + quoted);
    }
    return util::fail(AmountError::kBadCharacter,
                      name + " must be a decimal number of base units (digits 0-9 only): " + quoted);
  }
  if (text.size() > 1 && text.front() == '0') {
    return util::fail(AmountError::kLeadingZero, name + " must not have leading zeros: " + quoted);
  }
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  for (char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) {
      return util::fail(AmountError::kOverflow,
                        name + " " + quoted + " is larger than the maximum, " + format_amount(kMax) + " base units");
    }
    value = value * 10 + digit;
  }
  return value;
}

std::string format_amount(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  const std::size_t lead = digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (i % 3) == lead % 3) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string format_amount_text(std::string_view text) {
  auto value = parse_amount(text);
  return value ? format_amount(*value) : std::string(text);
}

}  // namespace cloudchain::cli
