// devnet / testnet building blocks: the state file, ports, process recognition, the
// files `devnet up` and `testnet init` write, and the commands' usage errors. Starting
// real daemons is the system tests' job (tests/system/devnet_cli_test.py).

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>

#include "devnet.hpp"
#include "devnet_create.hpp"
#include "devnet_load.hpp"
#include "errors.hpp"
#include "node/config.hpp"
#include "node/file_io.hpp"
#include "node/genesis.hpp"
#include "test_server.hpp"

namespace cloudchain::cli {
namespace {

using namespace devnet;
using test::TempDir;

constexpr std::uint64_t kNow = 1'764'000'000'000;

State sample_state(const fs::path& dir) {
  State s;
  s.dir = dir;
  s.network = "ccdev";
  s.chain_id = 1001;
  s.consensus = "pow";
  s.daemon = "/usr/bin/cloudchaind";
  s.keystore = dir / "keys";
  s.password_file = dir / "password";
  s.accounts_file = dir / "accounts.json";
  NodeEntry n;
  n.name = "node0";
  n.home = dir / "node0";
  n.log = n.home / "cloudchaind.log";
  n.pid_file = n.home / "cloudchaind.pid";
  n.api = "127.0.0.1:1000";
  n.p2p = "127.0.0.1:1001";
  n.miner = true;
  n.pid = 1234;
  s.nodes.push_back(n);
  n.name = "node1";
  n.pid.reset();
  n.miner = false;
  s.nodes.push_back(n);
  return s;
}

TEST(DevnetState, RoundTripsThroughTheFile) {
  TempDir dir;
  const State s = sample_state(dir.path());
  ASSERT_TRUE(save_state(s).has_value());
  auto back = load_state(dir.path());
  ASSERT_TRUE(back.has_value()) << back.error().detail;
  EXPECT_EQ(to_json(*back), to_json(s));
  EXPECT_EQ(back->nodes[0].pid, 1234);
  EXPECT_FALSE(back->nodes[1].pid.has_value());
  EXPECT_EQ(find_node(*back, "node1"), &back->nodes[1]);
  EXPECT_EQ(find_node(*back, "0"), &back->nodes[0]);
  EXPECT_EQ(find_node(*back, "node7"), nullptr);
}

TEST(DevnetState, BadFilesAreNamed) {
  TempDir dir;
  auto missing = load_state(dir.path());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().detail.find("no devnet in " + dir.path().string()), std::string::npos);
  EXPECT_NE(missing.error().detail.find("devnet up"), std::string::npos);

  test::write_file(dir.path() / "devnet.json", "{not json");
  auto garbled = load_state(dir.path());
  ASSERT_FALSE(garbled.has_value());
  EXPECT_NE(garbled.error().detail.find("devnet.json: not valid JSON"), std::string::npos) << garbled.error().detail;

  const nlohmann::json good = to_json(sample_state(dir.path()));
  const auto expect_bad = [](nlohmann::json doc, std::string_view words) {
    auto r = state_from_json(doc);
    ASSERT_FALSE(r.has_value()) << doc.dump();
    EXPECT_NE(r.error().detail.find(words), std::string::npos) << r.error().detail;
  };
  nlohmann::json doc = good;
  doc["version"] = 2;
  expect_bad(doc, "version: expected 1");
  doc = good;
  doc.erase("network");
  expect_bad(doc, "network: missing");
  doc = good;
  doc["chain_id"] = "1001";
  expect_bad(doc, "chain_id: wrong type");
  doc = good;
  doc["nodes"][1]["pid"] = -5;
  expect_bad(doc, "nodes[1].pid: expected a process id or null");
  doc = good;
  doc["nodes"][0].erase("home");
  expect_bad(doc, "nodes[0].home: missing");
  doc = good;
  doc["nodes"][0]["miner"] = "yes";
  expect_bad(doc, "nodes[0].miner: wrong type");
  expect_bad(nlohmann::json::array(), "not a JSON object");
}

TEST(DevnetPorts, BusyPortsAreSkipped) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::uint16_t busy = ntohs(addr.sin_port);
  EXPECT_FALSE(port_free(busy));
  auto ports = pick_ports(busy, 3);
  ASSERT_TRUE(ports.has_value()) << ports.error().detail;
  ASSERT_EQ(ports->size(), 3U);
  for (std::uint16_t p : *ports) EXPECT_NE(p, busy);
  EXPECT_LT((*ports)[0], (*ports)[1]);
  ::close(fd);
  auto none = pick_ports(65535, 5);
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().detail.find("--base-port"), std::string::npos);
}

TEST(DevnetProcess, OnlyThisHomesCloudchaindIsRecognisedAndSignalled) {
  TempDir dir;
  // A process that is not cloudchaind, even with --home in its arguments.
  const std::string loop = "while :; do sleep 0.1; done";
  auto sleeper = spawn({"/bin/sh", "-c", loop, "--home", dir.path().string()}, dir.path() / "log");
  ASSERT_TRUE(sleeper.has_value()) << sleeper.error().detail;
  EXPECT_TRUE(alive(*sleeper));
  EXPECT_FALSE(is_daemon_of(*sleeper, dir.path()));
  EXPECT_EQ(stop_daemon(*sleeper, dir.path(), std::chrono::milliseconds(100)), StopOutcome::kNotRunning);
  EXPECT_TRUE(alive(*sleeper)) << "a process that is not the home's daemon must not be signalled";
  ::kill(*sleeper, SIGKILL);
  for (int i = 0; i < 200 && alive(*sleeper); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(alive(*sleeper));
  EXPECT_FALSE(is_daemon_of(*sleeper, dir.path()));
  EXPECT_FALSE(alive(0x7ffffff0));

  // A binary named cloudchaind (a copy of sh) with this home: recognised, and stopped
  // by SIGTERM; with another home it is not.
  const fs::path fake = dir.path() / "cloudchaind";
  fs::copy_file("/bin/sh", fake);
  const fs::path home = dir.path() / "home";
  auto daemon = spawn({fake.string(), "-c", loop, "--home", home.string()}, dir.path() / "log");
  ASSERT_TRUE(daemon.has_value());
  for (int i = 0; i < 200 && !is_daemon_of(*daemon, home); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // exec may not have happened yet
  }
  EXPECT_TRUE(is_daemon_of(*daemon, home));
  EXPECT_FALSE(is_daemon_of(*daemon, dir.path() / "other"));
  EXPECT_EQ(stop_daemon(*daemon, home, std::chrono::seconds(10)), StopOutcome::kStopped);
  EXPECT_FALSE(alive(*daemon));
}

TEST(DevnetCreate, HomesShareOneGenesisAndSeedEachOther) {
  TempDir dir;
  CreateOptions o;
  o.dir = dir.path() / "net";
  o.nodes = 3;
  o.miners = 2;
  o.accounts = 5;
  o.base_port = 30000;
  o.daemon = "/bin/true";
  auto s = create_devnet(o, kNow);
  ASSERT_TRUE(s.has_value()) << s.error().detail;
  ASSERT_EQ(s->nodes.size(), 3U);
  const auto genesis_text = node::read_text_file(s->nodes[0].home / "genesis.json");
  ASSERT_TRUE(genesis_text.has_value());
  std::set<std::string> addresses;
  for (std::size_t i = 0; i < 3; ++i) {
    const NodeEntry& n = s->nodes[i];
    EXPECT_EQ(n.name, "node" + std::to_string(i));
    EXPECT_EQ(n.miner, i < 2);
    EXPECT_EQ(*node::read_text_file(n.home / "genesis.json"), *genesis_text);
    auto config = node::load_config(n.home / "config.toml", "ccdev");
    ASSERT_TRUE(config.has_value()) << config.error().detail;
    EXPECT_EQ(config->api.listen.to_string(), n.api);
    EXPECT_EQ(node::Endpoint(config->p2p.listen_host, config->p2p.listen_port).to_string(), n.p2p);
    EXPECT_EQ(config->mining.enabled, n.miner);
    ASSERT_EQ(config->p2p.seeds.size(), 2U);
    for (const std::string& seed : config->p2p.seeds) EXPECT_NE(seed, n.p2p);
    EXPECT_TRUE(addresses.insert(n.api).second);
    EXPECT_TRUE(addresses.insert(n.p2p).second);
  }
  auto genesis = node::load_genesis(s->nodes[0].home / "genesis.json");
  ASSERT_TRUE(genesis.has_value());
  EXPECT_EQ(genesis->alloc.size(), 6U);  // the faucet and 5 accounts
  EXPECT_EQ(genesis->pow.target_block_time_ms, 1000U);
  auto accounts = load_accounts(s->accounts_file, "ccdev");
  ASSERT_TRUE(accounts.has_value()) << accounts.error().detail;
  ASSERT_EQ(accounts->size(), 5U);
  EXPECT_EQ(genesis->alloc[1].address, (*accounts)[0].address);
  EXPECT_EQ(genesis->alloc[1].amount, kAccountFunds);
  EXPECT_EQ(fs::status(s->accounts_file).permissions() & fs::perms::group_all, fs::perms::none);
  EXPECT_TRUE(fs::exists(s->keystore));

  // A second devnet in the same directory is refused.
  auto again = create_devnet(o, kNow);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().detail.find("already exists"), std::string::npos) << again.error().detail;
  o.dir = dir.path() / "other";
  o.nodes = 0;
  EXPECT_FALSE(create_devnet(o, kNow).has_value());
  o.nodes = 2;
  o.miners = 3;
  EXPECT_FALSE(create_devnet(o, kNow).has_value());
  EXPECT_FALSE(fs::exists(o.dir)) << "nothing is written for bad options";
}

TEST(DevnetCreate, AccountsFileErrors) {
  TempDir dir;
  const fs::path path = dir.path() / "accounts.json";
  test::write_file(path, R"({"accounts": [{"address": "ccdev1xyz", "secret": "00"}]})");
  auto r = load_accounts(path, "ccdev");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("accounts[0].secret: not 64 hex digits"), std::string::npos) << r.error().detail;
  test::write_file(path, R"({"accounts": []})");
  EXPECT_FALSE(load_accounts(path, "ccdev").has_value());
  test::write_file(path, R"([1])");
  EXPECT_FALSE(load_accounts(path, "ccdev").has_value());
}

TEST(Testnet, OneHomePerHostWithTheOthersAsSeeds) {
  TempDir dir;
  TestnetOptions o;
  o.hosts = {"10.0.0.1", "b.example", "fd00::3"};
  o.out = dir.path() / "net";
  o.p2p_port = 9000;
  o.api_port = 9001;
  auto r = create_testnet(o, kNow);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_EQ(r->homes.size(), 3U);
  EXPECT_EQ(r->homes[2], o.out / "fd00__3");
  const std::vector<std::vector<std::string>> seeds{
      {"b.example:9000", "[fd00::3]:9000"}, {"10.0.0.1:9000", "[fd00::3]:9000"}, {"10.0.0.1:9000", "b.example:9000"}};
  for (std::size_t i = 0; i < 3; ++i) {
    auto config = node::load_config(r->homes[i] / "config.toml", "cctest");
    ASSERT_TRUE(config.has_value()) << config.error().detail;
    EXPECT_EQ(config->p2p.listen_host, "0.0.0.0");
    EXPECT_EQ(config->p2p.listen_port, 9000);
    EXPECT_EQ(config->p2p.seeds, seeds[i]);
    EXPECT_EQ(config->api.listen.to_string(), "127.0.0.1:9001");
    EXPECT_TRUE(config->mining.enabled);
    EXPECT_EQ(*node::read_text_file(r->homes[i] / "genesis.json"), *node::read_text_file(r->homes[0] / "genesis.json"));
    EXPECT_TRUE(fs::exists(r->homes[i] / "admin.token"));
  }
  auto genesis = node::load_genesis(r->homes[0] / "genesis.json");
  ASSERT_TRUE(genesis.has_value());
  EXPECT_EQ(genesis->network, "cctest");
  ASSERT_EQ(genesis->alloc.size(), 1U);
  EXPECT_EQ(crypto::encode_address("cctest", genesis->alloc[0].address), r->faucet_address);
  EXPECT_EQ(genesis->alloc[0].amount, kFaucetFunds);
  EXPECT_EQ(r->genesis_hash.size(), 64U);
  EXPECT_TRUE(fs::exists(r->faucet_keystore / (r->faucet_address + ".json")));
  EXPECT_TRUE(fs::exists(r->faucet_password));
}

TEST(Testnet, BadInputsWriteNothing) {
  TempDir dir;
  const auto expect_bad = [&](TestnetOptions o, std::string_view words) {
    o.out = dir.path() / "net";
    auto r = create_testnet(o, kNow);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().detail.find(words), std::string::npos) << r.error().detail;
    EXPECT_FALSE(fs::exists(dir.path() / "net"));
  };
  TestnetOptions o;
  expect_bad(o, "--hosts: expected a comma-separated list");
  o.hosts = {"a", ""};
  expect_bad(o, "an empty entry");
  o.hosts = {"a", "b", "a"};
  expect_bad(o, "'a' is listed twice");
  o.hosts = {"a:8646"};
  expect_bad(o, "no ports here");
  o.hosts = {"bad host"};
  expect_bad(o, "'bad host' is not a host name or IP address");
  o.hosts = {"a", "b"};
  o.api_port = o.p2p_port;
  expect_bad(o, "must differ");
  o.api_port = 1;
  o.network = "Bad";
  expect_bad(o, "--network");
  o.network = "cctest";
  o.chain_id = 0;
  expect_bad(o, "--chain-id");
  o.chain_id = 5;
  o.block_time_ms = 0;
  expect_bad(o, "--block-time-ms");

  o.block_time_ms.reset();
  fs::create_directories(dir.path() / "net");
  o.out = dir.path() / "net";
  auto exists = create_testnet(o, kNow);
  ASSERT_FALSE(exists.has_value());
  EXPECT_NE(exists.error().detail.find("already exists"), std::string::npos);
}

TEST(DevnetLoad, Percentiles) {
  EXPECT_EQ(percentile({}, 0.5), 0);
  const std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(percentile(v, 0.5), 5);
  EXPECT_EQ(percentile(v, 0.99), 10);
  EXPECT_EQ(percentile(v, 0.0), 1);
  EXPECT_EQ(percentile({7}, 0.99), 7);
}

TEST(DevnetLoad, PlansOneRequestPerNodeAndBatchDueWithItsLastTransaction) {
  // Ten transactions to two nodes (j mod 2), batches of four at 2 tx/s.
  std::vector<std::size_t> node_of(10);
  for (std::size_t j = 0; j < node_of.size(); ++j) node_of[j] = j % 2;
  const auto plan = plan_batches(node_of, 2, 4, 2.0);
  ASSERT_EQ(plan.size(), 2U);
  using Members = std::vector<std::size_t>;
  ASSERT_EQ(plan[0].size(), 3U);
  ASSERT_EQ(plan[1].size(), 3U);
  EXPECT_EQ(plan[0][0].members, (Members{0, 2}));
  EXPECT_EQ(plan[1][0].members, (Members{1, 3}));
  EXPECT_EQ(plan[0][2].members, (Members{8}));
  EXPECT_EQ(plan[1][2].members, (Members{9}));
  // A batch is due when its last transaction is: 3 / 2, 7 / 2 and 9 / 2 s.
  using std::chrono::milliseconds;
  for (const auto& node : plan) {
    EXPECT_EQ(node[0].due, milliseconds(1500));
    EXPECT_EQ(node[1].due, milliseconds(3500));
    EXPECT_EQ(node[2].due, milliseconds(4500));
  }
}

TEST(DevnetLoad, PlansEveryTransactionOnceAndEachNodesRequestsInDueOrder) {
  std::vector<std::size_t> node_of(1000);
  for (std::size_t j = 0; j < node_of.size(); ++j) node_of[j] = (j * 7) % 3;
  for (const std::size_t batch : {std::size_t{1}, std::size_t{9}, std::size_t{100}, std::size_t{5000}}) {
    const auto plan = plan_batches(node_of, 3, batch, 250.0);
    std::vector<int> seen(node_of.size(), 0);
    for (std::size_t node = 0; node < plan.size(); ++node) {
      for (std::size_t i = 0; i < plan[node].size(); ++i) {
        const PlannedRequest& r = plan[node][i];
        EXPECT_FALSE(r.members.empty());
        EXPECT_LE(r.members.size(), batch);
        if (i > 0) {
          EXPECT_GT(r.due, plan[node][i - 1].due) << "batch " << batch;
        }
        for (std::size_t k : r.members) {
          EXPECT_EQ(node_of[k], node);
          ++seen[k];
        }
      }
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<std::ptrdiff_t>(node_of.size())) << batch;
  }
  // No transactions, no requests; a node with none gets an empty list.
  EXPECT_TRUE(plan_batches({}, 2, 10, 1.0)[0].empty());
  EXPECT_TRUE(plan_batches({0, 0, 0}, 2, 2, 1.0)[1].empty());
}

TEST(DevnetLoad, FiguresAgainstTheBenchAndTheNodesOwnChecks) {
  LoadReport r;
  r.committed = 40'000;
  r.committed_tps = 1'000;
  // Without the nodes' CPU: only the bench's figures.
  LoadFigures f = load_figures(r, 40'000, 2, 4);
  EXPECT_DOUBLE_EQ(f.ratio, 0.1);                     // 1,000 / (40,000 / 4)
  EXPECT_DOUBLE_EQ(f.bench_us_per_verification, 50);  // 2 threads, 40,000/s
  EXPECT_EQ(f.us_per_tx, 0);
  EXPECT_EQ(f.ratio_at_node_check_cost, 0);

  r.node_cpu = NodeCpu{20, 160'000, 12};
  f = load_figures(r, 40'000, 2, 4);
  EXPECT_DOUBLE_EQ(f.us_per_tx, 500);  // 20 s / 40,000
  EXPECT_DOUBLE_EQ(f.checks_per_tx_per_node, 1);
  EXPECT_DOUBLE_EQ(f.check_share, 0.6);
  EXPECT_DOUBLE_EQ(f.us_per_check, 75);  // 12 s / 160,000
  // 2 cores at 75 µs a check: 26,667 checks/s, 6,667 per node.
  EXPECT_DOUBLE_EQ(f.ratio_at_node_check_cost, 0.15);

  // No check sampled yet (a short run): no cost per check, no ratio from it.
  r.node_cpu = NodeCpu{1, 100, 0};
  f = load_figures(r, 0, 2, 4);
  EXPECT_EQ(f.ratio, 0);
  EXPECT_EQ(f.bench_us_per_verification, 0);
  EXPECT_EQ(f.us_per_check, 0);
  EXPECT_EQ(f.ratio_at_node_check_cost, 0);
}

TEST(DevnetLoad, ReadsUnlabelledMetricValues) {
  const std::string text =
      "# HELP process_cpu_seconds_total User and system CPU time.\n"
      "# TYPE process_cpu_seconds_total counter\n"
      "process_cpu_seconds_total 12.5\n"
      "cloudchain_signature_checks_total_extra 9\n"
      "cloudchain_signature_checks_total 4096\n"
      "cloudchain_api_requests_total{route=\"/v1/status\",status=\"200\"} 3\n"
      "broken_total 1x\n"
      "infinite_total +Inf\n"
      "last_total 7";  // no final newline
  EXPECT_EQ(metric_value(text, "process_cpu_seconds_total"), 12.5);
  EXPECT_EQ(metric_value(text, "cloudchain_signature_checks_total"), 4096.0);  // not the _extra one
  EXPECT_EQ(metric_value(text, "last_total"), 7.0);
  EXPECT_FALSE(metric_value(text, "cloudchain_api_requests_total"));  // labelled only
  EXPECT_FALSE(metric_value(text, "broken_total"));
  EXPECT_FALSE(metric_value(text, "infinite_total"));
  EXPECT_FALSE(metric_value(text, "process_cpu"));  // a prefix is not a name
  EXPECT_FALSE(metric_value("", "x"));
}

TEST(DevnetCommands, UsageErrors) {
  TempDir dir;
  const std::string d = (dir.path() / "dn").string();
  auto bad = test::run({"devnet", "up", "--consensus", "pbft", "--dir", d});
  EXPECT_EQ(bad.code, kExitUsage) << bad.err;
  EXPECT_NE(bad.err.find("--consensus"), std::string::npos) << bad.err;
  EXPECT_EQ(test::run({"devnet", "up", "--nodes", "0", "--dir", d}).code, kExitUsage);
  EXPECT_EQ(test::run({"devnet"}).code, kExitUsage);
  auto status = test::run({"devnet", "status", "--dir", d});
  EXPECT_EQ(status.code, kExitFailure);
  EXPECT_NE(status.err.find("no devnet in"), std::string::npos) << status.err;
  EXPECT_EQ(test::run({"devnet", "load", "--dir", d}).code, kExitUsage);  // --tps is required
  EXPECT_EQ(test::run({"devnet", "load", "--tps", "0", "--dir", d}).code, kExitUsage);

  // A non-empty directory that is not a devnet is not taken over.
  fs::create_directories(d);
  test::write_file(fs::path(d) / "config.toml", "");
  auto taken = test::run({"devnet", "up", "--dir", d}, {{"CLOUDCHAIND", "/bin/true"}});
  EXPECT_EQ(taken.code, kExitFailure);
  EXPECT_NE(taken.err.find("is not a devnet"), std::string::npos) << taken.err;

  auto bad_daemon = test::run({"devnet", "up", "--dir", (dir.path() / "x").string()},
                              {{"CLOUDCHAIND", (dir.path() / "missing").string()}});
  EXPECT_EQ(bad_daemon.code, kExitFailure);
  EXPECT_NE(bad_daemon.err.find("$CLOUDCHAIND"), std::string::npos) << bad_daemon.err;

  auto hosts = test::run({"testnet", "init", "--hosts", "a,a", "--out", (dir.path() / "t").string()});
  EXPECT_EQ(hosts.code, kExitUsage);
  EXPECT_NE(hosts.err.find("listed twice"), std::string::npos) << hosts.err;
  auto ok = test::run(
      {"--json", "--network", "ccnet", "testnet", "init", "--hosts", "a,b", "--out", (dir.path() / "t").string()});
  ASSERT_EQ(ok.code, kExitOk) << ok.err;
  auto doc = nlohmann::json::parse(ok.out);
  EXPECT_EQ(doc["network"], "ccnet");
  EXPECT_EQ(doc["homes"].size(), 2U);
}

}  // namespace
}  // namespace cloudchain::cli
