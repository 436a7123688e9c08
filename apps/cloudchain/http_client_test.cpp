// The HTTP client and the node client against real loopback sockets: a server that
// answers as scripted, a port with nothing listening, a server that never answers.

#include "http_client.hpp"

#include <atomic>

#include <gtest/gtest.h>

#include "node_client.hpp"
#include "test_server.hpp"

namespace cloudchain::cli {
namespace {

using namespace std::chrono_literals;
using test::Response;
using test::TestServer;

TEST(CliParseUrl, AcceptsHostPortAndPath) {
  auto u = parse_url("http://127.0.0.1:8645").value();
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "8645");
  EXPECT_EQ(u.base_path, "");
  u = parse_url("HTTP://node.example:80/api/").value();
  EXPECT_EQ(u.host, "node.example");
  EXPECT_EQ(u.base_path, "/api");
  u = parse_url("localhost:9000").value();
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, "9000");
  u = parse_url("http://[::1]:8645/x").value();
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "8645");
  EXPECT_EQ(u.base_path, "/x");
  EXPECT_EQ(parse_url("http://example.org").value().port, "80");
}

TEST(CliParseUrl, RejectsWhatItCannotServe) {
  for (const char* bad : {"https://a", "ftp://a", "http://", "http://:80", "http://a:0", "http://a:65536", "http://a:x",
                          "http://u@a", "http://a/p?q", "http://[::1", "http://[::1]x"}) {
    auto r = parse_url(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, HttpError::kBadUrl) << bad;
  }
}

HttpClient client_for(const std::string& url, std::chrono::milliseconds timeout = 5s) {
  return HttpClient(parse_url(url).value(), timeout);
}

TEST(CliHttpClient, GetAndPostReachTheServer) {
  TestServer server([](const test::Request& r) {
    Response out;
    out.body = R"({"method":")" + r.method + R"(","target":")" + r.target + R"("})";
    return out;
  });
  const auto http = client_for(server.url() + "/base");
  auto got = http.get("/v1/status");
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->status, 200U);
  EXPECT_EQ(got->content_type, "application/json");
  EXPECT_EQ(got->body, R"({"method":"GET","target":"/base/v1/status"})");

  auto posted = http.post("/v1/txs", "application/json", R"({"tx":"00"})");
  ASSERT_TRUE(posted.has_value());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].body, R"({"tx":"00"})");
  EXPECT_EQ(requests[1].headers.at("content-type"), "application/json");
  EXPECT_EQ(requests[1].headers.at("host"), "127.0.0.1:" + std::to_string(server.port()));
}

TEST(CliHttpClient, ConnectionRefusedIsExplained) {
  const std::string url = "http://127.0.0.1:" + std::to_string(test::closed_port());
  const auto http = client_for(url);
  auto r = http.get("/v1/status");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HttpError::kConnectionRefused);
  EXPECT_EQ(describe(r.error(), http.url()),
            "cannot reach node at " + url + ": connection refused (is cloudchaind running?)");
}

TEST(CliHttpClient, SilentServerTimesOut) {
  TestServer server([](const test::Request&) {
    Response r;
    r.hang = true;
    return r;
  });
  const auto http = client_for(server.url(), 300ms);
  const auto start = std::chrono::steady_clock::now();
  auto r = http.get("/v1/status");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HttpError::kTimeout);
  EXPECT_LT(elapsed, 3s);
  EXPECT_NE(describe(r.error(), http.url()).find("--timeout"), std::string::npos);
}

HttpSession session_for(const std::string& url, std::chrono::milliseconds timeout = 5s) {
  auto parsed = parse_url(url);
  EXPECT_TRUE(parsed.has_value());
  return HttpSession(*parsed, timeout);
}

Response echo(const test::Request& r) {
  Response out;
  out.body = R"({"target":")" + r.target + R"(","body":")" + r.body + R"("})";
  return out;
}

TEST(CliHttpSession, KeepsOneConnectionForManyRequests) {
  TestServer server(echo, 100);
  auto http = session_for(server.url());
  for (int i = 0; i < 5; ++i) {
    auto r = http.post("/v1/txs", "application/json", std::to_string(i));
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(r->body, R"({"target":"/v1/txs","body":")" + std::to_string(i) + R"("})");
  }
  EXPECT_EQ(http.connections_opened(), 1U);
  EXPECT_EQ(server.connections(), 1U);
  EXPECT_EQ(server.requests().size(), 5U);
  EXPECT_EQ(server.requests()[0].headers.count("connection"), 0U);  // HTTP/1.1: keep-alive by default
}

TEST(CliHttpSession, ReconnectsWhenTheServerClosedTheConnection) {
  // The server drops each connection after two requests without saying so: the third
  // request fails on the old connection and is sent again on a new one.
  TestServer server(echo, 2);
  auto http = session_for(server.url());
  for (int i = 0; i < 6; ++i) {
    auto r = http.get("/n/" + std::to_string(i));
    ASSERT_TRUE(r) << i << ": " << r.error().detail;
    EXPECT_EQ(r->body, R"({"target":"/n/)" + std::to_string(i) + R"(","body":""})");
  }
  EXPECT_EQ(server.connections(), 3U);
  EXPECT_EQ(http.connections_opened(), 3U);
  EXPECT_EQ(server.requests().size(), 6U);  // none lost, none twice
}

TEST(CliHttpSession, AConnectionCloseAnswerEndsTheConnection) {
  // The server says "Connection: close" but would go on serving the connection: only a
  // client that honours the header opens a new one for each request.
  TestServer server(
      [](const test::Request& r) {
        Response out = echo(r);
        out.say_close = true;
        return out;
      },
      100);
  auto http = session_for(server.url());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(http.get("/v1/status"));
  EXPECT_EQ(http.connections_opened(), 3U);
  EXPECT_EQ(server.connections(), 3U);
  EXPECT_EQ(server.requests().size(), 3U);
}

TEST(CliHttpSession, FailuresAreTheClientsAndTheSessionRecovers) {
  auto refused = session_for("http://127.0.0.1:" + std::to_string(test::closed_port()));
  auto r = refused.get("/v1/status");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HttpError::kConnectionRefused);

  // A garbled answer fails that request (on a new connection: not sent again) and drops
  // the connection; the next request gets a new one.
  std::atomic<bool> garble{true};
  TestServer server(
      [&garble](const test::Request& req) {
        Response out = echo(req);
        if (garble.exchange(false)) out.raw = "HTTP/1.1 2xx nonsense\r\n\r\n";
        return out;
      },
      100);
  auto http = session_for(server.url());
  auto bad = http.get("/first");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, HttpError::kReceive);
  auto good = http.get("/second");
  ASSERT_TRUE(good) << good.error().detail;
  EXPECT_EQ(good->status, 200U);
  EXPECT_EQ(http.connections_opened(), 2U);
  EXPECT_EQ(server.requests().size(), 2U);
}

TEST(CliHttpClient, UnresolvableHostIsExplained) {
  const auto http = client_for("http://no-such-host.invalid:8645", 3s);
  auto r = http.get("/v1/status");
  ASSERT_FALSE(r);
  // Without a resolver the lookup fails fast (kResolve); a slow resolver may time out.
  EXPECT_TRUE(r.error().code == HttpError::kResolve || r.error().code == HttpError::kTimeout)
      << to_string(r.error().code);
}

TEST(CliHttpClient, OversizedResponseIsRefused) {
  TestServer server([](const test::Request&) {
    Response r;
    r.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(kMaxResponseBytes + 1) + "\r\n\r\n{";
    return r;
  });
  auto r = client_for(server.url()).get("/v1/blocks/1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HttpError::kResponseTooLarge) << r.error().detail;
}

TEST(CliHttpClient, OversizedBodyWithoutLengthIsRefused) {
  // No Content-Length: the body runs to the end of the connection, counted as it arrives.
  TestServer server([](const test::Request&) {
    Response r;
    r.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" +
            std::string(kMaxResponseBytes + 1, ' ');
    return r;
  });
  auto r = client_for(server.url()).get("/v1/blocks/1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, HttpError::kResponseTooLarge) << r.error().detail;
}

TEST(CliHttpClient, GarbageOrTruncatedResponseIsAReceiveError) {
  for (const std::string& raw : {std::string("this is not http\r\n\r\n"),
                                 std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"short\":")}) {
    TestServer server([raw](const test::Request&) {
      Response r;
      r.raw = raw;
      return r;
    });
    auto r = client_for(server.url()).get("/v1/status");
    ASSERT_FALSE(r) << raw;
    EXPECT_EQ(r.error().code, HttpError::kReceive) << raw;
  }
}

// --- NodeClient -----------------------------------------------------------------------

TEST(CliNodeClient, ProblemDocumentsBecomeCodeAndDetail) {
  TestServer server([](const test::Request&) { return test::problem(422, "nonce_gap", "expected nonce 4, got 6"); });
  const NodeClient node(client_for(server.url()));
  auto r = node.post("/v1/txs", nlohmann::json{{"tx", "00"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, NodeError::Kind::kProblem);
  EXPECT_EQ(r.error().status, 422U);
  EXPECT_EQ(r.error().code, "nonce_gap");
  EXPECT_EQ(r.error().message, "nonce_gap: expected nonce 4, got 6");
}

TEST(CliNodeClient, OtherErrorStatusesNameTheStatus) {
  TestServer server([](const test::Request&) {
    Response r;
    r.status = 502;
    r.content_type = "text/html";
    r.body = "<html>bad gateway</html>";
    return r;
  });
  const NodeClient node(client_for(server.url()));
  auto r = node.get("/v1/status");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, NodeError::Kind::kHttpStatus);
  EXPECT_EQ(r.error().message, "HTTP 502 Error from " + server.url() + "/v1/status");
}

TEST(CliNodeClient, InvalidJsonIsReported) {
  TestServer server([](const test::Request&) {
    Response r;
    r.body = "{not json";
    return r;
  });
  auto r = NodeClient(client_for(server.url())).get("/v1/status");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, NodeError::Kind::kBadJson);
  EXPECT_NE(r.error().message.find("invalid JSON"), std::string::npos);
}

TEST(CliNodeClient, JsonAnswersAreParsed) {
  TestServer server([](const test::Request&) {
    Response r;
    r.body = R"({"height": 42, "network": "ccdev"})";
    return r;
  });
  auto r = NodeClient(client_for(server.url())).get("/v1/status");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ((*r)["height"], 42);
}

TEST(CliNodeClient, UnreachableNodeKeepsTheTransportSentence) {
  const std::string url = "http://127.0.0.1:" + std::to_string(test::closed_port());
  auto r = NodeClient(client_for(url)).get("/v1/status");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, NodeError::Kind::kUnreachable);
  EXPECT_EQ(r.error().message, "cannot reach node at " + url + ": connection refused (is cloudchaind running?)");
}

}  // namespace
}  // namespace cloudchain::cli
