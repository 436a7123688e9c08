// cloudchain receipt TXID [--out FILE]
// Fetches the self-contained receipt of an included transaction (api.md "Receipt"): what
// `cloudchain verify FILE --receipt RECEIPT.json` later checks with no node at all.

#include <CLI/CLI.hpp>

#include <fstream>
#include <memory>

#include "args.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "receipt.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

struct ReceiptOptions {
  std::string txid;
  std::string out;
};

int run_receipt(Context& ctx, const ReceiptOptions& o) {
  auto txid = parse_hash(o.txid, "txid");
  if (!txid) throw usage_error(txid.error().detail);
  const nlohmann::json doc = ctx.node_get("/v1/receipts/" + util::to_hex(*txid));
  // Refuse to save something that is not a receipt: it would fail later, offline, where
  // the node can no longer be asked again.
  auto receipt = parse_receipt(doc);
  if (!receipt) throw failure("the node's receipt is malformed: " + receipt.error().detail);
  if (receipt->txid != *txid) throw failure("the node sent the receipt of another transaction");

  if (o.out.empty()) {
    print_json(ctx.io().out, doc);
    return kExitOk;
  }
  {
    std::ofstream file(o.out, std::ios::out | std::ios::trunc);
    if (file) print_json(file, doc);
    file.close();
    if (!file) throw failure("cannot write " + o.out);
  }
  if (ctx.json()) {
    print_json(ctx.io().out, nlohmann::json{{"txid", util::to_hex(*txid)}, {"out", o.out}});
  } else {
    Table t;
    t.add("txid", util::to_hex(*txid)).add("height", std::to_string(receipt->height)).add("written to", o.out);
    t.print(ctx.io().out);
  }
  return kExitOk;
}

}  // namespace

void add_receipt_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<ReceiptOptions>();
  CLI::App* cmd = app.add_subcommand("receipt", "fetch a transaction's receipt, verifiable offline");
  cmd->add_option("txid", o->txid, "transaction id (64 hex digits)")->required();
  cmd->add_option("--out", o->out, "write the receipt JSON to FILE instead of stdout");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return run_receipt(ctx, *o); }; });
}

}  // namespace cloudchain::cli
