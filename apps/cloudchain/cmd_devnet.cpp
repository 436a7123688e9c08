// cloudchain devnet up|status|logs|down|load: a multi-node network of local cloudchaind
// processes on loopback (docs/cli.md "devnet"). The state of a devnet lives in
// D/devnet.json (devnet.hpp); every daemon runs detached with its log and pid file in its
// home D/node<i>/.

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <thread>

#include "amount.hpp"
#include "commands.hpp"
#include "devnet.hpp"
#include "devnet_create.hpp"
#include "devnet_load.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "verify_rate.hpp"

namespace cloudchain::cli {

namespace {

namespace fs = std::filesystem;
using devnet::NodeEntry;
using devnet::State;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr std::chrono::milliseconds kPollTimeout{2000};

struct DevnetOptions {
  std::string dir = "devnet";
  // up
  std::size_t nodes = 4;
  std::string consensus = "pow";
  std::uint16_t base_port = 8645;
  std::size_t miners = 1;
  std::size_t accounts = 64;
  std::int64_t block_time_ms = 1000;
  unsigned timeout_s = 120;
  // logs
  std::string node;
  bool follow = false;
  std::size_t lines = 100;
  // down
  unsigned stop_timeout_s = 30;
  // load
  double tps = 0;
  double duration_s = 10;
  std::string fee = "1000";
  unsigned wait_s = 60;
  std::size_t batch = 1;
};

fs::path absolute_dir(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(dir), ec);
  return ec ? fs::absolute(dir).lexically_normal() : p;
}

State load_or_throw(const DevnetOptions& o) {
  auto state = devnet::load_state(absolute_dir(o.dir));
  if (!state) throw failure(state.error().detail);
  return std::move(*state);
}

void save_or_throw(const State& state) {
  if (auto ok = devnet::save_state(state); !ok) throw failure(ok.error().detail);
}

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

/// What a poll of one node's API found.
struct NodeView {
  bool alive = false;
  bool answering = false;
  std::uint64_t height = 0;
  std::string tip;
  std::optional<std::uint64_t> peers;  // nullopt: the node has no /v1/peers (or it failed)
  bool mining = false;
  std::optional<Json> sync;
};

NodeView view_of(const NodeEntry& n) {
  NodeView v;
  v.alive = n.pid && devnet::is_daemon_of(*n.pid, n.home);
  auto url = parse_url("http://" + n.api);
  if (!url) return v;
  const NodeClient client(HttpClient(*url, kPollTimeout));
  auto status = client.get("/v1/status");
  if (!status || !status->is_object()) return v;
  v.answering = true;
  v.height = status->value("height", std::uint64_t{0});
  v.tip = status->value("tip_hash", std::string{});
  if (auto m = status->find("mining"); m != status->end() && m->is_object()) v.mining = m->value("enabled", false);
  if (auto s = status->find("sync"); s != status->end() && s->is_object()) v.sync = *s;
  if (auto p = status->find("peers"); p != status->end() && p->is_number_unsigned()) v.peers = p->get<std::uint64_t>();
  return v;
}

std::vector<NodeView> view_all(const State& state) {
  std::vector<NodeView> out(state.nodes.size());
  std::vector<std::jthread> threads;
  threads.reserve(state.nodes.size());
  for (std::size_t i = 0; i < state.nodes.size(); ++i) {
    threads.emplace_back([&, i] { out[i] = view_of(state.nodes[i]); });
  }
  threads.clear();
  return out;
}

std::string short_tip(const std::string& tip) { return tip.size() > 16 ? tip.substr(0, 16) : tip; }

/// Rows padded to the widest cell of each column.
void print_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += printable(row[c]);
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

std::string peers_text(const NodeView& v) { return v.peers ? std::to_string(*v.peers) : "-"; }

// --- up ------------------------------------------------------------------------------

/// Stops every node of `state` that runs (after a failed `up`).
void stop_all(State& state, std::chrono::milliseconds timeout) {
  std::vector<std::jthread> threads;
  for (NodeEntry& n : state.nodes) {
    if (!n.pid) continue;
    threads.emplace_back([&n, timeout] { devnet::stop_daemon(*n.pid, n.home, timeout); });
  }
  threads.clear();
  for (NodeEntry& n : state.nodes) {
    n.pid.reset();
    std::error_code ec;
    fs::remove(n.pid_file, ec);
  }
  // Best effort: the caller reports the failure that brought it here.
  if (auto saved = devnet::save_state(state); !saved) return;
}

void start_nodes(Context& ctx, State& state) {
  for (NodeEntry& n : state.nodes) {
    const std::vector<std::string> argv{state.daemon.string(), "--home", n.home.string()};
    {
      std::ofstream log(n.log, std::ios::app);
      log << "\n===== devnet up: " << state.daemon.string() << " --home " << n.home.string() << "\n";
    }
    auto pid = devnet::spawn(argv, n.log);
    if (!pid) {
      stop_all(state, std::chrono::seconds(10));
      throw failure(n.name + ": " + pid.error().detail);
    }
    n.pid = *pid;
    std::ofstream(n.pid_file) << *pid << "\n";
  }
  save_or_throw(state);
  ctx.io().out << "started " << state.nodes.size() << " cloudchaind process(es) from " << state.daemon.string() << "\n";
}

/// Waits until every node answers, has a peer (with more than one node) and has seen a
/// new block (when some node mines). Throws (after stopping the nodes) on a timeout or
/// a daemon that exits.
std::vector<NodeView> wait_until_running(Context& ctx, State& state, std::chrono::seconds timeout) {
  const bool any_miner = state.consensus == "pos" ||  // validators produce blocks
                         std::any_of(state.nodes.begin(), state.nodes.end(), [](const auto& n) { return n.miner; });
  const std::size_t count = state.nodes.size();
  std::vector<std::optional<std::uint64_t>> first_height(count);
  const auto start = Clock::now();
  std::string last_line;
  for (;;) {
    std::vector<NodeView> views = view_all(state);
    std::size_t answering = 0, connected = 0, producing = 0;
    std::string heights;
    for (std::size_t i = 0; i < count; ++i) {
      const NodeView& v = views[i];
      const NodeEntry& n = state.nodes[i];
      // Our own child: whether it still runs is enough here. Its /proc cmdline (which
      // v.alive also checks, for pid files of earlier runs) can read empty for a moment
      // after posix_spawn returns, while the kernel is still setting up the new program's
      // arguments; a loaded machine once failed a test's `devnet up` on that.
      if (!n.pid || !devnet::alive(*n.pid)) {
        const std::string tail = devnet::tail_lines(n.log, 20);
        stop_all(state, std::chrono::seconds(10));
        throw failure(n.name + " (cloudchaind) exited during startup; the end of " + n.log.string() + ":\n" + tail);
      }
      if (!v.answering) {
        heights += " -";
        continue;
      }
      ++answering;
      const std::uint64_t first = first_height[i].value_or(v.height);
      first_height[i] = first;
      if (count == 1 || v.peers.value_or(0) >= 1) ++connected;
      if (!any_miner || v.height > first) ++producing;
      heights += " " + std::to_string(v.height);
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const std::string line = fmt::format("answering {}/{}, connected {}/{}, new blocks {}/{}, heights{}", answering,
                                         count, connected, count, producing, count, heights);
    if (line != last_line) {
      ctx.io().out << fmt::format("[{:5.1f} s] {}\n", secs, line) << std::flush;
      last_line = line;
    }
    if (answering == count && connected == count && producing == count) return views;
    if (Clock::now() - start > timeout) {
      stop_all(state, std::chrono::seconds(10));
      throw failure(
          fmt::format("the devnet was not up after {} s ({}); the nodes were stopped, their logs are in "
                      "{}/node*/cloudchaind.log",
                      timeout.count(), line, state.dir.string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

void print_nodes_table(std::ostream& out, const State& state, const std::vector<NodeView>& views) {
  std::vector<std::vector<std::string>> rows{{"NODE", "API", "P2P", "HEIGHT", "PEERS", "MINING"}};
  for (std::size_t i = 0; i < state.nodes.size(); ++i) {
    const NodeEntry& n = state.nodes[i];
    rows.push_back({n.name, "http://" + n.api, n.p2p, std::to_string(views[i].height), peers_text(views[i]),
                    views[i].mining ? "yes" : "no"});
  }
  print_columns(out, rows);
}

int run_up(Context& ctx, const DevnetOptions& o, const CLI::App& cmd) {
  if (o.consensus != "pow" && o.consensus != "pos") {
    throw usage_error("--consensus: expected \"pow\" or \"pos\", got \"" + o.consensus + "\"");
  }
  const fs::path dir = absolute_dir(o.dir);
  State state;
  if (auto existing = devnet::load_state(dir)) {
    state = std::move(*existing);
    for (const NodeEntry& n : state.nodes) {
      if (n.pid && devnet::is_daemon_of(*n.pid, n.home)) {
        throw failure("the devnet in " + dir.string() + " is already running (" + n.name + " is pid " +
                      std::to_string(*n.pid) + "); see `cloudchain devnet status`, or stop it with `devnet down`");
      }
    }
    if (cmd.count("--nodes") > 0 && o.nodes != state.nodes.size()) {
      throw usage_error(
          fmt::format("{} holds a devnet of {} node(s), not {}; remove the directory (after `devnet "
                      "down`) to create another",
                      dir.string(), state.nodes.size(), o.nodes));
    }
    auto daemon = devnet::find_daemon(ctx.io().getenv ? ctx.io().getenv("CLOUDCHAIND") : std::nullopt);
    if (daemon) state.daemon = *daemon;
    ctx.io().out << "restarting the devnet in " << dir.string() << " (its chain continues)\n";
  } else {
    std::error_code ec;
    if (fs::exists(dir / devnet::kStateFile, ec)) throw failure(existing.error().detail);
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
      throw failure(dir.string() + " exists and is not a devnet (no " + std::string(devnet::kStateFile) +
                    "); choose another --dir or remove it");
    }
    auto daemon = devnet::find_daemon(ctx.io().getenv ? ctx.io().getenv("CLOUDCHAIND") : std::nullopt);
    if (!daemon) throw failure(daemon.error().detail);
    devnet::CreateOptions create;
    create.dir = dir;
    create.nodes = o.nodes;
    create.consensus = o.consensus;
    create.miners = o.miners;
    create.base_port = o.base_port;
    create.accounts = o.accounts;
    create.block_time_ms = o.block_time_ms;
    create.daemon = *daemon;
    auto created = devnet::create_devnet(create, wall_ms());
    if (!created) throw failure(created.error().detail);
    state = std::move(*created);
    save_or_throw(state);
    ctx.io().out << fmt::format("created a {}-node devnet in {} (network {}, chain id {}, {} funded accounts)\n",
                                state.nodes.size(), dir.string(), state.network, state.chain_id, o.accounts);
  }
  start_nodes(ctx, state);
  const std::vector<NodeView> views = wait_until_running(ctx, state, std::chrono::seconds(o.timeout_s));

  std::ostream& out = ctx.io().out;
  if (ctx.json()) {
    print_json(out, devnet::to_json(state));
    return kExitOk;
  }
  out << "\n";
  print_nodes_table(out, state, views);
  const std::string wallet = fmt::format("--node http://{} --keystore {} --password-file {}", state.nodes[0].api,
                                         state.keystore.string(), state.password_file.string());
  const std::string keys =
      state.consensus == "pos"
          ? "Keys \"faucet\" (funded) and \"validator0\".. (the accounts that hold the validators' "
            "stakes)"
          : "Keys \"miner\" and \"faucet\" (funded)";
  out << "\nThe devnet is up. " << keys << " are in " << state.keystore.string() << ".\n"
      << "  cloudchain " << wallet << " balance faucet\n"
      << "  cloudchain devnet status --dir " << dir.string() << "\n"
      << "  cloudchain devnet logs node0 --dir " << dir.string() << "\n"
      << "  cloudchain devnet load --tps 50 --duration 10 --dir " << dir.string() << "\n"
      << "  cloudchain devnet down --dir " << dir.string() << "\n";
  return kExitOk;
}

// --- status, logs, down ----------------------------------------------------------------

int run_status(Context& ctx, const DevnetOptions& o) {
  const State state = load_or_throw(o);
  const std::vector<NodeView> views = view_all(state);
  if (ctx.json()) {
    Json nodes = Json::array();
    for (std::size_t i = 0; i < state.nodes.size(); ++i) {
      const NodeEntry& n = state.nodes[i];
      const NodeView& v = views[i];
      Json node{{"name", n.name},     {"alive", v.alive},  {"pid", n.pid ? Json(*n.pid) : Json(nullptr)},
                {"api", n.api},       {"p2p", n.p2p},      {"answering", v.answering},
                {"height", v.height}, {"tip_hash", v.tip}, {"mining", v.mining}};
      node["peers"] = v.peers ? Json(*v.peers) : Json(nullptr);
      if (v.sync) node["sync"] = *v.sync;
      nodes.push_back(std::move(node));
    }
    print_json(ctx.io().out, Json{{"dir", state.dir.string()}, {"nodes", nodes}});
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{
      {"NODE", "ALIVE", "PID", "API", "P2P", "HEIGHT", "TIP", "PEERS", "MINING", "SYNC"}};
  for (std::size_t i = 0; i < state.nodes.size(); ++i) {
    const NodeEntry& n = state.nodes[i];
    const NodeView& v = views[i];
    std::string sync = "-";
    if (v.sync && v.sync->value("syncing", false)) {
      sync = fmt::format("{:.1f}%", v.sync->value("percent", 0.0));
    } else if (v.sync) {
      sync = "synced";
    }
    rows.push_back({n.name, v.alive ? "yes" : "no", n.pid ? std::to_string(*n.pid) : "-", "http://" + n.api, n.p2p,
                    v.answering ? std::to_string(v.height) : "-", v.answering ? short_tip(v.tip) : "-", peers_text(v),
                    v.mining ? "yes" : "no", sync});
  }
  ctx.io().out << "devnet in " << state.dir.string() << "\n";
  print_columns(ctx.io().out, rows);
  return kExitOk;
}

int run_logs(Context& ctx, const DevnetOptions& o) {
  const State state = load_or_throw(o);
  const NodeEntry* n = devnet::find_node(state, o.node);
  if (n == nullptr) {
    std::string names;
    for (const NodeEntry& e : state.nodes) names += (names.empty() ? "" : ", ") + e.name;
    throw usage_error("no node \"" + o.node + "\" in this devnet (it has " + names + ")");
  }
  std::ifstream in(n->log, std::ios::binary);
  if (!in) throw failure("cannot read " + n->log.string());
  if (o.lines == 0) {
    ctx.io().out << in.rdbuf();
  } else {
    ctx.io().out << devnet::tail_lines(n->log, o.lines);
    in.seekg(0, std::ios::end);
  }
  ctx.io().out << std::flush;
  if (!o.follow) return kExitOk;
  // Follows the file until the node stops (or Ctrl-C).
  in.clear();
  std::string chunk(std::size_t{64} * 1024, '\0');
  for (;;) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const std::streamsize got = in.gcount();
    if (got > 0) ctx.io().out.write(chunk.data(), got) << std::flush;
    in.clear();
    if (got == 0) {
      if (!n->pid || !devnet::is_daemon_of(*n->pid, n->home)) {
        ctx.io().out << "(" << n->name << " is not running)\n";
        return kExitOk;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

int run_down(Context& ctx, const DevnetOptions& o) {
  State state = load_or_throw(o);
  std::vector<devnet::StopOutcome> outcomes(state.nodes.size(), devnet::StopOutcome::kNotRunning);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < state.nodes.size(); ++i) {
      const NodeEntry& n = state.nodes[i];
      if (!n.pid) continue;
      threads.emplace_back(
          [&, i] { outcomes[i] = devnet::stop_daemon(*n.pid, n.home, std::chrono::seconds(o.stop_timeout_s)); });
    }
  }
  for (std::size_t i = 0; i < state.nodes.size(); ++i) {
    NodeEntry& n = state.nodes[i];
    ctx.io().out << n.name << ": "
                 << (n.pid ? std::string(devnet::to_string(outcomes[i])) + " (pid " + std::to_string(*n.pid) + ")"
                           : std::string("not running"))
                 << "\n";
    n.pid.reset();
    std::error_code ec;
    fs::remove(n.pid_file, ec);
  }
  save_or_throw(state);
  const bool killed = std::any_of(outcomes.begin(), outcomes.end(),
                                  [](devnet::StopOutcome s) { return s == devnet::StopOutcome::kKilled; });
  return killed ? kExitFailure : kExitOk;
}

// --- load ------------------------------------------------------------------------------

int run_load(Context& ctx, const DevnetOptions& o) {
  if (!(o.tps > 0) || !(o.duration_s > 0)) throw usage_error("--tps and --duration must be above 0");
  auto fee = parse_amount(o.fee, "fee");
  if (!fee) throw usage_error(fee.error().detail);
  const State state = load_or_throw(o);
  auto accounts = devnet::load_accounts(state.accounts_file, state.network);
  if (!accounts) throw failure(accounts.error().detail);
  devnet::LoadOptions load;
  load.tps = o.tps;
  load.duration_s = o.duration_s;
  load.fee = *fee;
  load.wait = std::chrono::seconds(o.wait_s);
  if (o.batch < 1 || o.batch > 1000) throw usage_error("--batch must be 1..1000");
  load.batch = o.batch;
  std::ostream& progress = ctx.json() ? ctx.io().err : ctx.io().out;
  progress << fmt::format("load: {} tx/s for {} s across {} node(s)\n", o.tps, o.duration_s, state.nodes.size());
  // The reference (docs/benchmarks.md), measured before and after the load; the higher
  // rate counts, so a core busy during one measurement cannot flatter the ratio.
  const VerifyRate verify_before = measure_verify_rate(2.0);
  auto report = devnet::run_load(state, *accounts, load, progress);
  if (!report) throw failure(report.error().detail);
  const devnet::LoadReport& r = *report;
  const VerifyRate verify_after = measure_verify_rate(2.0);
  const VerifyRate& verify = verify_after.all_cores > verify_before.all_cores ? verify_after : verify_before;
  const devnet::LoadFigures f = devnet::load_figures(r, verify.all_cores, verify.threads, state.nodes.size());
  if (ctx.json()) {
    Json cpu = nullptr;
    if (r.node_cpu) {
      cpu = Json{{"process_seconds", r.node_cpu->process_seconds},
                 {"us_per_committed_tx", f.us_per_tx},
                 {"signature_checks", r.node_cpu->signature_checks},
                 {"signature_checks_per_tx_per_node", f.checks_per_tx_per_node},
                 {"signature_check_seconds", r.node_cpu->signature_check_seconds},
                 {"signature_check_share", f.check_share},
                 {"us_per_signature_check", f.us_per_check}};
    }
    print_json(ctx.io().out, Json{{"offered_tps", o.tps},
                                  {"duration_s", o.duration_s},
                                  {"submitted", r.submitted},
                                  {"rejected", r.rejected},
                                  {"reject_codes", r.reject_codes},
                                  {"committed", r.committed},
                                  {"committed_tps", r.committed_tps},
                                  {"latency_p50_ms", r.latency.p50},
                                  {"latency_p99_ms", r.latency.p99},
                                  {"latency_max_ms", r.latency.max},
                                  {"to_block_p50_ms", r.to_block.p50},
                                  {"to_block_p99_ms", r.to_block.p99},
                                  {"block_to_final_p50_ms", r.block_to_final.p50},
                                  {"block_to_final_p99_ms", r.block_to_final.p99},
                                  {"sign_seconds", r.sign_seconds},
                                  {"submit_seconds", r.submit_seconds},
                                  {"first_height", r.first_height},
                                  {"last_height", r.last_height},
                                  {"verify_per_s_all_cores", verify.all_cores},
                                  {"bench_us_per_verification", f.bench_us_per_verification},
                                  {"ratio_to_verify_per_node", f.ratio},
                                  {"ratio_at_node_check_cost", f.ratio_at_node_check_cost},
                                  {"node_cpu", cpu}});
  } else {
    Table t;
    t.add("submitted", std::to_string(r.submitted) + " (accepted by the nodes)");
    if (r.rejected > 0) {
      std::string codes;
      for (const auto& [code, count] : r.reject_codes)
        codes += fmt::format("{}{} x{}", codes.empty() ? "" : ", ", code, count);
      t.add("rejected", std::to_string(r.rejected) + " (" + codes + ")");
    }
    t.add("committed", std::to_string(r.committed));
    t.add("committed tx/s", fmt::format("{:.1f} (offered {})", r.committed_tps, o.tps));
    t.add("latency p50", fmt::format("{:.0f} ms", r.latency.p50));
    t.add("latency p99", fmt::format("{:.0f} ms", r.latency.p99));
    t.add("  to the block", fmt::format("p50 {:.0f} ms, p99 {:.0f} ms (submission to its proposal's timestamp)",
                                        r.to_block.p50, r.to_block.p99));
    t.add("  block to final", fmt::format("p50 {:.0f} ms, p99 {:.0f} ms (the proposal to node0 showing it)",
                                          r.block_to_final.p50, r.block_to_final.p99));
    t.add("blocks", fmt::format("{} .. {}", r.first_height + 1, r.last_height));
    t.add("signing", fmt::format("{:.2f} s on all cores", r.sign_seconds));
    t.add("verify/s, all cores", fmt::format("{:.0f} ({} threads, the higher of before and after the load)",
                                             verify.all_cores, verify.threads));
    t.add("tx/s / (verify/s / nodes)", fmt::format("{:.3f}", f.ratio));
    if (r.node_cpu) {
      t.add("node CPU",
            fmt::format("{:.1f} s, {:.0f} µs per committed tx (all nodes)", r.node_cpu->process_seconds, f.us_per_tx));
      t.add("signature checks", fmt::format("{:.2f} per tx per node, {:.1f} % of the nodes' CPU (estimated)",
                                            f.checks_per_tx_per_node, 100 * f.check_share));
      t.add("  cost", fmt::format("{:.1f} µs per check in the nodes, {:.1f} µs per verification in the bench",
                                  f.us_per_check, f.bench_us_per_verification));
      t.add("tx/s / (checks/s / nodes)", fmt::format("{:.3f} (checks/s: {} cores at the nodes' cost per check)",
                                                     f.ratio_at_node_check_cost, verify.threads));
    } else {
      t.add("node CPU", "unknown (a node's /metrics could not be read, or it restarted)");
    }
    t.print(ctx.io().out);
  }
  return r.committed == r.submitted && r.rejected == 0 ? kExitOk : kExitFailure;
}

}  // namespace

void add_devnet_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<DevnetOptions>();
  CLI::App* devnet = app.add_subcommand("devnet", "a multi-node network of local cloudchaind processes");
  devnet->require_subcommand(1);
  const auto add_dir = [&o](CLI::App* cmd) {
    cmd->add_option("--dir", o->dir, "the devnet's directory (default ./devnet)");
  };

  CLI::App* up = devnet->add_subcommand("up",
                                        "create (first time) and start the nodes, wait until they connect "
                                        "and produce blocks");
  add_dir(up);
  up->add_option("--nodes", o->nodes, "number of nodes (default 4)")->check(CLI::Range(1, 64));
  up->add_option("--consensus", o->consensus, "consensus engine: pow (default) or pos (every node a validator)")
      ->check(CLI::IsMember({"pow", "pos"}));
  up->add_option("--base-port", o->base_port, "first port to probe for the nodes' API and P2P ports (default 8645)")
      ->check(CLI::Range(1, 65535));
  up->add_option("--miners", o->miners, "how many nodes mine, one thread each (default 1)")->check(CLI::Range(0, 64));
  up->add_option("--accounts", o->accounts, "pre-funded accounts for `devnet load` (default 64)")
      ->check(CLI::Range(1, 4096));
  up->add_option("--block-time-ms", o->block_time_ms, "target block time (default 1000)")
      ->check(CLI::Range(100, 600000));
  up->add_option("--timeout", o->timeout_s, "seconds to wait for the network (default 120)")
      ->check(CLI::Range(1, 3600));
  up->callback([&ctx, &action, o, up] { action = [&ctx, o, up] { return run_up(ctx, *o, *up); }; });

  CLI::App* status = devnet->add_subcommand("status", "each node: alive, height, tip, peers");
  add_dir(status);
  status->callback([&ctx, &action, o] { action = [&ctx, o] { return run_status(ctx, *o); }; });

  CLI::App* logs = devnet->add_subcommand("logs", "print a node's log");
  add_dir(logs);
  logs->add_option("node", o->node, "node0, node1, ... (or 0, 1, ...)")->required();
  logs->add_flag("--follow,-f", o->follow, "keep printing new lines until the node stops");
  logs->add_option("--lines,-n", o->lines, "last N lines (0: all; default 100)");
  logs->callback([&ctx, &action, o] { action = [&ctx, o] { return run_logs(ctx, *o); }; });

  CLI::App* down = devnet->add_subcommand("down", "stop the nodes this devnet started (SIGTERM, then SIGKILL)");
  add_dir(down);
  down->add_option("--stop-timeout", o->stop_timeout_s, "seconds before SIGKILL (default 30)")
      ->check(CLI::Range(1, 3600));
  down->callback([&ctx, &action, o] { action = [&ctx, o] { return run_down(ctx, *o); }; });

  CLI::App* load = devnet->add_subcommand("load", "pre-sign transfers and submit them across the nodes at a rate");
  add_dir(load);
  load->add_option("--tps", o->tps, "offered transactions per second")->required();
  load->add_option("--duration", o->duration_s, "seconds of submission (default 10)");
  load->add_option("--fee", o->fee, "fee per transfer in base units (default 1000)");
  load->add_option("--batch", o->batch,
                   "transactions per request (default 1: POST /v1/txs; more: POST /v1/txs/batch, one per node)");
  load->add_option("--wait", o->wait_s, "seconds to wait for commitment after the last submission (default 60)")
      ->check(CLI::Range(0, 3600));
  load->callback([&ctx, &action, o] { action = [&ctx, o] { return run_load(ctx, *o); }; });
}

}  // namespace cloudchain::cli
