#pragma once
// The node's v1 HTTP API (docs/api.md) as JSON documents. Turns every way a call can go
// wrong into one NodeError whose message is what the user sees:
//   - the node cannot be reached: HttpClient's sentence ("cannot reach node at ...");
//   - an application/problem+json answer: "<code>: <detail>" (RFC 9457, api.md);
//   - any other non-2xx answer: "HTTP <status> <reason> from <url><path>";
//   - a 2xx answer that is not JSON: "the node at <url> sent invalid JSON ...".
//
// Thread-safety: immutable; calls may run concurrently.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http_client.hpp"

namespace cloudchain::cli {

struct NodeError {
  enum class Kind {
    kUnreachable,  // transport failure (HttpError)
    kProblem,      // the node answered with a problem document
    kHttpStatus,   // the node answered with a non-2xx status without a problem document
    kBadJson,      // the node's 2xx answer is not JSON
  };
  Kind kind = Kind::kUnreachable;
  unsigned status = 0;  // HTTP status, 0 when unreachable
  std::string code;     // problem "code" (kProblem), or to_string(HttpError) (kUnreachable)
  std::string message;  // the full sentence for the user
};

class NodeClient {
 public:
  explicit NodeClient(HttpClient http) : m_http(std::move(http)) {}

  const Url& url() const { return m_http.url(); }

  /// GET `path` ("/v1/status"); the parsed body of a 2xx answer.
  std::expected<nlohmann::json, NodeError> get(std::string_view path) const;
  /// POST `body` as application/json; the parsed body of a 2xx answer.
  std::expected<nlohmann::json, NodeError> post(std::string_view path, const nlohmann::json& body) const;

 private:
  std::expected<nlohmann::json, NodeError> interpret(std::string_view path,
                                                     util::Result<HttpResponse, HttpError> response) const;
  HttpClient m_http;
};

}  // namespace cloudchain::cli
