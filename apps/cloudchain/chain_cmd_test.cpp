// The chain commands run in-process against a node on a real loopback socket. The node is
// scripted (the daemon is another layer's work; the system tests run the real one), but
// everything it serves is computed by the real lower layers: signed transactions are
// decoded and checked with primitives::check_transaction, blocks carry real Merkle roots
// and mined headers, balances real state proofs. So these tests show the CLI builds valid
// transactions and verifies what it is sent.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>

#include <nlohmann/json.hpp>

#include "crypto/merkle.hpp"
#include "crypto/sha256.hpp"
#include "errors.hpp"
#include "primitives/block.hpp"
#include "test_chain.hpp"
#include "test_server.hpp"
#include "util/hex.hpp"
#include "wallet/keystore_dir.hpp"

namespace cloudchain::cli {
namespace {

using Json = nlohmann::json;
using test::key_of;
using test::run;
using test::RunResult;
using util::to_hex;

constexpr std::uint32_t kChainId = 1001;
const std::string kNetwork = "ccdev";

class FakeNode {
 public:
  FakeNode() : m_server([this](const test::Request& r) { return handle(r); }) {
    std::lock_guard lock(m_mutex);
    mine_locked();  // genesis
  }

  std::string url() const { return m_server.url(); }
  std::vector<test::Request> requests() const { return m_server.requests(); }

  void set_account(const crypto::Address& a, const state::Account& account) {
    std::lock_guard lock(m_mutex);
    m_state.set(a, account);
  }
  void set_next_nonce(const crypto::Address& a, std::uint64_t n) {
    std::lock_guard lock(m_mutex);
    m_next_nonce[a] = n;
  }
  /// Pending transactions are mined after this many polls of /v1/txs/{txid} (0: never).
  void mine_after_polls(int n) { m_mine_after = n; }
  void mine() {
    std::lock_guard lock(m_mutex);
    mine_locked();
  }
  void inflate_balances() { m_inflate = true; }
  /// What GET /v1/validators answers (default: a PoW chain's empty lists).
  void set_validators(Json doc) {
    std::lock_guard lock(m_mutex);
    m_validators = std::move(doc);
  }
  void lie_about_best_chain() { m_wrong_best_chain = true; }
  std::vector<primitives::Transaction> submitted() const {
    std::lock_guard lock(m_mutex);
    return m_submitted;
  }
  std::uint64_t height() const {
    std::lock_guard lock(m_mutex);
    return m_blocks.size() - 1;
  }

 private:
  static test::Response ok(const Json& doc, unsigned status = 200) {
    test::Response r;
    r.status = status;
    r.body = doc.dump();
    return r;
  }

  void mine_locked() {
    primitives::Block b;
    b.txs = std::move(m_mempool);
    m_mempool.clear();
    std::vector<util::Hash256> leaves;
    for (const auto& tx : b.txs) leaves.push_back(crypto::merkle_leaf_hash(primitives::txid(tx)));
    b.header = test::make_header(kChainId, m_blocks.size(), crypto::merkle_root(leaves), m_state.root());
    m_blocks.push_back(std::move(b));
  }

  Json tx_doc(const primitives::Transaction& tx) const {
    Json body;
    if (const auto* t = std::get_if<primitives::Transfer>(&tx.body)) {
      body = {{"to", crypto::encode_address(kNetwork, t->to)}, {"amount", std::to_string(t->amount)}};
    } else if (const auto* a = std::get_if<primitives::Anchor>(&tx.body)) {
      body = {{"digest", to_hex(a->digest)}, {"memo", to_hex(a->memo)}};
    }
    return {{"txid", to_hex(primitives::txid(tx))},
            {"version", 1},
            {"chain_id", tx.chain_id},
            {"kind", std::string(primitives::to_string(tx.kind()))},
            {"sender", to_hex(tx.sender)},
            {"sender_address", crypto::encode_address(kNetwork, primitives::sender_address(tx))},
            {"nonce", std::to_string(tx.nonce)},
            {"fee", std::to_string(tx.fee)},
            {"body", body},
            {"signature", to_hex(tx.signature)},
            {"encoding", to_hex(primitives::encode(tx))}};
  }

  Json block_doc(std::size_t height) const {
    const auto& b = m_blocks[height];
    Json txs = Json::array();
    for (const auto& tx : b.txs) txs.push_back(tx_doc(tx));
    std::string hash = to_hex(primitives::block_hash(b.header));
    if (m_wrong_best_chain) hash = std::string(64, 'e');
    return {{"height", height},
            {"hash", hash},
            {"parent", to_hex(b.header.parent)},
            {"timestamp_ms", b.header.timestamp_ms},
            {"tx_root", to_hex(b.header.tx_root)},
            {"state_root", to_hex(b.header.state_root)},
            {"beneficiary", crypto::encode_address(kNetwork, b.header.beneficiary)},
            {"seal", {{"kind", "pow"}, {"bits", "207fffff"}, {"nonce", "5"}}},
            {"tx_count", b.txs.size()},
            {"size", primitives::encode(b).size()},
            {"header", to_hex(primitives::encode(b.header))},
            {"txs", txs}};
  }

  // (height, position) of an included transaction.
  std::optional<std::pair<std::size_t, std::size_t>> find(const util::Hash256& txid) const {
    for (std::size_t h = 0; h < m_blocks.size(); ++h) {
      for (std::size_t i = 0; i < m_blocks[h].txs.size(); ++i) {
        if (primitives::txid(m_blocks[h].txs[i]) == txid) return std::pair{h, i};
      }
    }
    return std::nullopt;
  }

  crypto::MerkleProof proof_of(std::size_t height, std::size_t position) const {
    std::vector<util::Hash256> leaves;
    for (const auto& tx : m_blocks[height].txs) leaves.push_back(crypto::merkle_leaf_hash(primitives::txid(tx)));
    return crypto::merkle_proof(leaves, position);
  }

  static Json proof_doc(const crypto::MerkleProof& p) {
    Json path = Json::array();
    for (const auto& h : p.path) path.push_back(to_hex(h));
    return {{"index", p.index}, {"tree_size", p.tree_size}, {"path", path}};
  }

  test::Response handle(const test::Request& r) {
    std::lock_guard lock(m_mutex);
    const std::string& t = r.target;
    auto tail = [&](std::string_view prefix) { return t.substr(prefix.size()); };
    const auto& tip = m_blocks.back();
    if (r.method == "GET" && t == "/v1/status") {
      return ok({{"version", "0.1.0"},
                 {"chain_id", kChainId},
                 {"network", kNetwork},
                 {"consensus", "pow"},
                 {"genesis_hash", to_hex(primitives::block_hash(m_blocks[0].header))},
                 {"height", m_blocks.size() - 1},
                 {"tip_hash", to_hex(primitives::block_hash(tip.header))},
                 {"tip_timestamp_ms", tip.header.timestamp_ms},
                 {"cumulative_work", "1234567"},
                 {"bits", "207fffff"},
                 {"mempool", {{"size", m_mempool.size()}, {"bytes", 441}}},
                 {"mining", {{"enabled", true}, {"threads", 2}, {"hashrate", 1500000}}}});
    }
    if (r.method == "GET" && t == "/v1/validators") return ok(m_validators);
    if (r.method == "GET" && t.starts_with("/v1/accounts/")) {
      auto a = crypto::decode_address(tail("/v1/accounts/"), kNetwork);
      if (!a) return test::problem(400, "bad_address", "not an address");
      Json doc = m_state.answer(*a, kNetwork, m_blocks.size() - 1, primitives::block_hash(tip.header),
                                m_next_nonce.contains(*a) ? m_next_nonce[*a] : 0);
      if (m_inflate) doc["balance"] = "999999999";
      return ok(doc);
    }
    if (r.method == "GET" && t.starts_with("/v1/blocks/")) {
      const std::string id = tail("/v1/blocks/");
      for (std::size_t h = 0; h < m_blocks.size(); ++h) {
        if (id == std::to_string(h) || id == to_hex(primitives::block_hash(m_blocks[h].header)))
          return ok(block_doc(h));
      }
      return test::problem(404, "not_found", "no such block");
    }
    if (r.method == "POST" && t == "/v1/txs") {
      const Json body = Json::parse(r.body, nullptr, false);
      if (!body.is_object() || !body.contains("tx")) return test::problem(400, "bad_request", "no tx");
      auto bytes = util::from_hex(body["tx"].get<std::string>());
      if (!bytes) return test::problem(400, "bad_hex", "tx is not hex");
      auto tx = primitives::decode_transaction(*bytes);
      if (!tx) return test::problem(400, std::string(primitives::to_string(tx.error().code)), tx.error().detail);
      if (auto ok_tx = primitives::check_transaction(*tx, kChainId); !ok_tx) {
        return test::problem(400, std::string(primitives::to_string(ok_tx.error().code)), ok_tx.error().detail);
      }
      const auto sender = primitives::sender_address(*tx);
      const std::uint64_t expected = m_next_nonce.contains(sender) ? m_next_nonce[sender] : 0;
      if (tx->nonce != expected) {
        return test::problem(422, tx->nonce > expected ? "nonce_gap" : "nonce_too_low",
                             "expected nonce " + std::to_string(expected) + ", got " + std::to_string(tx->nonce));
      }
      m_next_nonce[sender] = expected + 1;
      m_submitted.push_back(*tx);
      m_mempool.push_back(*tx);
      return ok({{"txid", to_hex(primitives::txid(*tx))}}, 202);
    }
    if (r.method == "GET" && t.starts_with("/v1/txs/")) {
      auto txid = util::from_hex_array<32>(tail("/v1/txs/"));
      if (!txid) return test::problem(400, "bad_txid", "not a txid");
      for (const auto& tx : m_mempool) {
        if (primitives::txid(tx) != *txid) continue;
        if (m_mine_after > 0 && ++m_polls >= m_mine_after) {
          mine_locked();
          break;
        }
        return ok({{"status", "pending"}, {"tx", tx_doc(tx)}});
      }
      auto where = find(*txid);
      if (!where) return test::problem(404, "not_found", "unknown transaction");
      const auto& [h, i] = *where;
      return ok({{"status", "included"},
                 {"tx", tx_doc(m_blocks[h].txs[i])},
                 {"block_hash", to_hex(primitives::block_hash(m_blocks[h].header))},
                 {"height", h},
                 {"position", i},
                 {"proof", proof_doc(proof_of(h, i))},
                 {"tx_root", to_hex(m_blocks[h].header.tx_root)},
                 {"confirmations", m_blocks.size() - h}});
    }
    if (r.method == "GET" && t.starts_with("/v1/anchors/")) {
      std::string digest = tail("/v1/anchors/");
      digest = digest.substr(0, digest.find('?'));
      Json anchors = Json::array();
      for (std::size_t h = 0; h < m_blocks.size(); ++h) {
        for (std::size_t i = 0; i < m_blocks[h].txs.size(); ++i) {
          const auto* a = std::get_if<primitives::Anchor>(&m_blocks[h].txs[i].body);
          if (a != nullptr && to_hex(a->digest) == digest) {
            // The api's TxRef shape (api/openapi.yaml).
            anchors.push_back({{"height", h},
                               {"position", i},
                               {"block_hash", to_hex(primitives::block_hash(m_blocks[h].header))},
                               {"timestamp_ms", m_blocks[h].header.timestamp_ms},
                               {"tx", tx_doc(m_blocks[h].txs[i])}});
          }
        }
      }
      return ok({{"digest", digest}, {"anchors", anchors}});
    }
    if (r.method == "GET" && t.starts_with("/v1/receipts/")) {
      auto txid = util::from_hex_array<32>(tail("/v1/receipts/"));
      auto where = txid ? find(*txid) : std::nullopt;
      if (!where) return test::problem(404, "not_found", "no receipt: unknown or pending transaction");
      const auto& [h, i] = *where;
      return ok({{"txid", to_hex(*txid)},
                 {"tx", to_hex(primitives::encode(m_blocks[h].txs[i]))},
                 {"header", to_hex(primitives::encode(m_blocks[h].header))},
                 {"block_hash", to_hex(primitives::block_hash(m_blocks[h].header))},
                 {"height", h},
                 {"proof", proof_doc(proof_of(h, i))}});
    }
    return test::problem(404, "not_found", "no route " + t);
  }

  mutable std::mutex m_mutex;
  test::StateFixture m_state;                             // guarded by m_mutex
  std::vector<primitives::Block> m_blocks;                // guarded by m_mutex
  std::vector<primitives::Transaction> m_mempool;         // guarded by m_mutex
  std::vector<primitives::Transaction> m_submitted;       // guarded by m_mutex
  std::map<crypto::Address, std::uint64_t> m_next_nonce;  // guarded by m_mutex
  Json m_validators{{"consensus", "pow"},
                    {"height", 0},
                    {"validators", Json::array()},
                    {"candidates", Json::array()}};  // guarded by m_mutex
  std::atomic<int> m_mine_after{0};
  int m_polls = 0;  // guarded by m_mutex
  std::atomic<bool> m_inflate{false};
  std::atomic<bool> m_wrong_best_chain{false};
  test::TestServer m_server;  // last: its thread stops before the state above is destroyed
};

class CliChainCommand : public testing::Test {
 protected:
  CliChainCommand() {
    test::write_file(password_file(), "pw\n");
    // alice = secret 0x01 x 32, imported into the keystore under the label "alice".
    std::string secret(64, '0');
    for (std::size_t i = 1; i < 64; i += 2) secret[i] = '1';
    test::write_file(m_dir.path() / "alice.hex", secret);
    auto r = cli({"keys", "import", "--secret-hex", (m_dir.path() / "alice.hex").string(), "--label", "alice", "--kdf",
                  "minimal"});
    EXPECT_EQ(r.code, kExitOk) << r.err;
  }

  RunResult cli(std::vector<std::string> args) {
    std::vector<std::string> full = {"--node",          node.url(),
                                     "--keystore",      (m_dir.path() / "keys").string(),
                                     "--password-file", password_file().string()};
    full.insert(full.end(), args.begin(), args.end());
    return run(full);
  }

  std::filesystem::path password_file() const { return m_dir.path() / "password"; }
  std::filesystem::path path(const std::string& name) const { return m_dir.path() / name; }

  const crypto::Address alice = crypto::address_of(key_of(1).public_key());
  const crypto::Address bob = crypto::address_of(key_of(2).public_key());
  const std::string alice_text = crypto::encode_address(kNetwork, alice);
  const std::string bob_text = crypto::encode_address(kNetwork, bob);
  test::TempDir m_dir;
  FakeNode node;
};

TEST_F(CliChainCommand, StatusAsTableAndAsJson) {
  auto r = cli({"status"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("network:         ccdev\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chain id:        1001\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cumulative work: 1,234,567\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mining:          on, 2 threads, 1,500,000 hashes/s\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tip time:        2025-11-24 "), std::string::npos) << r.out;

  r = cli({"status", "--json"});
  ASSERT_EQ(r.code, kExitOk);
  EXPECT_EQ(Json::parse(r.out)["chain_id"], kChainId);
}

TEST_F(CliChainCommand, NetworkMismatchIsAnError) {
  auto r = cli({"--network", "cctest", "balance", bob_text});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("runs network \"ccdev\""), std::string::npos) << r.err;
}

TEST_F(CliChainCommand, BalanceIsProofCheckedAndFormatted) {
  state::Account a;
  a.balance = 1234567;
  a.nonce = 2;
  node.set_account(alice, a);
  node.mine();  // a block whose header commits to the new state root
  node.set_next_nonce(alice, 3);

  for (const std::string& who : {alice_text, std::string("alice")}) {
    auto r = cli({"balance", who});
    ASSERT_EQ(r.code, kExitOk) << r.err;
    EXPECT_NE(r.out.find("balance:    1,234,567\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("next nonce: 3\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("proof:      verified"), std::string::npos) << r.out;
  }
  auto r = cli({"balance", bob_text, "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const Json doc = Json::parse(r.out);
  EXPECT_EQ(doc["balance"], "0");
  EXPECT_EQ(doc["proof_verified"], true);
}

TEST_F(CliChainCommand, BalanceFromALyingNodeIsRefused) {
  node.inflate_balances();
  auto r = cli({"balance", alice_text});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("does not check out: account_field_mismatch"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CliChainCommand, BadAddressesAreUsageErrors) {
  std::string typo = bob_text;
  typo[12] = typo[12] == 'q' ? 'p' : 'q';
  auto r = cli({"balance", typo});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("probably mistyped"), std::string::npos) << r.err;

  r = cli({"balance", crypto::encode_address("cc", bob)});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("belongs to network \"cc\""), std::string::npos) << r.err;

  r = cli({"balance", "carol"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("neither an address"), std::string::npos) << r.err;

  r = cli({"send", "--from", "alice", "--to", typo, "--amount", "5"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_TRUE(node.submitted().empty());
}

TEST_F(CliChainCommand, SendSubmitsAValidSignedTransfer) {
  node.set_next_nonce(alice, 4);
  auto r = cli({"send", "--from", "alice", "--to", bob_text, "--amount", "5000", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const Json out = Json::parse(r.out);

  const auto submitted = node.submitted();
  ASSERT_EQ(submitted.size(), 1U);
  const auto& tx = submitted[0];  // the node already ran check_transaction on it
  EXPECT_EQ(out["txid"], to_hex(primitives::txid(tx)));
  EXPECT_EQ(tx.chain_id, kChainId);
  EXPECT_EQ(tx.nonce, 4U);
  EXPECT_EQ(tx.fee, 1000U);
  EXPECT_EQ(tx.sender, key_of(1).public_key());
  const auto& transfer = std::get<primitives::Transfer>(tx.body);
  EXPECT_EQ(transfer.to, bob);
  EXPECT_EQ(transfer.amount, 5000U);
  EXPECT_EQ(out["nonce"], "4");
  EXPECT_EQ(out["from"], alice_text);
  EXPECT_FALSE(out.contains("height"));

  // The next send takes the next nonce from the node; an explicit --nonce and --fee win.
  r = cli({"send", "--from", "alice", "--to", bob_text, "--amount", "1", "--fee", "2500", "--nonce", "5"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(node.submitted()[1].nonce, 5U);
  EXPECT_EQ(node.submitted()[1].fee, 2500U);
  EXPECT_NE(r.out.find("fee:    2,500\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("txid:   " + to_hex(primitives::txid(node.submitted()[1]))), std::string::npos) << r.out;
}

TEST_F(CliChainCommand, RejectionsArePrintedAsCodeAndDetail) {
  node.set_next_nonce(alice, 4);
  auto r = cli({"send", "--from", "alice", "--to", bob_text, "--amount", "1", "--nonce", "9"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "error: nonce_gap: expected nonce 4, got 9\n");
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CliChainCommand, SendWaitsForInclusion) {
  node.mine_after_polls(2);
  auto r = cli({"send", "--from", "alice", "--to", bob_text, "--amount", "7", "--wait", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const Json out = Json::parse(r.out);
  EXPECT_EQ(out["height"], node.height());
  EXPECT_EQ(out["height"], 1);
}

TEST_F(CliChainCommand, WaitTimesOutWithAHint) {
  auto r = cli({"send", "--from", "alice", "--to", bob_text, "--amount", "7", "--wait", "--wait-timeout", "1"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("is not in a block after 1 s (last status: pending)"), std::string::npos) << r.err;
}

TEST_F(CliChainCommand, UnknownKeyOrForeignKeyIsRefused) {
  auto r = cli({"send", "--from", "carol", "--to", bob_text, "--amount", "7"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("no key with address or label \"carol\""), std::string::npos) << r.err;

  // A key of another network in the keystore.
  auto file = wallet::encrypt_key(key_of(4), "pw", "cctest", wallet::KdfProfile::kMinimal, "tess").value();
  wallet::Keystore::open(m_dir.path() / "keys").value().save(file).value();
  r = cli({"send", "--from", "tess", "--to", bob_text, "--amount", "7"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("belongs to network \"cctest\""), std::string::npos) << r.err;
  EXPECT_TRUE(node.submitted().empty());
}

TEST_F(CliChainCommand, AnchorVerifyAndOfflineReceipt) {
  const std::string content = "2025-11-24 audit log line 1\nline 2\n";
  test::write_file(path("audit.log"), content);
  const std::string digest = to_hex(crypto::sha256(util::as_bytes(content)));

  // Not anchored yet.
  auto r = cli({"verify", path("audit.log").string()});
  EXPECT_EQ(r.code, kExitFailure) << r.err;
  EXPECT_EQ(r.out.rfind("FAILED: no transaction on the node's chain anchors digest " + digest, 0), 0U) << r.out;

  node.mine_after_polls(1);
  r = cli({"anchor", path("audit.log").string(), "--from", "alice", "--memo", "audit/2025-11-24", "--wait", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const Json anchored = Json::parse(r.out);
  EXPECT_EQ(anchored["digest"], digest);
  const std::string txid = anchored["txid"];
  const auto tx = node.submitted().at(0);
  EXPECT_EQ(std::get<primitives::Anchor>(tx.body).digest, util::from_hex_array<32>(digest).value());
  node.mine();  // one more block: two confirmations

  // Online verification.
  r = cli({"verify", path("audit.log").string()});
  ASSERT_EQ(r.code, kExitOk) << r.err << r.out;
  EXPECT_EQ(r.out.rfind("VERIFIED: " + path("audit.log").string() + " was anchored at height 1, 2025-11-24 ", 0), 0U)
      << r.out;
  EXPECT_NE(r.out.find("memo:          audit/2025-11-24\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("confirmations: 2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sender:        " + alice_text), std::string::npos) << r.out;

  // Save the receipt, then verify with no node at all.
  r = cli({"receipt", txid, "--out", path("receipt.json").string()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const std::string dead = "http://127.0.0.1:" + std::to_string(test::closed_port());
  r = run({"--node", dead, "verify", path("audit.log").string(), "--receipt", path("receipt.json").string(), "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const Json verified = Json::parse(r.out);
  EXPECT_EQ(verified["verified"], true);
  EXPECT_EQ(verified["txid"], txid);
  EXPECT_EQ(verified["height"], 1);
  EXPECT_EQ(verified["offline"], true);

  // One changed byte of the file: FAILED, exit 1, with the reason.
  std::string changed = content;
  changed[5] = '9';
  test::write_file(path("audit.log"), changed);
  r = run({"--node", dead, "verify", path("audit.log").string(), "--receipt", path("receipt.json").string(), "--json"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(Json::parse(r.out)["reason"], "receipt_digest_mismatch");

  // A tampered receipt.
  test::write_file(path("audit.log"), content);
  Json receipt = Json::parse(std::ifstream(path("receipt.json")));
  std::string header = receipt["header"];
  header[70] = header[70] == '0' ? '1' : '0';
  receipt["header"] = header;
  test::write_file(path("tampered.json"), receipt.dump());
  r = run({"--node", dead, "verify", path("audit.log").string(), "--receipt", path("tampered.json").string()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.out.rfind("FAILED: the header hashes to block hash ", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("reason: receipt_block_hash_mismatch"), std::string::npos) << r.out;

  // Not a receipt at all.
  test::write_file(path("junk.json"), "[1, 2]");
  r = run({"--node", dead, "verify", path("audit.log").string(), "--receipt", path("junk.json").string()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.out.find("receipt_malformed"), std::string::npos) << r.out;
}

TEST_F(CliChainCommand, VerifyNoticesABlockOffTheBestChain) {
  test::write_file(path("f"), "x");
  node.mine_after_polls(1);
  ASSERT_EQ(cli({"anchor", path("f").string(), "--from", "alice", "--wait"}).code, kExitOk);
  node.lie_about_best_chain();
  auto r = cli({"verify", path("f").string(), "--json"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(Json::parse(r.out)["reason"], "not_in_best_chain");
}

TEST_F(CliChainCommand, ReceiptOfAPendingTransactionIsAnError) {
  test::write_file(path("f"), "x");
  auto r = cli({"anchor", path("f").string(), "--from", "alice", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const std::string txid = Json::parse(r.out)["txid"];
  r = cli({"receipt", txid});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "error: not_found: no receipt: unknown or pending transaction\n");
  r = cli({"tx", txid});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("status: pending\n"), std::string::npos) << r.out;
}

TEST_F(CliChainCommand, TxAndBlockDisplays) {
  node.mine_after_polls(1);
  auto r = cli({"send", "--from", "alice", "--to", bob_text, "--amount", "5000000", "--wait", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const std::string txid = Json::parse(r.out)["txid"];

  r = cli({"tx", txid});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("status:        included\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("amount:        5,000,000\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("height:        1\n"), std::string::npos) << r.out;

  r = cli({"block", "1"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("transactions: 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("txid:   " + txid), std::string::npos) << r.out;
  const std::string hash = Json::parse(cli({"block", "1", "--json"}).out)["hash"];
  r = cli({"block", hash, "--json"});
  ASSERT_EQ(r.code, kExitOk);
  EXPECT_EQ(Json::parse(r.out)["height"], 1);

  r = cli({"block", "99"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "error: not_found: no such block\n");
}

TEST_F(CliChainCommand, StakeAndUnstakeSubmitValidSignedTransactions) {
  const std::string validator = to_hex(key_of(7).public_key());
  node.set_next_nonce(alice, 2);
  auto r = cli({"stake", "--from", "alice", "--validator", validator, "--amount", "5000", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  Json out = Json::parse(r.out);
  ASSERT_EQ(node.submitted().size(), 1U);
  const auto staked = node.submitted()[0];  // the node already ran check_transaction on it
  EXPECT_EQ(out["txid"], to_hex(primitives::txid(staked)));
  EXPECT_EQ(staked.nonce, 2U);
  EXPECT_EQ(staked.fee, 1000U);
  EXPECT_EQ(staked.sender, key_of(1).public_key());
  EXPECT_EQ(std::get<primitives::Stake>(staked.body), (primitives::Stake{5000, key_of(7).public_key()}));
  EXPECT_EQ(out["validator"], validator);
  EXPECT_EQ(out["amount"], "5000");
  EXPECT_EQ(out["nonce"], "2");
  EXPECT_EQ(out["from"], alice_text);

  r = cli({"unstake", "--from", "alice", "--amount", "1200", "--fee", "1500"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(node.submitted().size(), 2U);
  const auto unstaked = node.submitted()[1];
  EXPECT_EQ(std::get<primitives::Unstake>(unstaked.body).amount, 1200U);
  EXPECT_EQ(unstaked.nonce, 3U);
  EXPECT_EQ(unstaked.fee, 1500U);
  EXPECT_NE(r.out.find("txid:   " + to_hex(primitives::txid(unstaked)) + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("amount: 1,200\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fee:    1,500\n"), std::string::npos) << r.out;
}

TEST_F(CliChainCommand, UnjailSubmitsTheNamedKeyOrTheBondedOne) {
  const std::string named = to_hex(key_of(8).public_key());
  node.set_next_nonce(alice, 4);
  auto r = cli({"unjail", "--from", "alice", "--validator", named, "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  Json out = Json::parse(r.out);
  ASSERT_EQ(node.submitted().size(), 1U);
  const auto first = node.submitted()[0];  // the node already ran check_transaction on it
  EXPECT_EQ(first.kind(), primitives::TxKind::kUnjail);
  EXPECT_EQ(std::get<primitives::Unjail>(first.body).validator, key_of(8).public_key());
  EXPECT_EQ(first.sender, key_of(1).public_key());
  EXPECT_EQ(first.nonce, 4U);
  EXPECT_EQ(first.fee, 1000U);
  EXPECT_EQ(out, (Json{{"txid", to_hex(primitives::txid(first))},
                       {"from", alice_text},
                       {"validator", named},
                       {"fee", "1000"},
                       {"nonce", "4"}}));

  // Without --validator: the key alice's stake is bonded to, read from her account.
  state::Account a;
  a.balance = 10'000;
  a.stake = 500;
  a.validator = key_of(7).public_key();
  node.set_account(alice, a);
  node.mine_after_polls(1);
  r = cli({"unjail", "--from", "alice", "--fee", "1200", "--wait"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(node.submitted().size(), 2U);
  const auto second = node.submitted()[1];
  EXPECT_EQ(std::get<primitives::Unjail>(second.body).validator, key_of(7).public_key());
  EXPECT_EQ(second.fee, 1200U);
  EXPECT_NE(r.out.find("txid:       " + to_hex(primitives::txid(second)) + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("validator:  " + to_hex(key_of(7).public_key()) + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("height:     1\n"), std::string::npos) << r.out;
}

TEST_F(CliChainCommand, UnjailWithoutBondedStakeAsksForTheKey) {
  auto r = cli({"unjail", "--from", "alice"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, "error: account " + alice_text +
                       " has no stake bonded to a validator key (a slash may have burned it all); name the key to "
                       "unjail with --validator KEYHEX\n");
  EXPECT_TRUE(node.submitted().empty());
}

TEST_F(CliChainCommand, StakeUsageErrorsComeBeforeAnythingIsSent) {
  const std::string validator = to_hex(key_of(7).public_key());
  const std::size_t requests = node.requests().size();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"stake", "--from", "alice", "--validator", "abcd", "--amount", "1"},
           {"stake", "--from", "alice", "--validator", "05" + validator.substr(2), "--amount", "1"},
           {"stake", "--from", "alice", "--validator", validator, "--amount", "0"},
           {"stake", "--from", "alice", "--amount", "1"},
           {"unstake", "--from", "alice", "--amount", "x"},
           {"unstake", "--from", "alice", "--amount", "0"},
           {"unjail", "--from", "alice", "--validator", "abcd"},
           {"unjail", "--from", "alice", "--validator", "05" + validator.substr(2)},
           {"unjail", "--from", "alice", "--validator", validator, "--amount", "1"},
           {"unjail", "--from", "alice", "--fee", "x"}}) {
    auto r = cli(args);
    EXPECT_EQ(r.code, kExitUsage) << args[0] << " " << args.back() << ": " << r.err;
  }
  EXPECT_TRUE(node.submitted().empty());
  EXPECT_EQ(node.requests().size(), requests);
}

TEST_F(CliChainCommand, ValidatorsAsTablesAndAsJson) {
  auto r = cli({"validators"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("consensus: pow\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no validator set at the tip"), std::string::npos) << r.out;

  const std::string a = to_hex(key_of(7).public_key());
  const std::string b = to_hex(key_of(8).public_key());
  const Json doc{{"consensus", "pos"},
                 {"height", 42},
                 {"effective_height", 41},
                 {"total_power", "40000"},
                 {"validators",
                  {{{"key", a},
                    {"power", "30000"},
                    {"power_bps", 7500},
                    {"payout", alice_text},
                    {"stake", "30000"},
                    {"jailed", false},
                    {"jailed_until_height", 0}},
                   {{"key", b},
                    {"power", "10000"},
                    {"power_bps", 2505},
                    {"payout", bob_text},
                    {"stake", "10000"},
                    {"jailed", true},
                    {"jailed_until_height", 99}}}},
                 {"candidates", {{{"key", a}, {"stake", "30000"}, {"jailed", false}, {"jailed_until_height", 0}}}},
                 {"key", "00"},
                 {"proof", "00"}};
  node.set_validators(doc);
  r = cli({"validators"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("effective height: 41\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("total power:      40,000\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("validators (2)\nKEY"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(a + "  30,000  75.00%  30,000  no              " + alice_text + "\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(b + "  10,000  25.05%  10,000  unjail from 99  " + bob_text + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("candidates (1)\nKEY"), std::string::npos) << r.out;

  r = cli({"validators", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(Json::parse(r.out), doc);
}

}  // namespace
}  // namespace cloudchain::cli
