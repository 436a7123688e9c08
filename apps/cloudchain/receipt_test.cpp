// Receipt verification against receipts built from real primitives: a signed anchor in a
// real block whose header is mined to its own target. Each tampering fails with its own
// reason.

#include "receipt.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/sha256.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {
namespace {

constexpr std::uint32_t kChainId = 1001;
constexpr std::uint32_t kEasyBits = 0x207fffff;  // target 7fffff00..: about every other hash meets it

crypto::PrivateKey key_of(std::uint8_t b) {
  util::ByteArray<32> secret{};
  secret.fill(b);
  return crypto::PrivateKey::from_bytes(secret).value();
}

util::Hash256 digest_of(std::string_view content) { return crypto::sha256(util::as_bytes(content)); }

primitives::Transaction signed_tx(primitives::TxBody body, std::uint64_t nonce, std::uint8_t signer = 1,
                                  std::uint32_t chain_id = kChainId) {
  primitives::Transaction tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.fee = 1000;
  tx.body = std::move(body);
  primitives::sign(tx, key_of(signer));
  return tx;
}

primitives::Anchor anchor_of(std::string_view content, std::string_view memo) {
  const auto m = util::as_bytes(memo);
  return primitives::Anchor{digest_of(content), util::Bytes(m.begin(), m.end())};
}

// Sets the PoW nonce to the first one from `from` whose block hash meets (or, with
// want_valid = false, misses) the header's target.
void mine(primitives::BlockHeader& h, bool want_valid = true, std::uint64_t from = 0) {
  auto& seal = std::get<primitives::PowSeal>(h.seal);
  const auto target = primitives::target_from_bits(seal.bits).value();
  for (seal.nonce = from;; ++seal.nonce) {
    if (primitives::hash_meets_target(primitives::block_hash(h), target) == want_valid) return;
  }
}

struct Fixture {
  std::vector<primitives::Transaction> txs;
  primitives::BlockHeader header;
  std::vector<util::Hash256> leaves;

  Fixture(std::vector<primitives::Transaction> block_txs, bool pos = false) : txs(std::move(block_txs)) {
    for (const auto& tx : txs) leaves.push_back(crypto::merkle_leaf_hash(primitives::txid(tx)));
    header.chain_id = kChainId;
    header.height = 7;
    header.parent.fill(0x11);
    header.timestamp_ms = 1764000000123;
    header.tx_root = crypto::merkle_root(leaves);
    header.state_root.fill(0x22);
    header.beneficiary = crypto::address_of(key_of(2).public_key());
    if (pos) {
      header.seal = primitives::PosSeal{};
    } else {
      header.seal = primitives::PowSeal{kEasyBits, 0};
      mine(header);
    }
  }

  Receipt receipt(std::size_t index) const {
    Receipt r;
    r.txid = primitives::txid(txs[index]);
    r.tx = primitives::encode(txs[index]);
    r.header = primitives::encode(header);
    r.block_hash = primitives::block_hash(header);
    r.height = header.height;
    r.proof = crypto::merkle_proof(leaves, index);
    return r;
  }
};

const std::string kFile = "quarterly audit log\n";

Fixture standard_block() {
  return Fixture({signed_tx(primitives::Transfer{crypto::address_of(key_of(2).public_key()), 5000}, 0),
                  signed_tx(anchor_of(kFile, "audit/2025-q3"), 1),
                  signed_tx(primitives::Transfer{crypto::address_of(key_of(3).public_key()), 7}, 2)});
}

ReceiptError failure_of(const Receipt& r, const util::Hash256& digest = digest_of(kFile)) {
  auto v = verify_anchor_receipt(r, digest);
  EXPECT_FALSE(v.has_value());
  return v ? ReceiptError::kMalformed : v.error().code;
}

TEST(CliReceipt, GenuineReceiptVerifies) {
  const Fixture f = standard_block();
  auto v = verify_anchor_receipt(f.receipt(1), digest_of(kFile));
  ASSERT_TRUE(v.has_value()) << v.error().detail;
  EXPECT_EQ(v->digest, digest_of(kFile));
  EXPECT_EQ(std::string(v->memo.begin(), v->memo.end()), "audit/2025-q3");
  EXPECT_EQ(v->header.height, 7U);
  EXPECT_EQ(v->header.timestamp_ms, 1764000000123U);
  EXPECT_EQ(v->block_hash, primitives::block_hash(f.header));
}

TEST(CliReceipt, EveryPositionOfLargerBlocksVerifies) {
  // Trees of 1..9 leaves exercise every audit path shape (RFC 9162 splits).
  for (std::size_t n = 1; n <= 9; ++n) {
    std::vector<primitives::Transaction> txs;
    for (std::size_t i = 0; i < n; ++i) txs.push_back(signed_tx(anchor_of(kFile + std::to_string(i), ""), i));
    const Fixture f(std::move(txs));
    for (std::size_t i = 0; i < n; ++i) {
      auto v = verify_anchor_receipt(f.receipt(i), digest_of(kFile + std::to_string(i)));
      EXPECT_TRUE(v.has_value()) << n << "/" << i << ": " << (v ? "" : v.error().detail);
    }
  }
}

TEST(CliReceipt, AnotherFileFails) {
  const Fixture f = standard_block();
  std::string changed = kFile;
  changed[0] ^= 0x01;  // one flipped bit of the file
  auto v = verify_anchor_receipt(f.receipt(1), digest_of(changed));
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ReceiptError::kDigestMismatch);
  EXPECT_NE(v.error().detail.find(util::to_hex(digest_of(changed))), std::string::npos);
}

TEST(CliReceipt, FlippedTransactionByteFails) {
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  r.tx[50] ^= 0x01;  // inside the fee
  EXPECT_EQ(failure_of(r), ReceiptError::kTxidMismatch);

  r = f.receipt(1);
  r.tx[0] ^= 0x01;  // the version byte: no longer a transaction
  EXPECT_EQ(failure_of(r), ReceiptError::kTxUndecodable);

  r = f.receipt(1);
  r.tx.push_back(0);  // trailing byte
  EXPECT_EQ(failure_of(r), ReceiptError::kTxUndecodable);
}

TEST(CliReceipt, FlippedTxidFails) {
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  r.txid[31] ^= 0x80;
  EXPECT_EQ(failure_of(r), ReceiptError::kTxidMismatch);
}

TEST(CliReceipt, TamperedTransactionWithMatchingTxidFailsItsSignature) {
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  r.tx[50] ^= 0x01;
  r.txid = primitives::txid(primitives::decode_transaction(r.tx).value());
  EXPECT_EQ(failure_of(r), ReceiptError::kTxInvalid);
}

TEST(CliReceipt, ValidAnchorOfTheSameDigestOutsideTheBlockFails) {
  // A forger signs their own anchor of the digest and hands over the block's real proof.
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  const auto forged = signed_tx(anchor_of(kFile, "audit/2025-q3"), 1, /*signer=*/9);
  r.tx = primitives::encode(forged);
  r.txid = primitives::txid(forged);
  EXPECT_EQ(failure_of(r), ReceiptError::kProofRootMismatch);
}

TEST(CliReceipt, NonAnchorTransactionFails) {
  const Fixture f = standard_block();
  EXPECT_EQ(failure_of(f.receipt(0)), ReceiptError::kNotAnchor);
}

TEST(CliReceipt, TransactionOfAnotherChainFails) {
  const Fixture f({signed_tx(anchor_of(kFile, ""), 0, 1, kChainId + 1)});
  EXPECT_EQ(failure_of(f.receipt(0)), ReceiptError::kTxInvalid);
}

TEST(CliReceipt, FlippedHeaderByteFails) {
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  r.header[30] ^= 0x01;  // inside the parent hash
  EXPECT_EQ(failure_of(r), ReceiptError::kBlockHashMismatch);

  r = f.receipt(1);
  r.header[0] ^= 0x01;  // the version
  EXPECT_EQ(failure_of(r), ReceiptError::kHeaderUndecodable);

  r = f.receipt(1);
  r.header.pop_back();
  EXPECT_EQ(failure_of(r), ReceiptError::kHeaderUndecodable);
}

TEST(CliReceipt, FlippedBlockHashFails) {
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  r.block_hash[0] ^= 0x01;
  EXPECT_EQ(failure_of(r), ReceiptError::kBlockHashMismatch);
}

TEST(CliReceipt, HeaderWithAnotherTxRootFailsTheProof) {
  // Re-hashed consistently (block_hash updated and re-mined): only the proof can tell.
  Fixture f = standard_block();
  f.header.tx_root[5] ^= 0x01;
  mine(f.header);
  EXPECT_EQ(failure_of(f.receipt(1)), ReceiptError::kProofRootMismatch);
}

TEST(CliReceipt, HeaderMissingItsOwnTargetFails) {
  Fixture f = standard_block();
  mine(f.header, /*want_valid=*/false);
  EXPECT_EQ(failure_of(f.receipt(1)), ReceiptError::kPowInsufficient);
}

TEST(CliReceipt, ProofOfStakeHeaderNeedsNoWork) {
  const Fixture f({signed_tx(anchor_of(kFile, ""), 0)}, /*pos=*/true);
  auto v = verify_anchor_receipt(f.receipt(0), digest_of(kFile));
  EXPECT_TRUE(v.has_value()) << v.error().detail;
}

TEST(CliReceipt, WrongHeightFails) {
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  r.height = 8;
  EXPECT_EQ(failure_of(r), ReceiptError::kHeightMismatch);
}

TEST(CliReceipt, FlippedProofByteFails) {
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  ASSERT_FALSE(r.proof.path.empty());
  for (std::size_t i = 0; i < r.proof.path.size(); ++i) {
    Receipt t = r;
    t.proof.path[i][7] ^= 0x10;
    EXPECT_EQ(failure_of(t), ReceiptError::kProofRootMismatch) << i;
  }
}

TEST(CliReceipt, MisshapenProofFails) {
  const Fixture f = standard_block();
  Receipt r = f.receipt(1);
  r.proof.path.push_back(r.proof.path.front());
  EXPECT_EQ(failure_of(r), ReceiptError::kProofMalformed);

  r = f.receipt(1);
  r.proof.path.pop_back();
  EXPECT_EQ(failure_of(r), ReceiptError::kProofMalformed);

  r = f.receipt(1);
  r.proof.index = 3;  // == tree_size
  EXPECT_EQ(failure_of(r), ReceiptError::kProofMalformed);

  r = f.receipt(1);
  r.proof.index = 0;  // right length, wrong side at the bottom
  EXPECT_EQ(failure_of(r), ReceiptError::kProofRootMismatch);

  r = f.receipt(1);
  r.proof.tree_size = 2;  // a tree the block does not have
  EXPECT_EQ(failure_of(r), ReceiptError::kProofMalformed);
}

// --- JSON ------------------------------------------------------------------------------

TEST(CliReceiptJson, RoundTripsThroughTheApiShape) {
  const Fixture f = standard_block();
  const Receipt r = f.receipt(1);
  const nlohmann::json doc = to_json(r);
  EXPECT_EQ(doc["txid"], util::to_hex(r.txid));
  EXPECT_EQ(doc["height"], 7);
  EXPECT_EQ(doc["proof"]["tree_size"], 3);
  auto parsed = parse_receipt_text(doc.dump());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().detail;
  EXPECT_EQ(to_json(*parsed), doc);
  EXPECT_TRUE(verify_anchor_receipt(*parsed, digest_of(kFile)).has_value());
}

TEST(CliReceiptJson, ExtraFieldsAreIgnored) {
  nlohmann::json doc = to_json(standard_block().receipt(1));
  doc["confirmations"] = 3;
  EXPECT_TRUE(parse_receipt(doc).has_value());
}

TEST(CliReceiptJson, MalformedReceiptsAreRejectedWithTheField) {
  const nlohmann::json good = to_json(standard_block().receipt(1));
  struct Case {
    std::function<void(nlohmann::json&)> change;
    std::string fragment;
  };
  const std::vector<Case> cases = {
      {[](auto& d) { d.erase("txid"); }, "missing field txid"},
      {[](auto& d) { d.erase("header"); }, "missing field header"},
      {[](auto& d) { d["proof"].erase("path"); }, "missing field proof.path"},
      {[](auto& d) { d["txid"] = "abc"; }, "txid is not hex"},
      {[](auto& d) { d["txid"] = std::string(62, 'a'); }, "txid is not 32 bytes"},
      {[](auto& d) { d["tx"] = 5; }, "tx is not a string"},
      {[](auto& d) { d["height"] = -1; }, "height is not a non-negative integer"},
      {[](auto& d) { d["height"] = "7"; }, "height is not a non-negative integer"},
      {[](auto& d) { d["height"] = 7.5; }, "height is not a non-negative integer"},
      {[](auto& d) { d["proof"] = "x"; }, "proof is not an object"},
      {[](auto& d) { d["proof"]["path"] = "x"; }, "proof.path is not an array"},
      {[](auto& d) { d["proof"]["path"][0] = 1; }, "proof.path entry is not a string"},
      {[](auto& d) { d["proof"]["path"][0] = "00"; }, "proof.path entry is not 32 bytes"},
      {[](auto& d) { d["proof"]["path"] = std::vector<std::string>(65, std::string(64, '0')); }, "more than 64"},
      {[](auto& d) { d = nlohmann::json::array(); }, "not a JSON object"},
  };
  for (const auto& c : cases) {
    nlohmann::json doc = good;
    c.change(doc);
    auto r = parse_receipt(doc);
    ASSERT_FALSE(r) << c.fragment;
    EXPECT_EQ(r.error().code, ReceiptError::kMalformed);
    EXPECT_NE(r.error().detail.find(c.fragment), std::string::npos) << r.error().detail;
  }
  auto r = parse_receipt_text("{\"txid\": ");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("not valid JSON"), std::string::npos);
}

TEST(CliAnchorsAnswer, FirstTxidInEveryAcceptedShape) {
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  util::Hash256 ha{};
  ha.fill(0xaa);
  using J = nlohmann::json;
  EXPECT_EQ(first_anchor_txid(J::array({a, b})), ha);
  EXPECT_EQ(first_anchor_txid(J{{"digest", b}, {"anchors", J::array({J{{"txid", a}, {"height", 3}}})}}), ha);
  EXPECT_EQ(first_anchor_txid(J{{"txs", J::array({J{{"tx", J{{"txid", a}}}}})}}), ha);
  EXPECT_EQ(first_anchor_txid(J{{"txs", J::array({J{{"txid", 5}}, J{{"txid", a}}})}}), ha);
  // The api's shape: TxRefs with the transaction inside.
  EXPECT_EQ(first_anchor_txid(J{{"digest", b},
                                {"anchors", J::array({J{{"height", 1},
                                                        {"position", 1},
                                                        {"block_hash", b},
                                                        {"timestamp_ms", 5},
                                                        {"tx", J{{"txid", a}, {"kind", "anchor"}}}}})}}),
            ha);
  EXPECT_EQ(first_anchor_txid(J{{"anchors", J::array()}}), std::nullopt);
  EXPECT_EQ(first_anchor_txid(J{{"anchors", J::array({J{{"txid", "xyz"}}})}}), std::nullopt);
  EXPECT_EQ(first_anchor_txid(J{{"code", "not_found"}}), std::nullopt);
  EXPECT_EQ(first_anchor_txid(J("text")), std::nullopt);
}

}  // namespace
}  // namespace cloudchain::cli
