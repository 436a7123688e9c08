#pragma once
// Why the node could not start, or could not take a file or flag it was given.
//
// ConfigError covers everything an operator wrote: config.toml, genesis.json, command
// line flags (cloudchaind exits with status 2 for any of them). The detail always names
// the file (or "command line") and the field, e.g.
//   "/home/n1/config.toml: api.listen: expected HOST:PORT, got 'abc'".
// NodeError covers what goes wrong while opening or running a node (status 1).

#include <string>
#include <string_view>

#include "util/error.hpp"

namespace cloudchain::node {

enum class ConfigError {
  kFileMissing,   // the file exists (a home is made by `cloudchaind init`)
  kIo,            // the file can be read or written
  kSyntax,        // the file is valid TOML / JSON (JSON: no key twice in one object)
  kUnknownKey,    // every key is a documented one: a typo is an error, not a silent default
  kMissingKey,    // every required key is present (all of genesis.json is required)
  kWrongType,     // each value has its documented type (integer, string, boolean, table, array)
  kOutOfRange,    // each number lies in its documented range
  kBadValue,      // each string has its documented form: HOST:PORT, a bech32m address of this
                  // network, a decimal amount that fits u64, hex of the right length, a log level
  kInconsistent,  // fields agree with each other (mining on needs a miner address; no address
                  // allocated twice; the allocations sum within u64)
  kHomeExists,    // init: the home holds no config, genesis or token yet (unless --force)
};
std::string_view to_string(ConfigError e);

enum class NodeError {
  kConfig,           // the home's files load (the detail is the ConfigError's)
  kStorage,          // the database opens and reads (detail: the StorageError)
  kGenesisMismatch,  // the database was created for this genesis.json (same chain id and genesis hash)
  kChain,            // the chain opens on the database (detail: the chain's error)
  kApi,              // the HTTP API binds its address
  kNetwork,          // the P2P listener binds p2p.listen
  kAlreadyStarted,   // start() is called once
};
std::string_view to_string(NodeError e);

/// "<file>: <field>: <message>", the form every config error detail takes.
inline std::string field_message(std::string_view file, std::string_view field, std::string_view message) {
  std::string out(file);
  out += ": ";
  if (!field.empty()) {
    out += field;
    out += ": ";
  }
  out += message;
  return out;
}

inline std::unexpected<util::Error<ConfigError>> config_fail(ConfigError code, std::string_view file,
                                                             std::string_view field, std::string_view message) {
  return util::fail(code, field_message(file, field, message));
}

}  // namespace cloudchain::node
