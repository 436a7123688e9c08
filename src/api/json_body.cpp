#include "api/json_body.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/routes.hpp"

namespace cloudchain::api {

namespace {

using nlohmann::json;

// Builds the document from SAX events (as nlohmann's own DOM parser does), refusing a
// nesting level beyond the limit and a repeated key as soon as they are read.
class DepthLimitedBuilder {
 public:
  explicit DepthLimitedBuilder(std::size_t max_depth) : m_max_depth(max_depth) {}

  bool null() { return add(nullptr) != nullptr; }
  bool boolean(bool v) { return add(v) != nullptr; }
  bool number_integer(json::number_integer_t v) { return add(v) != nullptr; }
  bool number_unsigned(json::number_unsigned_t v) { return add(v) != nullptr; }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) { return add(v) != nullptr; }
  bool string(json::string_t& v) { return add(std::move(v)) != nullptr; }
  bool binary(json::binary_t& /*v*/) {
    // Only reachable from binary formats (CBOR, ...), never from JSON text.
    m_problem = problem(ApiError::kMalformedJson, "binary values are not JSON");
    return false;
  }
  bool start_object(std::size_t /*elements*/) { return open(json::object()); }
  bool start_array(std::size_t /*elements*/) { return open(json::array()); }
  bool end_object() {
    m_stack.pop_back();
    return true;
  }
  bool end_array() {
    m_stack.pop_back();
    return true;
  }
  bool key(json::string_t& k) {
    if (m_stack.back()->contains(k)) {
      m_problem = problem(ApiError::kMalformedJson, "duplicate object key \"" + k + "\"");
      return false;
    }
    m_key = std::move(k);
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/, const json::exception& ex) {
    m_problem = problem(ApiError::kMalformedJson, "at byte " + std::to_string(position) + ": " + ex.what());
    return false;
  }

  json take() { return std::move(m_root); }
  std::optional<Problem>& problem_found() { return m_problem; }

 private:
  bool open(json container) {
    if (m_stack.size() >= m_max_depth) {
      m_problem = problem(ApiError::kJsonTooDeep, "nesting deeper than " + std::to_string(m_max_depth));
      return false;
    }
    json* added = add(std::move(container));
    m_stack.push_back(added);
    return true;
  }

  // Places a value in the open container (or as the root) and returns where it lives.
  // Pointers stay valid: a container on the stack gets no new element until the
  // containers above it are closed, and objects are std::map nodes.
  template <typename V>
  json* add(V&& v) {
    if (m_stack.empty()) {
      m_root = json(std::forward<V>(v));
      return &m_root;
    }
    json& top = *m_stack.back();
    if (top.is_array()) {
      top.get_ref<json::array_t&>().emplace_back(std::forward<V>(v));
      return &top.get_ref<json::array_t&>().back();
    }
    auto inserted = top.get_ref<json::object_t&>().emplace(std::move(m_key), json(std::forward<V>(v)));
    return &inserted.first->second;
  }

  std::size_t m_max_depth;
  json m_root;
  std::vector<json*> m_stack;  // open arrays and objects, outermost first
  std::string m_key;           // the key of the next value in the open object
  std::optional<Problem> m_problem;
};

bool is_json_media_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    char c = media[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kJson[i]) return false;
  }
  return true;
}

}  // namespace

std::expected<json, Problem> parse_json_body(std::string_view text, std::size_t max_depth) {
  DepthLimitedBuilder builder(max_depth);
  const bool ok = json::sax_parse(text, &builder, json::input_format_t::json, /*strict=*/true);
  if (auto& p = builder.problem_found(); p) return std::unexpected(std::move(*p));
  if (!ok) return std::unexpected(problem(ApiError::kMalformedJson, "not a JSON value"));
  return builder.take();
}

std::expected<json, Problem> parse_json_object(std::string_view content_type, std::string_view text) {
  if (!is_json_media_type(content_type)) {
    return std::unexpected(problem(ApiError::kUnsupportedMediaType, "send the body as Content-Type: application/json"));
  }
  auto doc = parse_json_body(text);
  if (!doc) return doc;
  if (!doc->is_object()) return std::unexpected(problem(ApiError::kBadField, "the body is a JSON object"));
  return doc;
}

std::expected<void, Problem> only_fields(const json& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : object.items()) {
    bool known = false;
    for (const auto a : allowed) known = known || a == k;
    if (!known) return std::unexpected(problem(ApiError::kBadField, "unknown field \"" + k + "\""));
  }
  return {};
}

std::expected<json, Problem> json_object_request(const Request& req, std::initializer_list<std::string_view> allowed) {
  if (auto q = no_query(req); !q) return std::unexpected(q.error());
  auto body = parse_json_object(req.content_type, req.body);
  if (!body) return body;
  if (auto only = only_fields(*body, allowed); !only) return std::unexpected(only.error());
  return body;
}

}  // namespace cloudchain::api
