// cloudchain stake --validator KEYHEX --amount N --from KEY [--fee F] [--nonce N] [--wait]
// cloudchain unstake --amount N --from KEY [--fee F] [--nonce N] [--wait]
// cloudchain unjail [--validator KEYHEX] --from KEY [--fee F] [--nonce N] [--wait]
// Bonds N base units of the sender's balance to a consensus key (protocol.md section 5,
// kind 2), starts unbonding N of the sender's stake (kind 3), or lifts the jail of a
// consensus key whose validator record names the sender's account (kind 6; without
// --validator, the key the sender's stake is bonded to, read from the node). The node's
// rules decide the rest (one key per account, candidates bound, unbonding delay, the
// jail served).

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>

#include "amount.hpp"
#include "commands.hpp"
#include "crypto/keys.hpp"
#include "errors.hpp"
#include "submit.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

struct StakeOptions {
  SubmitOptions submit;
  std::string validator;  // stake, unjail (optional there)
  std::string amount;     // stake, unstake
};

crypto::PublicKey parse_validator_key(std::string_view text) {
  auto key = util::from_hex_array<33>(text);
  if (!key) {
    throw usage_error("--validator \"" + std::string(text) +
                      "\" is not a consensus public key: 66 hex digits (33 bytes, compressed secp256k1)");
  }
  if (!crypto::is_valid_public_key(*key)) {
    throw usage_error("--validator " + std::string(text) + " is not a point on secp256k1 (a compressed public key)");
  }
  return *key;
}

int run_stake(Context& ctx, const StakeOptions& o) {
  const crypto::PublicKey validator = parse_validator_key(o.validator);
  const std::uint64_t amount = parse_positive_amount(o.amount, parse_fee(o.submit));
  const Submitted s = sign_and_submit(ctx, o.submit, primitives::Stake{amount, validator}, {});
  const std::string key_hex = util::to_hex(validator);
  return report_submitted(ctx, s,
                          {{"validator", key_hex, "validator", key_hex},
                           {"amount", std::to_string(amount), "amount", format_amount(amount)}});
}

int run_unstake(Context& ctx, const StakeOptions& o) {
  // The amount comes out of the stake, the fee out of the balance: each fits in u64 alone.
  const std::uint64_t amount = parse_positive_amount(o.amount, 0);
  const Submitted s = sign_and_submit(ctx, o.submit, primitives::Unstake{amount}, {});
  return report_submitted(ctx, s, {{"amount", std::to_string(amount), "amount", format_amount(amount)}});
}

// The key the account `from` has its stake bonded to (/v1/accounts/{address}).
crypto::PublicKey bonded_key(Context& ctx, const std::string& from) {
  const nlohmann::json account = ctx.node_get("/v1/accounts/" + from);
  const auto it = account.find("validator");
  if (it == account.end() || it->is_null()) {
    throw failure("account " + from +
                  " has no stake bonded to a validator key (a slash may have burned it all); "
                  "name the key to unjail with --validator KEYHEX");
  }
  if (it->is_string()) {
    auto key = util::from_hex_array<33>(it->get_ref<const std::string&>());
    if (key && crypto::is_valid_public_key(*key)) return *key;
  }
  throw failure("the node's answer for account " + from + " has an invalid \"validator\" field");
}

int run_unjail(Context& ctx, const StakeOptions& o) {
  std::optional<crypto::PublicKey> validator;
  if (!o.validator.empty()) validator = parse_validator_key(o.validator);
  const Submitted s =
      sign_and_submit(ctx, o.submit, primitives::Unjail{},
                      [&](const std::string& /*network*/, const std::string& from, primitives::TxBody& body) {
                        if (!validator) validator = bonded_key(ctx, from);
                        std::get<primitives::Unjail>(body).validator = *validator;
                      });
  const std::string key_hex = util::to_hex(*validator);
  return report_submitted(ctx, s, {{"validator", key_hex, "validator", key_hex}});
}

}  // namespace

void add_stake_commands(CLI::App& app, Context& ctx, Action& action) {
  auto stake = std::make_shared<StakeOptions>();
  CLI::App* cmd = app.add_subcommand("stake", "bond base units to a validator's consensus key; prints the txid");
  add_submit_options(*cmd, stake->submit);
  cmd->add_option("--validator", stake->validator, "the consensus public key (66 hex digits)")->required();
  cmd->add_option("--amount", stake->amount, "amount in base units (a whole number)")->required();
  cmd->callback([&ctx, &action, stake] { action = [&ctx, stake] { return run_stake(ctx, *stake); }; });

  auto unstake = std::make_shared<StakeOptions>();
  cmd = app.add_subcommand("unstake", "start unbonding base units of the sender's stake; prints the txid");
  add_submit_options(*cmd, unstake->submit);
  cmd->add_option("--amount", unstake->amount, "amount in base units (a whole number)")->required();
  cmd->callback([&ctx, &action, unstake] { action = [&ctx, unstake] { return run_unstake(ctx, *unstake); }; });

  auto unjail = std::make_shared<StakeOptions>();
  cmd = app.add_subcommand("unjail", "lift the jail of a validator's consensus key after its delay; prints the txid");
  add_submit_options(*cmd, unjail->submit);
  cmd->add_option("--validator", unjail->validator,
                  "the consensus public key (66 hex digits; default: the key the sender's stake is bonded to)");
  cmd->callback([&ctx, &action, unjail] { action = [&ctx, unjail] { return run_unjail(ctx, *unjail); }; });
}

}  // namespace cloudchain::cli
