#include "daemon.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

#include "api/server.hpp"
#include "node/chain_setup.hpp"
#include "node/config.hpp"
#include "node/genesis.hpp"
#include "node/home.hpp"
#include "node/node.hpp"
#include "util/hex.hpp"

namespace cloudchain::daemon {

namespace {

struct RunFlags {
  std::string home;
  bool mine = false;
  std::string miner_address;
  std::int64_t threads = 0;
  bool reindex = false;
  std::string api_listen;
  std::string p2p_listen;
  std::vector<std::string> seeds;
  std::string log_level;
};

std::uint64_t wall_clock_ms() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

/// Exit status for a configuration problem: 2, except a file that could not be read or
/// written for a system reason (1: nothing the operator typed was wrong).
int exit_for(node::ConfigError code) { return code == node::ConfigError::kIo ? kExitFailure : kExitUsage; }

std::shared_ptr<spdlog::logger> make_logger(std::ostream& err, const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(err, /*force_flush=*/true);
  auto logger = std::make_shared<spdlog::logger>("cloudchaind", std::move(sink));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->set_level(spdlog::level::from_str(level));
  return logger;
}

int run_init(const node::InitOptions& options, const Io& io) {
  auto result = node::init_home(options, wall_clock_ms());
  if (!result) {
    io.err << "cloudchaind init: " << result.error().detail << "\n";
    return exit_for(result.error().code);
  }
  for (const auto& removed : result->removed) io.out << "removed " << removed.string() << "\n";
  auto params = node::make_chain_params(result->genesis);
  if (!params) {
    io.err << "cloudchaind init: " << params.error().detail << "\n";
    return kExitUsage;
  }
  const node::Genesis& g = result->genesis;
  io.out << "initialized " << result->paths.home.string() << "\n"
         << "  chain id      " << g.chain_id << "\n"
         << "  network       " << g.network << "\n"
         << "  genesis hash  " << util::to_hex(params->genesis.hash) << "\n"
         << "  block time    " << g.pow.target_block_time_ms << " ms\n"
         << "  allocations   " << g.alloc.size() << "\n"
         << "  files         " << result->paths.genesis.string() << ", " << result->paths.config.string() << ", "
         << result->paths.admin_token.string() << " (mode 0600)\n";
  return kExitOk;
}

int run_node(const RunFlags& flags, const CLI::App& app, const Io& io, const Hooks& hooks) {
  if (flags.home.empty()) {
    io.err << "cloudchaind: --home DIR is required (create one with `cloudchaind init --home DIR`)\n";
    return kExitUsage;
  }
  const node::HomePaths paths = node::home_paths(flags.home);
  auto genesis = node::load_genesis(paths.genesis);
  if (!genesis) {
    io.err << "cloudchaind: " << genesis.error().detail << "\n";
    return exit_for(genesis.error().code);
  }
  auto config = node::load_config(paths.config, genesis->network);
  if (!config) {
    io.err << "cloudchaind: " << config.error().detail << "\n";
    return exit_for(config.error().code);
  }
  node::Overrides overrides;
  if (app.count("--mine") > 0) overrides.mine = flags.mine;
  if (app.count("--miner-address") > 0) overrides.miner_address = flags.miner_address;
  if (app.count("--threads") > 0) overrides.threads = flags.threads;
  if (app.count("--api-listen") > 0) overrides.api_listen = flags.api_listen;
  if (app.count("--log-level") > 0) overrides.log_level = flags.log_level;
  if (app.count("--p2p-listen") > 0) overrides.p2p_listen = flags.p2p_listen;
  overrides.seeds = flags.seeds;
  if (auto ok = node::apply_overrides(*config, overrides, genesis->network); !ok) {
    io.err << "cloudchaind: " << ok.error().detail << "\n";
    return kExitUsage;
  }
  if (auto ok = node::check_config(*config); !ok) {
    io.err << "cloudchaind: " << ok.error().detail << "\n";
    return kExitUsage;
  }
  std::string admin_token;
  if (config->api.enabled) {
    auto token = node::load_admin_token(paths.admin_token);
    if (!token) {
      io.err << "cloudchaind: " << token.error().detail << "\n";
      return exit_for(token.error().code);
    }
    admin_token = std::move(*token);
  }

  auto log = make_logger(io.err, config->log_level);
  node::NodeOptions options;
  options.home = paths.home;
  options.genesis = *genesis;
  options.config = *config;
  options.logger = log;
  options.reindex = flags.reindex;
  auto opened = node::Node::open(std::move(options));
  if (!opened) {
    log->critical("cannot open the node: {}", opened.error().detail);
    const bool operator_error =
        opened.error().code == node::NodeError::kConfig || opened.error().code == node::NodeError::kGenesisMismatch;
    return operator_error ? kExitUsage : kExitFailure;
  }
  node::Node& node = **opened;
  const auto finish = [&](int status) {
    if (hooks.on_stopping) hooks.on_stopping();
    opened->reset();
    return status;
  };
  if (flags.reindex) {
    if (auto height = node.reindex(); !height) return finish(kExitFailure);
  }
  if (auto started = node.start(); !started) {
    log->critical("cannot start the node: {}", started.error().detail);
    return finish(kExitFailure);
  }
  if (hooks.on_started) hooks.on_started(node);

  std::unique_ptr<api::Server> server;
  if (config->api.enabled) {
    api::ServerConfig server_config;
    server_config.listen = config->api.listen.to_string();
    server_config.max_connections = config->api.max_connections;
    server_config.cors_origins = config->api.cors_origins;
    server_config.admin_token = admin_token;
    server = std::make_unique<api::Server>(node, server_config);
    auto port = server->start();
    if (!port) {
      log->critical("api: cannot listen on {}: {}: {}", server_config.listen, api::to_string(port.error().code),
                    port.error().detail);
      node.stop();
      return finish(kExitFailure);
    }
    node::Endpoint bound = config->api.listen;
    bound.port = *port;
    log->info("api: listening on http://{}", bound.to_string());
  } else {
    log->info("api: disabled");
  }

  node.wait_for_shutdown_request();
  log->info("shutting down");
  node.stop([&] {
    if (server) server->stop();
  });
  return finish(kExitOk);
}

}  // namespace

int run(const std::vector<std::string>& args, const Io& io, const Hooks& hooks) {
  CLI::App app{"cloudchaind: the cloudchain node daemon", args.empty() ? "cloudchaind" : args.front()};
  app.require_subcommand(0, 1);

  RunFlags flags;
  app.add_option("--home", flags.home, "Node home directory (config.toml, genesis.json, admin.token, data/)");
  app.add_flag("--mine", flags.mine, "Mine blocks (overrides mining.enabled)");
  app.add_option("--miner-address", flags.miner_address, "Beneficiary of mined blocks (overrides mining.address)");
  app.add_option("--threads", flags.threads, "Miner threads, 1..256 (overrides mining.threads)");
  app.add_flag("--reindex", flags.reindex, "Rebuild state and indexes from the stored blocks, then run");
  app.add_option("--api-listen", flags.api_listen, "HTTP API address HOST:PORT (overrides api.listen)");
  app.add_option("--p2p-listen", flags.p2p_listen, "P2P listener address HOST:PORT (overrides p2p.listen)");
  app.add_option("--seed", flags.seeds, "Peer HOST:PORT to dial; repeatable (replaces p2p.seeds)")
      ->allow_extra_args(false);
  app.add_option("--log-level", flags.log_level,
                 "trace, debug, info, warn, error, critical or off (overrides log.level)");

  node::InitOptions init_options;
  std::string init_home;
  CLI::App* init = app.add_subcommand("init", "Create a node home: genesis.json, config.toml, admin.token");
  init->add_option("--home", init_home, "Directory to create (with its parents)")->required();
  init->add_option("--network", init_options.network, "Address prefix of the network (default ccdev)");
  init->add_option("--chain-id", init_options.chain_id, "Chain id, 1..4294967295 (default 1001)");
  init->add_option("--alloc", init_options.allocs, "Genesis balance ADDRESS=AMOUNT (base units); repeatable");
  std::int64_t block_time_ms = 0;
  init->add_option("--block-time-ms", block_time_ms, "Target block time in ms (default 2000)");
  init->add_flag("--force", init_options.force, "Overwrite an existing home and delete its chain data");

  // CLI11 takes the arguments in reverse order, without the program name.
  std::vector<std::string> reversed;
  for (std::size_t i = args.size(); i-- > 1;) reversed.push_back(args[i]);
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // --help lands here too (exit code 0): CLI11 prints help to `out`, errors to `err`.
    const int code = app.exit(e, io.out, io.err);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (init->parsed()) {
    init_options.home = init_home;
    if (init->count("--block-time-ms") > 0) init_options.block_time_ms = block_time_ms;
    return run_init(init_options, io);
  }
  return run_node(flags, app, io, hooks);
}

}  // namespace cloudchain::daemon
