// cloudchain status: the node's /v1/status, as a table or (--json) as sent.

#include <CLI/CLI.hpp>

#include "amount.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"

namespace cloudchain::cli {

namespace {

int run_status(Context& ctx) {
  const nlohmann::json& s = ctx.status();
  if (ctx.json()) {
    print_json(ctx.io().out, s);
    return kExitOk;
  }
  Table t;
  t.add("node", ctx.node().url().text);
  t.add("version", field_text(s, "version"));
  t.add("network", field_text(s, "network"));
  t.add("chain id", field_text(s, "chain_id"));
  t.add("consensus", field_text(s, "consensus"));
  t.add("genesis hash", field_text(s, "genesis_hash"));
  t.add("height", field_text(s, "height"));
  t.add("tip hash", field_text(s, "tip_hash"));
  if (auto it = s.find("tip_timestamp_ms"); it != s.end() && it->is_number_unsigned()) {
    t.add("tip time", format_time_ms(it->get<std::uint64_t>()));
  }
  if (s.contains("bits")) t.add("bits", field_text(s, "bits"));
  if (s.contains("cumulative_work")) t.add("cumulative work", format_amount_text(field_text(s, "cumulative_work")));
  if (auto m = s.find("mempool"); m != s.end()) {
    t.add("mempool", field_text(*m, "size") + " txs, " + format_amount_text(field_text(*m, "bytes")) + " bytes");
  }
  if (auto m = s.find("mining"); m != s.end()) {
    const bool on = m->is_object() && m->value("enabled", false);
    t.add("mining", on ? "on, " + field_text(*m, "threads") + " threads, " +
                             format_amount_text(field_text(*m, "hashrate")) + " hashes/s"
                       : "off");
  }
  t.print(ctx.io().out);
  return kExitOk;
}

}  // namespace

void add_status_command(CLI::App& app, Context& ctx, Action& action) {
  CLI::App* cmd = app.add_subcommand("status", "show the node's chain: network, height, tip, mempool, mining");
  cmd->callback([&ctx, &action] { action = [&ctx] { return run_status(ctx); }; });
}

}  // namespace cloudchain::cli
