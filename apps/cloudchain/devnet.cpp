#include "devnet.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

#include "node/file_io.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): posix_spawn's envp

namespace cloudchain::cli::devnet {

namespace {

using Json = nlohmann::json;

/// A field of `doc` of JSON type `type`; an error naming it otherwise.
util::Result<const Json*, std::string> field(const Json& doc, const char* name, Json::value_t type,
                                             std::string_view where) {
  auto it = doc.find(name);
  if (it == doc.end()) return std::unexpected(util::Error<std::string>{"", std::string(where) + name + ": missing"});
  // nlohmann keeps a non-negative integer it parsed as unsigned, one built in code as
  // signed: both are fine where an unsigned number is expected.
  const bool ok = it->type() == type ||
                  (type == Json::value_t::number_unsigned && it->is_number_integer() && it->get<std::int64_t>() >= 0);
  if (!ok) {
    return std::unexpected(util::Error<std::string>{"", std::string(where) + name + ": wrong type"});
  }
  return &*it;
}

util::Result<std::string, std::string> string_field(const Json& doc, const char* name, std::string_view where) {
  auto f = field(doc, name, Json::value_t::string, where);
  if (!f) return std::unexpected(f.error());
  return (*f)->get<std::string>();
}

}  // namespace

Json to_json(const State& s) {
  Json nodes = Json::array();
  for (const NodeEntry& n : s.nodes) {
    nodes.push_back(Json{{"name", n.name},
                         {"home", n.home.string()},
                         {"log", n.log.string()},
                         {"pid_file", n.pid_file.string()},
                         {"api", n.api},
                         {"p2p", n.p2p},
                         {"miner", n.miner},
                         {"pid", n.pid ? Json(*n.pid) : Json(nullptr)}});
  }
  return Json{{"version", kStateVersion},
              {"dir", s.dir.string()},
              {"network", s.network},
              {"chain_id", s.chain_id},
              {"consensus", s.consensus},
              {"daemon", s.daemon.string()},
              {"keystore", s.keystore.string()},
              {"password_file", s.password_file.string()},
              {"accounts_file", s.accounts_file.string()},
              {"nodes", nodes}};
}

util::Result<State, std::string> state_from_json(const Json& doc) {
  const auto fail = [](std::string message) {
    return std::unexpected(util::Error<std::string>{"", std::move(message)});
  };
  if (!doc.is_object()) return fail("not a JSON object");
  auto version = field(doc, "version", Json::value_t::number_unsigned, "");
  if (!version) return std::unexpected(version.error());
  if ((*version)->get<std::uint64_t>() != kStateVersion) {
    return fail("version: expected " + std::to_string(kStateVersion) + ", got " + (*version)->dump());
  }
  State s;
  const auto text = [&](const char* name, std::string& out) -> util::Result<void, std::string> {
    auto v = string_field(doc, name, "");
    if (!v) return std::unexpected(v.error());
    out = std::move(*v);
    return {};
  };
  std::string dir, daemon, keystore, password, accounts;
  for (auto r : {text("dir", dir), text("network", s.network), text("consensus", s.consensus), text("daemon", daemon),
                 text("keystore", keystore), text("password_file", password), text("accounts_file", accounts)}) {
    if (!r) return std::unexpected(r.error());
  }
  s.dir = dir;
  s.daemon = daemon;
  s.keystore = keystore;
  s.password_file = password;
  s.accounts_file = accounts;
  auto chain_id = field(doc, "chain_id", Json::value_t::number_unsigned, "");
  if (!chain_id) return std::unexpected(chain_id.error());
  if ((*chain_id)->get<std::uint64_t>() > 0xffffffffULL) return fail("chain_id: above 2^32 - 1");
  s.chain_id = static_cast<std::uint32_t>((*chain_id)->get<std::uint64_t>());
  auto nodes = field(doc, "nodes", Json::value_t::array, "");
  if (!nodes) return std::unexpected(nodes.error());
  for (std::size_t i = 0; i < (*nodes)->size(); ++i) {
    const Json& n = (**nodes)[i];
    const std::string where = "nodes[" + std::to_string(i) + "].";
    if (!n.is_object()) return fail(where + ": not an object");
    NodeEntry e;
    std::string home, log, pid_file;
    for (auto [name, out] : {std::pair<const char*, std::string*>{"name", &e.name},
                             {"home", &home},
                             {"log", &log},
                             {"pid_file", &pid_file},
                             {"api", &e.api},
                             {"p2p", &e.p2p}}) {
      auto v = string_field(n, name, where);
      if (!v) return std::unexpected(v.error());
      *out = std::move(*v);
    }
    e.home = home;
    e.log = log;
    e.pid_file = pid_file;
    auto miner = field(n, "miner", Json::value_t::boolean, where);
    if (!miner) return std::unexpected(miner.error());
    e.miner = (*miner)->get<bool>();
    auto pid = n.find("pid");
    if (pid == n.end()) return fail(where + "pid: missing");
    if (pid->is_number_integer() && pid->get<std::int64_t>() > 0 &&
        pid->get<std::int64_t>() < (std::int64_t{1} << 31)) {
      e.pid = static_cast<pid_t>(pid->get<std::int64_t>());
    } else if (!pid->is_null()) {
      return fail(where + "pid: expected a process id or null");
    }
    s.nodes.push_back(std::move(e));
  }
  return s;
}

util::Result<State, std::string> load_state(const fs::path& dir) {
  const fs::path path = dir / kStateFile;
  const auto fail = [&](const std::string& why) {
    return std::unexpected(util::Error<std::string>{"", path.string() + ": " + why});
  };
  auto text = node::read_text_file(path);
  if (!text) {
    if (text.error().code == node::ConfigError::kFileMissing) {
      return std::unexpected(util::Error<std::string>{
          "", "no devnet in " + dir.string() + " (" + path.string() +
                  " does not exist): start one with `cloudchain devnet up`, or name its directory with --dir"});
    }
    return std::unexpected(util::Error<std::string>{"", text.error().detail});
  }
  auto doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail("not valid JSON");
  auto state = state_from_json(doc);
  if (!state) return fail(state.error().detail);
  return state;
}

util::Result<void, std::string> save_state(const State& state) {
  if (auto ok = node::write_file_atomic(state.dir / kStateFile, to_json(state).dump(2) + "\n", 0644); !ok) {
    return std::unexpected(util::Error<std::string>{"", ok.error().detail});
  }
  return {};
}

const NodeEntry* find_node(const State& state, std::string_view name) {
  for (const NodeEntry& n : state.nodes) {
    if (n.name == name || n.name == "node" + std::string(name)) return &n;
  }
  return nullptr;
}

bool port_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // No SO_REUSEADDR: a port in TIME_WAIT would refuse the daemon's own bind too? The
  // daemon's Asio acceptor sets SO_REUSEADDR, so a TIME_WAIT port is usable; probing
  // without it only skips such ports, which is harmless.
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

util::Result<std::vector<std::uint16_t>, std::string> pick_ports(std::uint16_t base, std::size_t count) {
  std::vector<std::uint16_t> out;
  for (std::uint32_t port = base; port <= 65535 && out.size() < count; ++port) {
    if (port != 0 && port_free(static_cast<std::uint16_t>(port))) out.push_back(static_cast<std::uint16_t>(port));
  }
  if (out.size() < count) {
    return std::unexpected(util::Error<std::string>{
        "", "only " + std::to_string(out.size()) + " free loopback ports from " + std::to_string(base) + " upwards, " +
                std::to_string(count) + " needed (choose another --base-port)"});
  }
  return out;
}

util::Result<fs::path, std::string> find_daemon(const std::optional<std::string>& env) {
  if (env && !env->empty()) {
    if (::access(env->c_str(), X_OK) == 0) return fs::path(*env);
    return std::unexpected(util::Error<std::string>{"", "$CLOUDCHAIND is " + *env + ", which is not executable"});
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> tried;
  if (!ec) {
    for (const fs::path& candidate :
         {self.parent_path() / "cloudchaind", self.parent_path().parent_path() / "cloudchaind" / "cloudchaind"}) {
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.lexically_normal();
      tried.push_back(candidate.lexically_normal());
    }
  }
  std::string list;
  for (const fs::path& p : tried) list += (list.empty() ? "" : ", ") + p.string();
  return std::unexpected(util::Error<std::string>{
      "", "cannot find the cloudchaind binary (tried " + list + "); set $CLOUDCHAIND to its path"});
}

util::Result<pid_t, std::string> spawn(const std::vector<std::string>& argv, const fs::path& log) {
  const auto fail = [](std::string why) { return std::unexpected(util::Error<std::string>{"", std::move(why)}); };
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) return fail("posix_spawn_file_actions_init failed");
  posix_spawnattr_t attr;
  if (posix_spawnattr_init(&attr) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return fail("posix_spawnattr_init failed");
  }
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // Its own session: a Ctrl-C in the terminal that ran `devnet up` does not reach it,
  // and `devnet down` decides how it stops. Default signal dispositions and mask.
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));  // NOLINT: exec's signature
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv.front().c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return fail("cannot start " + argv.front() + ": " + std::strerror(rc));
  return pid;
}

namespace {

/// /proc/<pid>/stat's state letter, or 0 when the process does not exist.
char proc_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  // "pid (comm) S ...": comm may hold spaces and parentheses; the state follows the last ')'.
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return 0;
  return line[close + 2];
}

}  // namespace

bool alive(pid_t pid) {
  // A child of this process that exited is reaped here (`devnet up` waiting for its
  // nodes, the tests); for any other pid this is a harmless ECHILD.
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, WNOHANG);
  const char state = proc_state(pid);
  return state != 0 && state != 'Z' && state != 'X';
}

bool is_daemon_of(pid_t pid, const fs::path& home) {
  if (pid <= 0 || !alive(pid)) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  if (args.empty() || fs::path(args.front()).filename() != "cloudchaind") return false;
  for (std::size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == "--home" && fs::path(args[i + 1]) == home) return true;
  }
  return false;
}

std::string_view to_string(StopOutcome outcome) {
  switch (outcome) {
    case StopOutcome::kNotRunning: return "not running";
    case StopOutcome::kStopped: return "stopped";
    case StopOutcome::kKilled: return "killed (did not stop after SIGTERM)";
  }
  return "?";
}

StopOutcome stop_daemon(pid_t pid, const fs::path& home, std::chrono::milliseconds timeout) {
  if (!is_daemon_of(pid, home)) return StopOutcome::kNotRunning;
  if (::kill(pid, SIGTERM) != 0) return StopOutcome::kNotRunning;
  const auto wait_gone = [pid](std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (alive(pid)) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  };
  if (wait_gone(timeout)) return StopOutcome::kStopped;
  ::kill(pid, SIGKILL);
  wait_gone(std::chrono::seconds(10));
  return StopOutcome::kKilled;
}

std::string tail_lines(const fs::path& path, std::size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(std::move(line));
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const std::string& l : last) out += l + "\n";
  return out;
}

}  // namespace cloudchain::cli::devnet
