#pragma once
// API problems (docs/api.md, "Errors"): every failed request is answered with an
// application/problem+json document (RFC 9457)
//
//   {"type": "https://cloudchain.dev/problems/<code>", "title": "<HTTP reason>",
//    "status": <status>, "code": "<code>", "detail": "<for humans>"}
//
// `code` is stable. The API's own rules have ApiError codes below; failures found by a
// lower layer keep that layer's to_string name (hex_bad_character, bech32_bad_checksum,
// codec_truncated, storage_corrupt, ...), and a rejected submission carries the code the
// node reported (tx_invalid_signature, mempool_nonce_gap, ...).
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

namespace cloudchain::api {

enum class ApiError {
  kNotFound,              // 404: the path is one of the routes of docs/api.md
  kMethodNotAllowed,      // 405: the route serves the request's method (Allow lists them)
  kBadRequest,            // 400: the request is well-formed HTTP/1.1
  kHeaderTooLarge,        // 431: request line and headers <= max_header_bytes (8 KiB)
  kBodyTooLarge,          // 413: body <= max_body_bytes (1 MiB)
  kUnsupportedMediaType,  // 415: a JSON body comes with Content-Type application/json
  kMalformedJson,         // 400: the body is exactly one JSON value, with no duplicate object keys
  kJsonTooDeep,           // 400: arrays and objects nest at most 16 deep
  kBadField,              // 400: a JSON body has exactly the documented fields, with their types
  kBadParam,              // 400: query parameters are known, given once, correctly percent-encoded and typed
  kBadLimit,              // 400: a page limit is an integer in 1..max (1000; 100 for /v1/blocks)
  kBadCursor,             // 400: a cursor is a next_cursor this API returned
  kBadBlockId,            // 400: a block id is a decimal height or a 64-digit hex block hash
  kBlockNotFound,         // 404: the block (height on the active chain, or hash) is stored
  kTxNotFound,            // 404: the transaction is in the active chain or the mempool
  kTxPending,             // 404: a receipt exists only for a transaction included in a block
  kUnauthorized,          // 401: admin routes need "Authorization: Bearer <admin token>"
  kTooManyConnections,    // 503: at most max_connections open connections
  kTimeout,               // 503: a deferred answer (a transaction's admission) comes within 30 s
  kInternal,              // 500: the node's data is readable and consistent (a bug or a damaged disk)
};
std::string_view to_string(ApiError e);
/// The HTTP status each code is answered with.
unsigned status_of(ApiError e);

/// A failed request: status, stable code, human detail.
struct Problem {
  unsigned status = 500;
  std::string code;
  std::string detail;
};

Problem problem(ApiError e, std::string detail = {});
/// A failure reported by a lower layer, under that layer's code name.
Problem problem(unsigned status, std::string_view code, std::string detail = {});

/// The problem+json document of `p` (compact JSON).
std::string problem_json(const Problem& p);

/// The reason phrase of an HTTP status ("Not Found"); "Error" for unknown ones.
std::string_view reason_phrase(unsigned status);

}  // namespace cloudchain::api
