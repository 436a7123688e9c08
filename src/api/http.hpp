#pragma once
// The request and response as the router and the route handlers see them: plain views
// and strings, no Beast types, so handlers compile fast and the routing rules are
// testable without a socket. server.cpp translates to and from Beast messages.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/error.hpp"

namespace cloudchain::api {

enum class Method { kGet, kPost, kOptions, kOther };
std::string_view to_string(Method m);

/// One request. Every view points into the transport's message, which outlives the
/// handler call.
struct Request {
  Method method = Method::kOther;
  std::string_view path;   // the target up to '?', as sent (not percent-decoded)
  std::string_view query;  // after '?', empty when none
  std::string_view body;
  // The headers the API looks at (empty when absent).
  std::string_view authorization;
  std::string_view content_type;
  std::string_view origin;
  std::string_view access_control_request_method;
};

enum class ContentType {
  kJson,
  kProblemJson,
  kPrometheusText,  // text/plain; version=0.0.4; charset=utf-8 (GET /metrics)
  kNone,
};

struct Response;
/// Where an answer computed later goes: called once, from any thread.
using Reply = std::function<void(Response)>;

/// One response. `delay` postpones the write without holding a worker thread (the
/// transport arms a timer); `after_write` runs once the response has been handed to the
/// socket (e.g. a shutdown request takes effect only after it is answered).
///
/// `deferred`: the answer comes later, from another thread (a transaction's admission
/// verdict from the node's actor). When set, everything else in this Response is
/// ignored: the transport calls deferred(reply) once, on its worker thread, and sends
/// what `reply` receives; no worker thread waits meanwhile. If no answer comes within
/// the transport's deferred timeout, the client gets 503 `timeout`.
struct Response {
  unsigned status = 200;
  ContentType content_type = ContentType::kJson;
  std::string body;
  std::vector<std::pair<std::string_view, std::string>> headers;  // names are literals
  std::chrono::milliseconds delay{0};
  std::function<void()> after_write;
  std::function<void(Reply)> deferred;
  /// GET /v1/events: the answer is a Server-Sent Events stream of the node's events
  /// (the transport writes the head with these headers and then streams; status, body
  /// and content type are ignored). Set by the handler once it checked the request.
  bool event_stream = false;
  /// The path template of the route that matched (set by the router; empty when none
  /// did), for the request counter. Points into the static route table.
  std::string_view route;
};

/// A JSON response.
inline Response json_response(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

/// A problem+json response.
inline Response problem_response(const Problem& p) {
  Response r;
  r.status = p.status;
  r.content_type = ContentType::kProblemJson;
  r.body = problem_json(p);
  return r;
}

}  // namespace cloudchain::api
