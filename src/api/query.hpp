#pragma once
// Query strings and path parameters: parsing and the typed values routes take.
//
// A query is `name=value` pairs joined by '&', percent-encoded ('+' is a space, as HTML
// forms send it). Parsing is strict: a malformed %XX escape, an empty or repeated name,
// and a name the route does not know are kBadParam, so a typo ("limt=5") is reported,
// not silently ignored.
//
// Thread-safety: a Query belongs to one request; the free functions are pure.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/error.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::api {

/// Default and largest page size (docs/api.md "Paging").
inline constexpr std::uint64_t kDefaultLimit = 50;
inline constexpr std::uint64_t kMaxLimit = 1000;

class Query {
 public:
  /// Errors: kBadParam (bad escape, empty name, repeated name, a name not in `known`).
  static std::expected<Query, Problem> parse(std::string_view query, std::initializer_list<std::string_view> known);

  /// The decoded value of `name`, or nullopt when absent.
  const std::string* get(std::string_view name) const;

  /// `limit` in 1..max, `fallback` when absent. Errors: kBadLimit.
  std::expected<std::uint64_t, Problem> limit(std::uint64_t fallback = kDefaultLimit,
                                              std::uint64_t max = kMaxLimit) const;
  /// An optional non-negative integer parameter up to `max`. Errors: kBadParam.
  std::expected<std::optional<std::uint64_t>, Problem> integer(std::string_view name, std::uint64_t max) const;

 private:
  std::vector<std::pair<std::string, std::string>> m_params;
};

/// Percent-decodes `text` ('+' as space when `plus_is_space`). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// A canonical decimal u64: digits only, no sign, no leading zero (except "0"), at most
/// 2^64 - 1. nullopt otherwise.
std::optional<std::uint64_t> parse_decimal(std::string_view text);

/// A 32-byte value as 64 hex digits (any case). Errors: the HexError codes
/// (hex_odd_length, hex_bad_character, hex_wrong_length) as 400 problems naming `what`.
std::expected<util::Hash256, Problem> parse_hash(std::string_view text, std::string_view what);

}  // namespace cloudchain::api
