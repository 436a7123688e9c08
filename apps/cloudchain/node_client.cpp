#include "node_client.hpp"

namespace cloudchain::cli {

namespace {

// Problem documents may be sent with either content type by a careless proxy; the body
// decides: a JSON object with a string "code" is a problem.
std::optional<NodeError> as_problem(const HttpResponse& r) {
  auto doc = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto code = doc.find("code");
  if (code == doc.end() || !code->is_string()) return std::nullopt;
  NodeError e{NodeError::Kind::kProblem, r.status, code->get<std::string>(), {}};
  std::string detail;
  if (auto d = doc.find("detail"); d != doc.end() && d->is_string()) detail = d->get<std::string>();
  if (detail.empty()) {
    if (auto t = doc.find("title"); t != doc.end() && t->is_string()) detail = t->get<std::string>();
  }
  e.message = detail.empty() ? e.code : e.code + ": " + detail;
  return e;
}

}  // namespace

std::expected<nlohmann::json, NodeError> NodeClient::get(std::string_view path) const {
  return interpret(path, m_http.get(path));
}

std::expected<nlohmann::json, NodeError> NodeClient::post(std::string_view path, const nlohmann::json& body) const {
  return interpret(path, m_http.post(path, "application/json", body.dump()));
}

std::expected<nlohmann::json, NodeError> NodeClient::interpret(std::string_view path,
                                                               util::Result<HttpResponse, HttpError> response) const {
  if (!response) {
    return std::unexpected(NodeError{NodeError::Kind::kUnreachable, 0, std::string(to_string(response.error().code)),
                                     describe(response.error(), m_http.url())});
  }
  const HttpResponse& r = *response;
  if (r.status < 200 || r.status >= 300) {
    if (auto problem = as_problem(r)) return std::unexpected(*problem);
    return std::unexpected(
        NodeError{NodeError::Kind::kHttpStatus, r.status, "http_" + std::to_string(r.status),
                  "HTTP " + std::to_string(r.status) + " " + r.reason + " from " + url().text + std::string(path)});
  }
  auto doc = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return std::unexpected(NodeError{NodeError::Kind::kBadJson, r.status, "bad_json",
                                     "the node at " + url().text + " sent invalid JSON for " + std::string(path)});
  }
  return doc;
}

}  // namespace cloudchain::cli
