#pragma once
// What `cloudchain devnet` and `cloudchain testnet` share (docs/cli.md "devnet"):
//
//   - the devnet state file D/devnet.json: which nodes exist, where their homes, logs and
//     pid files are, their API and P2P addresses, and the pid each was started with;
//   - free loopback ports, probed by binding them;
//   - the daemon processes: started detached (own session) with their output in a log
//     file, recognised by /proc/<pid>/cmdline (the cloudchaind binary with that exact
//     --home), stopped with SIGTERM, then SIGKILL after a timeout.
//
// Everything here runs on the CLI's main thread; nothing is shared between threads.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace cloudchain::cli::devnet {

namespace fs = std::filesystem;

inline constexpr std::string_view kStateFile = "devnet.json";
inline constexpr std::uint32_t kStateVersion = 1;

struct NodeEntry {
  std::string name;  // "node0", "node1", ...
  fs::path home;     // absolute; the daemon runs with --home <home>
  fs::path log;      // the daemon's stdout and stderr
  fs::path pid_file;
  std::string api;  // "127.0.0.1:PORT"
  std::string p2p;  // "127.0.0.1:PORT"
  bool miner = false;
  std::optional<pid_t> pid;  // as started by `devnet up`; cleared by `devnet down`
};

struct State {
  fs::path dir;  // absolute
  std::string network;
  std::uint32_t chain_id = 0;
  std::string consensus;  // "pow" or "pos"
  fs::path daemon;        // the cloudchaind binary the nodes were started with
  std::vector<NodeEntry> nodes;
  fs::path keystore;       // miner and faucet keys (KDF "minimal": devnet only)
  fs::path password_file;  // their password
  fs::path accounts_file;  // pre-funded load accounts (secrets in the clear: devnet only)
};

nlohmann::json to_json(const State& state);
/// Strict: every field present with its type; errors name the field.
util::Result<State, std::string> state_from_json(const nlohmann::json& doc);

/// D/devnet.json. Errors (a sentence for the user): missing ("no devnet in D: run
/// `cloudchain devnet up` first"), unreadable, not valid JSON, a bad field.
util::Result<State, std::string> load_state(const fs::path& dir);
/// Writes D/devnet.json through a temporary and a rename. Errors: the path and reason.
util::Result<void, std::string> save_state(const State& state);

/// The node named `name` ("node2" or "2"), or nullptr.
const NodeEntry* find_node(const State& state, std::string_view name);

/// True when a TCP listener could bind 127.0.0.1:`port` right now.
bool port_free(std::uint16_t port);
/// `count` distinct ports, each free when probed, the lowest ones from `base` upwards
/// in order. Errors when fewer than `count` are free below 65536.
util::Result<std::vector<std::uint16_t>, std::string> pick_ports(std::uint16_t base, std::size_t count);

/// The cloudchaind binary: $CLOUDCHAIND when set, else "cloudchaind" next to this
/// executable (/proc/self/exe), else ../cloudchaind/cloudchaind (the build tree's layout).
/// `env` is the value of $CLOUDCHAIND (nullopt when unset). Errors name the paths tried.
util::Result<fs::path, std::string> find_daemon(const std::optional<std::string>& env);

/// Starts `argv` (argv[0] the executable) in its own session with stdin from /dev/null
/// and stdout/stderr appended to `log`. Returns its pid. Errors: the reason.
util::Result<pid_t, std::string> spawn(const std::vector<std::string>& argv, const fs::path& log);

/// True when `pid` is a live (not zombie) process running a binary named cloudchaind
/// whose command line holds "--home" followed by exactly `home`.
bool is_daemon_of(pid_t pid, const fs::path& home);
/// True while `pid` exists and is not a zombie.
bool alive(pid_t pid);

enum class StopOutcome {
  kNotRunning,  // no such process, or it is not this home's cloudchaind (not signalled)
  kStopped,     // exited after SIGTERM
  kKilled,      // still running after the timeout: SIGKILLed
};
std::string_view to_string(StopOutcome outcome);
/// SIGTERM to `pid` if is_daemon_of(pid, home); waits up to `timeout` for it to exit,
/// then SIGKILL and waits for it to go.
StopOutcome stop_daemon(pid_t pid, const fs::path& home, std::chrono::milliseconds timeout);

/// The last `lines` lines of a text file ("" when unreadable).
std::string tail_lines(const fs::path& path, std::size_t lines);

}  // namespace cloudchain::cli::devnet
