// cloudchain testnet init: the config directories of a network with one node per host
// (docs/cli.md "testnet init"). Nothing is started; each directory is copied to its
// host and run there with `cloudchaind --home DIR`.

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <sstream>

#include "commands.hpp"
#include "devnet_create.hpp"
#include "errors.hpp"
#include "output.hpp"

namespace cloudchain::cli {

namespace {

namespace fs = std::filesystem;

struct TestnetCliOptions {
  std::string hosts;
  std::string out;
  std::string consensus = "pow";
  devnet::TestnetOptions create;
  std::int64_t block_time_ms = 0;
};

std::vector<std::string> split_hosts(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) out.push_back(item);
  if (!text.empty() && text.back() == ',') out.emplace_back();
  return out;
}

int run_testnet_init(Context& ctx, TestnetCliOptions& o, const CLI::App& cmd) {
  if (o.consensus != "pow") {
    throw usage_error("--consensus: only \"pow\" is available (proof of stake comes with a later release), got \"" +
                      o.consensus + "\"");
  }
  o.create.hosts = split_hosts(o.hosts);
  o.create.out = o.out;
  // The global --network names the new network's address prefix here.
  if (!ctx.options().network.empty()) o.create.network = ctx.options().network;
  if (cmd.count("--block-time-ms") > 0) o.create.block_time_ms = o.block_time_ms;
  const auto now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  auto r = devnet::create_testnet(o.create, static_cast<std::uint64_t>(now.count()));
  if (!r) throw usage_error(r.error().detail);
  if (ctx.json()) {
    nlohmann::json homes = nlohmann::json::array();
    for (std::size_t i = 0; i < r->homes.size(); ++i) {
      homes.push_back({{"host", o.create.hosts[i]}, {"home", r->homes[i].string()}});
    }
    print_json(ctx.io().out, {{"out", o.out},
                              {"network", o.create.network},
                              {"chain_id", o.create.chain_id},
                              {"genesis_hash", r->genesis_hash},
                              {"faucet_address", r->faucet_address},
                              {"faucet_keystore", r->faucet_keystore.string()},
                              {"faucet_password", r->faucet_password.string()},
                              {"homes", homes}});
    return kExitOk;
  }
  std::ostream& out = ctx.io().out;
  Table t;
  t.add("network", o.create.network);
  t.add("chain id", std::to_string(o.create.chain_id));
  t.add("genesis hash", r->genesis_hash);
  t.add("faucet", r->faucet_address);
  t.add("faucet key", r->faucet_keystore.string() + " (password in " + r->faucet_password.string() + ")");
  t.print(out);
  out << "\nOne home per host (P2P on port " << o.create.p2p_port << ", API on "
      << (o.create.public_api ? "0.0.0.0" : "127.0.0.1") << ":" << o.create.api_port << "):\n";
  for (std::size_t i = 0; i < r->homes.size(); ++i) {
    out << fmt::format("  {:<24} {}\n", o.create.hosts[i], r->homes[i].string());
  }
  out << "\nCopy each directory to its host and run there:\n"
      << "  cloudchaind --home <that directory>\n"
      << "Every node mines one thread to the faucet address and dials the other hosts; open TCP port "
      << o.create.p2p_port << " between them. Keep " << (fs::path(o.out) / "faucet").string()
      << " off the hosts: it holds the funded key.\n";
  return kExitOk;
}

}  // namespace

void add_testnet_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<TestnetCliOptions>();
  CLI::App* testnet = app.add_subcommand("testnet", "networks of one node per machine");
  testnet->require_subcommand(1);
  CLI::App* init = testnet->add_subcommand("init", "write one node home per host, sharing one genesis");
  init->add_option("--hosts", o->hosts, "comma-separated host names or IP addresses, one node each")->required();
  init->add_option("--out", o->out, "directory to create (must not exist)")->required();
  init->add_option("--consensus", o->consensus, "consensus engine (pow)");
  init->add_option("--p2p-port", o->create.p2p_port, "P2P port of every node (default 8646)")
      ->check(CLI::Range(1, 65535));
  init->add_option("--api-port", o->create.api_port, "API port of every node (default 8645)")
      ->check(CLI::Range(1, 65535));
  init->add_flag("--public-api", o->create.public_api, "API listens on 0.0.0.0 (default: 127.0.0.1 only)");
  init->add_option("--chain-id", o->create.chain_id, "chain id (default 2001)");
  init->add_option("--block-time-ms", o->block_time_ms, "target block time (default 2000)");
  init->callback([&ctx, &action, o, init] { action = [&ctx, o, init] { return run_testnet_init(ctx, *o, *init); }; });
}

}  // namespace cloudchain::cli
