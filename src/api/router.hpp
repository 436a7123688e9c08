#pragma once
// The route table and request dispatch (docs/api.md "Routes").
//
// The same table drives dispatch and the test that compares it with api/openapi.yaml, so
// the description cannot drift from what is served. Path templates use OpenAPI syntax:
// a segment `{name}` matches any one non-empty segment. Matching is exact otherwise (no
// trailing slash, no percent-decoding of path segments: every path parameter is hex,
// bech32m or decimal, which need no escaping).
//
// Dispatch order: an explorer path ("/", "/index.html", "/assets/...") is served from
// the embedded bundle (api/explorer.hpp); no route for the path -> 404 not_found; OPTIONS -> the allowed
// methods (a CORS preflight for an allowed origin); no route for the method -> 405
// method_not_allowed with Allow; an admin route without the right Bearer token -> 401
// unauthorized after the configured delay; otherwise the handler. An exception that
// escapes a handler becomes 500 internal_error (the server keeps serving). CORS headers
// are added to every answer to an allowed origin, errors included.
//
// Thread-safety: route_table() is immutable; handle() runs concurrently on any thread.

#include <span>
#include <string_view>

#include "api/http.hpp"
#include "api/routes.hpp"

namespace cloudchain::api {

struct Route {
  Method method;
  std::string_view path;  // template, e.g. "/v1/blocks/{id}"
  Handler handler;
  bool admin;  // needs the Bearer admin token
};

std::span<const Route> route_table();

/// Answers one request (never throws).
Response handle(const Context& ctx, const Request& req);

/// True when `authorization` is "Bearer <token>" with the configured admin token
/// (scheme case-insensitive; the token compared in constant time through its SHA-256,
/// so neither its bytes nor its length leak through timing).
bool authorized(const Context& ctx, std::string_view authorization);

}  // namespace cloudchain::api
