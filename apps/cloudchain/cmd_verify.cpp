// cloudchain verify FILE [--receipt RECEIPT.json]
// Proves that FILE was anchored: hashes it, obtains a receipt (from the node, for the
// first transaction that anchored this digest, or from RECEIPT.json with no node at all)
// and checks the receipt offline (receipt.hpp). Online, it also asks the node whether the
// receipt's block is on its best chain.
//
// Prints VERIFIED with the block's height and time, or FAILED with the reason; exit code
// 0 or 1. A file that cannot be read, or an unreachable node, is an error (exit 1) rather
// than FAILED: nothing was verified either way.

#include <CLI/CLI.hpp>

#include <memory>

#include "amount.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "file_digest.hpp"
#include "output.hpp"
#include "receipt.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

// Receipts are small (a transaction, a header, at most 64 hashes); anything far larger
// is not one.
constexpr std::size_t kMaxReceiptBytes = std::size_t{1} << 20;

struct VerifyOptions {
  std::string file;
  std::string receipt;
};

int report_failed(Context& ctx, const VerifyOptions& o, const util::Hash256& digest, std::string_view code,
                  const std::string& detail) {
  if (ctx.json()) {
    print_json(ctx.io().out, nlohmann::json{{"verified", false},
                                            {"file", o.file},
                                            {"digest", util::to_hex(digest)},
                                            {"reason", code},
                                            {"detail", detail}});
  } else {
    ctx.io().out << "FAILED: " << printable(detail) << '\n';
    Table t;
    t.add("file", o.file).add("digest", util::to_hex(digest)).add("reason", std::string(code));
    t.print(ctx.io().out);
  }
  return kExitFailure;
}

int run_verify(Context& ctx, const VerifyOptions& o) {
  auto digest = sha256_file(o.file);
  if (!digest) throw failure("cannot hash " + digest.error().detail);
  const bool offline = !o.receipt.empty();

  util::Result<Receipt, ReceiptError> receipt = util::fail(ReceiptError::kMalformed);
  if (offline) {
    auto text = read_text_file(o.receipt, kMaxReceiptBytes);
    if (!text) throw failure("cannot read the receipt: " + text.error().detail);
    receipt = parse_receipt_text(*text);
  } else {
    // Oldest first: the first is the earliest proof that the file existed.
    const auto anchors = ctx.node_get("/v1/anchors/" + util::to_hex(*digest) + "?limit=1");
    const auto txid = first_anchor_txid(anchors);
    if (!txid) {
      return report_failed(ctx, o, *digest, "not_anchored",
                           "no transaction on the node's chain anchors digest " + util::to_hex(*digest));
    }
    receipt = parse_receipt(ctx.node_get("/v1/receipts/" + util::to_hex(*txid)));
  }
  if (!receipt) return report_failed(ctx, o, *digest, to_string(receipt.error().code), receipt.error().detail);

  auto verified = verify_anchor_receipt(*receipt, *digest);
  if (!verified) return report_failed(ctx, o, *digest, to_string(verified.error().code), verified.error().detail);

  std::optional<std::uint64_t> confirmations;
  std::string network = ctx.network_if_known();
  if (!offline) {
    // The receipt proves the block exists; the node says whether it is on the best chain.
    network = ctx.chain_network();
    const auto block = ctx.node_get("/v1/blocks/" + std::to_string(verified->header.height));
    if (json_string(block, "hash") != util::to_hex(verified->block_hash)) {
      return report_failed(ctx, o, *digest, "not_in_best_chain",
                           "the receipt's block " + util::to_hex(verified->block_hash) +
                               " is not on the node's best chain at height " + std::to_string(verified->header.height));
    }
    const std::uint64_t tip = json_u64(ctx.status(), "height");
    if (tip >= verified->header.height) confirmations = tip - verified->header.height + 1;
  }

  // JSON carries the memo as text (invalid UTF-8 replaced) and exactly, as hex.
  const std::string memo(verified->memo.begin(), verified->memo.end());
  const std::string sender = network.empty()
                                 ? util::to_hex(verified->tx.sender)
                                 : crypto::encode_address(network, primitives::sender_address(verified->tx));
  if (ctx.json()) {
    nlohmann::json doc{{"verified", true},
                       {"file", o.file},
                       {"digest", util::to_hex(*digest)},
                       {"txid", util::to_hex(verified->txid)},
                       {"height", verified->header.height},
                       {"block_hash", util::to_hex(verified->block_hash)},
                       {"timestamp_ms", verified->header.timestamp_ms},
                       {"chain_id", verified->header.chain_id},
                       {"sender", sender},
                       {"memo", memo},
                       {"memo_hex", util::to_hex(verified->memo)},
                       {"offline", offline}};
    if (confirmations) doc["confirmations"] = *confirmations;
    print_json(ctx.io().out, doc);
    return kExitOk;
  }
  ctx.io().out << "VERIFIED: " << printable(o.file) << " was anchored at height " << verified->header.height << ", "
               << format_time_ms(verified->header.timestamp_ms) << '\n';
  Table t;
  t.add("digest", util::to_hex(*digest));
  t.add("txid", util::to_hex(verified->txid));
  t.add("height", std::to_string(verified->header.height));
  t.add("block hash", util::to_hex(verified->block_hash));
  t.add("time", format_time_ms(verified->header.timestamp_ms));
  t.add(network.empty() ? "sender key" : "sender", sender);
  if (!memo.empty()) t.add("memo", display_memo(verified->memo));
  if (confirmations) t.add("confirmations", format_amount(*confirmations));
  t.add("checked", offline ? "offline, from the receipt alone (compare the block hash with any node)"
                           : "receipt offline; best chain by the node");
  t.print(ctx.io().out);
  return kExitOk;
}

}  // namespace

void add_verify_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand("verify", "check that a file was anchored (exit 0: VERIFIED, 1: FAILED)");
  cmd->add_option("file", o->file, "the file to check")->required();
  cmd->add_option("--receipt", o->receipt, "verify offline against this receipt JSON (from 'cloudchain receipt')");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return run_verify(ctx, *o); }; });
}

}  // namespace cloudchain::cli
