// The read routes over a real server and a real chain: every field of every shape, the
// proofs verified as a client would, and each bad parameter's problem code (after which
// the same connection must still be served).

#include <gtest/gtest.h>

#include "api/test_fixture.hpp"
#include "crypto/merkle.hpp"
#include "state/proof.hpp"
#include "state/records.hpp"

namespace cloudchain::api::test {
namespace {

using nlohmann::json;

class RoutesTest : public ServerTest {
 protected:
  // A GET that must fail with `status`/`code`; the connection must then serve a status
  // request (the server keeps serving after every bad input).
  void expect_bad_get(const std::string& target, unsigned status, std::string_view code) {
    Client c(port);
    const auto r = c.request("GET", target);
    SCOPED_TRACE(target);
    expect_problem(r, status, code);
    EXPECT_EQ(c.request("GET", "/v1/status").status, 200u);
  }
  std::string block_hash_hex(std::size_t height) const {
    return util::to_hex(primitives::block_hash(node->blocks().at(height).header));
  }
  std::string txid_hex(std::size_t height, std::size_t position) const {
    return util::to_hex(primitives::txid(node->blocks().at(height).txs.at(position)));
  }
  static util::Hash256 hash_of(const json& j) {
    auto h = util::from_hex_array<32>(j.get<std::string>());
    EXPECT_TRUE(h.has_value());
    return h.value_or(util::Hash256{});
  }
  static crypto::MerkleProof proof_of(const json& j) {
    crypto::MerkleProof p;
    p.index = j.at("index").get<std::uint64_t>();
    p.tree_size = j.at("tree_size").get<std::uint64_t>();
    for (const auto& h : j.at("path")) p.path.push_back(hash_of(h));
    return p;
  }
};

TEST_F(RoutesTest, StatusSummarizesNodeAndChain) {
  const auto r = get("/v1/status");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type"), "application/json");
  const json s = r.json();
  EXPECT_EQ(s.at("version"), "0.1.0-test");
  EXPECT_EQ(s.at("chain_id"), kChainId);
  EXPECT_EQ(s.at("network"), "ccdev");
  EXPECT_EQ(s.at("consensus"), "pow");
  EXPECT_EQ(s.at("genesis_hash"), block_hash_hex(0));
  EXPECT_EQ(s.at("height"), 2);
  EXPECT_EQ(s.at("tip_hash"), block_hash_hex(2));
  EXPECT_EQ(s.at("tip_timestamp_ms"), kGenesisTimeMs + 20'000);
  EXPECT_EQ(s.at("cumulative_work"), "6");
  EXPECT_EQ(s.at("bits"), "207fffff");
  EXPECT_EQ(s.at("mempool"), (json{{"size", 0}, {"bytes", 0}}));
  EXPECT_EQ(s.at("mining"), (json{{"enabled", false}, {"threads", 1}, {"hashrate", 0}}));
  expect_bad_get("/v1/status?verbose=1", 400, "bad_param");
}

TEST_F(RoutesTest, BlockSummariesPageDownFromTheTip) {
  const auto blocks = node->blocks();
  json page = get("/v1/blocks").json();
  ASSERT_EQ(page.at("blocks").size(), 3u);
  EXPECT_FALSE(page.contains("next_from"));
  for (std::size_t i = 0; i < 3; ++i) {
    const json& b = page["blocks"][i];
    const auto& block = blocks[2 - i];
    EXPECT_EQ(b.at("height"), 2 - i);
    EXPECT_EQ(b.at("hash"), block_hash_hex(2 - i));
    EXPECT_EQ(b.at("parent"), util::to_hex(block.header.parent));
    EXPECT_EQ(b.at("timestamp_ms"), block.header.timestamp_ms);
    EXPECT_EQ(b.at("tx_root"), util::to_hex(block.header.tx_root));
    EXPECT_EQ(b.at("state_root"), util::to_hex(block.header.state_root));
    EXPECT_EQ(b.at("beneficiary"), node->address(i == 2 ? node->keys().alice : node->keys().miner));
    EXPECT_EQ(b.at("seal").at("kind"), "pow");
    EXPECT_EQ(b.at("seal").at("bits"), "207fffff");
    EXPECT_EQ(b.at("seal").at("nonce"), std::to_string(std::get<primitives::PowSeal>(block.header.seal).nonce));
    EXPECT_EQ(b.at("tx_count"), block.txs.size());
    EXPECT_EQ(b.at("size"), primitives::encoded_size(block));
    EXPECT_EQ(b.at("header"), util::to_hex(primitives::encode(block.header)));
    EXPECT_EQ(b.at("confirmations"), i + 1);
    EXPECT_FALSE(b.contains("txs"));  // summaries only
  }

  page = get("/v1/blocks?limit=2").json();
  ASSERT_EQ(page.at("blocks").size(), 2u);
  EXPECT_EQ(page["blocks"][1].at("height"), 1);
  EXPECT_EQ(page.at("next_from"), 0);
  page = get("/v1/blocks?from=0&limit=2").json();
  ASSERT_EQ(page.at("blocks").size(), 1u);
  EXPECT_EQ(page["blocks"][0].at("height"), 0);
  EXPECT_FALSE(page.contains("next_from"));
  // Above the tip starts at the tip.
  page = get("/v1/blocks?from=99&limit=1").json();
  EXPECT_EQ(page["blocks"][0].at("height"), 2);
  EXPECT_EQ(page.at("next_from"), 1);

  expect_bad_get("/v1/blocks?limit=0", 400, "bad_limit");
  expect_bad_get("/v1/blocks?limit=101", 400, "bad_limit");
  expect_bad_get("/v1/blocks?limit=abc", 400, "bad_limit");
  expect_bad_get("/v1/blocks?from=-1", 400, "bad_param");
  expect_bad_get("/v1/blocks?from=01", 400, "bad_param");
  expect_bad_get("/v1/blocks?from=1&from=2", 400, "bad_param");
  expect_bad_get("/v1/blocks?form=1", 400, "bad_param");
  expect_bad_get("/v1/blocks?from=%zz", 400, "bad_param");
}

TEST_F(RoutesTest, OneBlockByHeightOrHashWithItsTransactions) {
  const auto block = node->blocks().at(1);
  for (const std::string& id : {std::string("1"), block_hash_hex(1)}) {
    SCOPED_TRACE(id);
    const auto r = get("/v1/blocks/" + id);
    ASSERT_EQ(r.status, 200u) << r.body;
    const json b = r.json();
    EXPECT_EQ(b.at("height"), 1);
    EXPECT_EQ(b.at("hash"), block_hash_hex(1));
    EXPECT_EQ(b.at("encoding"), util::to_hex(primitives::encode(block)));
    EXPECT_EQ(b.at("confirmations"), 2);
    ASSERT_EQ(b.at("txs").size(), 2u);
    const json& transfer = b["txs"][0];
    EXPECT_EQ(transfer.at("txid"), txid_hex(1, 0));
    EXPECT_EQ(transfer.at("version"), 1);
    EXPECT_EQ(transfer.at("chain_id"), kChainId);
    EXPECT_EQ(transfer.at("kind"), "transfer");
    EXPECT_EQ(transfer.at("sender"), util::to_hex(node->keys().alice.public_key()));
    EXPECT_EQ(transfer.at("sender_address"), node->address(node->keys().alice));
    EXPECT_EQ(transfer.at("nonce"), "0");
    EXPECT_EQ(transfer.at("fee"), "1000");
    EXPECT_EQ(transfer.at("body"), (json{{"to", node->address(node->keys().bob)}, {"amount", "5000000"}}));
    EXPECT_EQ(transfer.at("signature"), util::to_hex(block.txs[0].signature));
    EXPECT_EQ(transfer.at("encoding"), util::to_hex(primitives::encode(block.txs[0])));
    const json& anchor = b["txs"][1];
    EXPECT_EQ(anchor.at("kind"), "anchor");
    EXPECT_EQ(anchor.at("nonce"), "1");
    EXPECT_EQ(anchor.at("body"), (json{{"digest", util::to_hex(anchor_digest())}, {"memo", "6175646974"}}));
  }
  // Hex ids are accepted in upper case too.
  std::string upper = block_hash_hex(1);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(get("/v1/blocks/" + upper).status, 200u);

  expect_bad_get("/v1/blocks/3", 404, "block_not_found");
  expect_bad_get("/v1/blocks/" + std::string(64, '0'), 404, "block_not_found");
  expect_bad_get("/v1/blocks/abc", 400, "bad_block_id");
  expect_bad_get("/v1/blocks/01", 400, "bad_block_id");
  expect_bad_get("/v1/blocks/-1", 400, "bad_block_id");
  expect_bad_get("/v1/blocks/99999999999999999999999", 400, "bad_block_id");
  expect_bad_get("/v1/blocks/" + std::string(64, 'z'), 400, "hex_bad_character");
  expect_bad_get("/v1/blocks/1?full=1", 400, "bad_param");
}

TEST_F(RoutesTest, OneBlocksTxidsByHeightOrHash) {
  for (const std::string& id : {std::string("1"), block_hash_hex(1)}) {
    SCOPED_TRACE(id);
    const auto r = get("/v1/blocks/" + id + "/txids");
    ASSERT_EQ(r.status, 200u) << r.body;
    const json b = r.json();
    EXPECT_EQ(b.at("height"), 1);
    EXPECT_EQ(b.at("hash"), block_hash_hex(1));
    EXPECT_EQ(b.at("timestamp_ms"), get("/v1/blocks/1").json().at("timestamp_ms"));
    EXPECT_EQ(b.at("txids"), (json{txid_hex(1, 0), txid_hex(1, 1)}));
    EXPECT_EQ(b.size(), 4u);
  }
  // Genesis holds no transactions.
  EXPECT_EQ(get("/v1/blocks/0/txids").json().at("txids"), json::array());

  expect_bad_get("/v1/blocks/3/txids", 404, "block_not_found");
  expect_bad_get("/v1/blocks/" + std::string(64, '0') + "/txids", 404, "block_not_found");
  expect_bad_get("/v1/blocks/abc/txids", 400, "bad_block_id");
  expect_bad_get("/v1/blocks/" + std::string(64, 'z') + "/txids", 400, "hex_bad_character");
  expect_bad_get("/v1/blocks/1/txids?full=1", 400, "bad_param");
  expect_bad_get("/v1/blocks/1/txids/", 404, "not_found");
}

TEST_F(RoutesTest, IncludedTransactionCarriesAVerifiableInclusionProof) {
  const auto block = node->blocks().at(1);
  const auto r = get("/v1/txs/" + txid_hex(1, 1));
  ASSERT_EQ(r.status, 200u) << r.body;
  const json t = r.json();
  EXPECT_EQ(t.at("status"), "included");
  EXPECT_EQ(t.at("tx").at("txid"), txid_hex(1, 1));
  EXPECT_EQ(t.at("tx").at("kind"), "anchor");
  EXPECT_EQ(t.at("block_hash"), block_hash_hex(1));
  EXPECT_EQ(t.at("height"), 1);
  EXPECT_EQ(t.at("position"), 1);
  EXPECT_EQ(t.at("tx_root"), util::to_hex(block.header.tx_root));
  EXPECT_EQ(t.at("confirmations"), 2);
  const auto proof = proof_of(t.at("proof"));
  EXPECT_EQ(proof.index, 1u);
  EXPECT_EQ(proof.tree_size, 2u);
  EXPECT_EQ(proof.path.size(), 1u);
  const util::Hash256 txid = primitives::txid(block.txs[1]);
  EXPECT_TRUE(crypto::verify_merkle_proof(crypto::merkle_leaf_hash(txid), proof, block.header.tx_root).has_value());
  // The same proof does not prove the other transaction.
  const util::Hash256 other = primitives::txid(block.txs[0]);
  EXPECT_FALSE(crypto::verify_merkle_proof(crypto::merkle_leaf_hash(other), proof, block.header.tx_root).has_value());

  // A later block adds a confirmation.
  node->mine({});
  EXPECT_EQ(get("/v1/txs/" + txid_hex(1, 1)).json().at("confirmations"), 3);
}

TEST_F(RoutesTest, PendingTransactionComesFromTheMempool) {
  const auto tx = node->transfer(node->keys().bob, crypto::address_of(node->keys().carol.public_key()), 10, 0);
  ASSERT_TRUE(node->submit_transaction(tx).has_value());
  const json t = get("/v1/txs/" + util::to_hex(primitives::txid(tx))).json();
  EXPECT_EQ(t.at("status"), "pending");
  EXPECT_EQ(t.at("tx").at("encoding"), util::to_hex(primitives::encode(tx)));
  EXPECT_FALSE(t.contains("proof"));

  expect_bad_get("/v1/txs/" + std::string(64, 'a'), 404, "tx_not_found");
  expect_bad_get("/v1/txs/abcd", 400, "hex_wrong_length");
  expect_bad_get("/v1/txs/abc", 400, "hex_odd_length");
  expect_bad_get("/v1/txs/" + std::string(63, 'a') + "g", 400, "hex_bad_character");
  expect_bad_get("/v1/receipts/" + util::to_hex(primitives::txid(tx)), 404, "tx_pending");
}

TEST_F(RoutesTest, ReceiptVerifiesOfflineWithoutTheNode) {
  const auto r = get("/v1/receipts/" + txid_hex(2, 0));
  ASSERT_EQ(r.status, 200u) << r.body;
  const json rc = r.json();
  // What an offline verifier does (docs/api.md): decode, recompute, check the proof.
  auto tx = primitives::decode_transaction(util::from_hex(rc.at("tx").get<std::string>()).value());
  ASSERT_TRUE(tx.has_value());
  EXPECT_EQ(rc.at("txid"), util::to_hex(primitives::txid(*tx)));
  auto header = primitives::decode_header(util::from_hex(rc.at("header").get<std::string>()).value());
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(rc.at("block_hash"), util::to_hex(primitives::block_hash(*header)));
  EXPECT_EQ(rc.at("block_hash"), block_hash_hex(2));
  EXPECT_EQ(rc.at("height"), 2);
  EXPECT_TRUE(crypto::verify_merkle_proof(crypto::merkle_leaf_hash(primitives::txid(*tx)), proof_of(rc.at("proof")),
                                          header->tx_root)
                  .has_value());
  expect_bad_get("/v1/receipts/" + std::string(64, 'b'), 404, "tx_not_found");
  expect_bad_get("/v1/receipts/xyz", 400, "hex_odd_length");
}

TEST_F(RoutesTest, AccountWithAStateProofAgainstTheTipRoot) {
  const auto& keys = node->keys();
  const auto tip_block = node->blocks().at(2);
  const auto check = [&](const crypto::PrivateKey& key, std::string_view balance, std::string_view nonce,
                         bool present) {
    const std::string address = node->address(key);
    SCOPED_TRACE(address);
    const auto r = get("/v1/accounts/" + address);
    ASSERT_EQ(r.status, 200u) << r.body;
    const json a = r.json();
    EXPECT_EQ(a.at("address"), address);
    EXPECT_EQ(a.at("balance"), balance);
    EXPECT_EQ(a.at("nonce"), nonce);
    EXPECT_EQ(a.at("stake"), "0");
    EXPECT_EQ(a.at("unbonding"), "0");
    EXPECT_EQ(a.at("unbonding_release_height"), 0);
    EXPECT_EQ(a.at("next_nonce"), nonce);
    EXPECT_EQ(a.at("height"), 2);
    EXPECT_EQ(a.at("block_hash"), block_hash_hex(2));
    EXPECT_EQ(a.at("state_root"), util::to_hex(tip_block.header.state_root));
    const util::Hash256 key_hash = state::account_key(crypto::address_of(key.public_key()));
    EXPECT_EQ(a.at("key"), util::to_hex(key_hash));
    EXPECT_EQ(a.contains("value"), present);
    auto proof = state::decode_proof(util::from_hex(a.at("proof").get<std::string>()).value());
    ASSERT_TRUE(proof.has_value());
    std::optional<util::Hash256> value_hash;
    if (present) {
      const auto value = util::from_hex(a.at("value").get<std::string>()).value();
      const auto account = state::decode_account(value);
      ASSERT_TRUE(account.has_value());
      EXPECT_EQ(std::to_string(account->balance), balance);
      value_hash = state::account_value_hash(value);
    }
    EXPECT_TRUE(state::verify_proof(tip_block.header.state_root, key_hash, value_hash, *proof).has_value());
  };
  // alice: allocation - 5'000'000 - 7'000 - three fees of 1000.
  check(keys.alice, std::to_string(kGenesisAllocation - 5'000'000 - 7'000 - 3'000), "3", true);
  check(keys.bob, "5000000", "0", true);
  check(keys.miner, std::to_string(2 * kReward + 3'000), "0", true);
  // An address that never appeared: the zero account, proven absent.
  check(crypto::PrivateKey::from_bytes(util::ByteArray<32>{9}).value(), "0", "0", false);

  // next_nonce counts the sender's pooled transactions.
  ASSERT_TRUE(node->submit_transaction(node->transfer(keys.alice, crypto::address_of(keys.bob.public_key()), 1, 3))
                  .has_value());
  const json a = get("/v1/accounts/" + node->address(keys.alice)).json();
  EXPECT_EQ(a.at("nonce"), "3");
  EXPECT_EQ(a.at("next_nonce"), "4");

  // Bad addresses, each under its bech32m rule.
  std::string alice = node->address(keys.alice);
  std::string flipped = alice;
  flipped.back() = flipped.back() == 'q' ? 'p' : 'q';
  expect_bad_get("/v1/accounts/" + flipped, 400, "bech32_bad_checksum");
  expect_bad_get("/v1/accounts/" + crypto::encode_address("cc", crypto::address_of(keys.alice.public_key())), 400,
                 "bech32_wrong_prefix");
  expect_bad_get("/v1/accounts/nonsense", 400, "bech32_no_separator");
  expect_bad_get("/v1/accounts/" + util::bech32m_encode_bytes("ccdev", util::Bytes(19, 1)), 400,
                 "bech32_wrong_data_length");
  expect_bad_get("/v1/accounts/" + alice + "?proof=0", 400, "bad_param");
}

TEST_F(RoutesTest, AccountHistoryNewestFirstWithCursor) {
  const std::string alice = node->address(node->keys().alice);
  json page = get("/v1/accounts/" + alice + "/txs?limit=2").json();
  EXPECT_EQ(page.at("address"), alice);
  ASSERT_EQ(page.at("txs").size(), 2u);
  EXPECT_EQ(page["txs"][0].at("height"), 2);
  EXPECT_EQ(page["txs"][0].at("position"), 0);
  EXPECT_EQ(page["txs"][0].at("block_hash"), block_hash_hex(2));
  EXPECT_EQ(page["txs"][0].at("timestamp_ms"), kGenesisTimeMs + 20'000);
  EXPECT_EQ(page["txs"][0].at("tx").at("txid"), txid_hex(2, 0));
  EXPECT_EQ(page["txs"][1].at("tx").at("txid"), txid_hex(1, 1));
  ASSERT_TRUE(page.contains("next_cursor"));

  page = get("/v1/accounts/" + alice + "/txs?limit=2&cursor=" + page.at("next_cursor").get<std::string>()).json();
  ASSERT_EQ(page.at("txs").size(), 1u);
  EXPECT_EQ(page["txs"][0].at("tx").at("txid"), txid_hex(1, 0));
  EXPECT_FALSE(page.contains("next_cursor"));

  // bob received one transfer; a fresh address has an empty history.
  page = get("/v1/accounts/" + node->address(node->keys().bob) + "/txs").json();
  ASSERT_EQ(page.at("txs").size(), 1u);
  EXPECT_EQ(page["txs"][0].at("tx").at("txid"), txid_hex(1, 0));
  const auto fresh = crypto::PrivateKey::from_bytes(util::ByteArray<32>{7}).value();
  EXPECT_EQ(get("/v1/accounts/" + node->address(fresh) + "/txs").json().at("txs"), json::array());

  expect_bad_get("/v1/accounts/" + alice + "/txs?cursor=zz", 400, "bad_cursor");
  expect_bad_get("/v1/accounts/" + alice + "/txs?cursor=" + std::string(23, '0'), 400, "bad_cursor");
  expect_bad_get("/v1/accounts/" + alice + "/txs?limit=1001", 400, "bad_limit");
  expect_bad_get("/v1/accounts/" + alice + "/txs?offset=1", 400, "bad_param");
  expect_bad_get("/v1/accounts/ccdev1xyz/txs", 400, "bech32_too_short");
}

TEST_F(RoutesTest, MempoolInBlockSelectionOrder) {
  json m = get("/v1/mempool").json();
  EXPECT_EQ(m.at("size"), 0);
  EXPECT_EQ(m.at("txs"), json::array());

  const auto& keys = node->keys();
  const auto carol = crypto::address_of(keys.carol.public_key());
  // bob pays more per byte: selected first.
  const auto cheap = node->transfer(keys.alice, carol, 1, 3, 1000);
  const auto rich = node->transfer(keys.bob, carol, 1, 0, 5000);
  ASSERT_TRUE(node->submit_transaction(cheap).has_value());
  ASSERT_TRUE(node->submit_transaction(rich).has_value());
  m = get("/v1/mempool").json();
  EXPECT_EQ(m.at("size"), 2);
  EXPECT_EQ(m.at("bytes"), primitives::encoded_size(cheap) + primitives::encoded_size(rich));
  ASSERT_EQ(m.at("txs").size(), 2u);
  EXPECT_EQ(m["txs"][0].at("txid"), util::to_hex(primitives::txid(rich)));
  EXPECT_EQ(m["txs"][1].at("txid"), util::to_hex(primitives::txid(cheap)));
  EXPECT_FALSE(m.contains("next_offset"));

  m = get("/v1/mempool?limit=1").json();
  ASSERT_EQ(m.at("txs").size(), 1u);
  EXPECT_EQ(m.at("next_offset"), 1);
  m = get("/v1/mempool?limit=1&offset=1").json();
  ASSERT_EQ(m.at("txs").size(), 1u);
  EXPECT_EQ(m["txs"][0].at("txid"), util::to_hex(primitives::txid(cheap)));
  EXPECT_EQ(get("/v1/mempool?offset=5").json().at("txs"), json::array());

  expect_bad_get("/v1/mempool?offset=-1", 400, "bad_param");
  expect_bad_get("/v1/mempool?limit=0", 400, "bad_limit");
  expect_bad_get("/v1/mempool?cursor=1", 400, "bad_param");
}

TEST_F(RoutesTest, AnchorsOfADigestOldestFirst) {
  const std::string digest = util::to_hex(anchor_digest());
  json a = get("/v1/anchors/" + digest).json();
  EXPECT_EQ(a.at("digest"), digest);
  ASSERT_EQ(a.at("anchors").size(), 1u);
  EXPECT_EQ(a["anchors"][0].at("height"), 1);
  EXPECT_EQ(a["anchors"][0].at("position"), 1);
  EXPECT_EQ(a["anchors"][0].at("timestamp_ms"), kGenesisTimeMs + 10'000);
  EXPECT_EQ(a["anchors"][0].at("tx").at("body").at("digest"), digest);

  // Anchored again later: both, oldest first; limit bounds the list.
  node->mine({node->anchor(node->keys().bob, anchor_digest(), 0)});
  a = get("/v1/anchors/" + digest).json();
  ASSERT_EQ(a.at("anchors").size(), 2u);
  EXPECT_EQ(a["anchors"][1].at("height"), 3);
  EXPECT_EQ(get("/v1/anchors/" + digest + "?limit=1").json().at("anchors").size(), 1u);

  EXPECT_EQ(get("/v1/anchors/" + std::string(64, '5')).json().at("anchors"), json::array());
  expect_bad_get("/v1/anchors/1234", 400, "hex_wrong_length");
  expect_bad_get("/v1/anchors/" + digest + "?limit=0", 400, "bad_limit");
}

TEST_F(RoutesTest, UnknownRoutesAndMethods) {
  expect_bad_get("/nope", 404, "not_found");  // "/" is the explorer (explorer_test.cpp)
  expect_bad_get("/v1", 404, "not_found");
  expect_bad_get("/v2/status", 404, "not_found");
  expect_bad_get("/v1/status/", 404, "not_found");
  expect_bad_get("/v1/blocks/1/txs", 404, "not_found");
  expect_bad_get("/v1/accounts//txs", 404, "not_found");

  Client c(port);
  auto r = c.request("DELETE", "/v1/status");
  expect_problem(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("allow"), "GET, OPTIONS");
  r = c.request("GET", "/v1/txs");
  expect_problem(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("allow"), "POST, OPTIONS");
  r = c.request("POST", "/v1/status", "{}");
  expect_problem(r, 405, "method_not_allowed");
  r = c.request("PUT", "/v1/admin/mining", "{}");
  expect_problem(r, 405, "method_not_allowed");
  EXPECT_EQ(c.request("GET", "/v1/status").status, 200u);
}

}  // namespace
}  // namespace cloudchain::api::test
