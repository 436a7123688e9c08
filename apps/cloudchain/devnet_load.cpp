#include "devnet_load.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "http_client.hpp"
#include "node_client.hpp"
#include "primitives/transaction.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli::devnet {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr std::chrono::milliseconds kRequestTimeout{10'000};
constexpr std::chrono::milliseconds kTrackerInterval{20};
constexpr std::uint64_t kTransferAmount = 1;
// Far above what any one run sends: a rate x duration above it is refused up front.
constexpr double kMaxTransactions = 10'000'000;

std::unexpected<util::Error<std::string>> fail(std::string message) {
  return std::unexpected(util::Error<std::string>{"", std::move(message)});
}

util::Result<NodeClient, std::string> client_for(const NodeEntry& node) {
  auto url = parse_url("http://" + node.api);
  if (!url) return fail(node.name + ": bad API address " + node.api);
  return NodeClient(HttpClient(*url, kRequestTimeout));
}

using WallClock = std::chrono::system_clock;

struct Item {
  std::string hex;   // the transaction's encoding, until its request's body takes it
  std::string txid;  // hex
  std::size_t node = 0;
  Clock::time_point submitted{};
  Clock::time_point committed{};
  std::int64_t submitted_wall_ms = 0;   // WallClock, to compare with block timestamps
  std::int64_t block_timestamp_ms = 0;  // of the block that holds it
  std::int64_t committed_wall_ms = 0;
  bool accepted = false;
  bool is_committed = false;
};

std::int64_t wall_ms(WallClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// The JSON object of a 200 answer to GET `path`; nothing on any failure (the caller
/// asks again later).
std::optional<Json> get_object(HttpSession& http, const std::string& path) {
  auto r = http.get(path);
  if (!r || r->status != 200) return std::nullopt;
  auto doc = Json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  return doc;
}

/// One node's cumulative CPU counters from its GET /metrics.
struct CpuSample {
  double process_seconds = 0;
  double signature_checks = 0;
  double signature_check_seconds = 0;
};

std::optional<CpuSample> read_cpu(const NodeClient& client) {
  HttpSession http(client.url(), kRequestTimeout);
  auto r = http.get("/metrics");
  if (!r || r->status != 200) return std::nullopt;
  const auto process = metric_value(r->body, "process_cpu_seconds_total");
  const auto checks = metric_value(r->body, "cloudchain_signature_checks_total");
  const auto check_seconds = metric_value(r->body, "cloudchain_signature_check_cpu_seconds_total");
  if (!process || !checks || !check_seconds) return std::nullopt;
  return CpuSample{*process, *checks, *check_seconds};
}

std::vector<std::optional<CpuSample>> read_cpu(const std::vector<NodeClient>& clients) {
  std::vector<std::optional<CpuSample>> out;
  out.reserve(clients.size());
  for (const NodeClient& c : clients) out.push_back(read_cpu(c));
  return out;
}

/// The nodes' spending between two readings; nothing when a reading is missing or a
/// counter went down (a node restarted in between).
std::optional<NodeCpu> cpu_between(const std::vector<std::optional<CpuSample>>& before,
                                   const std::vector<std::optional<CpuSample>>& after) {
  NodeCpu out;
  for (std::size_t i = 0; i < before.size() && i < after.size(); ++i) {
    if (!before[i] || !after[i]) return std::nullopt;
    const CpuSample& b = *before[i];
    const CpuSample& a = *after[i];
    if (a.process_seconds < b.process_seconds || a.signature_checks < b.signature_checks ||
        a.signature_check_seconds < b.signature_check_seconds) {
      return std::nullopt;
    }
    out.process_seconds += a.process_seconds - b.process_seconds;
    out.signature_checks += static_cast<std::uint64_t>(std::llround(a.signature_checks - b.signature_checks));
    out.signature_check_seconds += a.signature_check_seconds - b.signature_check_seconds;
  }
  return out;
}

/// When node0 first showed each height: a thread polls `/v1/status` every few ms, apart
/// from the reading of blocks, so a commitment's time is not late by a poll interval or
/// by the time it takes to read the blocks before it.
class TipWatcher {
 public:
  struct Seen {
    Clock::time_point at;
    std::int64_t wall_ms = 0;
  };

  TipWatcher(const Url& node, std::uint64_t height) : m_http(node, kRequestTimeout), m_tip(height) {}

  /// Polls until `stop` is requested.
  void run(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      auto status = get_object(m_http, "/v1/status");
      const Seen now{Clock::now(), wall_ms(WallClock::now())};
      if (status && status->contains("height") && (*status)["height"].is_number_unsigned()) {
        const auto tip = (*status)["height"].get<std::uint64_t>();
        std::lock_guard lock(m_mutex);
        for (; m_tip < tip; ++m_tip) m_seen.emplace(m_tip + 1, now);
      }
      std::this_thread::sleep_for(kWatchInterval);
    }
  }

  /// The heights seen so far, each with when it was first seen.
  std::vector<std::pair<std::uint64_t, Seen>> take() {
    std::lock_guard lock(m_mutex);
    std::vector<std::pair<std::uint64_t, Seen>> out(m_seen.begin(), m_seen.end());
    m_seen.clear();
    return out;
  }

 private:
  static constexpr std::chrono::milliseconds kWatchInterval{5};
  HttpSession m_http;  // one keep-alive connection: a poll every few ms
  std::mutex m_mutex;  // guards the two below
  std::uint64_t m_tip;
  std::map<std::uint64_t, Seen> m_seen;
};

/// Reads the blocks the watcher saw and marks the items they hold as committed at the
/// time their block was first seen.
class Tracker {
 public:
  Tracker(const Url& node, std::vector<Item>& items, std::uint64_t height)
      : m_http(node, kRequestTimeout), m_items(items), m_height(height) {
    for (std::size_t i = 0; i < items.size(); ++i) m_index.emplace(items[i].txid, i);
  }

  /// Reads the blocks in `seen`, in height order; when the node does not answer, the
  /// blocks not read yet are kept for the next call.
  void read(std::vector<std::pair<std::uint64_t, TipWatcher::Seen>>& seen) {
    m_pending.insert(m_pending.end(), seen.begin(), seen.end());
    seen.clear();
    std::size_t done = 0;
    for (; done < m_pending.size(); ++done) {
      const auto& [height, when] = m_pending[done];
      // Only the txids: the whole block's JSON (every transaction's fields and encoding,
      // twice the block's size in hex) cost this process and node0 more than the rest of
      // the run's bookkeeping together.
      auto block = get_object(m_http, "/v1/blocks/" + std::to_string(height) + "/txids");
      if (!block || !block->contains("txids") || !(*block)["txids"].is_array()) break;
      const std::int64_t timestamp = block->value("timestamp_ms", when.wall_ms);
      std::lock_guard lock(m_mutex);
      for (const Json& txid : (*block)["txids"]) {
        if (!txid.is_string()) continue;
        auto it = m_index.find(txid.get_ref<const std::string&>());
        if (it == m_index.end() || m_items[it->second].is_committed) continue;
        Item& item = m_items[it->second];
        item.is_committed = true;
        item.committed = when.at;
        item.committed_wall_ms = when.wall_ms;
        item.block_timestamp_ms = timestamp;
        ++m_committed;
      }
      m_height = height;
    }
    m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(done));
  }

  std::uint64_t committed() const {
    std::lock_guard lock(m_mutex);
    return m_committed;
  }
  std::uint64_t height() const {
    std::lock_guard lock(m_mutex);
    return m_height;
  }

 private:
  HttpSession m_http;
  std::vector<Item>& m_items;  // committed fields: guarded by m_mutex
  std::unordered_map<std::string, std::size_t> m_index;
  std::vector<std::pair<std::uint64_t, TipWatcher::Seen>> m_pending;  // the tracking thread's only
  mutable std::mutex m_mutex;  // guards m_committed, m_height and the items' committed fields
  std::uint64_t m_height;
  std::uint64_t m_committed = 0;
};

/// One request of a run with its body, built before the clock starts.
struct Request {
  bool single = false;  // POST /v1/txs; else POST /v1/txs/batch
  std::string body;
  PlannedRequest plan;
};

/// plan_batches with the bodies; the items' encodings move into them.
std::vector<std::vector<Request>> build_requests(std::vector<Item>& items, std::size_t node_count, std::size_t batch,
                                                 double tps) {
  std::vector<std::size_t> node_of(items.size());
  for (std::size_t j = 0; j < items.size(); ++j) node_of[j] = items[j].node;
  std::vector<std::vector<Request>> out(node_count);
  auto plans = plan_batches(node_of, node_count, batch, tps);
  for (std::size_t node = 0; node < node_count; ++node) {
    out[node].reserve(plans[node].size());
    for (PlannedRequest& p : plans[node]) {
      Request r;
      r.single = batch <= 1;
      if (r.single) {
        r.body = R"({"tx":")" + items[p.members.front()].hex + R"("})";
      } else {
        r.body = R"({"txs":[)";
        for (std::size_t k : p.members) r.body += (k == p.members.front() ? "\"" : ",\"") + items[k].hex + "\"";
        r.body += "]}";
      }
      for (std::size_t k : p.members) std::string().swap(items[k].hex);
      r.plan = std::move(p);
      out[node].push_back(std::move(r));
    }
  }
  return out;
}

/// Why a request failed as a whole: the transport error, the answer's code, or its status.
std::string failure_code(const util::Result<HttpResponse, HttpError>& r) {
  if (!r) return std::string(to_string(r.error().code));
  auto doc = Json::parse(r->body, nullptr, false);
  if (doc.is_object() && doc.contains("code") && doc["code"].is_string()) return doc["code"];
  return "http_" + std::to_string(r->status);
}

/// One submitter of one node: takes that node's next request until none is left, sends
/// it when due over one keep-alive connection, and marks what the node accepted.
void submit_to(const NodeClient& client, const std::vector<Request>& requests, std::vector<Item>& items,
               Clock::time_point start, std::atomic<std::size_t>& next, std::atomic<std::size_t>& sent,
               const std::function<void(std::string)>& rejected) {
  HttpSession http(client.url(), kRequestTimeout);
  for (std::size_t i = next.fetch_add(1); i < requests.size(); i = next.fetch_add(1)) {
    const Request& req = requests[i];
    const std::vector<std::size_t>& members = req.plan.members;
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(req.plan.due));
    const auto at = Clock::now();
    const std::int64_t at_wall_ms = wall_ms(WallClock::now());
    for (std::size_t k : members) {
      items[k].submitted = at;
      items[k].submitted_wall_ms = at_wall_ms;
    }
    sent += members.size();
    if (req.single) {
      auto r = http.post("/v1/txs", "application/json", req.body);
      if (r && r->status == 202) {
        items[members.front()].accepted = true;
      } else {
        rejected(failure_code(r));
      }
      continue;
    }
    auto r = http.post("/v1/txs/batch", "application/json", req.body);
    auto doc = r && r->status == 200 ? Json::parse(r->body, nullptr, false) : Json();
    const bool answered = doc.is_object() && doc.contains("results") && doc["results"].is_array() &&
                          doc["results"].size() == members.size();
    if (!answered) {
      const std::string code = failure_code(r);
      for (std::size_t m = 0; m < members.size(); ++m) rejected(code);
      continue;
    }
    for (std::size_t m = 0; m < members.size(); ++m) {
      const Json& result = doc["results"][m];
      if (result.is_object() && result.value("status", "") == "pending") {
        items[members[m]].accepted = true;
      } else {
        rejected(result.is_object() ? result.value("code", "bad_answer") : "bad_answer");
      }
    }
  }
}

/// p50, p99 and max of `values` (sorted here).
Percentiles percentiles(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return Percentiles{percentile(values, 0.50), percentile(values, 0.99), values.empty() ? 0 : values.back()};
}

}  // namespace

double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::vector<std::vector<PlannedRequest>> plan_batches(const std::vector<std::size_t>& node_of, std::size_t node_count,
                                                      std::size_t batch, double tps) {
  std::vector<std::vector<PlannedRequest>> out(node_count);
  batch = std::max<std::size_t>(1, batch);
  for (std::size_t j = 0; j < node_of.size(); j += batch) {
    const std::size_t end = std::min(node_of.size(), j + batch);
    const auto due = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(static_cast<double>(end - 1) / tps));
    std::vector<std::vector<std::size_t>> members(node_count);
    for (std::size_t k = j; k < end; ++k) members.at(node_of[k]).push_back(k);
    for (std::size_t node = 0; node < node_count; ++node) {
      if (!members[node].empty()) out[node].push_back(PlannedRequest{std::move(members[node]), due});
    }
  }
  return out;
}

util::Result<LoadReport, std::string> run_load(const State& state, const std::vector<Account>& accounts,
                                               const LoadOptions& o, std::ostream& progress) {
  if (!(o.tps > 0) || !(o.duration_s > 0)) return fail("--tps and --duration must be above 0");
  if (o.tps * o.duration_s > kMaxTransactions) {
    return fail(fmt::format("--tps x --duration is {:.0f} transactions; at most {:.0f} per run", o.tps * o.duration_s,
                            kMaxTransactions));
  }
  if (state.nodes.empty() || accounts.empty()) return fail("the devnet has no nodes or no accounts");
  const std::size_t total = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(o.tps * o.duration_s)));
  const std::size_t node_count = state.nodes.size();

  std::vector<NodeClient> clients;
  clients.reserve(node_count);
  for (const NodeEntry& n : state.nodes) {
    auto c = client_for(n);
    if (!c) return std::unexpected(c.error());
    clients.push_back(std::move(*c));
  }

  // 1. Nonces, each from the node the account's transactions go to.
  std::vector<std::uint64_t> nonces(accounts.size());
  for (std::size_t a = 0; a < accounts.size(); ++a) {
    const std::string address = crypto::encode_address(state.network, accounts[a].address);
    auto doc = clients[a % node_count].get("/v1/accounts/" + address);
    if (!doc) return fail("reading the nonce of " + address + ": " + doc.error().message);
    try {
      nonces[a] = std::stoull(doc->at("next_nonce").get<std::string>());
    } catch (const std::exception&) {
      return fail("the node's account answer for " + address + " has no next_nonce");
    }
  }

  // 2. Sign everything first, on every core.
  std::vector<Item> items(total);
  const auto sign_start = Clock::now();
  {
    const unsigned threads = o.sign_threads != 0 ? o.sign_threads : std::max(1U, std::thread::hardware_concurrency());
    std::vector<std::jthread> workers;
    workers.reserve(threads);
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (std::size_t j = t; j < total; j += threads) {
          const std::size_t a = j % accounts.size();
          primitives::Transaction tx;
          tx.chain_id = state.chain_id;
          tx.nonce = nonces[a] + j / accounts.size();
          tx.fee = o.fee;
          tx.body = primitives::Transfer{accounts[(a + 1) % accounts.size()].address, kTransferAmount};
          primitives::sign(tx, accounts[a].key);
          items[j].hex = util::to_hex(primitives::encode(tx));
          items[j].txid = util::to_hex(primitives::txid(tx));
          items[j].node = a % node_count;
        }
      });
    }
  }
  LoadReport report;
  report.sign_seconds = std::chrono::duration<double>(Clock::now() - sign_start).count();
  const std::vector<std::vector<Request>> plan = build_requests(items, node_count, o.batch, o.tps);
  progress << fmt::format("signed {} transfers from {} accounts in {:.2f} s\n", total, accounts.size(),
                          report.sign_seconds)
           << std::flush;

  // 3. Tracker from node0's current tip.
  auto status = clients[0].get("/v1/status");
  if (!status) return fail("node0: " + status.error().message);
  report.first_height = status->value("height", std::uint64_t{0});
  TipWatcher watcher(clients[0].url(), report.first_height);
  Tracker tracker(clients[0].url(), items, report.first_height);
  std::jthread watching([&](const std::stop_token& stop) { watcher.run(stop); });
  std::jthread tracking([&](const std::stop_token& stop) {
    std::vector<std::pair<std::uint64_t, TipWatcher::Seen>> seen;
    while (!stop.stop_requested()) {
      seen = watcher.take();
      tracker.read(seen);
      std::this_thread::sleep_for(kTrackerInterval);
    }
  });

  // 4. Submit on an open-loop schedule. Each node has its own submitters: a node that
  // is slow to answer (its actor busy with a block) holds back only its own share of the
  // load, not the requests due at the other nodes.
  const auto cpu_before = read_cpu(clients);
  std::atomic<std::size_t> sent{0};
  std::mutex codes_mutex;  // guards report.reject_codes
  const auto start = Clock::now();
  {
    const unsigned submitters =
        o.submitters != 0 ? o.submitters : static_cast<unsigned>(std::max<std::size_t>(8, 4 * node_count));
    const unsigned per_node = std::max<unsigned>(1, submitters / static_cast<unsigned>(node_count));
    std::vector<std::atomic<std::size_t>> next_batch(node_count);
    std::vector<std::jthread> workers;
    workers.reserve(per_node * node_count);
    for (std::size_t node = 0; node < node_count; ++node) {
      for (unsigned t = 0; t < per_node; ++t) {
        workers.emplace_back([&, node] {
          submit_to(clients[node], plan[node], items, start, next_batch[node], sent, [&](std::string code) {
            std::lock_guard lock(codes_mutex);
            ++report.reject_codes[code];
          });
        });
      }
    }
    std::jthread reporter([&](const std::stop_token& stop) {
      while (!stop.stop_requested()) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        if (stop.stop_requested()) break;
        progress << fmt::format("  submitting: {}/{} sent, {} committed, height {}\n", sent.load(), total,
                                tracker.committed(), tracker.height())
                 << std::flush;
      }
    });
    workers.clear();  // joins the submitters
  }
  const auto submitted_end = Clock::now();
  report.submit_seconds = std::chrono::duration<double>(submitted_end - start).count();
  for (const Item& item : items) {
    if (item.accepted) ++report.submitted;
  }
  report.rejected = total - report.submitted;

  // 5. Wait for commitment.
  const auto deadline = Clock::now() + o.wait;
  auto last_report = Clock::now();
  while (tracker.committed() < report.submitted && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (Clock::now() - last_report >= std::chrono::seconds(1)) {
      last_report = Clock::now();
      progress << fmt::format("  waiting for blocks: {}/{} committed, height {}\n", tracker.committed(),
                              report.submitted, tracker.height())
               << std::flush;
    }
  }
  tracking.request_stop();
  watching.request_stop();
  tracking.join();
  watching.join();
  report.node_cpu = cpu_between(cpu_before, read_cpu(clients));

  std::vector<double> latencies;
  std::vector<double> to_block;
  std::vector<double> block_to_final;
  Clock::time_point last_commit = start;
  for (const Item& item : items) {
    if (!item.is_committed) continue;
    latencies.push_back(std::chrono::duration<double, std::milli>(item.committed - item.submitted).count());
    to_block.push_back(static_cast<double>(item.block_timestamp_ms - item.submitted_wall_ms));
    block_to_final.push_back(static_cast<double>(item.committed_wall_ms - item.block_timestamp_ms));
    last_commit = std::max(last_commit, item.committed);
  }
  report.committed = latencies.size();
  const double span = std::chrono::duration<double>(last_commit - start).count();
  report.committed_tps = span > 0 ? static_cast<double>(report.committed) / span : 0;
  report.latency = percentiles(std::move(latencies));
  report.to_block = percentiles(std::move(to_block));
  report.block_to_final = percentiles(std::move(block_to_final));
  report.last_height = tracker.height();
  return report;
}

LoadFigures load_figures(const LoadReport& r, double verify_per_s, unsigned threads, std::size_t nodes) {
  LoadFigures f;
  const auto node_count = static_cast<double>(std::max<std::size_t>(1, nodes));
  // Every node checks every signature, so the nodes of this machine share its
  // verifications: the ratio is against verify/s ÷ nodes.
  if (verify_per_s > 0) {
    f.ratio = r.committed_tps / (verify_per_s / node_count);
    f.bench_us_per_verification = static_cast<double>(threads) * 1e6 / verify_per_s;
  }
  if (!r.node_cpu) return f;
  const NodeCpu& cpu = *r.node_cpu;
  const auto committed = static_cast<double>(std::max<std::uint64_t>(1, r.committed));
  f.us_per_tx = cpu.process_seconds * 1e6 / committed;
  f.checks_per_tx_per_node = static_cast<double>(cpu.signature_checks) / committed / node_count;
  if (cpu.process_seconds > 0) f.check_share = cpu.signature_check_seconds / cpu.process_seconds;
  if (cpu.signature_checks > 0 && cpu.signature_check_seconds > 0) {
    f.us_per_check = cpu.signature_check_seconds * 1e6 / static_cast<double>(cpu.signature_checks);
    const double checks_per_s_per_node = static_cast<double>(threads) * 1e6 / f.us_per_check / node_count;
    f.ratio_at_node_check_cost = r.committed_tps / checks_per_s_per_node;
  }
  return f;
}

std::optional<double> metric_value(std::string_view text, std::string_view name) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.size() <= name.size() || !line.starts_with(name) || line[name.size()] != ' ') continue;
    const std::string value(line.substr(name.size() + 1));
    try {
      std::size_t used = 0;
      const double v = std::stod(value, &used);
      if (used != value.size() || !std::isfinite(v)) return std::nullopt;
      return v;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace cloudchain::cli::devnet
