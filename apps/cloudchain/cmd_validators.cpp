// cloudchain validators: the node's /v1/validators (api.md "Validators") as tables, or
// (--json) as sent. The CLI does not check the set's state proof here (the JSON carries
// it for a client that does).

#include <CLI/CLI.hpp>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "amount.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"

namespace cloudchain::cli {

namespace {

using Row = std::vector<std::string>;

// Columns left-aligned, two spaces apart; every cell made printable (a hostile node's
// strings cannot drive the terminal).
void print_columns(std::ostream& out, const Row& header, const std::vector<Row>& rows) {
  std::vector<std::size_t> width(header.size());
  const auto widen = [&width](const Row& r) {
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  };
  std::vector<Row> cells;
  cells.push_back(header);
  for (const Row& r : rows) {
    Row safe;
    for (const auto& c : r) safe.push_back(printable(c));
    cells.push_back(std::move(safe));
  }
  for (const Row& r : cells) widen(r);
  for (const Row& r : cells) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

std::string share_text(const nlohmann::json& v) {
  const auto it = v.find("power_bps");
  if (it == v.end() || !it->is_number_unsigned()) return "-";
  const auto bps = it->get<std::uint64_t>();
  const std::uint64_t cents = bps % 100;
  return std::to_string(bps / 100) + "." + (cents < 10 ? "0" : "") + std::to_string(cents) + "%";
}

std::string jail_text(const nlohmann::json& v) {
  const auto jailed = v.find("jailed");
  if (jailed == v.end() || !jailed->is_boolean()) return "-";
  // Jailed until an unjail transaction, valid from jailed_until_height on.
  return jailed->get<bool>() ? "unjail from " + field_text(v, "jailed_until_height") : "no";
}

const nlohmann::json& list_field(const nlohmann::json& doc, const char* name) {
  const auto it = doc.find(name);
  if (it == doc.end() || !it->is_array()) throw failure(std::string("the node's answer has no \"") + name + "\" list");
  return *it;
}

int run_validators(Context& ctx) {
  const nlohmann::json doc = ctx.node_get("/v1/validators");
  if (ctx.json()) {
    print_json(ctx.io().out, doc);
    return kExitOk;
  }
  const nlohmann::json& validators = list_field(doc, "validators");
  const nlohmann::json& candidates = list_field(doc, "candidates");
  Table t;
  t.add("consensus", field_text(doc, "consensus")).add("height", field_text(doc, "height"));
  if (doc.contains("effective_height")) t.add("effective height", field_text(doc, "effective_height"));
  if (doc.contains("total_power")) t.add("total power", format_amount_text(field_text(doc, "total_power")));
  t.print(ctx.io().out);
  if (validators.empty() && candidates.empty()) {
    ctx.io().out << "no validator set at the tip (a PoW chain has none)\n";
    return kExitOk;
  }

  std::vector<Row> rows;
  for (const auto& v : validators) {
    rows.push_back({field_text(v, "key"), format_amount_text(field_text(v, "power")), share_text(v),
                    format_amount_text(field_text(v, "stake")), jail_text(v), field_text(v, "payout")});
  }
  ctx.io().out << "\nvalidators (" << validators.size() << ")\n";
  print_columns(ctx.io().out, {"KEY", "POWER", "SHARE", "STAKE", "JAILED", "PAYOUT"}, rows);

  rows.clear();
  for (const auto& c : candidates) {
    rows.push_back({field_text(c, "key"), format_amount_text(field_text(c, "stake")), jail_text(c)});
  }
  ctx.io().out << "\ncandidates (" << candidates.size() << ")\n";
  print_columns(ctx.io().out, {"KEY", "STAKE", "JAILED"}, rows);
  return kExitOk;
}

}  // namespace

void add_validators_command(CLI::App& app, Context& ctx, Action& action) {
  CLI::App* cmd = app.add_subcommand("validators", "show the tip's validator set and candidates (PoS)");
  cmd->callback([&ctx, &action] { action = [&ctx] { return run_validators(ctx); }; });
}

}  // namespace cloudchain::cli
