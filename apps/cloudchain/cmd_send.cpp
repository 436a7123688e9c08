// cloudchain send --from KEY --to ADDRESS --amount N [--fee F] [--nonce N] [--wait]
// A transfer of N base units (protocol.md section 5, kind 1).

#include <CLI/CLI.hpp>

#include <limits>
#include <memory>

#include "amount.hpp"
#include "args.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "submit.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

struct SendOptions {
  SubmitOptions submit;
  std::string to;
  std::string amount;
};

int run_send(Context& ctx, const SendOptions& o) {
  auto amount = parse_amount(o.amount, "amount");
  if (!amount) throw usage_error(amount.error().detail);
  if (*amount == 0) throw usage_error("amount must be greater than 0");
  const std::uint64_t fee = parse_fee(o.submit);
  if (*amount > std::numeric_limits<std::uint64_t>::max() - fee) {
    throw usage_error("amount + fee is larger than the maximum, " +
                      format_amount(std::numeric_limits<std::uint64_t>::max()) + " base units");
  }

  std::string to_text;
  const Submitted s = sign_and_submit(
      ctx, o.submit, primitives::Transfer{{}, *amount}, [&](const std::string& network, primitives::TxBody& body) {
        std::get<primitives::Transfer>(body).to = ctx.resolve_address(o.to, network);
        to_text = crypto::encode_address(network, std::get<primitives::Transfer>(body).to);
      });
  const std::string txid = util::to_hex(s.txid);
  if (ctx.json()) {
    nlohmann::json doc{{"txid", txid},
                       {"from", s.from},
                       {"to", to_text},
                       {"amount", std::to_string(*amount)},
                       {"fee", std::to_string(s.tx.fee)},
                       {"nonce", std::to_string(s.tx.nonce)}};
    if (const auto& in = s.included) {
      doc["height"] = in->height;
      doc["block_hash"] = in->block_hash;
    }
    print_json(ctx.io().out, doc);
    return kExitOk;
  }
  Table t;
  t.add("txid", txid).add("from", s.from).add("to", to_text);
  t.add("amount", format_amount(*amount)).add("fee", format_amount(s.tx.fee)).add("nonce", std::to_string(s.tx.nonce));
  if (const auto& in = s.included) t.add("height", std::to_string(in->height)).add("block hash", in->block_hash);
  t.print(ctx.io().out);
  return kExitOk;
}

}  // namespace

void add_send_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<SendOptions>();
  CLI::App* cmd = app.add_subcommand("send", "transfer base units to an address; prints the txid");
  add_submit_options(*cmd, o->submit);
  cmd->add_option("--to", o->to, "recipient address (or a keystore label)")->required();
  cmd->add_option("--amount", o->amount, "amount in base units (a whole number)")->required();
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return run_send(ctx, *o); }; });
}

}  // namespace cloudchain::cli
