// GET /v1/peers, the peer admin routes and the "peers"/"sync" fields of /v1/status,
// over real sockets against the TestNode's stand-in network.

#include <gtest/gtest.h>

#include "api/test_fixture.hpp"

namespace cloudchain::api::test {
namespace {

using nlohmann::json;

TestNode::FakeNetwork no_network() {
  TestNode::FakeNetwork n;
  n.enabled = false;
  return n;
}

std::string bearer() { return "Authorization: Bearer " + std::string(kAdminToken) + "\r\n"; }

class PeersTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    TestNode::FakeNetwork n;
    p2p::PeerInfo a;
    a.id = 7;
    a.address = "127.0.0.1:40001";
    a.inbound = true;
    a.ready = true;
    a.best_height = 12;
    a.user_agent = "cloudchain/0.1.0";
    a.score = 20;
    a.bytes_sent = 100;
    a.bytes_received = 200;
    a.connected_ms = 1'764'000'000'000;
    a.ping_rtt_ms = 3;
    a.blocks_in_flight = 2;
    p2p::PeerInfo b;
    b.id = 8;
    b.address = "[::1]:8646";
    b.ready = false;
    n.peers = {a, b};
    n.bans = {p2p::BanInfo{"10.0.0.9", 1'764'000'360'000, "bad_checksum"}};
    n.sync = p2p::SyncStatus{true, 3, 400, 0.75, 12.5, 31};
    node->set_network(n);
  }
};

TEST_F(PeersTest, ListsPeersAndBans) {
  const auto r = get("/v1/peers");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json doc = r.json();
  EXPECT_EQ(doc["enabled"], true);
  ASSERT_EQ(doc["peers"].size(), 2u);
  const json& a = doc["peers"][0];
  EXPECT_EQ(a["id"], 7);
  EXPECT_EQ(a["address"], "127.0.0.1:40001");
  EXPECT_EQ(a["inbound"], true);
  EXPECT_EQ(a["ready"], true);
  EXPECT_EQ(a["best_height"], 12);
  EXPECT_EQ(a["user_agent"], "cloudchain/0.1.0");
  EXPECT_EQ(a["score"], 20);
  EXPECT_EQ(a["bytes_sent"], 100);
  EXPECT_EQ(a["bytes_received"], 200);
  EXPECT_EQ(a["connected_ms"], 1'764'000'000'000);
  EXPECT_EQ(a["ping_rtt_ms"], 3);
  EXPECT_EQ(a["blocks_in_flight"], 2);
  EXPECT_TRUE(doc["peers"][1]["ping_rtt_ms"].is_null());
  ASSERT_EQ(doc["bans"].size(), 1u);
  EXPECT_EQ(doc["bans"][0], (json{{"ip", "10.0.0.9"}, {"until_ms", 1'764'000'360'000}, {"reason", "bad_checksum"}}));
  expect_problem(get("/v1/peers?x=1"), 400, "bad_param");
}

TEST_F(PeersTest, StatusCountsReadyPeersAndShowsSync) {
  const json doc = get("/v1/status").json();
  EXPECT_EQ(doc["peers"], 1);  // the one that finished its handshake
  const json& sync = doc["sync"];
  EXPECT_EQ(sync["syncing"], true);
  EXPECT_EQ(sync["height"], 3);
  EXPECT_EQ(sync["target_height"], 400);
  EXPECT_DOUBLE_EQ(sync["percent"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(sync["blocks_per_second"].get<double>(), 12.5);
  EXPECT_EQ(sync["eta_seconds"], 31);

  // Without a network: no peers, in sync at the tip, eta null.
  node->set_network(no_network());
  const json off = get("/v1/status").json();
  EXPECT_EQ(off["peers"], 0);
  EXPECT_EQ(off["sync"]["syncing"], false);
  EXPECT_EQ(off["sync"]["height"], off["height"]);
  EXPECT_EQ(off["sync"]["target_height"], off["height"]);
  EXPECT_DOUBLE_EQ(off["sync"]["percent"].get<double>(), 100.0);
  EXPECT_TRUE(off["sync"]["eta_seconds"].is_null());
  const json peers = get("/v1/peers").json();
  EXPECT_EQ(peers["enabled"], false);
  EXPECT_TRUE(peers["peers"].empty());
}

TEST_F(PeersTest, ConnectDialsAValidAddress) {
  for (const char* address : {"127.0.0.1:8646", "node-3.example:9000", "[::1]:1", "[fd00::2]:65535"}) {
    const auto r = post("/v1/admin/peers", json{{"address", address}}.dump(), bearer());
    ASSERT_EQ(r.status, 202u) << address << ": " << r.body;
    EXPECT_EQ(r.json()["status"], "connecting");
    EXPECT_EQ(r.json()["address"], address);
  }
  EXPECT_EQ(node->network().dialled.size(), 4u);
  EXPECT_EQ(node->network().dialled[1], "node-3.example:9000");

  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:08646", "host name:1", "[::1:1",
                          "[nothost]:1", ":8646", "a:-1"}) {
    expect_problem(post("/v1/admin/peers", json{{"address", bad}}.dump(), bearer()), 400, "bad_field");
  }
  expect_problem(post("/v1/admin/peers", R"({"address": 5})", bearer()), 400, "bad_field");
  expect_problem(post("/v1/admin/peers", R"({})", bearer()), 400, "bad_field");
  expect_problem(post("/v1/admin/peers", R"({"address": "1.2.3.4:5", "x": 1})", bearer()), 400, "bad_field");
  expect_problem(post("/v1/admin/peers", R"({"address": "1.2.3.4:5"})"), 401, "unauthorized");
  EXPECT_EQ(node->network().dialled.size(), 4u);  // none of the refusals dialled
}

TEST_F(PeersTest, BanAndUnban) {
  auto r = post("/v1/admin/peers/ban", R"({"ip": "192.0.2.7", "seconds": 60})", bearer());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json(), (json{{"status", "banned"}, {"ip", "192.0.2.7"}, {"seconds", 60}}));
  r = post("/v1/admin/peers/ban", R"({"ip": "2001:db8::1"})", bearer());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["seconds"], 3600);  // the default
  EXPECT_EQ(get("/v1/peers").json()["bans"].size(), 3u);

  r = post("/v1/admin/peers/unban", R"({"ip": "192.0.2.7"})", bearer());
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json()["status"], "unbanned");
  EXPECT_EQ(get("/v1/peers").json()["bans"].size(), 2u);

  for (const char* body : {R"({"ip": "host.example"})", R"({"ip": "1.2.3.4:5"})", R"({"ip": ""})", R"({"ip": 7})",
                           R"({"ip": "1.2.3.4", "seconds": 0})", R"({"ip": "1.2.3.4", "seconds": -5})",
                           R"({"ip": "1.2.3.4", "seconds": 31536001})", R"({"ip": "1.2.3.4", "seconds": "60"})",
                           R"({"ip": "1.2.3.4", "reason": "x"})"}) {
    expect_problem(post("/v1/admin/peers/ban", body, bearer()), 400, "bad_field");
  }
  expect_problem(post("/v1/admin/peers/unban", R"({"ip": "nope"})", bearer()), 400, "bad_field");
  expect_problem(post("/v1/admin/peers/unban", R"({"ip": "1.2.3.4", "seconds": 1})", bearer()), 400, "bad_field");
  expect_problem(post("/v1/admin/peers/ban", R"({"ip": "1.2.3.4"})"), 401, "unauthorized");
  expect_problem(post("/v1/admin/peers/unban", R"({"ip": "1.2.3.4"})"), 401, "unauthorized");
}

TEST_F(PeersTest, AdminRoutesWithoutANetworkAre503) {
  node->set_network(no_network());
  expect_problem(post("/v1/admin/peers", R"({"address": "1.2.3.4:5"})", bearer()), 503, "p2p_disabled");
  expect_problem(post("/v1/admin/peers/ban", R"({"ip": "1.2.3.4"})", bearer()), 503, "p2p_disabled");
  expect_problem(post("/v1/admin/peers/unban", R"({"ip": "1.2.3.4"})", bearer()), 503, "p2p_disabled");
}

}  // namespace
}  // namespace cloudchain::api::test
