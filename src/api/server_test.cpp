// The transport: size and depth limits, malformed HTTP, keep-alive and pipelining, the
// connection limit, the idle timeout, CORS, 100-continue, start/stop. After every bad
// input the server must still answer.

#include <gtest/gtest.h>

#include <thread>

#include "api/test_fixture.hpp"

namespace cloudchain::api::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string post_head(std::size_t content_length, std::string_view extra = {}) {
  return "POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(content_length) + "\r\n" + std::string(extra) + "\r\n";
}

TEST_F(ServerTest, BodyOverTheLimitIs413AndTheServerGoesOn) {
  // Announced by Content-Length: refused before the body is read.
  {
    Client c(port);
    ASSERT_TRUE(c.send_raw(post_head(config.max_body_bytes + 1)));
    const auto r = c.read_response();
    ASSERT_TRUE(r.has_value());
    expect_problem(*r, 413, "body_too_large");
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.wait_closed());
  }
  // Sent in full: the answer comes while the client is still writing.
  {
    Client c(port);
    const std::string body(config.max_body_bytes + 1000, ' ');
    std::thread writer([&] { c.send_raw(post_head(body.size()) + body); });
    const auto r = c.read_response();
    writer.join();
    ASSERT_TRUE(r.has_value());
    expect_problem(*r, 413, "body_too_large");
  }
  // Chunked, growing past the limit.
  {
    Client c(port);
    std::string req =
        "POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    const std::string chunk(64 * 1024, ' ');
    for (std::size_t sent = 0; sent <= config.max_body_bytes; sent += chunk.size()) req += "10000\r\n" + chunk + "\r\n";
    std::thread writer([&] { c.send_raw(req + "0\r\n\r\n"); });
    const auto r = c.read_response();
    writer.join();
    ASSERT_TRUE(r.has_value());
    expect_problem(*r, 413, "body_too_large");
  }
  expect_alive();
  // Exactly at the limit is read and parsed (then refused for its content, not its size).
  std::string body = R"({"tx": "zz"})";
  body.insert(1, config.max_body_bytes - body.size(), ' ');
  ASSERT_EQ(body.size(), config.max_body_bytes);
  expect_problem(post("/v1/txs", body), 400, "hex_bad_character");
}

TEST_F(ServerTest, HeadOverTheLimitIs431) {
  Client c(port);
  ASSERT_TRUE(c.send_raw("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(config.max_header_bytes, 'a') +
                         "\r\n\r\n"));
  const auto r = c.read_response();
  ASSERT_TRUE(r.has_value());
  expect_problem(*r, 431, "header_too_large");
  EXPECT_TRUE(c.wait_closed());
  expect_alive();
  // A long target counts too.
  expect_problem(get("/v1/blocks/" + std::string(config.max_header_bytes, '1')), 431, "header_too_large");
  expect_alive();
}

TEST_F(ServerTest, JsonNestedBeyondSixteenIsRefusedBeforeParsing) {
  Client c(port);
  // 16 levels parse (and then fail as "not an object"); 17 do not.
  expect_problem(c.request("POST", "/v1/txs", nested(16)), 400, "bad_field");
  expect_problem(c.request("POST", "/v1/txs", nested(17)), 400, "json_too_deep");
  expect_problem(c.request("POST", "/v1/txs", "{\"tx\": " + nested(16) + "}"), 400, "json_too_deep");
  expect_problem(c.request("POST", "/v1/admin/mining", "{\"enabled\": " + nested(20) + "}",
                           "Authorization: Bearer " + std::string(kAdminToken) + "\r\n"),
                 400, "json_too_deep");
  // Deep enough to overflow a recursive parser's stack, within the body limit.
  expect_problem(c.request("POST", "/v1/txs", std::string(500'000, '[')), 400, "json_too_deep");
  EXPECT_EQ(c.request("GET", "/v1/status").status, 200u);
}

TEST_F(ServerTest, MalformedHttpIsAnsweredAndClosed) {
  for (const std::string raw :
       {"GARBAGE\r\n\r\n", "GET /v1/status HTTP/9.9\r\n\r\n", "GET /v1/status HTTP/1.1\r\nBad Header\r\n\r\n",
        "POST /v1/txs HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "POST /v1/txs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    SCOPED_TRACE(raw);
    Client c(port);
    ASSERT_TRUE(c.send_raw(raw));
    const auto r = c.read_response();
    ASSERT_TRUE(r.has_value());
    expect_problem(*r, 400, "bad_request");
    EXPECT_TRUE(c.wait_closed());
  }
  expect_alive();
}

TEST_F(ServerTest, KeepAlivePipeliningAndClose) {
  Client c(port);
  // Two requests in one write: two answers, in order.
  ASSERT_TRUE(c.send_raw("GET /v1/blocks/0 HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/blocks/1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->json().at("height"), 0);
  EXPECT_EQ(second->json().at("height"), 1);
  // A keep-alive connection serves many requests.
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.request("GET", "/v1/status").status, 200u);
  EXPECT_EQ(server->connections(), 1u);
  // "Connection: close" is honoured.
  const auto last = c.request("GET", "/v1/status", {}, "Connection: close\r\n");
  EXPECT_EQ(last.status, 200u);
  EXPECT_EQ(last.header("connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreRefused) {
  config.max_connections = 2;
  restart();
  Client a(port);
  Client b(port);
  ASSERT_EQ(a.request("GET", "/v1/status").status, 200u);
  ASSERT_EQ(b.request("GET", "/v1/status").status, 200u);
  EXPECT_EQ(server->connections(), 2u);
  {
    Client c(port);
    c.send_raw("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto r = c.read_response();
    ASSERT_TRUE(r.has_value());
    expect_problem(*r, 503, "too_many_connections");
    EXPECT_TRUE(c.wait_closed());
  }
  // The open ones still work; once one closes, a new connection is served.
  EXPECT_EQ(a.request("GET", "/v1/status").status, 200u);
  b.request("GET", "/v1/status", {}, "Connection: close\r\n");
  EXPECT_TRUE(b.wait_closed());
  for (int i = 0; i < 100 && server->connections() > 1; ++i) std::this_thread::sleep_for(milliseconds{10});
  EXPECT_EQ(get("/v1/status").status, 200u);
}

TEST_F(ServerTest, IdleConnectionsAreClosed) {
  config.idle_timeout = milliseconds{200};
  restart();
  Client silent(port);
  Client slow(port);
  ASSERT_TRUE(slow.send_raw("GET /v1/status HTTP/1.1\r\nHost"));  // a head that never ends
  Client served(port);
  ASSERT_EQ(served.request("GET", "/v1/status").status, 200u);  // idle after its answer
  EXPECT_TRUE(silent.wait_closed(milliseconds{2000}));
  EXPECT_TRUE(slow.wait_closed(milliseconds{2000}));
  EXPECT_TRUE(served.wait_closed(milliseconds{2000}));
  for (int i = 0; i < 100 && server->connections() > 0; ++i) std::this_thread::sleep_for(milliseconds{10});
  EXPECT_EQ(server->connections(), 0u);
  expect_alive();
}

TEST_F(ServerTest, CorsOnlyForConfiguredOrigins) {
  const std::string allowed = "Origin: " + std::string(kAllowedOrigin) + "\r\n";
  auto r = get("/v1/status", allowed);
  EXPECT_EQ(r.header("access-control-allow-origin"), kAllowedOrigin);
  EXPECT_EQ(r.header("vary"), "Origin");
  // Errors too, so a page can read the problem document.
  r = get("/v1/blocks/99", allowed);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.header("access-control-allow-origin"), kAllowedOrigin);
  r = get("/v1/status", "Origin: https://evil.example\r\n");
  EXPECT_EQ(r.header("access-control-allow-origin"), "");
  EXPECT_EQ(r.header("vary"), "Origin");

  // Preflight.
  Client c(port);
  r = c.request("OPTIONS", "/v1/txs", {}, allowed + "Access-Control-Request-Method: POST\r\n");
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(r.header("access-control-allow-origin"), kAllowedOrigin);
  EXPECT_EQ(r.header("access-control-allow-methods"), "POST, OPTIONS");
  EXPECT_EQ(r.header("access-control-allow-headers"), "Authorization, Content-Type");
  EXPECT_EQ(r.header("allow"), "POST, OPTIONS");
  r = c.request("OPTIONS", "/v1/txs", {}, "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n");
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(r.header("access-control-allow-origin"), "");
  EXPECT_EQ(r.header("access-control-allow-methods"), "");
  expect_problem(c.request("OPTIONS", "/v1/nothing", {}, allowed), 404, "not_found");

  // No origins configured: no CORS headers at all.
  config.cors_origins.clear();
  restart();
  r = get("/v1/status", allowed);
  EXPECT_EQ(r.header("access-control-allow-origin"), "");
  EXPECT_EQ(r.header("vary"), "");
  Client d(port);
  r = d.request("OPTIONS", "/v1/status", {}, allowed);
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(r.header("access-control-allow-methods"), "");
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimAnswer) {
  Client c(port);
  const auto tx = node->transfer(node->keys().bob, crypto::address_of(node->keys().carol.public_key()), 1, 0);
  const std::string body = json{{"tx", util::to_hex(primitives::encode(tx))}}.dump();
  ASSERT_TRUE(c.send_raw(post_head(body.size(), "Expect: 100-continue\r\n")));
  // The client waits for the 100 before sending the body, as curl does.
  ASSERT_TRUE(c.read_until("HTTP/1.1 100 Continue\r\n\r\n"));
  ASSERT_TRUE(c.send_raw(body));
  const auto r = c.read_response();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 202u) << r->body;
}

TEST_F(ServerTest, StartRefusesBadConfigurations) {
  for (const std::string listen :
       {"nohost", "localhost:80", "127.0.0.1:70000", "127.0.0.1:", "::1:80", "[::1:80", "127.0.0.1:-1"}) {
    ServerConfig bad = config;
    bad.listen = listen;
    Server s(*node, bad);
    auto r = s.start();
    ASSERT_FALSE(r.has_value()) << listen;
    EXPECT_EQ(r.error().code, ServerError::kBadListenAddress) << listen;
  }
  {
    ServerConfig bad = config;
    bad.threads = 0;
    Server s(*node, bad);
    EXPECT_EQ(s.start().error().code, ServerError::kBadConfig);
  }
  {
    ServerConfig taken = config;
    taken.listen = "127.0.0.1:" + std::to_string(port);
    Server s(*node, taken);
    auto r = s.start();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ServerError::kBindFailed);
  }
  EXPECT_EQ(server->start().error().code, ServerError::kAlreadyStarted);
  expect_alive();
}

TEST_F(ServerTest, StopClosesConnectionsAndFreesThePort) {
  Client open(port);
  ASSERT_EQ(open.request("GET", "/v1/status").status, 200u);
  server->stop();
  EXPECT_TRUE(open.wait_closed(milliseconds{2000}));
  EXPECT_THROW(Client{port}, std::runtime_error);
  server->stop();  // idempotent
  // The port can be bound again.
  config.listen = "127.0.0.1:" + std::to_string(port);
  Server again(*node, config);
  auto p = again.start();
  ASSERT_TRUE(p.has_value()) << p.error().detail;
  EXPECT_EQ(*p, port);
  EXPECT_EQ(test::get(port, "/v1/status").status, 200u);
}

}  // namespace
}  // namespace cloudchain::api::test
