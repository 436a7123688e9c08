// cloudchaind's command line in-process: exit codes, messages, init, a short run.

#include "daemon.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "node/home.hpp"
#include "node/node.hpp"
#include "node/test_util.hpp"

namespace cloudchain::daemon {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

Outcome run_args(std::vector<std::string> args, const Hooks& hooks = {}) {
  args.insert(args.begin(), "cloudchaind");
  std::ostringstream out;
  std::ostringstream err;
  Outcome r;
  r.status = run(args, Io{out, err}, hooks);
  r.out = out.str();
  r.err = err.str();
  return r;
}

/// Hooks that ask for a shutdown as soon as the node runs.
Hooks stop_at_once() {
  Hooks h;
  h.on_started = [](node::Node& n) { n.request_shutdown(); };
  return h;
}

TEST(Daemon, Help) {
  const Outcome r = run_args({"--help"});
  EXPECT_EQ(r.status, kExitOk);
  EXPECT_NE(r.out.find("--miner-address"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--p2p-listen"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--seed"), std::string::npos) << r.out;
  const Outcome init = run_args({"init", "--help"});
  EXPECT_EQ(init.status, kExitOk);
  EXPECT_NE(init.out.find("--alloc"), std::string::npos) << init.out;
}

TEST(Daemon, UsageErrorsExitTwo) {
  EXPECT_EQ(run_args({"--bogus"}).status, kExitUsage);
  EXPECT_EQ(run_args({"--threads", "abc", "--home", "/x"}).status, kExitUsage);
  EXPECT_EQ(run_args({"init"}).status, kExitUsage);  // --home is required
  const Outcome no_home = run_args({});
  EXPECT_EQ(no_home.status, kExitUsage);
  EXPECT_NE(no_home.err.find("--home DIR is required"), std::string::npos) << no_home.err;
}

TEST(Daemon, InitWritesAHomeAndRefusesASecondTime) {
  node::test::TempDir dir;
  const std::string home = (dir.path() / "n1").string();
  const Outcome r =
      run_args({"init", "--home", home, "--chain-id", "77", "--alloc", node::test::address_text(1) + "=500", "--alloc",
                node::test::address_text(2) + "=600", "--block-time-ms", "1000"});
  ASSERT_EQ(r.status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("genesis hash"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chain id      77"), std::string::npos) << r.out;
  auto genesis = node::load_genesis(fs::path(home) / "genesis.json");
  ASSERT_TRUE(genesis.has_value()) << genesis.error().detail;
  EXPECT_EQ(genesis->chain_id, 77U);
  EXPECT_EQ(genesis->alloc.size(), 2U);
  EXPECT_EQ(genesis->pow.target_block_time_ms, 1000U);

  const Outcome again = run_args({"init", "--home", home});
  EXPECT_EQ(again.status, kExitUsage);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(run_args({"init", "--home", home, "--force"}).status, kExitOk);

  const Outcome bad_alloc = run_args({"init", "--home", (dir.path() / "n2").string(), "--alloc", "x=1"});
  EXPECT_EQ(bad_alloc.status, kExitUsage);
  EXPECT_NE(bad_alloc.err.find("--alloc"), std::string::npos) << bad_alloc.err;
}

TEST(Daemon, ConfigErrorsExitTwoAndNameTheField) {
  node::test::TempDir dir;
  const std::string home = dir.path().string();
  const Outcome missing = run_args({"--home", home});
  EXPECT_EQ(missing.status, kExitUsage);
  EXPECT_NE(missing.err.find("genesis.json: no such file"), std::string::npos) << missing.err;

  ASSERT_EQ(run_args({"init", "--home", home}).status, kExitOk);
  std::ofstream(dir.path() / "config.toml") << "[api]\nlisten = \"abc\"\n";
  const Outcome bad = run_args({"--home", home});
  EXPECT_EQ(bad.status, kExitUsage);
  EXPECT_NE(bad.err.find("config.toml: api.listen: expected HOST:PORT, got 'abc'"), std::string::npos) << bad.err;

  std::ofstream(dir.path() / "config.toml") << "[mining]\nthreds = 2\n";
  const Outcome typo = run_args({"--home", home});
  EXPECT_EQ(typo.status, kExitUsage);
  EXPECT_NE(typo.err.find("mining.threds: unknown key"), std::string::npos) << typo.err;

  std::ofstream(dir.path() / "config.toml") << "";
  const Outcome threads = run_args({"--home", home, "--threads", "0"});
  EXPECT_EQ(threads.status, kExitUsage);
  EXPECT_NE(threads.err.find("--threads: expected an integer in 1..256, got 0"), std::string::npos) << threads.err;

  const Outcome p2p_listen = run_args({"--home", home, "--p2p-listen", "any:1"});
  EXPECT_EQ(p2p_listen.status, kExitUsage);
  EXPECT_NE(p2p_listen.err.find("command line: --p2p-listen: expected HOST:PORT, got 'any:1'"), std::string::npos)
      << p2p_listen.err;
  const Outcome seed = run_args({"--home", home, "--seed", "127.0.0.1:1", "--seed", "10.0.0.1"});
  EXPECT_EQ(seed.status, kExitUsage);
  EXPECT_NE(seed.err.find("command line: --seed: expected HOST:PORT with PORT in 1..65535"), std::string::npos)
      << seed.err;
  std::ofstream(dir.path() / "config.toml") << "[p2p]\nmax_outbound = 1000\n";
  const Outcome p2p_key = run_args({"--home", home});
  EXPECT_EQ(p2p_key.status, kExitUsage);
  EXPECT_NE(p2p_key.err.find("config.toml: p2p.max_outbound: expected an integer in 0..256, got 1000"),
            std::string::npos)
      << p2p_key.err;
  std::ofstream(dir.path() / "config.toml") << "";

  const Outcome no_address = run_args({"--home", home, "--mine"});
  EXPECT_EQ(no_address.status, kExitUsage);
  EXPECT_NE(no_address.err.find("--miner-address"), std::string::npos) << no_address.err;

  const Outcome other_net = run_args({"--home", home, "--mine", "--miner-address", node::test::address_text(1, "cc")});
  EXPECT_EQ(other_net.status, kExitUsage);
  EXPECT_NE(other_net.err.find("network 'ccdev'"), std::string::npos) << other_net.err;

  std::ofstream(dir.path() / "genesis.json") << "{}";
  const Outcome genesis = run_args({"--home", home});
  EXPECT_EQ(genesis.status, kExitUsage);
  EXPECT_NE(genesis.err.find("genesis.json: chain_id: required field is missing"), std::string::npos) << genesis.err;
}

TEST(Daemon, RunsServesAndShutsDownOnRequest) {
  node::test::TempDir dir;
  const std::string home = dir.path().string();
  ASSERT_EQ(run_args({"init", "--home", home}).status, kExitOk);
  const Outcome r =
      run_args({"--home", home, "--api-listen", "127.0.0.1:0", "--p2p-listen", "127.0.0.1:0", "--log-level", "debug"},
               stop_at_once());
  EXPECT_EQ(r.status, kExitOk) << r.err;
  EXPECT_NE(r.err.find("api: listening on http://127.0.0.1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("genesis"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("node stopped"), std::string::npos) << r.err;

  // Again, with --reindex: the same tip, rebuilt.
  const Outcome again = run_args(
      {"--home", home, "--api-listen", "127.0.0.1:0", "--p2p-listen", "127.0.0.1:0", "--reindex"}, stop_at_once());
  EXPECT_EQ(again.status, kExitOk) << again.err;
  EXPECT_NE(again.err.find("reindex: 100% done"), std::string::npos) << again.err;
}

TEST(Daemon, SecondDaemonOnOneHomeExitsOne) {
  node::test::TempDir dir;
  const std::string home = dir.path().string();
  ASSERT_EQ(run_args({"init", "--home", home}).status, kExitOk);
  std::promise<node::Node*> started;
  std::promise<void> release;
  Hooks hooks;
  hooks.on_started = [&](node::Node& n) { started.set_value(&n); };
  auto first = std::async(std::launch::async, [&] {
    return run_args({"--home", home, "--api-listen", "127.0.0.1:0", "--p2p-listen", "127.0.0.1:0"}, hooks);
  });
  node::Node* running = started.get_future().get();

  const Outcome second = run_args({"--home", home, "--api-listen", "127.0.0.1:0", "--p2p-listen", "127.0.0.1:0"});
  EXPECT_EQ(second.status, kExitFailure);
  EXPECT_NE(second.err.find("cannot open the node"), std::string::npos) << second.err;

  running->request_shutdown();
  EXPECT_EQ(first.get().status, kExitOk);
}

TEST(Daemon, ApiAddressInUseExitsOne) {
  node::test::TempDir dir;
  ASSERT_EQ(run_args({"init", "--home", dir.path().string()}).status, kExitOk);
  // Hold a listening socket on a free port, then ask the daemon for that port.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string listen = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  const Outcome r = run_args({"--home", dir.path().string(), "--api-listen", listen, "--p2p-listen", "127.0.0.1:0"});
  // The same for the P2P listener: exit 1, the message names it.
  const Outcome p2p = run_args({"--home", dir.path().string(), "--api-listen", "127.0.0.1:0", "--p2p-listen", listen});
  EXPECT_EQ(p2p.status, kExitFailure);
  EXPECT_NE(p2p.err.find("p2p: "), std::string::npos) << p2p.err;
  ::close(fd);
  EXPECT_EQ(r.status, kExitFailure) << r.err;
  EXPECT_NE(r.err.find("api: cannot listen on " + listen), std::string::npos) << r.err;
  // The node was stopped cleanly: the home opens again.
  EXPECT_EQ(run_args({"--home", dir.path().string(), "--api-listen", "127.0.0.1:0", "--p2p-listen", "127.0.0.1:0"},
                     stop_at_once())
                .status,
            kExitOk);
}

}  // namespace
}  // namespace cloudchain::daemon
