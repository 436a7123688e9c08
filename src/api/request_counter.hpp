#pragma once
// RequestCounter: HTTP API requests answered, by route template and status code, for
// cloudchain_api_requests_total (GET /metrics). Labelled by the route's TEMPLATE
// ("/v1/blocks/{id}"), never the raw path, so the number of series is bounded by the
// route table times the status codes; a request that matched no route (404, or a
// request refused before routing: malformed, head or body over the limit) counts under
// route "other".
//
// One atomic counter per (route, status 100..599): count() takes no lock and never
// blocks. Any thread may count while another writes.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace cloudchain::api {

class MetricsText;

/// GET /v1/events clients, for cloudchain_api_event_clients and
/// cloudchain_api_event_clients_dropped_total. Any thread.
struct StreamCounters {
  std::atomic<std::uint64_t> open{0};     // streaming now
  std::atomic<std::uint64_t> dropped{0};  // closed because their queue overflowed or a write stalled
};

class RequestCounter {
 public:
  /// The label of requests that matched no route.
  static constexpr std::string_view kOther = "other";

  /// Sized from route_table(): one row per distinct path template, and one for kOther.
  RequestCounter();
  RequestCounter(const RequestCounter&) = delete;
  RequestCounter& operator=(const RequestCounter&) = delete;

  /// One answered request. `route`: a template of route_table(), or anything else
  /// (empty) for kOther. A status outside 100..599 counts as 500.
  void count(std::string_view route, unsigned status);
  /// The family cloudchain_api_requests_total, one sample per (route, status) seen.
  void write(MetricsText& out) const;

 private:
  static constexpr unsigned kFirstStatus = 100;
  static constexpr unsigned kStatuses = 500;  // 100..599

  std::vector<std::string_view> m_routes;                  // distinct templates, then kOther
  std::unique_ptr<std::atomic<std::uint64_t>[]> m_counts;  // m_routes.size() * kStatuses
};

}  // namespace cloudchain::api
