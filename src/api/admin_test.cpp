// Admin routes: the Bearer token, the 401 delay (which must not hold up other clients),
// and what each route does to the node.

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "api/test_fixture.hpp"

namespace cloudchain::api::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string bearer(std::string_view token) { return "Authorization: Bearer " + std::string(token) + "\r\n"; }

class AdminTest : public ServerTest {
 protected:
  milliseconds elapsed_since(Clock::time_point start) const {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  }
};

TEST_F(AdminTest, MissingOrWrongTokenIsUnauthorizedAfterADelay) {
  const std::vector<std::string> bad_headers = {
      "",
      bearer("wrong"),
      bearer(std::string(kAdminToken) + "x"),
      bearer(std::string(kAdminToken).substr(1)),
      "Authorization: Basic " + std::string(kAdminToken) + "\r\n",
      "Authorization: " + std::string(kAdminToken) + "\r\n",
      "Authorization: Bearer\r\n",
  };
  for (const auto& h : bad_headers) {
    SCOPED_TRACE(h);
    Client c(port);
    const auto start = Clock::now();
    const auto r = c.request("POST", "/v1/admin/mining", R"({"enabled": true})", h);
    EXPECT_GE(elapsed_since(start), milliseconds{250});
    expect_problem(r, 401, "unauthorized");
    EXPECT_EQ(r.header("www-authenticate"), "Bearer");
    EXPECT_EQ(c.request("GET", "/v1/status").status, 200u);  // the connection still serves
  }
  EXPECT_FALSE(node->mining().enabled);
  expect_problem(post("/v1/admin/shutdown", "", bearer("nope")), 401, "unauthorized");
  EXPECT_EQ(node->shutdown_requests(), 0);
}

TEST_F(AdminTest, TheDelayDoesNotHoldUpOtherRequests) {
  // One worker thread: if the delay slept on it, the concurrent request would wait too.
  // A long delay keeps the check meaningful on a loaded machine.
  config.threads = 1;
  config.auth_failure_delay = milliseconds{1500};
  restart();
  auto unauthorized = std::async(std::launch::async, [this] {
    const auto r = post("/v1/admin/shutdown", "", bearer("guess"));
    return std::make_pair(r.status, Clock::now());
  });
  std::this_thread::sleep_for(milliseconds{100});  // the 401 is now waiting on its timer
  const auto start = Clock::now();
  EXPECT_EQ(get("/v1/status").status, 200u);
  const auto served = Clock::now();
  EXPECT_LT(served - start, milliseconds{750});
  const auto [status, answered] = unauthorized.get();
  EXPECT_EQ(status, 401u);
  EXPECT_LT(served, answered);  // the status request overtook the delayed 401
  EXPECT_GE(answered - start, milliseconds{1000});
}

TEST_F(AdminTest, MiningCanBeSwitchedOnAndOff) {
  auto r = post("/v1/admin/mining", R"({"enabled": true})", bearer(kAdminToken));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json(), (json{{"mining", {{"enabled", true}, {"threads", 1}, {"hashrate", 1234}}}}));
  EXPECT_TRUE(node->mining().enabled);
  EXPECT_EQ(get("/v1/status").json().at("mining").at("enabled"), true);
  // The scheme name is case-insensitive (RFC 9110).
  r = post("/v1/admin/mining", R"({"enabled": false})", "Authorization: bearer " + std::string(kAdminToken) + "\r\n");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_FALSE(node->mining().enabled);

  Client c(port);
  const std::string auth = bearer(kAdminToken);
  expect_problem(c.request("POST", "/v1/admin/mining", R"({"enabled": "yes"})", auth), 400, "bad_field");
  expect_problem(c.request("POST", "/v1/admin/mining", R"({})", auth), 400, "bad_field");
  expect_problem(c.request("POST", "/v1/admin/mining", R"({"enabled": true, "threads": 4})", auth), 400, "bad_field");
  expect_problem(c.request("POST", "/v1/admin/mining", R"({"enabled": tru})", auth), 400, "malformed_json");
  expect_problem(c.request("POST", "/v1/admin/mining", R"({"enabled": true})", auth, "text/plain"), 415,
                 "unsupported_media_type");
  EXPECT_FALSE(node->mining().enabled);
}

TEST_F(AdminTest, ShutdownIsRequestedAfterTheAnswer) {
  Client c(port);
  expect_problem(c.request("POST", "/v1/admin/shutdown", R"({"now": true})", bearer(kAdminToken)), 400, "bad_field");
  EXPECT_EQ(node->shutdown_requests(), 0);
  const auto r = c.request("POST", "/v1/admin/shutdown", "", bearer(kAdminToken));
  ASSERT_EQ(r.status, 202u) << r.body;
  EXPECT_EQ(r.json(), (json{{"status", "shutting_down"}}));
  // The request takes effect once the answer is written; allow the write's completion
  // handler a moment to run.
  const auto deadline = Clock::now() + milliseconds{2000};
  while (node->shutdown_requests() == 0 && Clock::now() < deadline) std::this_thread::sleep_for(milliseconds{5});
  EXPECT_EQ(node->shutdown_requests(), 1);
  EXPECT_EQ(post("/v1/admin/shutdown", "{}", bearer(kAdminToken)).status, 202u);
}

TEST_F(AdminTest, EmptyTokenDisablesTheAdminRoutes) {
  config.admin_token.clear();
  restart();
  expect_problem(post("/v1/admin/mining", R"({"enabled": true})", "Authorization: Bearer \r\n"), 401, "unauthorized");
  expect_problem(post("/v1/admin/mining", R"({"enabled": true})", bearer(kAdminToken)), 401, "unauthorized");
  EXPECT_FALSE(node->mining().enabled);
}

}  // namespace
}  // namespace cloudchain::api::test
