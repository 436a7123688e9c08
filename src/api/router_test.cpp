// The router without a socket: every table entry is reachable by its own method and
// path, path templates match exactly, and the admin token check.

#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "api/router.hpp"
#include "api/test_node.hpp"
#include "crypto/sha256.hpp"

namespace cloudchain::api {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : ctx{node, config} {
    config.admin_token = "tok";
    ctx.admin_enabled = true;
    ctx.admin_token_hash = crypto::sha256(util::as_bytes("tok"));
  }
  Response call(Method method, std::string_view path, std::string_view authorization = {}) {
    Request req;
    req.method = method;
    req.path = path;
    req.authorization = authorization;
    req.content_type = "application/json";
    req.body = "{}";
    return handle(ctx, req);
  }
  static std::string code_of(const Response& r) { return nlohmann::json::parse(r.body).at("code"); }

  test::TestNode node;
  ServerConfig config;
  Context ctx;
};

// A concrete path for a template: every parameter replaced by `value`.
std::string instantiate(std::string_view templ, std::string_view value) {
  std::string out;
  while (!templ.empty()) {
    const std::size_t open = templ.find('{');
    if (open == std::string_view::npos) {
      out += templ;
      break;
    }
    out += templ.substr(0, open);
    out += value;
    templ.remove_prefix(templ.find('}') + 1);
  }
  return out;
}

TEST_F(RouterTest, EveryRouteIsDispatchedToItsHandler) {
  std::set<std::pair<Method, std::string_view>> seen;
  for (const Route& route : route_table()) {
    EXPECT_TRUE(seen.insert({route.method, route.path}).second) << "duplicate " << route.path;
    const std::string path = instantiate(route.path, "x");
    SCOPED_TRACE(path);
    const Response r = call(route.method, path, route.admin ? "Bearer tok" : "");
    EXPECT_EQ(r.route, route.path);  // the template the request counter labels it with
    // The handler ran: whatever it answered, it was not the router's own refusal.
    if (r.content_type == ContentType::kProblemJson) {
      const std::string code = code_of(r);
      EXPECT_NE(code, "not_found");
      EXPECT_NE(code, "method_not_allowed");
      EXPECT_NE(code, "unauthorized");
    }
    // The same path with a trailing slash or an extra segment is no route.
    EXPECT_EQ(code_of(call(route.method, path + "/")), "not_found");
    EXPECT_EQ(code_of(call(route.method, path + "/x/y")), "not_found");
    EXPECT_TRUE(call(route.method, path + "/").route.empty());
  }
  EXPECT_EQ(seen.size(), 21u);
}

TEST_F(RouterTest, TemplatesMatchWholeSegments) {
  EXPECT_EQ(code_of(call(Method::kGet, "")), "not_found");
  EXPECT_EQ(code_of(call(Method::kGet, "v1/status")), "not_found");
  EXPECT_EQ(code_of(call(Method::kGet, "/v1/statusx")), "not_found");
  EXPECT_EQ(code_of(call(Method::kGet, "//v1/status")), "not_found");
  EXPECT_EQ(code_of(call(Method::kGet, "/v1/blocks/")), "not_found");  // empty parameter
  EXPECT_EQ(call(Method::kGet, "/v1/status").status, 200u);
  const Response r = call(Method::kOther, "/v1/accounts/x/txs");
  EXPECT_EQ(code_of(r), "method_not_allowed");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "GET, OPTIONS");
}

TEST_F(RouterTest, AdminTokenComparison) {
  EXPECT_TRUE(authorized(ctx, "Bearer tok"));
  EXPECT_TRUE(authorized(ctx, "BEARER tok"));
  for (const std::string_view bad : {"", "Bearer", "Bearer ", "Bearer tok ", "Bearer to", "Bearer tokk", "Bearer  tok",
                                     "Basic tok", "tok", "Bearer TOK"}) {
    EXPECT_FALSE(authorized(ctx, bad)) << bad;
  }
  ctx.admin_enabled = false;
  EXPECT_FALSE(authorized(ctx, "Bearer tok"));
  // A disabled admin answers 401 with the configured delay, never the handler.
  const Response r = call(Method::kPost, "/v1/admin/shutdown", "Bearer tok");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.delay, config.auth_failure_delay);
  EXPECT_FALSE(r.after_write);
  EXPECT_EQ(node.shutdown_requests(), 0);
}

}  // namespace
}  // namespace cloudchain::api
