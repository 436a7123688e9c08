#pragma once
// Request bodies: strict, depth-limited JSON parsing.
//
// The nesting depth is checked while parsing, through nlohmann's SAX interface, before
// any document is built: a body of a million '[' is refused at the 17th without
// allocating for it (docs/api.md: depth <= 16). Duplicate object keys are refused too
// (malformed_json): two parsers that keep the first or the last value would read the
// same body differently.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/error.hpp"
#include "api/http.hpp"
#include "util/error.hpp"

namespace cloudchain::api {

inline constexpr std::size_t kMaxJsonDepth = 16;

/// Parses exactly one JSON value (surrounding whitespace allowed). The top-level value
/// is depth 1 if it is an array or object, and each nested array or object adds one.
/// Errors: kMalformedJson (syntax, trailing data, duplicate key), kJsonTooDeep.
std::expected<nlohmann::json, Problem> parse_json_body(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

/// The body of a route that takes a JSON object: Content-Type application/json (any
/// parameters, e.g. charset), then parse_json_body, then an object.
/// Errors: kUnsupportedMediaType, those of parse_json_body, kBadField (not an object).
std::expected<nlohmann::json, Problem> parse_json_object(std::string_view content_type, std::string_view text);

/// Refuses object keys other than `allowed` (kBadField naming the first unknown key).
std::expected<void, Problem> only_fields(const nlohmann::json& object, std::initializer_list<std::string_view> allowed);

/// The request of a route that takes a JSON object with keys among `allowed` and no query
/// parameters: no_query (api/routes.hpp), parse_json_object, only_fields, in that order;
/// the first refusal is the answer.
std::expected<nlohmann::json, Problem> json_object_request(const Request& req,
                                                           std::initializer_list<std::string_view> allowed);

}  // namespace cloudchain::api
