#include "node/config.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "node/file_io.hpp"
#include "node/toml_reader.hpp"

namespace cloudchain::node {

namespace {

using detail::TomlTable;

constexpr std::string_view kCommandLine = "command line";

// Ranges (docs/node.md lists them with their reasons).
constexpr std::int64_t kMaxConnections = 65536;
constexpr std::int64_t kMinTemplateIntervalMs = 10;
constexpr std::int64_t kMaxTemplateIntervalMs = 60'000;
constexpr std::int64_t kMaxPoolCount = 10'000'000;
constexpr std::int64_t kMaxPoolBytes = std::int64_t{16} << 30;
constexpr std::int64_t kMaxPerSender = 100'000;
constexpr std::int64_t kMinExpiryMs = 1'000;
constexpr std::int64_t kMaxExpiryMs = std::int64_t{30} * 24 * 3600 * 1000;
constexpr std::int64_t kMaxFeePerByte = 1'000'000'000'000;
constexpr std::int64_t kMaxBumpPercent = 1000;
constexpr std::int64_t kMaxNonceAhead = 100'000;
constexpr std::int64_t kMaxCacheMb = 65536;
constexpr std::int64_t kMinOpenFiles = 16;
constexpr std::int64_t kMaxOpenFiles = 1'000'000;
constexpr std::int64_t kMaxInbound = 4096;
constexpr std::int64_t kMaxOutbound = 256;
constexpr std::int64_t kMaxBanSeconds = std::int64_t{365} * 24 * 3600;
constexpr std::int64_t kMinTimeoutMs = 100;
constexpr std::int64_t kMaxTimeoutMs = std::int64_t{24} * 3600 * 1000;

/// "expected HOST:PORT, got 'abc' (HOST is an IP address ...)".
std::string listen_message(std::string_view got) {
  return "expected HOST:PORT, got " + quote(got) + " (HOST is an IP address: 127.0.0.1, 0.0.0.0, [::1])";
}

/// An endpoint to bind: the API server binds IP addresses, never names.
std::optional<Endpoint> parse_listen(std::string_view text) {
  std::optional<Endpoint> endpoint = parse_endpoint(text);
  if (endpoint && !is_ip_address(endpoint->host)) return std::nullopt;
  return endpoint;
}

void read_log(TomlTable& root, Config& config) {
  TomlTable t = root.table("log");
  t.get("level", config.log_level);
  if (t.ok() && !is_log_level(config.log_level)) {
    t.fail(ConfigError::kBadValue, "level",
           "expected one of trace, debug, info, warn, error, critical, off, got " + quote(config.log_level));
  }
  t.finish();
}

void read_api(TomlTable& root, ApiConfig& api) {
  TomlTable t = root.table("api");
  t.get("enabled", api.enabled);
  std::string listen = api.listen.to_string();
  t.get("listen", listen);
  if (const std::optional<Endpoint> endpoint = parse_listen(listen)) {
    api.listen = *endpoint;
  } else {
    t.fail(ConfigError::kBadValue, "listen", listen_message(listen));
  }
  t.get_int("max_connections", 1, kMaxConnections, api.max_connections);
  t.get("cors_origins", api.cors_origins);
  for (const std::string& origin : api.cors_origins) {
    const bool printable = !origin.empty() && std::all_of(origin.begin(), origin.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
    });
    if (!printable) {
      t.fail(ConfigError::kBadValue, "cors_origins",
             "expected origins such as 'http://localhost:3000', got " + quote(origin));
    }
  }
  t.finish();
}

/// "expected HOST:PORT with PORT 1..65535, got ..." for a seed (HOST may be a name).
std::string seed_message(std::string_view got) {
  return "expected HOST:PORT with PORT in 1..65535 (HOST an IP address or a DNS name), got " + quote(got);
}

/// A peer to dial: any host form parse_endpoint takes, and a real port.
bool valid_seed(std::string_view text) {
  const std::optional<Endpoint> endpoint = parse_endpoint(text);
  return endpoint && endpoint->port != 0;
}

void read_p2p(TomlTable& root, p2p::NetworkConfig& p2p) {
  TomlTable t = root.table("p2p");
  t.get("enabled", p2p.enabled);
  std::string listen = Endpoint{p2p.listen_host, p2p.listen_port}.to_string();
  t.get("listen", listen);
  if (const std::optional<Endpoint> endpoint = parse_listen(listen)) {
    p2p.listen_host = endpoint->host;
    p2p.listen_port = endpoint->port;
  } else {
    t.fail(ConfigError::kBadValue, "listen", listen_message(listen));
  }
  t.get("seeds", p2p.seeds);
  for (const std::string& seed : p2p.seeds) {
    if (!valid_seed(seed)) t.fail(ConfigError::kBadValue, "seeds", seed_message(seed));
  }
  t.get_int("max_inbound", 0, kMaxInbound, p2p.max_inbound);
  t.get_int("max_outbound", 0, kMaxOutbound, p2p.max_outbound);
  t.get_int("ban_seconds", 1, kMaxBanSeconds, p2p.ban_seconds);
  t.get_int("handshake_timeout_ms", kMinTimeoutMs, kMaxTimeoutMs, p2p.handshake_timeout_ms);
  t.get_int("ping_interval_ms", kMinTimeoutMs, kMaxTimeoutMs, p2p.ping_interval_ms);
  t.get_int("ping_timeout_ms", kMinTimeoutMs, kMaxTimeoutMs, p2p.ping_timeout_ms);
  t.get_int("frame_timeout_ms", kMinTimeoutMs, kMaxTimeoutMs, p2p.frame_timeout_ms);
  t.get_int("idle_timeout_ms", kMinTimeoutMs, kMaxTimeoutMs, p2p.idle_timeout_ms);
  t.finish();
}

void read_mining(TomlTable& root, MiningConfig& mining, std::string_view network) {
  TomlTable t = root.table("mining");
  t.get("enabled", mining.enabled);
  const bool has_address = t.has("address");
  std::string address;
  t.get("address", address);
  if (t.ok() && has_address) {
    if (auto parsed = parse_address(address, network)) {
      mining.address = *parsed;
    } else {
      t.fail(ConfigError::kBadValue, "address", parsed.error());
    }
  }
  t.get_int("threads", 1, kMaxMinerThreads, mining.threads);
  t.get_int("template_interval_ms", kMinTemplateIntervalMs, kMaxTemplateIntervalMs, mining.template_interval_ms);
  t.finish();
}

void read_mempool(TomlTable& root, mempool::Limits& limits) {
  TomlTable t = root.table("mempool");
  t.get_int("max_count", 1, kMaxPoolCount, limits.max_count);
  t.get_int("max_bytes", 1, kMaxPoolBytes, limits.max_bytes);
  t.get_int("max_per_sender", 1, kMaxPerSender, limits.max_per_sender);
  t.get_int("expiry_ms", kMinExpiryMs, kMaxExpiryMs, limits.expiry_ms);
  t.get_int("min_fee_per_byte", 0, kMaxFeePerByte, limits.min_fee_per_byte);
  t.get_int("rbf_bump_percent", 0, kMaxBumpPercent, limits.rbf_bump_percent);
  t.get_int("max_nonce_ahead", 0, kMaxNonceAhead, limits.max_nonce_ahead);
  t.finish();
}

void read_storage(TomlTable& root, StorageConfig& storage) {
  TomlTable t = root.table("storage");
  t.get_int("cache_mb", 1, kMaxCacheMb, storage.cache_mb);
  t.get_int("max_open_files", -1, kMaxOpenFiles, storage.max_open_files);
  if (t.ok() && storage.max_open_files != -1 && storage.max_open_files < kMinOpenFiles) {
    t.fail(ConfigError::kOutOfRange, "max_open_files",
           "expected -1 (unbounded) or an integer in 16..1000000, got " + std::to_string(storage.max_open_files));
  }
  t.finish();
}

}  // namespace

util::Result<Config, ConfigError> parse_config(std::string_view text, std::string_view file, std::string_view network) {
  toml::value root;
  try {
    std::istringstream in{std::string(text)};
    root = toml::parse(in, std::string(file));
  } catch (const std::exception& e) {
    // toml11's message already carries the file, line and column.
    return config_fail(ConfigError::kSyntax, file, "", std::string("not valid TOML: ") + e.what());
  }
  Config config;
  detail::ErrorSlot errors;
  TomlTable t(&root, errors, file, "");
  read_log(t, config);
  read_api(t, config.api);
  read_p2p(t, config.p2p);
  read_mining(t, config.mining, network);
  read_mempool(t, config.mempool);
  read_storage(t, config.storage);
  t.finish();
  if (auto status = errors.status(); !status) return std::unexpected(status.error());
  return config;
}

util::Result<Config, ConfigError> load_config(const std::filesystem::path& path, std::string_view network) {
  auto text = read_text_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_config(*text, path.string(), network);
}

util::Result<void, ConfigError> apply_overrides(Config& config, const Overrides& overrides, std::string_view network) {
  if (overrides.mine) config.mining.enabled = *overrides.mine;
  if (overrides.miner_address) {
    auto parsed = parse_address(*overrides.miner_address, network);
    if (!parsed) return config_fail(ConfigError::kBadValue, kCommandLine, "--miner-address", parsed.error());
    config.mining.address = *parsed;
  }
  if (overrides.threads) {
    if (*overrides.threads < 1 || *overrides.threads > kMaxMinerThreads) {
      return config_fail(ConfigError::kOutOfRange, kCommandLine, "--threads",
                         "expected an integer in 1.." + std::to_string(kMaxMinerThreads) + ", got " +
                             std::to_string(*overrides.threads));
    }
    config.mining.threads = static_cast<std::uint32_t>(*overrides.threads);
  }
  if (overrides.api_listen) {
    const std::optional<Endpoint> endpoint = parse_listen(*overrides.api_listen);
    if (!endpoint) {
      return config_fail(ConfigError::kBadValue, kCommandLine, "--api-listen", listen_message(*overrides.api_listen));
    }
    config.api.listen = *endpoint;
  }
  if (overrides.log_level) {
    if (!is_log_level(*overrides.log_level)) {
      return config_fail(
          ConfigError::kBadValue, kCommandLine, "--log-level",
          "expected one of trace, debug, info, warn, error, critical, off, got " + quote(*overrides.log_level));
    }
    config.log_level = *overrides.log_level;
  }
  if (overrides.p2p_listen) {
    const std::optional<Endpoint> endpoint = parse_listen(*overrides.p2p_listen);
    if (!endpoint) {
      return config_fail(ConfigError::kBadValue, kCommandLine, "--p2p-listen", listen_message(*overrides.p2p_listen));
    }
    config.p2p.listen_host = endpoint->host;
    config.p2p.listen_port = endpoint->port;
  }
  for (const std::string& seed : overrides.seeds) {
    if (!valid_seed(seed)) return config_fail(ConfigError::kBadValue, kCommandLine, "--seed", seed_message(seed));
  }
  if (!overrides.seeds.empty()) config.p2p.seeds = overrides.seeds;
  return {};
}

util::Result<void, ConfigError> check_config(const Config& config) {
  if (config.mining.enabled && !config.mining.address) {
    return config_fail(ConfigError::kInconsistent, "config", "mining",
                       "mining is enabled but no miner address is set (mining.address in config.toml, or "
                       "--miner-address)");
  }
  if (config.p2p.idle_timeout_ms <= config.p2p.ping_interval_ms) {
    return config_fail(ConfigError::kInconsistent, "config", "p2p",
                       fmt::format("p2p.idle_timeout_ms ({}) must be above p2p.ping_interval_ms ({}): a healthy peer "
                                   "is quiet for up to one ping interval",
                                   config.p2p.idle_timeout_ms, config.p2p.ping_interval_ms));
  }
  return {};
}

std::string render_config(const Config& config, std::string_view network) {
  std::string cors;
  for (const std::string& origin : config.api.cors_origins) {
    cors += (cors.empty() ? "" : ", ") + fmt::format("\"{}\"", origin);
  }
  const std::string address =
      config.mining.address ? fmt::format("address = \"{}\"", crypto::encode_address(network, *config.mining.address))
                            : fmt::format("# address = \"{}1...\"", network);
  std::string seeds;
  for (const std::string& seed : config.p2p.seeds) {
    seeds += (seeds.empty() ? "" : ", ") + fmt::format("\"{}\"", seed);
  }
  const p2p::NetworkConfig& p = config.p2p;
  const mempool::Limits& m = config.mempool;
  return fmt::format(
      R"(# cloudchaind configuration: this node's local settings. docs/node.md lists every key.
# Command-line flags (--mine, --miner-address, --threads, --api-listen, --p2p-listen,
# --seed, --log-level) override these values. Unknown keys are errors.

[log]
# trace, debug, info, warn, error, critical or off.
level = "{}"

[api]
enabled = {}
# HOST:PORT the HTTP API listens on (port 0: any free port).
listen = "{}"
max_connections = {}
# Origins (e.g. "http://localhost:3000") that get CORS headers.
cors_origins = [{}]

[p2p]
enabled = {}
# HOST:PORT the peer-to-peer listener binds (an IP address; port 0: any free port).
listen = "{}"
# Peers dialled at start and whenever outbound peers are below max_outbound: "host:port".
seeds = [{}]
max_inbound = {}
max_outbound = {}
# A peer whose misbehaviour score reaches 100 is banned this long.
ban_seconds = {}
handshake_timeout_ms = {}
ping_interval_ms = {}
ping_timeout_ms = {}
# A frame whose first byte arrived must be complete this soon (slow-loris).
frame_timeout_ms = {}
idle_timeout_ms = {}

[mining]
enabled = {}
# The beneficiary of mined blocks: a bech32m address of network "{}".
{}
threads = {}
# New transactions rebuild the block template at most this often.
template_interval_ms = {}

[mempool]
max_count = {}
max_bytes = {}
max_per_sender = {}
expiry_ms = {}
min_fee_per_byte = {}
rbf_bump_percent = {}
max_nonce_ahead = {}

[storage]
cache_mb = {}
# -1: no limit on open table files.
max_open_files = {}
)",
      config.log_level, config.api.enabled, config.api.listen.to_string(), config.api.max_connections, cors, p.enabled,
      Endpoint{p.listen_host, p.listen_port}.to_string(), seeds, p.max_inbound, p.max_outbound, p.ban_seconds,
      p.handshake_timeout_ms, p.ping_interval_ms, p.ping_timeout_ms, p.frame_timeout_ms, p.idle_timeout_ms,
      config.mining.enabled, network, address, config.mining.threads, config.mining.template_interval_ms, m.max_count,
      m.max_bytes, m.max_per_sender, m.expiry_ms, m.min_fee_per_byte, m.rbf_bump_percent, m.max_nonce_ahead,
      config.storage.cache_mb, config.storage.max_open_files);
}

}  // namespace cloudchain::node
