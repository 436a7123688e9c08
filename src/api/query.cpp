#include "api/query.hpp"

#include <charconv>

#include "util/hex.hpp"

namespace cloudchain::api {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;  // "%" or "%X" at the end
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t v = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (res.ec != std::errc{} || res.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::expected<util::Hash256, Problem> parse_hash(std::string_view text, std::string_view what) {
  auto h = util::from_hex_array<32>(text);
  if (!h) {
    return std::unexpected(problem(400, util::to_string(h.error().code),
                                   std::string(what) + ": 64 hex digits (" + h.error().detail + ")"));
  }
  return *h;
}

std::expected<Query, Problem> Query::parse(std::string_view query, std::initializer_list<std::string_view> known) {
  Query q;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2" and a trailing '&' carry nothing
    const std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!name || !value) return std::unexpected(problem(ApiError::kBadParam, "malformed percent-encoding"));
    if (name->empty()) return std::unexpected(problem(ApiError::kBadParam, "a query parameter has no name"));
    bool is_known = false;
    for (const auto k : known) is_known = is_known || k == *name;
    if (!is_known) return std::unexpected(problem(ApiError::kBadParam, "unknown query parameter \"" + *name + "\""));
    if (q.get(*name) != nullptr) {
      return std::unexpected(problem(ApiError::kBadParam, "query parameter \"" + *name + "\" given twice"));
    }
    q.m_params.emplace_back(std::move(*name), std::move(*value));
  }
  return q;
}

const std::string* Query::get(std::string_view name) const {
  for (const auto& [k, v] : m_params) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::expected<std::uint64_t, Problem> Query::limit(std::uint64_t fallback, std::uint64_t max) const {
  const std::string* text = get("limit");
  if (text == nullptr) return fallback;
  const auto v = parse_decimal(*text);
  if (!v || *v < 1 || *v > max) {
    return std::unexpected(problem(ApiError::kBadLimit, "limit is an integer in 1.." + std::to_string(max)));
  }
  return *v;
}

std::expected<std::optional<std::uint64_t>, Problem> Query::integer(std::string_view name, std::uint64_t max) const {
  const std::string* text = get(name);
  if (text == nullptr) return std::nullopt;
  const auto v = parse_decimal(*text);
  if (!v || *v > max) {
    return std::unexpected(
        problem(ApiError::kBadParam, std::string(name) + " is an integer in 0.." + std::to_string(max)));
  }
  return v;
}

}  // namespace cloudchain::api
