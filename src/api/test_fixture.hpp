#pragma once
// The fixture of the server tests (not part of the library): a TestNode and a real
// Server on 127.0.0.1, port 0, started fresh for each test.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api/server.hpp"
#include "api/test_client.hpp"
#include "api/test_node.hpp"
#include "util/hex.hpp"

namespace cloudchain::api::test {

inline constexpr std::string_view kAdminToken = "s3cret-admin-token";
inline constexpr std::string_view kAllowedOrigin = "https://explorer.example";

class ServerTest : public ::testing::Test {
 protected:
  /// Tests that need other limits change `config` and call restart().
  void SetUp() override {
    config.listen = "127.0.0.1:0";
    config.admin_token = std::string(kAdminToken);
    config.cors_origins = {std::string(kAllowedOrigin)};
    node = std::make_unique<TestNode>();
    start();
  }
  void TearDown() override { server.reset(); }

  void start() {
    server = std::make_unique<Server>(*node, config);
    auto p = server->start();
    ASSERT_TRUE(p.has_value()) << p.error().detail;
    port = *p;
  }
  void restart() {
    server.reset();
    start();
  }

  HttpResponse get(std::string_view target, std::string_view headers = {}) const {
    return test::get(port, target, headers);
  }
  HttpResponse post(std::string_view target, std::string_view body, std::string_view headers = {},
                    std::string_view content_type = "application/json") const {
    return test::post(port, target, body, headers, content_type);
  }
  /// Asserts a problem+json answer with this status and code, and returns its document.
  static nlohmann::json expect_problem(const HttpResponse& r, unsigned status, std::string_view code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    nlohmann::json doc = r.json();
    EXPECT_EQ(doc.at("code"), code) << r.body;
    EXPECT_EQ(doc.at("status"), status);
    EXPECT_EQ(doc.at("type"), "https://cloudchain.dev/problems/" + std::string(code));
    EXPECT_TRUE(doc.at("title").is_string());
    EXPECT_TRUE(doc.at("detail").is_string());
    return doc;
  }
  /// The server still answers: the status route works on a fresh connection.
  void expect_alive() const {
    const auto r = get("/v1/status");
    EXPECT_EQ(r.status, 200u) << r.body;
  }
  std::string hex_of(util::ByteSpan b) const { return util::to_hex(b); }

  ServerConfig config;
  std::unique_ptr<TestNode> node;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
};

}  // namespace cloudchain::api::test
