#include "node/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "node/test_util.hpp"

namespace cloudchain::node {
namespace {

constexpr std::string_view kFile = "/h/config.toml";

util::Result<Config, ConfigError> parse(std::string_view text) { return parse_config(text, kFile, "ccdev"); }

/// Expects `text` to fail with `code` and a detail starting "<file>: <field>: " and
/// containing `words`.
void expect_error(std::string_view text, ConfigError code, std::string_view field, std::string_view words = "") {
  auto r = parse(text);
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
  const std::string prefix = std::string(kFile) + ": " + std::string(field) + ": ";
  EXPECT_TRUE(r.error().detail.starts_with(prefix)) << r.error().detail << "\nexpected prefix: " << prefix;
  EXPECT_NE(r.error().detail.find(words), std::string::npos) << r.error().detail << "\nexpected: " << words;
}

TEST(Config, EmptyFileIsAllDefaults) {
  auto r = parse("");
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  const Config d;
  EXPECT_EQ(r->log_level, "info");
  EXPECT_EQ(r->api, d.api);
  EXPECT_EQ(r->mining, d.mining);
  EXPECT_EQ(r->storage, d.storage);
  EXPECT_EQ(r->mempool.max_count, d.mempool.max_count);
  EXPECT_EQ(r->api.listen, (Endpoint{"127.0.0.1", 8645}));
  EXPECT_EQ(r->p2p, p2p::NetworkConfig{});
  EXPECT_EQ(r->p2p.listen_host, "0.0.0.0");
  EXPECT_EQ(r->p2p.listen_port, 8646);
}

TEST(Config, EveryKeyRead) {
  const std::string text = R"(
[log]
level = "debug"
[api]
enabled = false
listen = "0.0.0.0:9000"
max_connections = 10
cors_origins = ["http://localhost:3000", "https://x.example"]
[mining]
enabled = true
address = ")" + test::address_text(3) +
                           R"("
threads = 4
template_interval_ms = 250
[mempool]
max_count = 10
max_bytes = 20000
max_per_sender = 3
expiry_ms = 60000
min_fee_per_byte = 0
rbf_bump_percent = 25
max_nonce_ahead = 8
[storage]
cache_mb = 8
max_open_files = -1
[p2p]
enabled = false
listen = "127.0.0.1:9646"
seeds = ["10.0.0.2:8646", "node-3.example:8646", "[::1]:7000"]
max_inbound = 0
max_outbound = 3
ban_seconds = 60
handshake_timeout_ms = 1000
ping_interval_ms = 2000
ping_timeout_ms = 3000
frame_timeout_ms = 4000
idle_timeout_ms = 5000
)";
  auto r = parse(text);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->log_level, "debug");
  EXPECT_FALSE(r->api.enabled);
  EXPECT_EQ(r->api.listen, (Endpoint{"0.0.0.0", 9000}));
  EXPECT_EQ(r->api.max_connections, 10U);
  EXPECT_EQ(r->api.cors_origins, (std::vector<std::string>{"http://localhost:3000", "https://x.example"}));
  EXPECT_TRUE(r->mining.enabled);
  EXPECT_EQ(r->mining.address, test::address_of(3));
  EXPECT_EQ(r->mining.threads, 4U);
  EXPECT_EQ(r->mining.template_interval_ms, 250U);
  EXPECT_EQ(r->mempool.max_count, 10U);
  EXPECT_EQ(r->mempool.max_bytes, 20000U);
  EXPECT_EQ(r->mempool.max_per_sender, 3U);
  EXPECT_EQ(r->mempool.expiry_ms, 60000U);
  EXPECT_EQ(r->mempool.min_fee_per_byte, 0U);
  EXPECT_EQ(r->mempool.rbf_bump_percent, 25U);
  EXPECT_EQ(r->mempool.max_nonce_ahead, 8U);
  EXPECT_EQ(r->storage.cache_mb, 8U);
  EXPECT_EQ(r->storage.max_open_files, -1);
  EXPECT_FALSE(r->p2p.enabled);
  EXPECT_EQ(r->p2p.listen_host, "127.0.0.1");
  EXPECT_EQ(r->p2p.listen_port, 9646);
  EXPECT_EQ(r->p2p.seeds, (std::vector<std::string>{"10.0.0.2:8646", "node-3.example:8646", "[::1]:7000"}));
  EXPECT_EQ(r->p2p.max_inbound, 0U);
  EXPECT_EQ(r->p2p.max_outbound, 3U);
  EXPECT_EQ(r->p2p.ban_seconds, 60U);
  EXPECT_EQ(r->p2p.handshake_timeout_ms, 1000U);
  EXPECT_EQ(r->p2p.ping_interval_ms, 2000U);
  EXPECT_EQ(r->p2p.ping_timeout_ms, 3000U);
  EXPECT_EQ(r->p2p.frame_timeout_ms, 4000U);
  EXPECT_EQ(r->p2p.idle_timeout_ms, 5000U);
}

TEST(Config, RenderRoundTrips) {
  Config c;
  c.log_level = "warn";
  c.api.listen = Endpoint{"::1", 1234};
  c.api.cors_origins = {"http://a"};
  c.mining.address = test::address_of(9);
  c.mining.threads = 7;
  c.mempool.max_nonce_ahead = 5;
  c.storage.max_open_files = 100;
  c.p2p.listen_host = "::";
  c.p2p.listen_port = 0;
  c.p2p.seeds = {"127.0.0.1:1", "h.example:8646"};
  c.p2p.max_outbound = 2;
  c.p2p.idle_timeout_ms = 12345;
  auto r = parse(render_config(c, "ccdev"));
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->log_level, c.log_level);
  EXPECT_EQ(r->api, c.api);
  EXPECT_EQ(r->mining, c.mining);
  EXPECT_EQ(r->storage, c.storage);
  EXPECT_EQ(r->mempool.max_nonce_ahead, 5U);
  EXPECT_EQ(r->p2p, c.p2p);

  // The default file (what init writes) has no address and parses to the defaults.
  auto d = parse(render_config(Config{}, "ccdev"));
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->mining, MiningConfig{});
  EXPECT_EQ(d->api, ApiConfig{});
  EXPECT_EQ(d->p2p, p2p::NetworkConfig{});
}

TEST(Config, SyntaxError) { expect_error("[api\nlisten = 1", ConfigError::kSyntax, "not valid TOML"); }

TEST(Config, SyntaxErrorNamesFile) {
  auto r = parse("a = = 1");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kSyntax);
  EXPECT_TRUE(r.error().detail.starts_with(std::string(kFile) + ": not valid TOML")) << r.error().detail;
}

TEST(Config, DuplicateKeyIsSyntaxError) {
  auto r = parse("[api]\nenabled = true\nenabled = false\n");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kSyntax);
}

TEST(Config, UnknownKeys) {
  expect_error("[api]\nlisten_addr = \"1.2.3.4:5\"\n", ConfigError::kUnknownKey, "api.listen_addr",
               "[api] has: enabled, listen, max_connections, cors_origins");
  expect_error("[apii]\n", ConfigError::kUnknownKey, "apii",
               "the top level has: log, api, p2p, mining, mempool, storage");
  expect_error("verbose = true\n", ConfigError::kUnknownKey, "verbose");
  expect_error("[mining]\nthread = 2\n", ConfigError::kUnknownKey, "mining.thread");
  expect_error("[mempool]\nmax = 2\n", ConfigError::kUnknownKey, "mempool.max");
  expect_error("[storage]\ncache = 2\n", ConfigError::kUnknownKey, "storage.cache");
  expect_error("[log]\nlvl = \"info\"\n", ConfigError::kUnknownKey, "log.lvl");
  expect_error("[p2p]\nmax_peers = 3\n", ConfigError::kUnknownKey, "p2p.max_peers",
               "[p2p] has: enabled, listen, seeds, max_inbound, max_outbound, ban_seconds");
}

TEST(Config, WrongTypes) {
  expect_error("api = 5\n", ConfigError::kWrongType, "api", "expected a table, got an integer");
  expect_error("[api]\nenabled = \"yes\"\n", ConfigError::kWrongType, "api.enabled", "expected a boolean");
  expect_error("[api]\nlisten = 8645\n", ConfigError::kWrongType, "api.listen", "expected a string, got an integer");
  expect_error("[api]\ncors_origins = \"*\"\n", ConfigError::kWrongType, "api.cors_origins", "an array of strings");
  expect_error("[api]\ncors_origins = [1]\n", ConfigError::kWrongType, "api.cors_origins", "an array of strings");
  expect_error("[mining]\nthreads = 1.5\n", ConfigError::kWrongType, "mining.threads",
               "expected an integer, got a float");
  expect_error("[mining]\nthreads = \"2\"\n", ConfigError::kWrongType, "mining.threads", "got a string");
  expect_error("[mining]\naddress = 1\n", ConfigError::kWrongType, "mining.address");
  expect_error("[log]\nlevel = 1\n", ConfigError::kWrongType, "log.level");
  expect_error("[storage]\nmax_open_files = true\n", ConfigError::kWrongType, "storage.max_open_files");
  expect_error("p2p = []\n", ConfigError::kWrongType, "p2p", "expected a table");
  expect_error("[p2p]\nenabled = 1\n", ConfigError::kWrongType, "p2p.enabled", "expected a boolean");
  expect_error("[p2p]\nlisten = 8646\n", ConfigError::kWrongType, "p2p.listen", "expected a string");
  expect_error("[p2p]\nseeds = \"1.2.3.4:5\"\n", ConfigError::kWrongType, "p2p.seeds", "an array of strings");
  expect_error("[p2p]\nseeds = [5]\n", ConfigError::kWrongType, "p2p.seeds", "an array of strings");
  expect_error("[p2p]\nmax_inbound = \"8\"\n", ConfigError::kWrongType, "p2p.max_inbound", "got a string");
  expect_error("[p2p]\nping_interval_ms = 1.5\n", ConfigError::kWrongType, "p2p.ping_interval_ms", "a float");
}

TEST(Config, BadValues) {
  expect_error("[api]\nlisten = \"abc\"\n", ConfigError::kBadValue, "api.listen",
               "expected HOST:PORT, got 'abc' (HOST is an IP address: 127.0.0.1, 0.0.0.0, [::1])");
  expect_error("[api]\nlisten = \"1.2.3.4:70000\"\n", ConfigError::kBadValue, "api.listen");
  expect_error("[api]\nlisten = \"localhost:8645\"\n", ConfigError::kBadValue, "api.listen", "IP address");
  expect_error("[api]\ncors_origins = [\"\"]\n", ConfigError::kBadValue, "api.cors_origins");
  expect_error("[api]\ncors_origins = [\"http://a b\"]\n", ConfigError::kBadValue, "api.cors_origins");
  expect_error("[log]\nlevel = \"loud\"\n", ConfigError::kBadValue, "log.level", "got 'loud'");
  expect_error("[mining]\naddress = \"\"\n", ConfigError::kBadValue, "mining.address", "network 'ccdev'");
  expect_error("[p2p]\nlisten = \"nope\"\n", ConfigError::kBadValue, "p2p.listen", "expected HOST:PORT, got 'nope'");
  expect_error("[p2p]\nlisten = \"localhost:8646\"\n", ConfigError::kBadValue, "p2p.listen", "IP address");
  expect_error("[p2p]\nlisten = \"0.0.0.0:65536\"\n", ConfigError::kBadValue, "p2p.listen");
  expect_error("[p2p]\nseeds = [\"1.2.3.4\"]\n", ConfigError::kBadValue, "p2p.seeds",
               "expected HOST:PORT with PORT in 1..65535 (HOST an IP address or a DNS name), got '1.2.3.4'");
  expect_error("[p2p]\nseeds = [\"1.2.3.4:0\"]\n", ConfigError::kBadValue, "p2p.seeds", "got '1.2.3.4:0'");
  expect_error("[p2p]\nseeds = [\"ok.example:1\", \"bad host:1\"]\n", ConfigError::kBadValue, "p2p.seeds",
               "'bad host:1'");
  expect_error("[p2p]\nseeds = [\"\"]\n", ConfigError::kBadValue, "p2p.seeds");
  expect_error("[mining]\naddress = \"" + test::address_text(1, "cctest") + "\"\n", ConfigError::kBadValue,
               "mining.address", "wrong_prefix");
  std::string typo = test::address_text(1);
  typo[10] = typo[10] == 'q' ? 'p' : 'q';
  expect_error("[mining]\naddress = \"" + typo + "\"\n", ConfigError::kBadValue, "mining.address", "bad_checksum");
}

TEST(Config, Ranges) {
  expect_error("[mining]\nthreads = 0\n", ConfigError::kOutOfRange, "mining.threads",
               "expected an integer in 1..256, got 0");
  expect_error("[mining]\nthreads = 257\n", ConfigError::kOutOfRange, "mining.threads");
  expect_error("[mining]\ntemplate_interval_ms = 1\n", ConfigError::kOutOfRange, "mining.template_interval_ms");
  expect_error("[api]\nmax_connections = 0\n", ConfigError::kOutOfRange, "api.max_connections");
  expect_error("[mempool]\nmax_count = 0\n", ConfigError::kOutOfRange, "mempool.max_count");
  expect_error("[mempool]\nmax_bytes = -5\n", ConfigError::kOutOfRange, "mempool.max_bytes");
  expect_error("[mempool]\nmax_per_sender = 0\n", ConfigError::kOutOfRange, "mempool.max_per_sender");
  expect_error("[mempool]\nexpiry_ms = 10\n", ConfigError::kOutOfRange, "mempool.expiry_ms");
  expect_error("[mempool]\nmin_fee_per_byte = -1\n", ConfigError::kOutOfRange, "mempool.min_fee_per_byte");
  expect_error("[mempool]\nrbf_bump_percent = 1001\n", ConfigError::kOutOfRange, "mempool.rbf_bump_percent");
  expect_error("[mempool]\nmax_nonce_ahead = -1\n", ConfigError::kOutOfRange, "mempool.max_nonce_ahead");
  expect_error("[storage]\ncache_mb = 0\n", ConfigError::kOutOfRange, "storage.cache_mb");
  expect_error("[storage]\nmax_open_files = 3\n", ConfigError::kOutOfRange, "storage.max_open_files", "-1 (unbounded)");
  expect_error("[storage]\nmax_open_files = -2\n", ConfigError::kOutOfRange, "storage.max_open_files");
  expect_error("[p2p]\nmax_inbound = -1\n", ConfigError::kOutOfRange, "p2p.max_inbound", "0..4096, got -1");
  expect_error("[p2p]\nmax_inbound = 4097\n", ConfigError::kOutOfRange, "p2p.max_inbound");
  expect_error("[p2p]\nmax_outbound = 257\n", ConfigError::kOutOfRange, "p2p.max_outbound", "0..256");
  expect_error("[p2p]\nban_seconds = 0\n", ConfigError::kOutOfRange, "p2p.ban_seconds");
  expect_error("[p2p]\nban_seconds = 31536001\n", ConfigError::kOutOfRange, "p2p.ban_seconds");
  for (const char* key :
       {"handshake_timeout_ms", "ping_interval_ms", "ping_timeout_ms", "frame_timeout_ms", "idle_timeout_ms"}) {
    expect_error(std::string("[p2p]\n") + key + " = 99\n", ConfigError::kOutOfRange, std::string("p2p.") + key,
                 "100..86400000, got 99");
    expect_error(std::string("[p2p]\n") + key + " = 86400001\n", ConfigError::kOutOfRange, std::string("p2p.") + key);
  }
}

TEST(Config, FirstErrorWins) {
  // Two bad keys: the first one read is reported, and only it.
  expect_error("[api]\nlisten = \"x\"\n[mining]\nthreads = 0\n", ConfigError::kBadValue, "api.listen");
}

TEST(Config, MissingFile) {
  test::TempDir dir;
  auto r = load_config(dir.path() / "config.toml", "ccdev");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kFileMissing);
  EXPECT_NE(r.error().detail.find((dir.path() / "config.toml").string() + ": no such file"), std::string::npos)
      << r.error().detail;
  EXPECT_NE(r.error().detail.find("cloudchaind init"), std::string::npos);
}

TEST(Config, DirectoryIsNotAFile) {
  test::TempDir dir;
  std::filesystem::create_directory(dir.path() / "config.toml");
  auto r = load_config(dir.path() / "config.toml", "ccdev");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kIo);
}

TEST(Config, LoadNamesThePath) {
  test::TempDir dir;
  const auto path = dir.path() / "config.toml";
  std::ofstream(path) << "[api]\nlisten = \"abc\"\n";
  auto r = load_config(path, "ccdev");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(
      r.error().detail,
      path.string() + ": api.listen: expected HOST:PORT, got 'abc' (HOST is an IP address: 127.0.0.1, 0.0.0.0, [::1])");
}

TEST(Config, OverridesApply) {
  Config c;
  Overrides o;
  o.mine = true;
  o.miner_address = test::address_text(5);
  o.threads = 3;
  o.api_listen = "127.0.0.1:0";
  o.log_level = "trace";
  o.p2p_listen = "127.0.0.1:0";
  o.seeds = {"127.0.0.1:9001", "peer.example:9002"};
  c.p2p.seeds = {"10.0.0.1:1"};
  ASSERT_TRUE(apply_overrides(c, o, "ccdev").has_value());
  EXPECT_TRUE(c.mining.enabled);
  EXPECT_EQ(c.mining.address, test::address_of(5));
  EXPECT_EQ(c.mining.threads, 3U);
  EXPECT_EQ(c.api.listen, (Endpoint{"127.0.0.1", 0}));
  EXPECT_EQ(c.log_level, "trace");
  EXPECT_EQ(c.p2p.listen_host, "127.0.0.1");
  EXPECT_EQ(c.p2p.listen_port, 0);
  // --seed replaces the file's list (it does not add to it).
  EXPECT_EQ(c.p2p.seeds, (std::vector<std::string>{"127.0.0.1:9001", "peer.example:9002"}));
  EXPECT_TRUE(check_config(c).has_value());

  // Unset overrides change nothing.
  Config untouched;
  ASSERT_TRUE(apply_overrides(untouched, Overrides{}, "ccdev").has_value());
  EXPECT_EQ(untouched.mining, MiningConfig{});
  EXPECT_EQ(untouched.p2p, p2p::NetworkConfig{});
}

TEST(Config, OverrideErrorsNameTheFlag) {
  const auto expect_flag = [](Overrides o, ConfigError code, std::string_view start) {
    Config c;
    auto r = apply_overrides(c, o, "ccdev");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, code);
    EXPECT_TRUE(r.error().detail.starts_with(start)) << r.error().detail;
  };
  Overrides o;
  o.threads = 0;
  expect_flag(o, ConfigError::kOutOfRange, "command line: --threads: expected an integer in 1..256, got 0");
  o = {};
  o.threads = 1000;
  expect_flag(o, ConfigError::kOutOfRange, "command line: --threads:");
  o = {};
  o.miner_address = "cc1xyz";
  expect_flag(o, ConfigError::kBadValue, "command line: --miner-address: expected a bech32m address");
  o = {};
  o.api_listen = "nope";
  expect_flag(o, ConfigError::kBadValue, "command line: --api-listen: expected HOST:PORT, got 'nope'");
  o = {};
  o.log_level = "chatty";
  expect_flag(o, ConfigError::kBadValue, "command line: --log-level:");
  o = {};
  o.p2p_listen = "host.example:1";
  expect_flag(o, ConfigError::kBadValue, "command line: --p2p-listen: expected HOST:PORT, got 'host.example:1'");
  o = {};
  o.seeds = {"127.0.0.1:1", "127.0.0.1"};
  expect_flag(o, ConfigError::kBadValue, "command line: --seed: expected HOST:PORT with PORT in 1..65535");
}

TEST(Config, MiningWithoutAddressIsInconsistent) {
  Config c;
  c.mining.enabled = true;
  auto r = check_config(c);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kInconsistent);
  EXPECT_NE(r.error().detail.find("--miner-address"), std::string::npos);
  c.mining.address = test::address_of(1);
  EXPECT_TRUE(check_config(c).has_value());
}

TEST(Config, IdleTimeoutMustExceedPingInterval) {
  Config c;
  c.p2p.ping_interval_ms = 5000;
  c.p2p.idle_timeout_ms = 5000;
  auto r = check_config(c);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kInconsistent);
  EXPECT_NE(r.error().detail.find("p2p.idle_timeout_ms (5000) must be above p2p.ping_interval_ms (5000)"),
            std::string::npos)
      << r.error().detail;
  c.p2p.idle_timeout_ms = 5001;
  EXPECT_TRUE(check_config(c).has_value());
}

}  // namespace
}  // namespace cloudchain::node
