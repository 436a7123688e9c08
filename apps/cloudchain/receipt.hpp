#pragma once
// Offline verification of an anchor receipt (docs/api.md "Receipt", docs/cli.md).
//
//   {"txid": "<hex 32>", "tx": "<hex tx encoding>", "header": "<hex header encoding>",
//    "block_hash": "<hex 32>", "height": N, "proof": {"index": I, "tree_size": S, "path": ["<hex 32>", ...]}}
//
// A receipt proves, with no node and no trust in whoever handed it over, that a file's
// SHA-256 was committed by a signed anchor transaction inside a block whose header hashes
// to `block_hash`. Checks, in order, each failure with its own code:
//   1. `tx` decodes (protocol.md section 5)                           kTxUndecodable
//   2. txid(tx) equals `txid`                                          kTxidMismatch
//   3. tx is an anchor                                                 kNotAnchor
//   4. its digest equals the file's SHA-256                            kDigestMismatch
//   5. `header` decodes (section 6)                                    kHeaderUndecodable
//   6. block_hash(header) equals `block_hash`                          kBlockHashMismatch
//   7. header.height equals `height`                                   kHeightMismatch
//   8. the tx passes its context-free checks (signature included) with
//      the header's chain id                                           kTxInvalid
//   9. the proof has the right shape for (index, tree_size)            kProofMalformed
//  10. the RFC 9162 proof of txid leads to header.tx_root              kProofRootMismatch
//  11. a PoW header's block hash meets the target of its own bits      kPowInsufficient
// What it cannot show offline is that the block is on the best chain: that needs the
// chain (the CLI's online mode asks the node; an auditor can compare block_hash with any
// node or explorer).
//
// Pure functions, thread-safe. Malformed input (any JSON, any bytes) is reported, never
// asserted on.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "crypto/merkle.hpp"
#include "primitives/header.hpp"
#include "primitives/transaction.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::cli {

enum class ReceiptError {
  kMalformed,          // the receipt is a JSON object with every field above, hex of the right length
  kTxUndecodable,      // tx is a canonical transaction encoding
  kTxidMismatch,       // txid = H_cloudchain/txid(tx)
  kNotAnchor,          // the transaction is an anchor (kind 4)
  kDigestMismatch,     // the anchor's digest is the file's SHA-256
  kHeaderUndecodable,  // header is a canonical header encoding
  kBlockHashMismatch,  // block_hash = SHA256d("cloudchain/hdr/1" || header)
  kHeightMismatch,     // height = header.height
  kTxInvalid,          // the transaction passes check_transaction with the header's chain id
  kProofMalformed,     // index < tree_size and the path length fits (index, tree_size)
  kProofRootMismatch,  // the audit path of txid hashes up to header.tx_root
  kPowInsufficient,    // PoW: block hash <= target(bits) of the header itself
};
std::string_view to_string(ReceiptError e);

struct Receipt {
  util::Hash256 txid{};
  util::Bytes tx;
  util::Bytes header;
  util::Hash256 block_hash{};
  std::uint64_t height = 0;
  crypto::MerkleProof proof;
};

/// Reads the receipt fields from a JSON document (extra fields are ignored: the node may
/// add some). Errors: kMalformed with the field at fault.
util::Result<Receipt, ReceiptError> parse_receipt(const nlohmann::json& doc);
/// Parses JSON text, then as above. Errors: kMalformed.
util::Result<Receipt, ReceiptError> parse_receipt_text(std::string_view text);
/// The receipt as JSON (the api.md shape), e.g. for `receipt --out`.
nlohmann::json to_json(const Receipt& receipt);

/// What a verified receipt shows.
struct VerifiedAnchor {
  primitives::Transaction tx;
  primitives::BlockHeader header;
  util::Hash256 txid{};
  util::Hash256 block_hash{};
  util::Hash256 digest{};
  util::Bytes memo;
};

/// Runs checks 1-11 for a file whose SHA-256 is `file_digest`.
util::Result<VerifiedAnchor, ReceiptError> verify_anchor_receipt(const Receipt& receipt,
                                                                 const util::Hash256& file_digest);

/// The txid of the first (oldest) anchor in a /v1/anchors/{digest} answer, or nullopt when
/// it lists none. The answer is {"digest", "anchors": [TxRef...]} (api/openapi.yaml), a
/// TxRef holding the transaction as "tx": {"txid", ...}. Leniently, an entry may also be a
/// bare txid string or carry "txid" itself, and the list may be the whole answer or sit
/// under "txs"; entries that are none of these are skipped.
std::optional<util::Hash256> first_anchor_txid(const nlohmann::json& doc);

}  // namespace cloudchain::cli
