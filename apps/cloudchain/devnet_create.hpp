#pragma once
// Making the files of a network: the homes of `cloudchain devnet up` (N nodes on
// loopback) and `cloudchain testnet init` (one node per host). docs/cli.md describes
// the layout each writes.
//
// Every home of one network gets a byte-identical genesis.json: node::init_home is
// called for each with the same options and the same genesis time. Keys are fresh from
// the OS random generator.
//
// Main thread only.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "crypto/address.hpp"
#include "crypto/keys.hpp"
#include "devnet.hpp"

namespace cloudchain::cli::devnet {

/// Base units given to each pre-funded load account, and to the faucet.
inline constexpr std::uint64_t kAccountFunds = 100'000'000'000'000;       // 10^14
inline constexpr std::uint64_t kFaucetFunds = 1'000'000'000'000'000'000;  // 10^18
inline constexpr std::size_t kMaxAccounts = 4096;
inline constexpr std::size_t kMaxNodes = 64;

struct CreateOptions {
  fs::path dir;  // absolute; must not hold a devnet yet
  std::size_t nodes = 4;
  std::string consensus = "pow";  // "pos": every node a validator, no miners
  std::size_t miners = 1;         // PoW: node0 .. node<miners-1> mine, one thread each
  std::uint16_t base_port = 8645;
  std::size_t accounts = 64;
  std::int64_t block_time_ms = 1000;
  fs::path daemon;
};

/// Base units each PoS devnet validator has bonded at genesis.
inline constexpr std::uint64_t kValidatorStake = 1'000'000'000'000;  // 10^12

/// Creates D/keys (miner and faucet keys, on PoS also validator<i>: the account that holds
/// node<i>'s stake; node<i>/validator.key is its consensus key), KDF "minimal", password in D/password),
/// D/accounts.json (the load accounts' secrets, mode 0600), D/node<i>/ homes (genesis
/// funding the faucet and the accounts; config.toml with loopback API and P2P ports
/// probed free from base_port upwards, every other node as a seed, mining on the first
/// `miners` nodes) and returns the state (not yet saved, no pids). Errors: a sentence.
util::Result<State, std::string> create_devnet(const CreateOptions& options, std::uint64_t now_ms);

/// One pre-funded account of D/accounts.json.
struct Account {
  crypto::Address address{};
  crypto::PrivateKey key;
};

/// Reads D/accounts.json. Errors: a sentence naming the file and the field.
util::Result<std::vector<Account>, std::string> load_accounts(const fs::path& path, std::string_view network);

struct TestnetOptions {
  std::vector<std::string> hosts;  // as given: IP addresses or DNS names
  fs::path out;                    // must not exist
  std::uint16_t p2p_port = 8646;
  std::uint16_t api_port = 8645;
  bool public_api = false;  // API on 0.0.0.0 instead of 127.0.0.1
  std::string network = "cctest";
  std::int64_t chain_id = 2001;
  std::optional<std::int64_t> block_time_ms;
};

struct TestnetResult {
  std::vector<fs::path> homes;  // out/<host>
  fs::path faucet_keystore;     // out/faucet/keys
  fs::path faucet_password;     // out/faucet/password
  std::string faucet_address;
  std::string genesis_hash;  // hex
};

/// Checks the host list (non-empty names, IP addresses or DNS names, no duplicates, no
/// ports) and writes out/<host>/ (config.toml listening on 0.0.0.0:p2p_port with every
/// other host as a seed, mining one thread to the faucet; genesis.json; admin.token) and
/// out/faucet/ (a keystore with the funded faucet key and its random password).
/// Errors: a sentence; nothing is left behind when the host list or flags are bad.
util::Result<TestnetResult, std::string> create_testnet(const TestnetOptions& options, std::uint64_t now_ms);

/// The directory name for a host: the host with ':' (IPv6) replaced by '_'.
std::string host_dir_name(std::string_view host);

}  // namespace cloudchain::cli::devnet
