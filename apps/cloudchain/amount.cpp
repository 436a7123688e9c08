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
  // "<what> <rule>: "<text>"": the message names the field, the rule and the input.
  auto message = [&](std::string_view rule) {
    std::string m(what);
    m += ' ';
    m += rule;
    m += ": \"";
    m += text;
    m += '"';
    return m;
  };
  if (text.empty()) return util::fail(AmountError::kEmpty, std::string(what) + " is empty");
  if (text.front() == '-') {
    return util::fail(AmountError::kNegative, message("must not be negative"));
  }
  if (text.front() == '+') {
    return util::fail(AmountError::kSign, message("must be written without a sign"));
  }
  // Classify the first offending character so the message says what to change.
  for (char c : text) {
    if (is_digit(c)) continue;
    if (c == '.') {
      return util::fail(AmountError::kFraction, message("must be a whole number of base units (no fractions)"));
    }
    if (c == ',' || c == '_' || c == '\'' || c == ' ') {
      return util::fail(AmountError::kSeparator, message("must be written without separators"));
    }
    return util::fail(AmountError::kBadCharacter, message("must be a decimal number of base units (digits 0-9 only)"));
  }
  if (text.size() > 1 && text.front() == '0') {
    return util::fail(AmountError::kLeadingZero, message("must not have leading zeros"));
  }
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  for (char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) {
      std::string m(what);
      m += " \"";
      m += text;
      m += "\" is larger than the maximum, ";
      m += format_amount(kMax);
      m += " base units";
      return util::fail(AmountError::kOverflow, std::move(m));
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
