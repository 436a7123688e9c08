#include "node/home.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "node/file_io.hpp"
#include "node/test_util.hpp"
#include "util/uint256.hpp"

namespace cloudchain::node {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kNow = 1'764'000'000'000;

InitOptions options_for(const fs::path& home) {
  InitOptions o;
  o.home = home;
  return o;
}

mode_t mode_of(const fs::path& p) {
  struct stat st{};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(Init, WritesTheThreeFiles) {
  test::TempDir dir;
  const fs::path home = dir.path() / "a" / "b";  // parents are created
  InitOptions o = options_for(home);
  o.allocs = {test::address_text(1) + "=1000", test::address_text(2) + "=18446744073709550615"};
  auto r = init_home(o, kNow);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_TRUE(r->removed.empty());

  auto genesis = load_genesis(home / "genesis.json");
  ASSERT_TRUE(genesis.has_value()) << genesis.error().detail;
  EXPECT_TRUE(*genesis == r->genesis);
  EXPECT_EQ(genesis->chain_id, kDefaultChainId);
  EXPECT_EQ(genesis->network, "ccdev");
  EXPECT_EQ(genesis->genesis_time_ms, kNow);
  ASSERT_EQ(genesis->alloc.size(), 2U);
  EXPECT_EQ(genesis->alloc[0], (GenesisAlloc{test::address_of(1), 1000}));
  EXPECT_EQ(genesis->alloc[1].amount, 18446744073709550615ULL);  // the sum is exactly 2^64 - 1

  auto config = load_config(home / "config.toml", "ccdev");
  ASSERT_TRUE(config.has_value()) << config.error().detail;
  EXPECT_EQ(config->api, ApiConfig{});

  auto token = load_admin_token(home / "admin.token");
  ASSERT_TRUE(token.has_value()) << token.error().detail;
  EXPECT_EQ(token->size(), 64U);
  EXPECT_EQ(mode_of(home / "admin.token"), 0600U);
  EXPECT_EQ(mode_of(home / "genesis.json"), 0644U);

  // No temporaries left behind.
  for (const auto& entry : fs::directory_iterator(home)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
  }
}

TEST(Init, TokensAreRandom) {
  test::TempDir a;
  test::TempDir b;
  ASSERT_TRUE(init_home(options_for(a.path()), kNow).has_value());
  ASSERT_TRUE(init_home(options_for(b.path()), kNow).has_value());
  EXPECT_NE(*load_admin_token(a.path() / "admin.token"), *load_admin_token(b.path() / "admin.token"));
}

TEST(Init, NetworkChainIdAndBlockTime) {
  test::TempDir dir;
  InitOptions o = options_for(dir.path());
  o.network = "cctest";
  o.chain_id = 77;
  o.block_time_ms = 8000;
  o.allocs = {test::address_text(4, "cctest") + "=5"};
  auto r = init_home(o, kNow);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->genesis.chain_id, 77U);
  EXPECT_EQ(r->genesis.network, "cctest");
  EXPECT_EQ(r->genesis.pow.target_block_time_ms, 8000U);
  // Four times the block time: the genesis target is about a quarter as easy.
  const auto target = util::Uint256::from_be(*primitives::target_from_bits(r->genesis.pow.genesis_bits));
  const auto base = util::Uint256::from_be(*primitives::target_from_bits(0x1e00abcc));
  EXPECT_LT(target, base);
  EXPECT_GT(target * util::Uint256(5), base);
  EXPECT_TRUE(check_genesis(r->genesis, "x").has_value());
  // The config's commented-out miner address uses the network's prefix.
  auto text = read_text_file(dir.path() / "config.toml");
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find("cctest1"), std::string::npos);
}

TEST(Init, GivenConfigIsWrittenAndSameOptionsGiveTheSameGenesis) {
  test::TempDir dir;
  InitOptions o = options_for(dir.path() / "n0");
  o.allocs = {test::address_text(1) + "=1000"};
  o.config.p2p.listen_host = "127.0.0.1";
  o.config.p2p.listen_port = 9000;
  o.config.p2p.seeds = {"127.0.0.1:9002"};
  o.config.mining.enabled = true;
  o.config.mining.address = test::address_of(1);
  ASSERT_TRUE(init_home(o, kNow).has_value());
  auto config = load_config(dir.path() / "n0" / "config.toml", "ccdev");
  ASSERT_TRUE(config.has_value()) << config.error().detail;
  EXPECT_EQ(config->p2p, o.config.p2p);
  EXPECT_EQ(config->mining, o.config.mining);

  // A second home of the same network: byte-identical genesis.json.
  o.home = dir.path() / "n1";
  o.config = Config{};
  ASSERT_TRUE(init_home(o, kNow).has_value());
  EXPECT_EQ(*read_text_file(dir.path() / "n0" / "genesis.json"), *read_text_file(dir.path() / "n1" / "genesis.json"));
  EXPECT_EQ(load_config(dir.path() / "n1" / "config.toml", "ccdev")->p2p, p2p::NetworkConfig{});
}

TEST(Init, VeryFastBlockTimeClampsToTheLimit) {
  test::TempDir dir;
  InitOptions o = options_for(dir.path());
  o.block_time_ms = 1;
  auto r = init_home(o, kNow);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  const auto target = util::Uint256::from_be(*primitives::target_from_bits(r->genesis.pow.genesis_bits));
  EXPECT_LE(target, util::Uint256::from_be(r->genesis.pow.pow_limit));
}

TEST(Init, RefusesAnExistingHome) {
  test::TempDir dir;
  ASSERT_TRUE(init_home(options_for(dir.path()), kNow).has_value());
  const std::string token = *load_admin_token(dir.path() / "admin.token");
  auto again = init_home(options_for(dir.path()), kNow + 1);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ConfigError::kHomeExists);
  EXPECT_NE(again.error().detail.find("--force"), std::string::npos);
  // Nothing was touched.
  EXPECT_EQ(*load_admin_token(dir.path() / "admin.token"), token);
  EXPECT_EQ(load_genesis(dir.path() / "genesis.json")->genesis_time_ms, kNow);
}

TEST(Init, RefusesWhenAnyOneFileExists) {
  for (const char* name : {"config.toml", "genesis.json", "admin.token"}) {
    test::TempDir dir;
    std::ofstream(dir.path() / name) << "x";
    auto r = init_home(options_for(dir.path()), kNow);
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_EQ(r.error().code, ConfigError::kHomeExists);
    EXPECT_TRUE(r.error().detail.starts_with((dir.path() / name).string())) << r.error().detail;
  }
}

TEST(Init, ForceOverwritesAndDeletesChainData) {
  test::TempDir dir;
  ASSERT_TRUE(init_home(options_for(dir.path()), kNow).has_value());
  const std::string token = *load_admin_token(dir.path() / "admin.token");
  fs::create_directories(dir.path() / "data" / "sub");
  std::ofstream(dir.path() / "data" / "sub" / "f") << "x";
  std::ofstream(dir.path() / "mempool.dat") << "x";
  std::ofstream(dir.path() / "keep.txt") << "x";
  InitOptions o = options_for(dir.path());
  o.force = true;
  auto r = init_home(o, kNow + 5);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->removed.size(), 2U);
  EXPECT_FALSE(fs::exists(dir.path() / "data"));
  EXPECT_FALSE(fs::exists(dir.path() / "mempool.dat"));
  EXPECT_TRUE(fs::exists(dir.path() / "keep.txt"));
  EXPECT_NE(*load_admin_token(dir.path() / "admin.token"), token);
  EXPECT_EQ(load_genesis(dir.path() / "genesis.json")->genesis_time_ms, kNow + 5);
}

TEST(Init, BadFlagsNameTheFlag) {
  const auto expect_flag = [](InitOptions o, ConfigError code, std::string_view start) {
    test::TempDir dir;
    o.home = dir.path();
    auto r = init_home(o, kNow);
    ASSERT_FALSE(r.has_value()) << start;
    EXPECT_EQ(r.error().code, code) << r.error().detail;
    EXPECT_TRUE(r.error().detail.starts_with(start)) << r.error().detail;
    // A refused init writes nothing.
    EXPECT_FALSE(fs::exists(dir.path() / "genesis.json"));
  };
  InitOptions o;
  o.chain_id = 0;
  expect_flag(o, ConfigError::kOutOfRange, "command line: --chain-id: expected an integer in 1..4294967295, got 0");
  o = {};
  o.chain_id = 4294967296;
  expect_flag(o, ConfigError::kOutOfRange, "command line: --chain-id:");
  o = {};
  o.network = "Dev";
  expect_flag(o, ConfigError::kBadValue, "command line: --network:");
  o = {};
  o.block_time_ms = 0;
  expect_flag(o, ConfigError::kOutOfRange, "command line: --block-time-ms:");
  o = {};
  o.allocs = {"nothing"};
  expect_flag(o, ConfigError::kBadValue, "command line: --alloc: expected ADDRESS=AMOUNT, got 'nothing'");
  o = {};
  o.allocs = {test::address_text(1, "cc") + "=5"};
  expect_flag(o, ConfigError::kBadValue, "command line: --alloc: expected a bech32m address of network 'ccdev'");
  o = {};
  o.allocs = {test::address_text(1) + "=0"};
  expect_flag(o, ConfigError::kBadValue, "command line: --alloc: expected a decimal amount");
  o = {};
  o.allocs = {test::address_text(1) + "=12abc"};
  expect_flag(o, ConfigError::kBadValue, "command line: --alloc: expected a decimal amount");
  o = {};
  o.allocs = {test::address_text(1) + "=18446744073709551616"};
  expect_flag(o, ConfigError::kBadValue, "command line: --alloc:");
  o = {};
  o.allocs = {test::address_text(1) + "=5", test::address_text(1) + "=6"};
  expect_flag(o, ConfigError::kInconsistent, "command line: alloc[1].address:");
  o = {};
  o.allocs = {test::address_text(1) + "=18446744073709551615", test::address_text(2) + "=1"};
  expect_flag(o, ConfigError::kInconsistent, "command line: alloc[1].amount:");
}

TEST(Init, HomeIsAFile) {
  test::TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  auto r = init_home(options_for(dir.path() / "file"), kNow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kIo);
}

TEST(AdminToken, Rules) {
  test::TempDir dir;
  const fs::path path = dir.path() / "admin.token";
  auto missing = load_admin_token(path);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ConfigError::kFileMissing);

  const std::string good(64, 'a');
  ASSERT_TRUE(write_file_atomic(path, good + "\n", 0600).has_value());
  EXPECT_EQ(load_admin_token(path), good);
  ASSERT_TRUE(write_file_atomic(path, good, 0600).has_value());
  EXPECT_EQ(load_admin_token(path), good);

  for (const std::string& bad : {std::string(63, 'a'), std::string(64, 'A'), std::string(64, 'g'), good + "\n\n"}) {
    ASSERT_TRUE(write_file_atomic(path, bad, 0600).has_value());
    auto r = load_admin_token(path);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ConfigError::kBadValue);
  }

  ASSERT_TRUE(write_file_atomic(path, good, 0644).has_value());
  EXPECT_EQ(mode_of(path), 0644U);
  auto open = load_admin_token(path);
  ASSERT_FALSE(open.has_value());
  EXPECT_EQ(open.error().code, ConfigError::kBadValue);
  EXPECT_NE(open.error().detail.find("chmod 600"), std::string::npos);
}

TEST(FileIo, AtomicWriteReplacesWholeFile) {
  test::TempDir dir;
  const fs::path path = dir.path() / "f";
  ASSERT_TRUE(write_file_atomic(path, "first version, longer", 0600).has_value());
  ASSERT_TRUE(write_file_atomic(path, "second", 0600).has_value());
  EXPECT_EQ(read_text_file(path), "second");
  auto bad = write_file_atomic(dir.path() / "no" / "dir" / "f", "x", 0600);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ConfigError::kIo);
}

TEST(FileIo, RefusesHugeFiles) {
  test::TempDir dir;
  const fs::path path = dir.path() / "big";
  {
    std::ofstream out(path);
    out << std::string(kMaxHomeFileBytes + 1, 'x');
  }
  auto r = read_text_file(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ConfigError::kIo);
  EXPECT_NE(r.error().detail.find("larger than"), std::string::npos);
}

}  // namespace
}  // namespace cloudchain::node
