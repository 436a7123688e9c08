#pragma once
// What every command shares: the process's streams and environment (Io), the global
// options, and lazily made connections to the node and the keystore. Commands run on the
// main thread only; a Context is not shared between threads.
//
// Resolution rules (docs/cli.md):
//   node URL      --node, else $CLOUDCHAIN_NODE, else http://127.0.0.1:8645
//   keystore      --keystore, else $CLOUDCHAIN_KEYSTORE, else $HOME/.cloudchain/keys
//   network       --network; else the node's /v1/status "network" (chain commands
//                 require the two to agree); for key commands with no reachable node, ccdev
//   password      --password-file (first line), else $CLOUDCHAIN_PASSWORD, else a prompt
//                 with echo off when stdin is a terminal, else an error

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crypto/address.hpp"
#include "node_client.hpp"
#include "wallet/keystore.hpp"
#include "wallet/keystore_dir.hpp"

namespace cloudchain::cli {

inline constexpr std::string_view kDefaultNodeUrl = "http://127.0.0.1:8645";
inline constexpr std::string_view kDefaultNetwork = "ccdev";

/// The process's view of the outside world, injected so tests run commands in-process.
struct Io {
  std::ostream& out;  // results (human text or JSON)
  std::ostream& err;  // errors, notes and prompts' companions
  /// Environment lookup; nullopt when unset.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  /// Prints `prompt` and reads one line from the terminal with echo off; nullopt when
  /// stdin is not a terminal (or the read fails).
  std::function<std::optional<std::string>(std::string_view prompt)> read_secret;
};

struct GlobalOptions {
  std::string node;           // empty: not given
  std::string keystore;       // empty: not given
  std::string network;        // empty: not given
  std::string password_file;  // empty: not given
  bool json = false;
  unsigned timeout_s = 10;
};

class Context {
 public:
  /// Borrows `io` and `options` (the latter is filled while the command line is parsed,
  /// and read only when a command runs); both must outlive the Context.
  Context(Io& io, const GlobalOptions& options) : m_io(io), m_options(options) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  Io& io() { return m_io; }
  bool json() const { return m_options.json; }
  const GlobalOptions& options() const { return m_options; }

  /// The node client (made on first use). Throws usage_error for a bad URL.
  const NodeClient& node();
  /// GET/POST through node(); throws failure(NodeError::message) on any error.
  nlohmann::json node_get(std::string_view path);
  nlohmann::json node_post(std::string_view path, const nlohmann::json& body);

  /// The node's /v1/status document (fetched once). Throws failure when unreachable.
  const nlohmann::json& status();
  /// The node's network prefix; throws failure when --network names another network.
  std::string chain_network();
  /// The node's chain id.
  std::uint32_t chain_id();
  /// The prefix for new keys: --network, else the node's (when it answers within a short
  /// time), else kDefaultNetwork with a note on stderr.
  std::string network_for_keys();
  /// The prefix to show addresses with when no node is needed: --network or "".
  std::string network_if_known() const { return m_options.network; }

  std::filesystem::path keystore_dir() const;
  /// Opens the keystore (throws failure when it does not exist or is unusable).
  wallet::Keystore open_keystore() const;
  /// Opens or creates the keystore.
  wallet::Keystore create_keystore() const;
  /// The key file named by address or label (throws failure when absent or ambiguous).
  wallet::KeystoreFile load_key(std::string_view address_or_label) const;

  /// Obtains the password (see the rules above). `confirm` asks twice at a prompt and
  /// refuses an empty password (for new keys). Throws failure when none can be obtained.
  wallet::Password password(std::string_view purpose, bool confirm);
  /// Decrypts `file` with password(); throws failure on a wrong password.
  crypto::PrivateKey unlock(const wallet::KeystoreFile& file);

  /// An address on network `hrp`, or the address of a keystore key with that label.
  /// Throws usage_error with the address decoding error when it is neither.
  crypto::Address resolve_address(std::string_view address_or_label, std::string_view hrp) const;

  /// A line on stderr prefixed "note: " (never on stdout, which scripts parse).
  void note(std::string_view text);

 private:
  std::optional<std::string> env(const std::string& name) const {
    return m_io.getenv ? m_io.getenv(name) : std::nullopt;
  }

  Io& m_io;
  const GlobalOptions& m_options;
  std::optional<NodeClient> m_node;
  std::optional<nlohmann::json> m_status;
};

/// Reads a required field of a node document; throws failure naming the field when it is
/// missing or of another type. Amount-like fields may be decimal strings (api.md).
std::string json_string(const nlohmann::json& doc, const char* field);
std::uint64_t json_u64(const nlohmann::json& doc, const char* field);

}  // namespace cloudchain::cli
