// cloudchain tx TXID: a transaction, pending or included, as a table or (--json) as sent.

#include <CLI/CLI.hpp>

#include <memory>

#include "args.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

struct TxOptions {
  std::string txid;
};

int run_tx(Context& ctx, const TxOptions& o) {
  auto txid = parse_hash(o.txid, "txid");
  if (!txid) throw usage_error(txid.error().detail);
  const nlohmann::json doc = ctx.node_get("/v1/txs/" + util::to_hex(*txid));
  if (ctx.json()) {
    print_json(ctx.io().out, doc);
    return kExitOk;
  }
  Table t;
  t.add("status", field_text(doc, "status"));
  add_tx_rows(t, doc.contains("tx") ? doc["tx"] : doc);
  if (field_text(doc, "status") == "included") {
    t.add("height", field_text(doc, "height"));
    t.add("block hash", field_text(doc, "block_hash"));
    t.add("position", field_text(doc, "position"));
    t.add("confirmations", field_text(doc, "confirmations"));
  }
  t.print(ctx.io().out);
  return kExitOk;
}

}  // namespace

void add_tx_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<TxOptions>();
  CLI::App* cmd = app.add_subcommand("tx", "show a transaction: pending, or its block and position");
  cmd->add_option("txid", o->txid, "transaction id (64 hex digits)")->required();
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return run_tx(ctx, *o); }; });
}

}  // namespace cloudchain::cli
