#pragma once
// cloudchaind's command line, as a function the tests can run in-process:
//
//   cloudchaind init --home DIR [--network ccdev] [--chain-id N] [--alloc ADDRESS=AMOUNT ...]
//                    [--block-time-ms MS] [--force]
//   cloudchaind --home DIR [--mine] [--miner-address ADDR] [--threads N] [--reindex]
//               [--api-listen HOST:PORT] [--p2p-listen HOST:PORT] [--seed HOST:PORT ...]
//               [--log-level L]
//
// Exit status: 0 after a clean run or shutdown; 1 when the node fails at run time
// (database locked or damaged, API address in use, reindex failure); 2 for a usage or
// configuration error (unknown flag, bad value, config.toml / genesis.json error,
// missing home), whose message names the file or flag and the field.
//
// Signals are main.cpp's business: run() only reports the node it started through
// Hooks, so that a signal thread can call request_shutdown() on it.

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace cloudchain::node {
class Node;
}

namespace cloudchain::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Io {
  std::ostream& out;  // init's summary, --help
  std::ostream& err;  // the log and error messages
};

struct Hooks {
  /// Called once the node runs (before the API starts), on the calling thread.
  std::function<void(node::Node&)> on_started;
  /// Called when the node is about to be stopped and destroyed; after it returns no one
  /// may use the node.
  std::function<void()> on_stopping;
};

/// Runs cloudchaind with `args` (args[0] is the program name) until it ends; returns the
/// exit status above. In run mode it returns after a shutdown request
/// (Node::request_shutdown, e.g. from a signal or the admin API) and a graceful stop.
int run(const std::vector<std::string>& args, const Io& io, const Hooks& hooks = {});

}  // namespace cloudchain::daemon
