// cloudchain send --from KEY --to ADDRESS --amount N [--fee F] [--nonce N] [--wait]
// A transfer of N base units (protocol.md section 5, kind 1).

#include <CLI/CLI.hpp>

#include <memory>

#include "amount.hpp"
#include "args.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "submit.hpp"

namespace cloudchain::cli {

namespace {

struct SendOptions {
  SubmitOptions submit;
  std::string to;
  std::string amount;
};

int run_send(Context& ctx, const SendOptions& o) {
  const std::uint64_t amount = parse_positive_amount(o.amount, parse_fee(o.submit));
  std::string to_text;
  const Submitted s =
      sign_and_submit(ctx, o.submit, primitives::Transfer{{}, amount},
                      [&](const std::string& network, const std::string& /*from*/, primitives::TxBody& body) {
                        std::get<primitives::Transfer>(body).to = ctx.resolve_address(o.to, network);
                        to_text = crypto::encode_address(network, std::get<primitives::Transfer>(body).to);
                      });
  return report_submitted(
      ctx, s, {{"to", to_text, "to", to_text}, {"amount", std::to_string(amount), "amount", format_amount(amount)}});
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
