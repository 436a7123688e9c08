// POST /v1/txs: a valid submission, then every kind of bad body, bad encoding, failed
// check and mempool refusal, each with its code, each followed by a request on the same
// connection. POST /v1/txs/batch: entries answered one by one, in order; bad batches.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "api/routes.hpp"
#include "api/test_fixture.hpp"

namespace cloudchain::api::test {
namespace {

using nlohmann::json;

class SubmitTest : public ServerTest {
 protected:
  std::string body_of(const primitives::Transaction& tx) const {
    return json{{"tx", util::to_hex(primitives::encode(tx))}}.dump();
  }
  // Submits `body` and expects the problem; the connection then still serves.
  void expect_refused(const std::string& body, unsigned status, std::string_view code,
                      std::string_view content_type = "application/json", const std::string& path = "/v1/txs") {
    Client c(port);
    SCOPED_TRACE(body.substr(0, 200));
    expect_problem(c.request("POST", path, body, {}, content_type), status, code);
    EXPECT_EQ(c.request("GET", "/v1/status").status, 200u);
  }
  std::string hex_of(const primitives::Transaction& tx) const { return util::to_hex(primitives::encode(tx)); }
  crypto::Address carol() const { return crypto::address_of(node->keys().carol.public_key()); }
};

TEST_F(SubmitTest, AcceptedTransactionIsPending) {
  const auto tx = node->transfer(node->keys().bob, carol(), 250, 0);
  const auto r = post("/v1/txs", body_of(tx));
  ASSERT_EQ(r.status, 202u) << r.body;
  const std::string txid = util::to_hex(primitives::txid(tx));
  EXPECT_EQ(r.json(), (json{{"txid", txid}, {"status", "pending"}}));
  EXPECT_EQ(get("/v1/txs/" + txid).json().at("status"), "pending");
  EXPECT_EQ(get("/v1/status").json().at("mempool").at("size"), 1);
  // Content-Type parameters and case do not matter.
  const auto tx2 = node->transfer(node->keys().bob, carol(), 250, 1);
  EXPECT_EQ(post("/v1/txs", body_of(tx2), {}, "Application/JSON; charset=utf-8").status, 202u);
  // The same transaction again is the mempool's refusal.
  expect_refused(body_of(tx), 422, "mempool_already_known");
}

TEST_F(SubmitTest, MalformedBodies) {
  expect_refused(body_of(node->transfer(node->keys().bob, carol(), 1, 0)), 415, "unsupported_media_type", "text/plain");
  expect_refused("{}", 415, "unsupported_media_type", "");
  expect_refused("not json", 400, "malformed_json");
  expect_refused("", 400, "malformed_json");
  expect_refused(R"({"tx": "00"} {})", 400, "malformed_json");
  expect_refused(R"({"tx": "00")", 400, "malformed_json");
  expect_refused(R"({"tx": "aa", "tx": "bb"})", 400, "malformed_json");
  expect_refused("[]", 400, "bad_field");
  expect_refused("\"tx\"", 400, "bad_field");
  expect_refused("{}", 400, "bad_field");
  expect_refused(R"({"tx": 5})", 400, "bad_field");
  expect_refused(R"({"tx": null})", 400, "bad_field");
  expect_refused(R"({"tx": "00", "fee": "1"})", 400, "bad_field");
  Client c(port);
  expect_problem(c.request("POST", "/v1/txs?async=1", "{}"), 400, "bad_param");
}

TEST_F(SubmitTest, BadHexAndBadEncodings) {
  expect_refused(R"({"tx": "abc"})", 400, "hex_odd_length");
  expect_refused(R"({"tx": "zz"})", 400, "hex_bad_character");
  expect_refused(R"({"tx": ""})", 400, "codec_truncated");
  const auto tx = node->transfer(node->keys().bob, carol(), 1, 0);
  const std::string hex = util::to_hex(primitives::encode(tx));
  expect_refused(json{{"tx", hex.substr(0, hex.size() - 2)}}.dump(), 400, "codec_truncated");
  expect_refused(json{{"tx", hex + "00"}}.dump(), 400, "codec_trailing_bytes");
  expect_refused(json{{"tx", "02" + hex.substr(2)}}.dump(), 400, "codec_unknown_version");
  // kind byte (after version:u8 and chain_id:u32) set to 9.
  expect_refused(json{{"tx", hex.substr(0, 10) + "09" + hex.substr(12)}}.dump(), 400, "codec_unknown_tx_kind");
}

TEST_F(SubmitTest, FailedChecksAreUnprocessable) {
  const auto& keys = node->keys();
  auto other_chain = node->transfer(keys.bob, carol(), 1, 0);
  other_chain.chain_id = 7;
  primitives::sign(other_chain, keys.bob);
  expect_refused(body_of(other_chain), 422, "tx_wrong_chain");

  auto forged = node->transfer(keys.bob, carol(), 1, 0);
  forged.signature[10] ^= 0x01;  // r changes, still in range: the signature does not verify
  expect_refused(body_of(forged), 422, "tx_invalid_signature");

  auto zero = node->transfer(keys.bob, carol(), 0, 0);
  expect_refused(body_of(zero), 422, "tx_zero_amount");
}

TEST_F(SubmitTest, MempoolRefusalsKeepTheirCodes) {
  const auto& keys = node->keys();
  expect_refused(body_of(node->transfer(keys.alice, carol(), 1, 0)), 422, "mempool_nonce_too_low");
  expect_refused(body_of(node->transfer(keys.bob, carol(), 1, 100)), 422, "mempool_nonce_gap");
  expect_refused(body_of(node->transfer(keys.carol, carol(), 10'000, 0)), 422, "mempool_insufficient_balance");
  expect_refused(body_of(node->transfer(keys.bob, carol(), 1, 0, 1)), 422, "mempool_fee_too_low");
  EXPECT_EQ(get("/v1/status").json().at("mempool").at("size"), 0);
}

TEST_F(SubmitTest, ABatchIsAnsweredEntryByEntryInOrder) {
  const auto& keys = node->keys();
  const auto tx0 = node->transfer(keys.bob, carol(), 250, 0);
  auto forged = node->transfer(keys.bob, carol(), 1, 1);
  forged.signature[10] ^= 0x01;
  const auto tx1 = node->transfer(keys.bob, carol(), 250, 1);
  const json body{{"txs", {hex_of(tx0), hex_of(forged), "zz", hex_of(tx1), hex_of(tx0), ""}}};
  const auto r = post("/v1/txs/batch", body.dump());
  ASSERT_EQ(r.status, 200u) << r.body;
  const json results = r.json().at("results");
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results[0], (json{{"txid", util::to_hex(primitives::txid(tx0))}, {"status", "pending"}}));
  EXPECT_EQ(results[1].at("status"), "rejected");
  EXPECT_EQ(results[1].at("code"), "tx_invalid_signature");
  EXPECT_EQ(results[2].at("code"), "hex_bad_character");
  EXPECT_EQ(results[2].at("detail").get<std::string>().rfind("txs[2]: ", 0), 0u) << results[2];
  EXPECT_EQ(results[3], (json{{"txid", util::to_hex(primitives::txid(tx1))}, {"status", "pending"}}));
  EXPECT_EQ(results[4].at("code"), "mempool_already_known");  // admitted in order: its first copy is in
  EXPECT_EQ(results[5].at("code"), "codec_truncated");
  EXPECT_EQ(get("/v1/status").json().at("mempool").at("size"), 2);

  // Nothing that decodes: answered at once, still 200 with one result per entry.
  const auto none = post("/v1/txs/batch", json{{"txs", {"abc"}}}.dump());
  ASSERT_EQ(none.status, 200u) << none.body;
  EXPECT_EQ(none.json().at("results").at(0).at("code"), "hex_odd_length");
}

TEST_F(SubmitTest, BadBatchesAreRefusedWhole) {
  const std::string path = "/v1/txs/batch";
  const std::string one = hex_of(node->transfer(node->keys().bob, carol(), 1, 0));
  expect_refused(json{{"txs", {one}}}.dump(), 415, "unsupported_media_type", "text/plain", path);
  expect_refused("not json", 400, "malformed_json", "application/json", path);
  expect_refused("[]", 400, "bad_field", "application/json", path);
  expect_refused("{}", 400, "bad_field", "application/json", path);
  expect_refused(R"({"txs": []})", 400, "bad_field", "application/json", path);
  expect_refused(R"({"txs": "00"})", 400, "bad_field", "application/json", path);
  expect_refused(R"({"txs": ["00", 5]})", 400, "bad_field", "application/json", path);
  expect_refused(R"({"txs": [null]})", 400, "bad_field", "application/json", path);
  expect_refused(json{{"txs", {one}}, {"tx", one}}.dump(), 400, "bad_field", "application/json", path);
  json too_many = json::object();
  too_many["txs"] = std::vector<std::string>(kMaxBatchTxs + 1, "00");
  expect_refused(too_many.dump(), 400, "bad_field", "application/json", path);
  Client c(port);
  expect_problem(c.request("POST", path + "?wait=1", json{{"txs", {one}}}.dump()), 400, "bad_param");
  EXPECT_EQ(get("/v1/status").json().at("mempool").at("size"), 0);
}

// A node that forwards to a TestNode but fails in the ways a real node can: a
// submission it cannot decide on (not the sender's fault), and a read that throws.
class FailingNode final : public node::NodeService {
 public:
  explicit FailingNode(TestNode& inner) : m_inner(inner) {}
  const node::NodeInfo& info() const override { return m_inner.info(); }
  node::TipInfo tip() const override { return m_inner.tip(); }
  node::TipState tip_state() const override { return m_inner.tip_state(); }
  node::MempoolStats mempool_stats() const override { return m_inner.mempool_stats(); }
  node::MiningStatus mining() const override { return m_inner.mining(); }
  const storage::Database& database() const override { return m_inner.database(); }
  std::expected<util::Hash256, node::SubmitRejection> submit_transaction(const primitives::Transaction&) override {
    return std::unexpected(node::SubmitRejection{"mempool_state_unavailable", "state node missing", false});
  }
  std::vector<primitives::Transaction> mempool_list(std::size_t, std::size_t) const override {
    throw std::runtime_error("mempool lock poisoned");
  }
  std::optional<primitives::Transaction> mempool_get(const util::Hash256& txid) const override {
    return m_inner.mempool_get(txid);
  }
  std::uint64_t next_nonce(const crypto::Address& address) const override { return m_inner.next_nonce(address); }
  void set_mining(bool enabled) override { m_inner.set_mining(enabled); }
  void request_shutdown() override { m_inner.request_shutdown(); }

 private:
  TestNode& m_inner;
};

TEST_F(SubmitTest, NodeFailuresAreServerErrorsAndTheServerGoesOn) {
  FailingNode failing(*node);
  Server s(failing, config);
  auto p = s.start();
  ASSERT_TRUE(p.has_value());
  Client c(*p);
  const auto tx = node->transfer(node->keys().bob, carol(), 1, 0);
  expect_problem(c.request("POST", "/v1/txs", body_of(tx)), 503, "mempool_state_unavailable");
  // An exception out of the node is answered 500, on the same connection.
  const json doc = expect_problem(c.request("GET", "/v1/mempool"), 500, "internal_error");
  EXPECT_EQ(doc.at("detail"), "mempool lock poisoned");
  EXPECT_EQ(c.request("GET", "/v1/status").status, 200u);
}

// The admission verdict is deferred (docs/api.md, "Threads"): the worker thread serves
// other clients while the node decides, and the answer arrives from another thread.
class DeferredSubmitTest : public SubmitTest {
 protected:
  // Waits until the node holds `n` submissions.
  void wait_held(std::size_t n) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (node->held_answers() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(node->held_answers(), n);
  }
  std::string raw_post(const primitives::Transaction& tx, std::string_view extra_headers = {}) const {
    const std::string body = body_of(tx);
    return "POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + std::string(extra_headers) +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
};

TEST_F(DeferredSubmitTest, TheAnswerComesLaterAndTheConnectionGoesOn) {
  node->hold_answers(true);
  const auto tx = node->transfer(node->keys().bob, carol(), 250, 0);
  Client c(port);
  ASSERT_TRUE(c.send_raw(raw_post(tx, "Origin: " + std::string(kAllowedOrigin) + "\r\n")));
  wait_held(1);
  // Both worker threads are free meanwhile: other clients are served.
  for (int i = 0; i < 4; ++i) expect_alive();
  node->release_answers();
  const auto r = c.read_response();
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 202u) << r->body;
  EXPECT_EQ(r->json().at("txid"), util::to_hex(primitives::txid(tx)));
  EXPECT_EQ(r->header("access-control-allow-origin"), kAllowedOrigin);  // CORS decided before the wait
  EXPECT_EQ(c.request("GET", "/v1/status").status, 200u);               // keep-alive after a deferred answer
}

TEST_F(DeferredSubmitTest, NoAnswerInTimeIs503TimeoutAndTheLateAnswerIsDropped) {
  config.deferred_timeout = std::chrono::milliseconds(300);
  restart();
  node->hold_answers(true);
  const auto first = node->transfer(node->keys().bob, carol(), 250, 0);
  const auto second = node->transfer(node->keys().bob, carol(), 250, 1);
  Client c(port);
  expect_problem(c.request("POST", "/v1/txs", body_of(first)), 503, "timeout");
  // A second deferred request on the same connection: the first's late answer must not
  // be taken for its answer.
  ASSERT_TRUE(c.send_raw(raw_post(second)));
  wait_held(2);
  node->release_answers();  // answers `first` (late: dropped), then `second`
  const auto r = c.read_response();
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 202u) << r->body;
  EXPECT_EQ(r->json().at("txid"), util::to_hex(primitives::txid(second)));
  EXPECT_EQ(c.request("GET", "/v1/status").status, 200u);
}

TEST_F(DeferredSubmitTest, AStoppedServerDropsAnswersThatArriveAfterIt) {
  node->hold_answers(true);
  Client c(port);
  ASSERT_TRUE(c.send_raw(raw_post(node->transfer(node->keys().bob, carol(), 250, 0))));
  wait_held(1);
  server.reset();           // destroys the io_context, the session and its socket
  node->release_answers();  // the answer finds nobody to write to (ASan/TSan runs check this)
  EXPECT_TRUE(c.wait_closed());
  EXPECT_FALSE(c.read_response().has_value());
}

}  // namespace
}  // namespace cloudchain::api::test
