#pragma once
// The node's home directory and `cloudchaind init`.
//
//   HOME/config.toml    local settings (config.hpp)
//   HOME/genesis.json   the network's parameters (genesis.hpp)
//   HOME/admin.token    64 hex digits + newline: the bearer token of the admin API, mode 0600
//   HOME/validator.key  PoS: this node's consensus private key, 64 hex digits + newline, mode 0600
//                       (absent: the node follows consensus without signing)
//   HOME/data/          the RocksDB database (storage::Database); PoS validators also keep
//                       data/validator_state there (the signing guard, consensus/pos/signer.hpp)
//   HOME/mempool.dat    pending transactions saved at shutdown (mempool::Mempool::save)
//
// Every file is written through a temporary and a rename (file_io.hpp), so a crash
// during init leaves each file whole or absent. Thread-safe (no shared state).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "node/config.hpp"
#include "node/genesis.hpp"

namespace cloudchain::node {

struct HomePaths {
  std::filesystem::path home;
  std::filesystem::path config;
  std::filesystem::path genesis;
  std::filesystem::path admin_token;
  std::filesystem::path data;
  std::filesystem::path mempool;
};
HomePaths home_paths(const std::filesystem::path& home);

inline constexpr std::uint32_t kDefaultChainId = 1001;
inline constexpr std::string_view kDefaultNetwork = "ccdev";

/// What `cloudchaind init` was asked for, as typed on the command line.
struct InitOptions {
  std::filesystem::path home;
  std::string network{kDefaultNetwork};
  std::int64_t chain_id = kDefaultChainId;    // signed: a negative flag is reported, not wrapped
  std::vector<std::string> allocs;            // "ADDRESS=AMOUNT", ADDRESS of `network`
  std::optional<std::int64_t> block_time_ms;  // PoW: the target block time (the genesis difficulty scales)
  /// Set: a proof-of-stake genesis with these validators and parameters (consensus
  /// "pos", no PoW parameters, block_time_ms ignored); unset: proof of work.
  std::optional<PosGenesis> pos;
  bool force = false;
  /// What config.toml is written with (every key at its default unless a caller, such
  /// as `cloudchain devnet up`, sets some); addresses are rendered with `network`.
  Config config;
};

struct InitResult {
  Genesis genesis;
  HomePaths paths;
  std::vector<std::filesystem::path> removed;  // with --force: old data and mempool file deleted
};

/// Creates the home (and its parents) and writes genesis.json (default_genesis at
/// `now_ms` with the flags applied; the same options and `now_ms` give the same file, so
/// several homes of one network can be made by several calls), config.toml
/// (`options.config`, by default every key at its default) and
/// admin.token (32 bytes from the OS random generator, mode 0600).
///
/// A different --block-time-ms scales the genesis target with it (a block time twice as
/// long starts twice as hard), so the first blocks already come at about the asked pace.
///
/// Refuses (kHomeExists) when config.toml, genesis.json or admin.token already exists,
/// unless `force`: then it overwrites them and deletes HOME/data and HOME/mempool.dat,
/// which belong to the old genesis (a node refuses a database of another genesis).
/// Errors: kHomeExists; kOutOfRange, kBadValue (a flag, named: "command line: --alloc:
/// ..."); kInconsistent (an address allocated twice, allocations above u64); kIo.
util::Result<InitResult, ConfigError> init_home(const InitOptions& options, std::uint64_t now_ms);

/// Reads HOME/admin.token. Errors: kFileMissing, kIo, kBadValue (not 64 lower-case hex
/// digits and an optional newline; or readable by group or others, which a secret must
/// not be).
util::Result<std::string, ConfigError> load_admin_token(const std::filesystem::path& path);
/// The same rules for any 32-byte secret kept as hex (HOME/validator.key too).
util::Result<std::string, ConfigError> load_hex_secret(const std::filesystem::path& path);

}  // namespace cloudchain::node
