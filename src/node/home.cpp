#include "node/home.hpp"

#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "node/fields.hpp"
#include "node/file_io.hpp"
#include "primitives/header.hpp"
#include "util/hex.hpp"
#include "util/uint256.hpp"

namespace cloudchain::node {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCommandLine = "command line";
constexpr std::size_t kTokenBytes = 32;

util::Result<util::ByteArray<kTokenBytes>, ConfigError> random_token() {
  util::ByteArray<kTokenBytes> out{};
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return config_fail(ConfigError::kIo, "admin.token", "", std::string("getrandom: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return out;
}

/// The genesis target scaled by default block time / block time (a block time four
/// times as long needs four times the hashes per block), clamped to the limit.
std::uint32_t scaled_bits(const Genesis& g, std::uint64_t default_block_time_ms) {
  const auto target = primitives::target_from_bits(g.pow.genesis_bits);
  const util::Uint256 base = util::Uint256::from_be(*target);
  const util::Uint256 limit = util::Uint256::from_be(g.pow.pow_limit);
  // base is below 2^240 and the default time small, so the product fits; if a caller
  // ever passes more, the limit applies.
  const auto product = util::Uint256::checked_mul(base, default_block_time_ms);
  util::Uint256 scaled = product ? *product / util::Uint256(g.pow.target_block_time_ms) : limit;
  if (scaled > limit) scaled = limit;
  if (scaled.is_zero()) scaled = util::Uint256(1);
  return primitives::bits_from_target(scaled.to_be());
}

util::Result<void, ConfigError> remove_path(const fs::path& path, std::vector<fs::path>& removed) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return {};
  fs::remove_all(path, ec);
  if (ec) return config_fail(ConfigError::kIo, path.string(), "", "cannot remove: " + ec.message());
  removed.push_back(path);
  return {};
}

}  // namespace

HomePaths home_paths(const fs::path& home) {
  return HomePaths{home,          home / "config.toml", home / "genesis.json", home / "admin.token",
                   home / "data", home / "mempool.dat"};
}

util::Result<InitResult, ConfigError> init_home(const InitOptions& options, std::uint64_t now_ms) {
  if (options.home.empty()) return config_fail(ConfigError::kBadValue, kCommandLine, "--home", "must not be empty");
  if (!is_network_name(options.network)) {
    return config_fail(
        ConfigError::kBadValue, kCommandLine, "--network",
        "expected 1..16 lower-case letters and digits starting with a letter, got " + quote(options.network));
  }
  if (options.chain_id < 1 || options.chain_id > 0xFFFFFFFF) {
    return config_fail(ConfigError::kOutOfRange, kCommandLine, "--chain-id",
                       "expected an integer in 1..4294967295, got " + std::to_string(options.chain_id));
  }
  Genesis genesis = default_genesis(static_cast<std::uint32_t>(options.chain_id), options.network, now_ms);
  if (options.pos) {
    genesis.consensus = "pos";
    genesis.pow = consensus::PowParams{};
    genesis.pos = *options.pos;
  } else if (options.block_time_ms) {
    const auto max = static_cast<std::int64_t>(consensus::kMaxTargetBlockTimeMs);
    if (*options.block_time_ms < 1 || *options.block_time_ms > max) {
      return config_fail(
          ConfigError::kOutOfRange, kCommandLine, "--block-time-ms",
          "expected an integer in 1.." + std::to_string(max) + ", got " + std::to_string(*options.block_time_ms));
    }
    const std::uint64_t default_time = genesis.pow.target_block_time_ms;
    genesis.pow.target_block_time_ms = static_cast<std::uint64_t>(*options.block_time_ms);
    genesis.pow.genesis_bits = scaled_bits(genesis, default_time);
  }
  for (const std::string& alloc : options.allocs) {
    const std::size_t eq = alloc.rfind('=');
    if (eq == std::string::npos) {
      return config_fail(ConfigError::kBadValue, kCommandLine, "--alloc",
                         "expected ADDRESS=AMOUNT, got " + quote(alloc));
    }
    auto address = parse_address(std::string_view(alloc).substr(0, eq), options.network);
    if (!address) return config_fail(ConfigError::kBadValue, kCommandLine, "--alloc", address.error());
    const std::string_view amount_text = std::string_view(alloc).substr(eq + 1);
    const std::optional<std::uint64_t> amount = parse_decimal_u64(amount_text);
    if (!amount || *amount == 0) {
      return config_fail(ConfigError::kBadValue, kCommandLine, "--alloc",
                         "expected a decimal amount in 1..18446744073709551615 base units, got " + quote(amount_text));
    }
    genesis.alloc.push_back(GenesisAlloc{*address, *amount});
  }
  if (auto ok = check_genesis(genesis, kCommandLine); !ok) return std::unexpected(ok.error());

  InitResult result{genesis, home_paths(options.home), {}};
  const HomePaths& paths = result.paths;
  std::error_code ec;
  fs::create_directories(paths.home, ec);
  if (ec) return config_fail(ConfigError::kIo, paths.home.string(), "", "cannot create directory: " + ec.message());
  if (!fs::is_directory(paths.home, ec)) {
    return config_fail(ConfigError::kIo, paths.home.string(), "", "not a directory");
  }
  for (const fs::path& file : {paths.config, paths.genesis, paths.admin_token}) {
    if (fs::exists(fs::symlink_status(file, ec)) && !options.force) {
      return config_fail(ConfigError::kHomeExists, file.string(), "",
                         "already exists: this home is initialized (use --force to overwrite it and delete its "
                         "chain data)");
    }
  }
  if (options.force) {
    if (auto ok = remove_path(paths.data, result.removed); !ok) return std::unexpected(ok.error());
    if (auto ok = remove_path(paths.mempool, result.removed); !ok) return std::unexpected(ok.error());
  }

  auto token = random_token();
  if (!token) return std::unexpected(token.error());
  if (auto ok = write_file_atomic(paths.genesis, render_genesis(genesis), 0644); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = write_file_atomic(paths.config, render_config(options.config, genesis.network), 0644); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = write_file_atomic(paths.admin_token, util::to_hex(*token) + "\n", 0600); !ok) {
    return std::unexpected(ok.error());
  }
  return result;
}

util::Result<std::string, ConfigError> load_hex_secret(const fs::path& path) {
  auto text = read_text_file(path);
  if (!text) return std::unexpected(text.error());
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    return config_fail(ConfigError::kIo, path.string(), "", std::string("cannot stat: ") + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return config_fail(ConfigError::kBadValue, path.string(), "",
                       "readable by group or others; a secret must be mode 0600 (chmod 600 " + path.string() + ")");
  }
  std::string token = *text;
  if (token.ends_with('\n')) token.pop_back();
  const bool lower_hex = token.size() == 2 * kTokenBytes && std::all_of(token.begin(), token.end(), [](char c) {
                           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                         });
  if (!lower_hex) return config_fail(ConfigError::kBadValue, path.string(), "", "expected 64 lower-case hex digits");
  return token;
}

util::Result<std::string, ConfigError> load_admin_token(const fs::path& path) { return load_hex_secret(path); }

}  // namespace cloudchain::node
