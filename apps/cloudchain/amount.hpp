#pragma once
// Amounts on the command line and on screen. The CLI accepts base units only: a plain
// decimal integer that fits in u64 (protocol.md section 1). No fractions, signs,
// exponents, separators or leading zeros, so one string means one amount and a typo such
// as "1.5" or "1,000" is an error rather than a guess.
//
// Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace cloudchain::cli {

enum class AmountError {
  kEmpty,         // an amount has at least one digit
  kNegative,      // amounts are unsigned: no leading '-'
  kSign,          // no leading '+' either (one spelling per amount)
  kFraction,      // base units are indivisible: no '.'
  kSeparator,     // no thousands separators (',', '_', '\'', spaces)
  kLeadingZero,   // no leading zeros ("010" could be read as octal)
  kBadCharacter,  // decimal digits only (no hex, no exponent)
  kOverflow,      // the value fits in u64 (at most 18446744073709551615)
};
std::string_view to_string(AmountError e);

/// Parses `text` as base units. The error detail is a full sentence naming `what` (e.g.
/// "amount", "fee") and the offending text, fit to show the user as is.
util::Result<std::uint64_t, AmountError> parse_amount(std::string_view text, std::string_view what = "amount");

/// Decimal with thousands separators: 1234567 -> "1,234,567".
std::string format_amount(std::uint64_t value);

/// Parses a decimal string the node sent (an amount or nonce field of the HTTP API) and
/// formats it with separators; returns `text` unchanged when it is not a valid amount, so
/// a display never hides what the node said.
std::string format_amount_text(std::string_view text);

}  // namespace cloudchain::cli
