#pragma once
// config.toml: the node's local settings (what one operator may choose differently from
// another without leaving the network). Every key, its default and meaning are listed in
// docs/node.md; `cloudchaind init` writes a file with every key at its default.
//
// Parsing is strict: unknown keys and sections are errors (a typo must not silently
// become a default), every value is type- and range-checked, and every error names the
// file and the dotted key: "<path>/config.toml: mining.threads: expected an integer in
// 1..256, got 0". Absent keys and sections take their defaults.
//
// Addresses are checked against the network prefix of the genesis file, so the genesis
// is read first. Pure apart from reading the file; thread-safe.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/address.hpp"
#include "mempool/mempool.hpp"
#include "node/error.hpp"
#include "node/fields.hpp"
#include "p2p/network.hpp"

namespace cloudchain::node {

inline constexpr std::uint32_t kMaxMinerThreads = 256;

struct ApiConfig {
  bool enabled = true;
  Endpoint listen{"127.0.0.1", 8645};
  std::uint32_t max_connections = 64;     // 1..65536
  std::vector<std::string> cors_origins;  // exact Origin values answered with CORS headers
  friend bool operator==(const ApiConfig&, const ApiConfig&) = default;
};

struct MiningConfig {
  bool enabled = false;
  std::optional<crypto::Address> address;  // the beneficiary of mined blocks
  std::uint32_t threads = 1;               // 1..kMaxMinerThreads
  // New transactions rebuild the template at most this often (a new tip always does).
  std::uint64_t template_interval_ms = 500;  // 10..60000
  friend bool operator==(const MiningConfig&, const MiningConfig&) = default;
};

struct StorageConfig {
  std::uint64_t cache_mb = 64;  // RocksDB block cache, 1..65536 MiB
  int max_open_files = 512;     // -1 (unbounded) or 16..1000000
  friend bool operator==(const StorageConfig&, const StorageConfig&) = default;
};

struct Config {
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
  ApiConfig api;
  p2p::NetworkConfig p2p;  // [p2p]; listen_host is an IP address, seeds are "host:port"
  MiningConfig mining;
  mempool::Limits mempool;
  StorageConfig storage;
};

/// Parses config.toml text. `file` names the file in error messages; `network` is the
/// genesis network prefix addresses must carry. Errors: kSyntax, kUnknownKey,
/// kWrongType, kOutOfRange, kBadValue (each naming file and key).
util::Result<Config, ConfigError> parse_config(std::string_view text, std::string_view file, std::string_view network);

/// Reads and parses the file. Errors: kFileMissing, kIo, and parse_config's.
util::Result<Config, ConfigError> load_config(const std::filesystem::path& path, std::string_view network);

/// Command-line flags that override config.toml (cloudchaind --mine, ...). Unset fields
/// leave the config as it is. Strings are checked here, as the config's are.
struct Overrides {
  std::optional<bool> mine;
  std::optional<std::string> miner_address;
  std::optional<std::int64_t> threads;
  std::optional<std::string> api_listen;
  std::optional<std::string> log_level;
  std::optional<std::string> p2p_listen;
  /// --seed, repeatable: replaces p2p.seeds when given at least once.
  std::vector<std::string> seeds;
};

/// Applies `overrides` to `config`. Errors name the flag: "command line: --threads:
/// expected an integer in 1..256, got 0" (kOutOfRange, kBadValue).
util::Result<void, ConfigError> apply_overrides(Config& config, const Overrides& overrides, std::string_view network);

/// Rules across keys, checked once flags are applied: mining enabled needs a miner
/// address; p2p.idle_timeout_ms must exceed p2p.ping_interval_ms (a quiet but healthy
/// peer pings that often) (kInconsistent).
util::Result<void, ConfigError> check_config(const Config& config);

/// The text `cloudchaind init` writes: every key at its value in `config`, with a comment
/// saying what it is. parse_config(render_config(c)) == c.
std::string render_config(const Config& config, std::string_view network);

}  // namespace cloudchain::node
