#include "devnet_create.hpp"

#include <sys/random.h>

#include <cerrno>
#include <set>

#include "node/chain_setup.hpp"
#include "node/fields.hpp"
#include "node/file_io.hpp"
#include "node/home.hpp"
#include "node/pos_driver.hpp"
#include "util/hex.hpp"
#include "wallet/keystore.hpp"
#include "wallet/keystore_dir.hpp"

namespace cloudchain::cli::devnet {

namespace {

using Json = nlohmann::json;

std::unexpected<util::Error<std::string>> fail(std::string message) {
  return std::unexpected(util::Error<std::string>{"", std::move(message)});
}

/// `bytes` random bytes from the OS as hex.
util::Result<std::string, std::string> random_hex(std::size_t bytes) {
  util::Bytes out(bytes);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("getrandom failed");
    }
    done += static_cast<std::size_t>(n);
  }
  return util::to_hex(out);
}

/// A new key encrypted under `password` (KDF `profile`) saved in `keystore` with `label`.
util::Result<crypto::Address, std::string> new_key(const wallet::Keystore& keystore, std::string_view password,
                                                   std::string_view network, wallet::KdfProfile profile,
                                                   std::string_view label) {
  const crypto::PrivateKey key = crypto::PrivateKey::generate();
  auto file = wallet::encrypt_key(key, password, network, profile, label);
  if (!file) return fail("cannot encrypt the " + std::string(label) + " key: " + file.error().detail);
  if (auto saved = keystore.save(*file); !saved) {
    return fail("cannot save the " + std::string(label) + " key in " + keystore.dir().string() + ": " +
                saved.error().detail);
  }
  return crypto::address_of(key.public_key());
}

util::Result<void, std::string> write_file(const fs::path& path, std::string_view text, mode_t mode) {
  if (auto ok = node::write_file_atomic(path, text, mode); !ok) return fail(ok.error().detail);
  return {};
}

std::string alloc_arg(std::string_view network, const crypto::Address& address, std::uint64_t amount) {
  return crypto::encode_address(network, address) + "=" + std::to_string(amount);
}

/// A directory that must not exist yet (or be empty), created with its parents.
util::Result<void, std::string> make_fresh_dir(const fs::path& dir, std::string_view what) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
    return fail(std::string(what) + " " + dir.string() + " already exists and is not empty");
  }
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  return {};
}

}  // namespace

std::string host_dir_name(std::string_view host) {
  std::string out(host);
  for (char& c : out) {
    if (c == ':') c = '_';
  }
  return out;
}

util::Result<State, std::string> create_devnet(const CreateOptions& o, std::uint64_t now_ms) {
  if (o.nodes < 1 || o.nodes > kMaxNodes) {
    return fail("--nodes: expected 1.." + std::to_string(kMaxNodes) + ", got " + std::to_string(o.nodes));
  }
  if (o.miners > o.nodes) {
    return fail("--miners: expected 0.." + std::to_string(o.nodes) + " (at most --nodes), got " +
                std::to_string(o.miners));
  }
  if (o.accounts < 1 || o.accounts > kMaxAccounts) {
    return fail("--accounts: expected 1.." + std::to_string(kMaxAccounts) + ", got " + std::to_string(o.accounts));
  }
  if (o.block_time_ms < 1 || static_cast<std::uint64_t>(o.block_time_ms) > consensus::kMaxTargetBlockTimeMs) {
    return fail("--block-time-ms: expected an integer in 1.." + std::to_string(consensus::kMaxTargetBlockTimeMs) +
                ", got " + std::to_string(o.block_time_ms));
  }
  auto ports = pick_ports(o.base_port, 2 * o.nodes);
  if (!ports) return std::unexpected(ports.error());
  if (auto ok = make_fresh_dir(o.dir, "--dir"); !ok) return std::unexpected(ok.error());

  State s;
  s.dir = o.dir;
  s.network = std::string(node::kDefaultNetwork);
  s.chain_id = node::kDefaultChainId;
  s.consensus = o.consensus;
  if (s.consensus != "pow" && s.consensus != "pos") {
    return fail("--consensus: expected \"pow\" or \"pos\", got \"" + s.consensus + "\"");
  }
  const bool pos = s.consensus == "pos";
  s.daemon = o.daemon;
  s.keystore = o.dir / "keys";
  s.password_file = o.dir / "password";
  s.accounts_file = o.dir / "accounts.json";

  auto password = random_hex(16);
  if (!password) return std::unexpected(password.error());
  if (auto ok = write_file(s.password_file, *password + "\n", 0600); !ok) return std::unexpected(ok.error());
  auto keystore = wallet::Keystore::create(s.keystore);
  if (!keystore) return fail(s.keystore.string() + ": " + keystore.error().detail);
  auto miner = new_key(*keystore, *password, s.network, wallet::KdfProfile::kMinimal, "miner");
  if (!miner) return std::unexpected(miner.error());
  auto faucet = new_key(*keystore, *password, s.network, wallet::KdfProfile::kMinimal, "faucet");
  if (!faucet) return std::unexpected(faucet.error());

  node::InitOptions init;
  init.network = s.network;
  init.chain_id = s.chain_id;
  init.block_time_ms = o.block_time_ms;
  init.allocs.push_back(alloc_arg(s.network, *faucet, kFaucetFunds));
  Json accounts = Json::array();
  for (std::size_t i = 0; i < o.accounts; ++i) {
    const crypto::PrivateKey key = crypto::PrivateKey::generate();
    const crypto::Address address = crypto::address_of(key.public_key());
    accounts.push_back(
        Json{{"address", crypto::encode_address(s.network, address)}, {"secret", util::to_hex(key.bytes())}});
    init.allocs.push_back(alloc_arg(s.network, address, kAccountFunds));
  }
  std::vector<crypto::PrivateKey> consensus_keys;
  if (pos) {
    // Every node a validator with an equal stake; parameters for a quick local network
    // (docs/cli.md "devnet up --consensus pos").
    node::PosGenesis p;
    p.epoch_blocks = 20;
    p.max_validators = static_cast<std::uint32_t>(std::max<std::size_t>(o.nodes, 16));
    p.min_stake = kValidatorStake / 10;
    p.block_time_ms = static_cast<std::uint64_t>(o.block_time_ms);
    p.bft = consensus::pos::BftParams{1500, 500, 500, 250, 500, 250};
    for (std::size_t i = 0; i < o.nodes; ++i) {
      auto payout =
          new_key(*keystore, *password, s.network, wallet::KdfProfile::kMinimal, "validator" + std::to_string(i));
      if (!payout) return std::unexpected(payout.error());
      consensus_keys.push_back(crypto::PrivateKey::generate());
      p.validators.push_back({consensus_keys.back().public_key(), kValidatorStake, *payout});
      // The consensus key's own account pays the fees of the evidence it reports.
      init.allocs.push_back(
          alloc_arg(s.network, crypto::address_of(consensus_keys.back().public_key()), kAccountFunds));
    }
    init.pos = std::move(p);
  }
  const Json accounts_doc{{"network", s.network}, {"chain_id", s.chain_id}, {"accounts", accounts}};
  if (auto ok = write_file(s.accounts_file, accounts_doc.dump(1) + "\n", 0600); !ok) return std::unexpected(ok.error());

  const auto loopback = [](std::uint16_t port) { return node::Endpoint{"127.0.0.1", port}; };
  for (std::size_t i = 0; i < o.nodes; ++i) {
    NodeEntry n;
    n.name = "node" + std::to_string(i);
    n.home = o.dir / n.name;
    n.log = n.home / "cloudchaind.log";
    n.pid_file = n.home / "cloudchaind.pid";
    n.api = loopback((*ports)[2 * i]).to_string();
    n.p2p = loopback((*ports)[2 * i + 1]).to_string();
    n.miner = !pos && i < o.miners;
    s.nodes.push_back(std::move(n));
  }
  for (std::size_t i = 0; i < s.nodes.size(); ++i) {
    const NodeEntry& n = s.nodes[i];
    node::Config& c = init.config;
    c = node::Config{};
    c.api.listen = loopback((*ports)[2 * i]);
    c.p2p.listen_host = "127.0.0.1";
    c.p2p.listen_port = (*ports)[2 * i + 1];
    for (const NodeEntry& other : s.nodes) {
      if (other.name != n.name) c.p2p.seeds.push_back(other.p2p);
    }
    c.mining.enabled = n.miner;
    c.mining.address = *miner;
    c.mining.threads = 1;
    // `devnet load` sends many transactions per account between two blocks.
    c.mempool.max_per_sender = 4096;
    c.mempool.max_nonce_ahead = 4096;
    init.home = n.home;
    if (auto r = node::init_home(init, now_ms); !r) return fail(r.error().detail);
    if (pos) {
      if (auto k = node::save_validator_key(n.home / "validator.key", consensus_keys[i]); !k) return fail(k.error());
    }
  }
  return s;
}

util::Result<std::vector<Account>, std::string> load_accounts(const fs::path& path, std::string_view network) {
  auto text = node::read_text_file(path);
  if (!text) return fail(text.error().detail);
  const auto bad = [&](const std::string& why) { return fail(path.string() + ": " + why); };
  auto doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("accounts") || !doc["accounts"].is_array()) {
    return bad("expected {\"accounts\": [...]}");
  }
  std::vector<Account> out;
  for (std::size_t i = 0; i < doc["accounts"].size(); ++i) {
    const Json& a = doc["accounts"][i];
    const std::string where = "accounts[" + std::to_string(i) + "]";
    if (!a.is_object() || !a.contains("address") || !a["address"].is_string() || !a.contains("secret") ||
        !a["secret"].is_string()) {
      return bad(where + ": expected {\"address\": ..., \"secret\": ...}");
    }
    auto secret = util::from_hex_array<32>(a["secret"].get<std::string>());
    if (!secret) return bad(where + ".secret: not 64 hex digits");
    auto key = crypto::PrivateKey::from_bytes(*secret);
    if (!key) return bad(where + ".secret: not a private key");
    auto address = crypto::decode_address(a["address"].get<std::string>(), network);
    if (!address) return bad(where + ".address: not an address of network " + std::string(network));
    if (crypto::address_of(key->public_key()) != *address)
      return bad(where + ": the secret does not match the address");
    out.push_back(Account{*address, *key});
  }
  if (out.empty()) return bad("no accounts");
  return out;
}

util::Result<TestnetResult, std::string> create_testnet(const TestnetOptions& o, std::uint64_t now_ms) {
  if (o.hosts.empty()) return fail("--hosts: expected a comma-separated list of host names or IP addresses");
  std::set<std::string> seen;
  std::vector<std::string> seeds;  // host:port, in the hosts' order
  for (const std::string& host : o.hosts) {
    if (host.empty()) return fail("--hosts: an empty entry (two commas, or a comma at an end)");
    const bool v6 = host.find(':') != std::string::npos;
    const std::string endpoint = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(o.p2p_port);
    const std::optional<node::Endpoint> parsed = node::parse_endpoint(endpoint);
    if (!parsed || (v6 && !node::is_ip_address(host))) {
      return fail("--hosts: " + node::quote(host) +
                  " is not a host name or IP address (no ports here: every node uses --p2p-port)");
    }
    if (!seen.insert(host).second) return fail("--hosts: " + node::quote(host) + " is listed twice");
    seeds.push_back(parsed->to_string());
  }
  if (o.p2p_port == 0 || o.api_port == 0) return fail("--p2p-port and --api-port: expected 1..65535");
  if (o.p2p_port == o.api_port) return fail("--p2p-port and --api-port must differ");
  if (!node::is_network_name(o.network)) {
    return fail("--network: expected 1..16 lower-case letters and digits starting with a letter, got " +
                node::quote(o.network));
  }
  if (o.chain_id < 1 || o.chain_id > 0xFFFFFFFF) {
    return fail("--chain-id: expected an integer in 1..4294967295, got " + std::to_string(o.chain_id));
  }
  const auto max_block_time = static_cast<std::int64_t>(consensus::kMaxTargetBlockTimeMs);
  if (o.block_time_ms && (*o.block_time_ms < 1 || *o.block_time_ms > max_block_time)) {
    return fail("--block-time-ms: expected an integer in 1.." + std::to_string(max_block_time) + ", got " +
                std::to_string(*o.block_time_ms));
  }
  {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(o.out, ec))) {
      return fail("--out: " + o.out.string() + " already exists (choose a new directory)");
    }
  }

  TestnetResult result;
  result.faucet_keystore = o.out / "faucet" / "keys";
  result.faucet_password = o.out / "faucet" / "password";
  if (auto ok = make_fresh_dir(o.out / "faucet", "--out"); !ok) return std::unexpected(ok.error());
  auto password = random_hex(16);
  if (!password) return std::unexpected(password.error());
  if (auto ok = write_file(result.faucet_password, *password + "\n", 0600); !ok) return std::unexpected(ok.error());
  auto keystore = wallet::Keystore::create(result.faucet_keystore);
  if (!keystore) return fail(result.faucet_keystore.string() + ": " + keystore.error().detail);
  auto faucet = new_key(*keystore, *password, o.network, wallet::KdfProfile::kInteractive, "faucet");
  if (!faucet) return std::unexpected(faucet.error());
  result.faucet_address = crypto::encode_address(o.network, *faucet);

  node::InitOptions init;
  init.network = o.network;
  init.chain_id = o.chain_id;
  init.block_time_ms = o.block_time_ms;
  init.allocs.push_back(alloc_arg(o.network, *faucet, kFaucetFunds));
  for (std::size_t i = 0; i < o.hosts.size(); ++i) {
    node::Config& c = init.config;
    c = node::Config{};
    c.api.listen = node::Endpoint{o.public_api ? "0.0.0.0" : "127.0.0.1", o.api_port};
    c.p2p.listen_host = "0.0.0.0";
    c.p2p.listen_port = o.p2p_port;
    for (std::size_t j = 0; j < seeds.size(); ++j) {
      if (j != i) c.p2p.seeds.push_back(seeds[j]);
    }
    c.mining.enabled = true;
    c.mining.address = *faucet;
    c.mining.threads = 1;
    init.home = o.out / host_dir_name(o.hosts[i]);
    auto r = node::init_home(init, now_ms);
    if (!r) return fail(r.error().detail);
    if (i == 0) {
      auto params = node::make_chain_params(r->genesis);
      if (!params) return fail(params.error().detail);
      result.genesis_hash = util::to_hex(params->genesis.hash);
    }
    result.homes.push_back(init.home);
  }
  return result;
}

}  // namespace cloudchain::cli::devnet
