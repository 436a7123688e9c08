// cloudchain block HEIGHT|HASH: a block's header fields and its transactions.

#include <CLI/CLI.hpp>

#include <memory>

#include "amount.hpp"
#include "args.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

struct BlockOptions {
  std::string id;
};

int run_block(Context& ctx, const BlockOptions& o) {
  auto id = parse_block_id(o.id);
  if (!id) throw usage_error(id.error().detail);
  const std::string path = std::holds_alternative<std::uint64_t>(*id) ? std::to_string(std::get<std::uint64_t>(*id))
                                                                      : util::to_hex(std::get<util::Hash256>(*id));
  const nlohmann::json doc = ctx.node_get("/v1/blocks/" + path);
  if (ctx.json()) {
    print_json(ctx.io().out, doc);
    return kExitOk;
  }
  Table t;
  t.add("height", field_text(doc, "height"));
  t.add("hash", field_text(doc, "hash"));
  t.add("parent", field_text(doc, "parent"));
  if (auto ts = doc.find("timestamp_ms"); ts != doc.end() && ts->is_number_unsigned()) {
    t.add("time", format_time_ms(ts->get<std::uint64_t>()));
  }
  t.add("tx root", field_text(doc, "tx_root"));
  t.add("state root", field_text(doc, "state_root"));
  t.add("beneficiary", field_text(doc, "beneficiary"));
  if (auto seal = doc.find("seal"); seal != doc.end() && seal->is_object()) {
    std::string text = field_text(*seal, "kind");
    for (const auto& [name, value] : seal->items()) {
      if (name != "kind") text += " " + name + "=" + display(value);
    }
    t.add("seal", text);
  }
  t.add("size", format_amount_text(field_text(doc, "size")) + " bytes");
  t.add("transactions", field_text(doc, "tx_count"));
  t.print(ctx.io().out);
  if (auto txs = doc.find("txs"); txs != doc.end() && txs->is_array()) {
    std::size_t i = 0;
    for (const auto& tx : *txs) {
      ctx.io().out << "\ntransaction " << i++ << '\n';
      Table row;
      add_tx_rows(row, tx);
      row.print(ctx.io().out);
    }
  }
  return kExitOk;
}

}  // namespace

void add_block_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<BlockOptions>();
  CLI::App* cmd = app.add_subcommand("block", "show a block by height or hash, with its transactions");
  cmd->add_option("id", o->id, "block height (decimal) or block hash (64 hex digits)")->required();
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return run_block(ctx, *o); }; });
}

}  // namespace cloudchain::cli
