// cloudchain stake --validator KEYHEX --amount N --from KEY [--fee F] [--nonce N] [--wait]
// cloudchain unstake --amount N --from KEY [--fee F] [--nonce N] [--wait]
// Bonds N base units of the sender's balance to a consensus key (protocol.md section 5,
// kind 2), or starts unbonding N of the sender's stake (kind 3). The node's rules decide
// the rest (one key per account, candidates bound, unbonding delay).

#include <CLI/CLI.hpp>

#include <memory>

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
  std::string validator;  // stake only
  std::string amount;
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
}

}  // namespace cloudchain::cli
