#include "devnet_load.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
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
constexpr std::chrono::milliseconds kTrackerInterval{100};
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

struct Item {
  std::string hex;   // the transaction's encoding
  std::string txid;  // hex
  std::size_t node = 0;
  Clock::time_point submitted{};
  Clock::time_point committed{};
  bool accepted = false;
  bool is_committed = false;
};

/// Reads node0's new blocks and marks the items they hold as committed.
class Tracker {
 public:
  Tracker(NodeClient node, std::vector<Item>& items, std::uint64_t height)
      : m_node(std::move(node)), m_items(items), m_height(height) {
    for (std::size_t i = 0; i < items.size(); ++i) m_index.emplace(items[i].txid, i);
  }

  /// Reads blocks up to node0's tip; returns false when the node did not answer.
  bool poll() {
    auto status = m_node.get("/v1/status");
    if (!status || !status->contains("height") || !(*status)["height"].is_number_unsigned()) return false;
    const auto tip = (*status)["height"].get<std::uint64_t>();
    while (m_height < tip) {
      // Only the txids: the whole block's JSON (every transaction's fields and encoding,
      // twice the block's size in hex) cost this process and node0 more than the rest of
      // the run's bookkeeping together.
      auto block = m_node.get("/v1/blocks/" + std::to_string(m_height + 1) + "/txids");
      if (!block || !block->contains("txids") || !(*block)["txids"].is_array()) return false;
      const Clock::time_point now = Clock::now();
      std::lock_guard lock(m_mutex);
      for (const Json& txid : (*block)["txids"]) {
        if (!txid.is_string()) continue;
        auto it = m_index.find(txid.get_ref<const std::string&>());
        if (it == m_index.end() || m_items[it->second].is_committed) continue;
        m_items[it->second].is_committed = true;
        m_items[it->second].committed = now;
        ++m_committed;
      }
      ++m_height;
    }
    return true;
  }

  std::uint64_t committed() const {
    std::lock_guard lock(m_mutex);
    return m_committed;
  }
  std::uint64_t height() const { return m_height; }

 private:
  NodeClient m_node;
  std::vector<Item>& m_items;  // committed fields: guarded by m_mutex
  std::unordered_map<std::string, std::size_t> m_index;
  std::uint64_t m_height;
  mutable std::mutex m_mutex;  // guards m_committed and the items' committed fields
  std::uint64_t m_committed = 0;
};

}  // namespace

double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
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
  progress << fmt::format("signed {} transfers from {} accounts in {:.2f} s\n", total, accounts.size(),
                          report.sign_seconds)
           << std::flush;

  // 3. Tracker from node0's current tip.
  auto status = clients[0].get("/v1/status");
  if (!status) return fail("node0: " + status.error().message);
  report.first_height = status->value("height", std::uint64_t{0});
  Tracker tracker(clients[0], items, report.first_height);
  std::atomic<bool> done{false};
  std::jthread tracking([&] {
    while (!done.load()) {
      tracker.poll();
      std::this_thread::sleep_for(kTrackerInterval);
    }
  });

  // 4. Submit on an open-loop schedule.
  std::atomic<std::size_t> next{0};
  std::mutex codes_mutex;  // guards report.reject_codes
  const auto start = Clock::now();
  {
    const unsigned submitters =
        o.submitters != 0 ? o.submitters : static_cast<unsigned>(std::max<std::size_t>(8, 4 * node_count));
    std::vector<std::jthread> workers;
    workers.reserve(submitters);
    for (unsigned t = 0; t < submitters; ++t) {
      workers.emplace_back([&] {
        // Each submitter keeps one connection to each node (keep-alive): a connection per
        // transaction would cost both sides more than the transaction itself.
        std::vector<HttpSession> http;
        http.reserve(clients.size());
        for (const NodeClient& c : clients) http.emplace_back(c.url(), kRequestTimeout);
        const auto rejected = [&](std::string code) {
          std::lock_guard lock(codes_mutex);
          ++report.reject_codes[code];
        };
        const auto failure_code = [](const util::Result<HttpResponse, HttpError>& r) -> std::string {
          if (!r) return std::string(to_string(r.error().code));
          auto doc = Json::parse(r->body, nullptr, false);
          if (doc.is_object() && doc.contains("code") && doc["code"].is_string()) return doc["code"];
          return "http_" + std::to_string(r->status);
        };
        const std::size_t batch = std::max<std::size_t>(1, o.batch);
        for (std::size_t j = next.fetch_add(batch); j < total; j = next.fetch_add(batch)) {
          // Items j .. end - 1, sent when the last of them is due (the offered rate holds
          // for any batch size), one request per node.
          const std::size_t end = std::min(total, j + batch);
          const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(static_cast<double>(end - 1) / o.tps));
          std::this_thread::sleep_until(due);
          if (batch == 1) {
            Item& item = items[j];
            item.submitted = Clock::now();
            auto r = http[item.node].post("/v1/txs", "application/json", R"({"tx":")" + item.hex + R"("})");
            if (r && r->status == 202) {
              item.accepted = true;
            } else {
              rejected(failure_code(r));
            }
            continue;
          }
          for (std::size_t node = 0; node < http.size(); ++node) {
            std::vector<std::size_t> mine;
            std::string body = R"({"txs":[)";
            for (std::size_t k = j; k < end; ++k) {
              if (items[k].node != node) continue;
              body += (mine.empty() ? "\"" : ",\"") + items[k].hex + "\"";
              mine.push_back(k);
            }
            if (mine.empty()) continue;
            body += "]}";
            const auto sent = Clock::now();
            for (std::size_t k : mine) items[k].submitted = sent;
            auto r = http[node].post("/v1/txs/batch", "application/json", body);
            auto doc = r && r->status == 200 ? Json::parse(r->body, nullptr, false) : Json();
            const bool answered = doc.is_object() && doc.contains("results") && doc["results"].is_array() &&
                                  doc["results"].size() == mine.size();
            for (std::size_t i = 0; i < mine.size(); ++i) {
              if (!answered) {
                rejected(failure_code(r));
                continue;
              }
              const Json& result = doc["results"][i];
              if (result.is_object() && result.value("status", "") == "pending") {
                items[mine[i]].accepted = true;
              } else {
                rejected(result.is_object() ? result.value("code", "bad_answer") : "bad_answer");
              }
            }
          }
        }
      });
    }
    std::jthread reporter([&](const std::stop_token& stop) {
      while (!stop.stop_requested()) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        if (stop.stop_requested()) break;
        progress << fmt::format("  submitting: {}/{} sent, {} committed, height {}\n", std::min(next.load(), total),
                                total, tracker.committed(), tracker.height())
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
  done = true;
  tracking.join();

  std::vector<double> latencies;
  Clock::time_point last_commit = start;
  for (const Item& item : items) {
    if (!item.is_committed) continue;
    latencies.push_back(std::chrono::duration<double, std::milli>(item.committed - item.submitted).count());
    last_commit = std::max(last_commit, item.committed);
  }
  std::sort(latencies.begin(), latencies.end());
  report.committed = latencies.size();
  const double span = std::chrono::duration<double>(last_commit - start).count();
  report.committed_tps = span > 0 ? static_cast<double>(report.committed) / span : 0;
  report.latency_p50_ms = percentile(latencies, 0.50);
  report.latency_p99_ms = percentile(latencies, 0.99);
  report.latency_max_ms = latencies.empty() ? 0 : latencies.back();
  report.last_height = tracker.height();
  return report;
}

}  // namespace cloudchain::cli::devnet
