// Serving the explorer: content types, caching headers, 404 for unknown names, and no
// way out of the table by path tricks. Unit tests use a fixed table; the server tests
// use the bundle this binary embeds (empty when explorer/dist was not built).

#include "api/explorer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "api/test_fixture.hpp"

namespace cloudchain::api::test {
namespace {

constexpr EmbeddedFile kTable[] = {
    {"assets/app-ABCDEF12.css", "body{}"},
    {"assets/app-ABCDEF12.js", "console.log(1)"},
    {"index.html", "<!doctype html><title>x</title>"},
};

Request get_request(std::string_view path) {
  Request r;
  r.method = Method::kGet;
  r.path = path;
  return r;
}

std::string header(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

TEST(Explorer, IndexIsHtmlAndNotCachedWithoutRevalidation) {
  for (std::string_view path : {"/", "/index.html"}) {
    const Response r = serve_explorer(kTable, get_request(path));
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "<!doctype html><title>x</title>");
    EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  }
}

TEST(Explorer, HashedAssetsAreImmutableWithTheirType) {
  const Response js = serve_explorer(kTable, get_request("/assets/app-ABCDEF12.js"));
  EXPECT_EQ(js.status, 200u);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(header(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(js, "X-Content-Type-Options"), "nosniff");
  const Response css = serve_explorer(kTable, get_request("/assets/app-ABCDEF12.css"));
  EXPECT_EQ(header(css, "Content-Type"), "text/css; charset=utf-8");
}

TEST(Explorer, UnknownNamesAndPathTricksAre404) {
  for (std::string_view path :
       {"/assets/", "/assets/nope.js", "/assets/../index.html", "/assets/..%2findex.html", "/assets/%2e%2e/index.html",
        "/assets//app-ABCDEF12.js", "/assets/x/../app-ABCDEF12.js", "/assets/..\\index.html",
        "/assets/app-ABCDEF12.js/", "/assets/../../../../etc/passwd", "/assets/app-ABCDEF12.js%00"}) {
    const Response r = serve_explorer(kTable, get_request(path));
    EXPECT_EQ(r.status, 404u) << path;
    EXPECT_EQ(r.content_type, ContentType::kProblemJson) << path;
  }
  // The table's own top-level names are not reachable as assets.
  EXPECT_EQ(serve_explorer(kTable, get_request("/assets/index.html")).status, 404u);
}

TEST(Explorer, OnlyGetIsServed) {
  Request post = get_request("/");
  post.method = Method::kPost;
  const Response r = serve_explorer(kTable, post);
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(header(r, "Allow"), "GET, OPTIONS");
}

TEST(Explorer, AMissingBundleSaysHowToBuildIt) {
  const Response r = serve_explorer({}, get_request("/"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(header(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("npm run build"), std::string::npos);
}

TEST(Explorer, MimeTypes) {
  EXPECT_EQ(mime_type("a.svg"), "image/svg+xml");
  EXPECT_EQ(mime_type("a.unknown"), "application/octet-stream");
  EXPECT_EQ(mime_type("js"), "application/octet-stream");
}

TEST(Explorer, IsExplorerPathLeavesTheApiAlone) {
  EXPECT_TRUE(is_explorer_path("/"));
  EXPECT_TRUE(is_explorer_path("/assets/x.js"));
  EXPECT_FALSE(is_explorer_path("/v1/status"));
  EXPECT_FALSE(is_explorer_path("/assets"));
  EXPECT_FALSE(is_explorer_path("/index.htm"));
}

// Over a real socket, with the bundle this binary embeds.
TEST_F(ServerTest, ServesTheEmbeddedExplorer) {
  const HttpResponse index = get("/");
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  if (explorer_files().empty()) {
    EXPECT_EQ(index.status, 404u);
  } else {
    EXPECT_EQ(index.status, 200u);
    EXPECT_EQ(index.header("cache-control"), "no-cache");
    std::size_t assets = 0;
    for (const auto& f : explorer_files()) {
      if (!f.name.starts_with("assets/")) continue;
      ++assets;
      const HttpResponse r = get("/" + std::string(f.name));
      EXPECT_EQ(r.status, 200u) << f.name;
      EXPECT_EQ(r.body, f.data) << f.name;
      EXPECT_EQ(r.header("cache-control"), "public, max-age=31536000, immutable") << f.name;
      // index.html names each asset it loads.
      EXPECT_NE(index.body.find(std::string(f.name)), std::string::npos) << f.name;
    }
    EXPECT_GE(assets, 2u);  // the script and the style sheet
  }
  for (std::string_view path : {"/assets/nope.js", "/assets/../index.html", "/assets/%2e%2e/%2e%2e/etc/passwd",
                                "/assets/..%2f..%2fCMakeCache.txt"}) {
    expect_problem(get(path), 404, "not_found");
  }
  expect_problem(get("/favicon.ico"), 404, "not_found");
  // The API is untouched.
  EXPECT_EQ(get("/v1/status").status, 200u);
}

}  // namespace
}  // namespace cloudchain::api::test
