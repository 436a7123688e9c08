#include "receipt.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "util/hex.hpp"

namespace cloudchain::cli {

std::string_view to_string(ReceiptError e) {
  switch (e) {
    case ReceiptError::kMalformed: return "receipt_malformed";
    case ReceiptError::kTxUndecodable: return "receipt_tx_undecodable";
    case ReceiptError::kTxidMismatch: return "receipt_txid_mismatch";
    case ReceiptError::kNotAnchor: return "receipt_not_anchor";
    case ReceiptError::kDigestMismatch: return "receipt_digest_mismatch";
    case ReceiptError::kHeaderUndecodable: return "receipt_header_undecodable";
    case ReceiptError::kBlockHashMismatch: return "receipt_block_hash_mismatch";
    case ReceiptError::kHeightMismatch: return "receipt_height_mismatch";
    case ReceiptError::kTxInvalid: return "receipt_tx_invalid";
    case ReceiptError::kProofMalformed: return "receipt_proof_malformed";
    case ReceiptError::kProofRootMismatch: return "receipt_proof_root_mismatch";
    case ReceiptError::kPowInsufficient: return "receipt_pow_insufficient";
  }
  return "receipt_unknown";
}

namespace {

using Json = nlohmann::json;

util::Error<ReceiptError> malformed(const std::string& detail) { return {ReceiptError::kMalformed, detail}; }

util::Result<const Json*, ReceiptError> field(const Json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::unexpected(malformed("missing field " + where + name));
  return &*it;
}

util::Result<util::Bytes, ReceiptError> hex_field(const Json& obj, const char* name, const std::string& where = "") {
  auto f = field(obj, name, where);
  if (!f) return std::unexpected(f.error());
  if (!(*f)->is_string()) return std::unexpected(malformed(where + name + " is not a string"));
  auto bytes = util::from_hex((*f)->get_ref<const std::string&>());
  if (!bytes)
    return std::unexpected(
        malformed(where + name + " is not hex (" + std::string(to_string(bytes.error().code)) + ")"));
  return *bytes;
}

util::Result<util::Hash256, ReceiptError> hash_field(const Json& obj, const char* name, const std::string& where = "") {
  auto bytes = hex_field(obj, name, where);
  if (!bytes) return std::unexpected(bytes.error());
  if (bytes->size() != 32) return std::unexpected(malformed(where + name + " is not 32 bytes"));
  util::Hash256 out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

util::Result<std::uint64_t, ReceiptError> uint_field(const Json& obj, const char* name, const std::string& where = "") {
  auto f = field(obj, name, where);
  if (!f) return std::unexpected(f.error());
  if (!(*f)->is_number_unsigned()) {
    return std::unexpected(malformed(where + name + " is not a non-negative integer"));
  }
  return (*f)->get<std::uint64_t>();
}

}  // namespace

util::Result<Receipt, ReceiptError> parse_receipt(const Json& doc) {
  if (!doc.is_object()) return std::unexpected(malformed("the receipt is not a JSON object"));
  Receipt r;
  auto txid = hash_field(doc, "txid");
  if (!txid) return std::unexpected(txid.error());
  r.txid = *txid;
  auto tx = hex_field(doc, "tx");
  if (!tx) return std::unexpected(tx.error());
  r.tx = std::move(*tx);
  auto header = hex_field(doc, "header");
  if (!header) return std::unexpected(header.error());
  r.header = std::move(*header);
  auto block_hash = hash_field(doc, "block_hash");
  if (!block_hash) return std::unexpected(block_hash.error());
  r.block_hash = *block_hash;
  auto height = uint_field(doc, "height");
  if (!height) return std::unexpected(height.error());
  r.height = *height;

  auto proof = field(doc, "proof", "");
  if (!proof) return std::unexpected(proof.error());
  if (!(*proof)->is_object()) return std::unexpected(malformed("proof is not an object"));
  const Json& p = **proof;
  auto index = uint_field(p, "index", "proof.");
  if (!index) return std::unexpected(index.error());
  auto tree_size = uint_field(p, "tree_size", "proof.");
  if (!tree_size) return std::unexpected(tree_size.error());
  auto path = field(p, "path", "proof.");
  if (!path) return std::unexpected(path.error());
  if (!(*path)->is_array()) return std::unexpected(malformed("proof.path is not an array"));
  // A tree of at most 2^64 leaves has paths of at most 64 nodes; refuse a longer list
  // before decoding it.
  if ((*path)->size() > 64) return std::unexpected(malformed("proof.path has more than 64 entries"));
  r.proof.index = *index;
  r.proof.tree_size = *tree_size;
  for (const Json& node : **path) {
    if (!node.is_string()) return std::unexpected(malformed("proof.path entry is not a string"));
    auto h = util::from_hex_array<32>(node.get_ref<const std::string&>());
    if (!h) return std::unexpected(malformed("proof.path entry is not 32 bytes of hex"));
    r.proof.path.push_back(*h);
  }
  return r;
}

util::Result<Receipt, ReceiptError> parse_receipt_text(std::string_view text) {
  auto doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::unexpected(malformed("the receipt is not valid JSON"));
  return parse_receipt(doc);
}

Json to_json(const Receipt& r) {
  Json path = Json::array();
  for (const auto& h : r.proof.path) path.push_back(util::to_hex(h));
  return Json{{"txid", util::to_hex(r.txid)},
              {"tx", util::to_hex(r.tx)},
              {"header", util::to_hex(r.header)},
              {"block_hash", util::to_hex(r.block_hash)},
              {"height", r.height},
              {"proof", Json{{"index", r.proof.index}, {"tree_size", r.proof.tree_size}, {"path", std::move(path)}}}};
}

util::Result<VerifiedAnchor, ReceiptError> verify_anchor_receipt(const Receipt& r, const util::Hash256& file_digest) {
  using util::fail;
  using util::to_hex;
  VerifiedAnchor v;

  auto tx = primitives::decode_transaction(r.tx);
  if (!tx) {
    return fail(ReceiptError::kTxUndecodable,
                "the transaction does not decode: " + std::string(primitives::to_string(tx.error().code)) + " at " +
                    tx.error().detail);
  }
  v.tx = std::move(*tx);
  v.txid = primitives::txid(v.tx);
  if (v.txid != r.txid) {
    return fail(ReceiptError::kTxidMismatch,
                "the transaction hashes to txid " + to_hex(v.txid) + ", not the receipt's " + to_hex(r.txid));
  }
  const auto* anchor = std::get_if<primitives::Anchor>(&v.tx.body);
  if (anchor == nullptr) {
    return fail(ReceiptError::kNotAnchor,
                "the transaction is a " + std::string(primitives::to_string(v.tx.kind())) + ", not an anchor");
  }
  v.digest = anchor->digest;
  v.memo = anchor->memo;
  if (!util::equal_ct(anchor->digest, file_digest)) {
    return fail(ReceiptError::kDigestMismatch, "the transaction anchors digest " + to_hex(anchor->digest) +
                                                   ", but the file's SHA-256 is " + to_hex(file_digest));
  }

  auto header = primitives::decode_header(r.header);
  if (!header) {
    return fail(ReceiptError::kHeaderUndecodable,
                "the block header does not decode: " + std::string(primitives::to_string(header.error().code)) +
                    " at " + header.error().detail);
  }
  v.header = *header;
  v.block_hash = primitives::block_hash(v.header);
  if (v.block_hash != r.block_hash) {
    return fail(ReceiptError::kBlockHashMismatch, "the header hashes to block hash " + to_hex(v.block_hash) +
                                                      ", not the receipt's " + to_hex(r.block_hash));
  }
  if (v.header.height != r.height) {
    return fail(ReceiptError::kHeightMismatch, "the header is at height " + std::to_string(v.header.height) +
                                                   ", not the receipt's " + std::to_string(r.height));
  }
  if (auto ok = primitives::check_transaction(v.tx, v.header.chain_id); !ok) {
    return fail(ReceiptError::kTxInvalid,
                "the transaction is invalid: " + std::string(primitives::to_string(ok.error().code)) +
                    (ok.error().detail.empty() ? "" : " (" + ok.error().detail + ")"));
  }
  auto proof = crypto::verify_merkle_proof(crypto::merkle_leaf_hash(v.txid), r.proof, v.header.tx_root);
  if (!proof) {
    if (proof.error().code == crypto::MerkleError::kRootMismatch) {
      return fail(ReceiptError::kProofRootMismatch,
                  "the inclusion proof does not lead to the header's tx root " + to_hex(v.header.tx_root));
    }
    return fail(ReceiptError::kProofMalformed, "the inclusion proof does not fit index " +
                                                   std::to_string(r.proof.index) + " of a tree of " +
                                                   std::to_string(r.proof.tree_size) + " (" +
                                                   std::string(crypto::to_string(proof.error().code)) + ")");
  }
  if (const auto* pow = std::get_if<primitives::PowSeal>(&v.header.seal)) {
    // decode_header accepted the bits, so they name a valid target.
    auto target = primitives::target_from_bits(pow->bits);
    if (!target || !primitives::hash_meets_target(v.block_hash, *target)) {
      return fail(ReceiptError::kPowInsufficient, "the block hash does not meet the header's own target");
    }
  }
  return v;
}

std::optional<util::Hash256> first_anchor_txid(const Json& doc) {
  const Json* list = nullptr;
  if (doc.is_array()) {
    list = &doc;
  } else if (doc.is_object()) {
    for (const char* name : {"anchors", "txs"}) {
      if (auto it = doc.find(name); it != doc.end() && it->is_array()) {
        list = &*it;
        break;
      }
    }
  }
  if (list == nullptr) return std::nullopt;
  for (const Json& entry : *list) {
    const Json* txid = nullptr;
    if (entry.is_string()) {
      txid = &entry;
    } else if (entry.is_object()) {
      if (auto it = entry.find("txid"); it != entry.end()) {
        txid = &*it;
      } else if (auto tx = entry.find("tx"); tx != entry.end() && tx->is_object()) {
        if (auto inner = tx->find("txid"); inner != tx->end()) txid = &*inner;
      }
    }
    if (txid == nullptr || !txid->is_string()) continue;
    if (auto h = util::from_hex_array<32>(txid->get_ref<const std::string&>())) return *h;
  }
  return std::nullopt;
}

}  // namespace cloudchain::cli
