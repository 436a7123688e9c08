#include "api/router.hpp"

#include <exception>
#include <string>

#include "api/explorer.hpp"
#include "crypto/sha256.hpp"

namespace cloudchain::api {

namespace {

constexpr Route kRoutes[] = {
    {Method::kGet, "/v1/status", get_status, false},
    {Method::kGet, "/v1/blocks", list_blocks, false},
    {Method::kGet, "/v1/blocks/{id}", get_block, false},
    {Method::kGet, "/v1/blocks/{id}/txids", get_block_txids, false},
    {Method::kGet, "/v1/txs/{txid}", get_tx, false},
    {Method::kPost, "/v1/txs", submit_tx, false},
    {Method::kPost, "/v1/txs/batch", submit_tx_batch, false},
    {Method::kGet, "/v1/accounts/{address}", get_account, false},
    {Method::kGet, "/v1/accounts/{address}/txs", list_account_txs, false},
    {Method::kGet, "/v1/mempool", get_mempool, false},
    {Method::kGet, "/v1/anchors/{digest}", list_anchors, false},
    {Method::kGet, "/v1/receipts/{txid}", get_receipt, false},
    {Method::kGet, "/v1/validators", get_validators, false},
    {Method::kPost, "/v1/admin/mining", admin_mining, true},
    {Method::kPost, "/v1/admin/shutdown", admin_shutdown, true},
    {Method::kGet, "/v1/peers", get_peers, false},
    {Method::kPost, "/v1/admin/peers", admin_connect_peer, true},
    {Method::kPost, "/v1/admin/peers/ban", admin_ban_peer, true},
    {Method::kPost, "/v1/admin/peers/unban", admin_unban_peer, true},
    {Method::kGet, "/metrics", get_metrics, false},
    {Method::kGet, "/v1/events", get_events, false},
};

// Matches `path` against `templ` segment by segment; both start with '/'. After a
// segment each rest is empty or starts with '/', so "/v1/status/" (an extra empty
// segment) does not match "/v1/status".
bool match(std::string_view templ, std::string_view path, PathParams& params) {
  params.count = 0;
  for (;;) {
    if (templ.empty() || path.empty()) return templ.empty() && path.empty();
    if (templ[0] != '/' || path[0] != '/') return false;
    templ.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view t = templ.substr(0, templ.find('/'));
    const std::string_view p = path.substr(0, path.find('/'));
    templ.remove_prefix(t.size());
    path.remove_prefix(p.size());
    if (t.size() >= 2 && t.front() == '{' && t.back() == '}') {
      if (p.empty() || params.count == params.values.size()) return false;
      params.values[params.count++] = p;
    } else if (t != p) {
      return false;
    }
  }
}

bool origin_allowed(const Context& ctx, std::string_view origin) {
  if (origin.empty()) return false;
  for (const auto& o : ctx.config.cors_origins) {
    if (o == origin) return true;
  }
  return false;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void add_cors(const Context& ctx, const Request& req, Response& r) {
  if (ctx.config.cors_origins.empty()) return;
  // The answer depends on Origin whenever CORS is configured: caches must key on it.
  r.headers.emplace_back("Vary", "Origin");
  if (origin_allowed(ctx, req.origin)) r.headers.emplace_back("Access-Control-Allow-Origin", std::string(req.origin));
}

// `route`: the template of the route that serves the request, else the first that matched
// the path (empty when none did).
Response dispatch(const Context& ctx, const Request& req, std::string_view& route_template) {
  if (is_explorer_path(req.path)) {
    route_template = req.path.starts_with("/assets/") ? "/assets/{file}" : "/";
    return serve_explorer(explorer_files(), req);
  }
  std::string allow;  // methods served on this path, for Allow
  const Route* found = nullptr;
  PathParams params;
  for (const auto& route : kRoutes) {
    PathParams p;
    if (!match(route.path, req.path, p)) continue;
    if (route_template.empty()) route_template = route.path;
    if (!allow.empty()) allow += ", ";
    allow += to_string(route.method);
    if (route.method == req.method && found == nullptr) {
      found = &route;
      params = p;
    }
  }
  if (allow.empty()) return problem_response(problem(ApiError::kNotFound, "no route for this path"));
  // The route that serves it names it (POST /v1/txs/batch also matches /v1/txs/{txid}).
  if (found != nullptr) route_template = found->path;
  allow += ", OPTIONS";

  if (req.method == Method::kOptions) {
    Response r;
    r.status = 204;
    r.content_type = ContentType::kNone;
    r.headers.emplace_back("Allow", allow);
    if (origin_allowed(ctx, req.origin)) {
      r.headers.emplace_back("Access-Control-Allow-Methods", allow);
      r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
      r.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    return r;
  }
  if (found == nullptr) {
    Response r = problem_response(problem(ApiError::kMethodNotAllowed, "this path serves " + allow));
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  if (found->admin && !authorized(ctx, req.authorization)) {
    Response r = problem_response(problem(ApiError::kUnauthorized, "send Authorization: Bearer <admin token>"));
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    r.delay = ctx.config.auth_failure_delay;
    return r;
  }
  return found->handler(ctx, req, params);
}

}  // namespace

std::string_view to_string(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kPost: return "POST";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

std::span<const Route> route_table() { return kRoutes; }

bool authorized(const Context& ctx, std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (!ctx.admin_enabled || authorization.size() < kScheme.size()) return false;
  if (!iequals(authorization.substr(0, kScheme.size()), kScheme)) return false;
  const util::Hash256 given = crypto::sha256(util::as_bytes(authorization.substr(kScheme.size())));
  return util::equal_ct(given, ctx.admin_token_hash);
}

Response handle(const Context& ctx, const Request& req) {
  Response r;
  std::string_view route;
  try {
    r = dispatch(ctx, req, route);
  } catch (const std::exception& e) {
    r = problem_response(problem(ApiError::kInternal, e.what()));
  } catch (...) {
    r = problem_response(problem(ApiError::kInternal, "unknown exception"));
  }
  r.route = route;
  if (r.deferred) {
    // The request's views die before the answer comes: the CORS headers are decided now.
    Response cors;
    add_cors(ctx, req, cors);
    r.deferred = [inner = std::move(r.deferred), headers = std::move(cors.headers)](Reply reply) {
      inner([reply = std::move(reply), headers](Response answer) {
        answer.headers.insert(answer.headers.end(), headers.begin(), headers.end());
        reply(std::move(answer));
      });
    };
    return r;
  }
  add_cors(ctx, req, r);
  return r;
}

}  // namespace cloudchain::api
