// cloudchain balance ADDRESS|LABEL
// The account as the node reports it, after checking the node's state proof and that the
// state root is the one in the header of the block the node names (account_proof.hpp):
// the balance shown is proven, not merely claimed.

#include <CLI/CLI.hpp>

#include <memory>

#include "account_proof.hpp"
#include "amount.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

struct BalanceOptions {
  std::string who;
};

int run_balance(Context& ctx, const BalanceOptions& o) {
  const std::string network = ctx.chain_network();
  const crypto::Address address = ctx.resolve_address(o.who, network);
  const std::string address_text = crypto::encode_address(network, address);
  const nlohmann::json doc = ctx.node_get("/v1/accounts/" + address_text);

  auto proven = verify_account_answer(doc, address);
  if (!proven) {
    throw failure("the node's answer for " + address_text +
                  " does not check out: " + std::string(to_string(proven.error().code)) + ": " + proven.error().detail);
  }
  const nlohmann::json block = ctx.node_get("/v1/blocks/" + util::to_hex(proven->block_hash));
  if (auto ok = verify_account_header(*proven, json_string(block, "header")); !ok) {
    throw failure("the node's answer for " + address_text +
                  " does not check out: " + std::string(to_string(ok.error().code)) + ": " + ok.error().detail);
  }

  if (ctx.json()) {
    nlohmann::json out = doc;
    out["proof_verified"] = true;
    print_json(ctx.io().out, out);
    return kExitOk;
  }
  const state::Account& a = proven->account;
  Table t;
  t.add("address", address_text);
  t.add("balance", format_amount(a.balance));
  t.add("nonce", std::to_string(a.nonce));
  if (auto it = doc.find("next_nonce"); it != doc.end()) t.add("next nonce", display(*it));
  t.add("stake", format_amount(a.stake));
  if (a.validator) t.add("validator", util::to_hex(*a.validator));
  t.add("unbonding", a.unbonding == 0 ? "0"
                                      : format_amount(a.unbonding) + " (spendable at height " +
                                            std::to_string(a.unbonding_release_height) + ")");
  t.add("height", std::to_string(proven->height));
  t.add("block hash", util::to_hex(proven->block_hash));
  t.add("proof", "verified against the block's state root");
  t.print(ctx.io().out);
  return kExitOk;
}

}  // namespace

void add_balance_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<BalanceOptions>();
  CLI::App* cmd = app.add_subcommand("balance", "show an account's balance, nonce and stake (proof-checked)");
  cmd->add_option("account", o->who, "an address, or the label of a key in the keystore")->required();
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return run_balance(ctx, *o); }; });
}

}  // namespace cloudchain::cli
