#pragma once
// The subcommands. Each add_*_command() registers one subcommand (its options and
// positionals) on the CLI11 app; when the command line selects it, parsing stores the
// command's body in `action`, which run_cli() calls after parsing has finished, so no
// command runs inside CLI11 and every usage error is found before anything happens.
//
// One file per command: cmd_keys.cpp, cmd_status.cpp, cmd_balance.cpp, cmd_send.cpp,
// cmd_anchor.cpp, cmd_stake.cpp (stake, unstake, unjail), cmd_validators.cpp, cmd_verify.cpp,
// cmd_receipt.cpp, cmd_tx.cpp, cmd_block.cpp, cmd_devnet.cpp, cmd_testnet.cpp,
// cmd_bench.cpp. What send, anchor, stake,
// unstake and unjail share is in submit.hpp.

#include <functional>

#include "context.hpp"

namespace CLI {
class App;
}

namespace cloudchain::cli {

/// A command body: returns the exit code, or throws CommandError.
using Action = std::function<int()>;

void add_keys_command(CLI::App& app, Context& ctx, Action& action);
void add_status_command(CLI::App& app, Context& ctx, Action& action);
void add_balance_command(CLI::App& app, Context& ctx, Action& action);
void add_send_command(CLI::App& app, Context& ctx, Action& action);
void add_anchor_command(CLI::App& app, Context& ctx, Action& action);
/// Registers `stake`, `unstake` and `unjail`.
void add_stake_commands(CLI::App& app, Context& ctx, Action& action);
void add_validators_command(CLI::App& app, Context& ctx, Action& action);
void add_verify_command(CLI::App& app, Context& ctx, Action& action);
void add_receipt_command(CLI::App& app, Context& ctx, Action& action);
void add_tx_command(CLI::App& app, Context& ctx, Action& action);
void add_block_command(CLI::App& app, Context& ctx, Action& action);
void add_devnet_command(CLI::App& app, Context& ctx, Action& action);
void add_testnet_command(CLI::App& app, Context& ctx, Action& action);
void add_bench_command(CLI::App& app, Context& ctx, Action& action);

}  // namespace cloudchain::cli
