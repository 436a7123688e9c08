#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <ostream>

#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"

namespace cloudchain::cli {

namespace {

constexpr const char* kVersion = "0.1.0";

void add_global_options(CLI::App& app, GlobalOptions& o) {
  // Each may be given more than once; the last wins, so a script can override a default
  // set earlier on its command line.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--node", o.node, "node API URL (default $CLOUDCHAIN_NODE, else http://127.0.0.1:8645)");
  app.add_option("--keystore", o.keystore,
                 "keystore directory (default $CLOUDCHAIN_KEYSTORE, else ~/.cloudchain/keys)");
  app.add_option("--network", o.network, "address prefix: cc, cctest, ccdev (default: the node's)");
  app.add_option("--password-file", o.password_file,
                 "read the key password from the first line of FILE (else $CLOUDCHAIN_PASSWORD, else a prompt)");
  app.add_flag("--json", o.json, "machine-readable JSON output");
  app.add_option("--timeout", o.timeout_s, "seconds to wait for each node request (default 10)")
      ->check(CLI::Range(1u, 3600u));
}

// Every subcommand also accepts the global options after its own name
// (`cloudchain balance alice --json`).
void allow_global_options_everywhere(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    sub->fallthrough();
    allow_global_options_everywhere(*sub);
  }
}

}  // namespace

int run_cli(const std::vector<std::string>& args, Io& io) {
  GlobalOptions options;
  Context ctx(io, options);
  Action action;

  CLI::App app{"cloudchain: keys, transactions, anchors and queries against a cloudchain node", "cloudchain"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  add_global_options(app, options);
  add_keys_command(app, ctx, action);
  add_status_command(app, ctx, action);
  add_balance_command(app, ctx, action);
  add_send_command(app, ctx, action);
  add_anchor_command(app, ctx, action);
  add_stake_commands(app, ctx, action);
  add_validators_command(app, ctx, action);
  add_verify_command(app, ctx, action);
  add_receipt_command(app, ctx, action);
  add_tx_command(app, ctx, action);
  add_block_command(app, ctx, action);
  add_devnet_command(app, ctx, action);
  add_testnet_command(app, ctx, action);
  add_bench_command(app, ctx, action);
  allow_global_options_everywhere(app);

  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    if (!options.network.empty()) {
      // Validated here so that a bad prefix is a usage error before anything runs.
      if (options.network.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos ||
          options.network.size() > 83) {
        throw usage_error("--network \"" + options.network +
                          "\" must be 1 to 83 lower-case letters or digits (e.g. cc, cctest, ccdev)");
      }
    }
  } catch (const CLI::CallForHelp&) {
    // CLI11 hands help over to the deepest subcommand the user named.
    io.out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    io.out << kVersion << '\n';
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a misspelt command as a missing one; name the word it did not know.
    if (const auto extra = app.remaining(); !extra.empty() && dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
      io.err << "error: unknown command \"" << printable(extra.front())
             << "\"\nRun 'cloudchain --help' for the commands.\n";
      return kExitUsage;
    }
    io.err << "error: " << printable(e.what())
           << "\nRun 'cloudchain --help' (or 'cloudchain COMMAND --help') for usage.\n";
    return kExitUsage;
  } catch (const CommandError& e) {
    io.err << "error: " << printable(e.what()) << '\n';
    return e.exit_code();
  }

  if (!action) {
    io.err << "error: no command given\n";
    return kExitUsage;
  }
  try {
    return action();
  } catch (const CommandError& e) {
    io.err << "error: " << printable(e.what()) << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    // Anything unexpected (out of memory, a library's exception) is a failure, not a crash.
    io.err << "error: " << printable(e.what()) << '\n';
    return kExitFailure;
  }
}

}  // namespace cloudchain::cli
