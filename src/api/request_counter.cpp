#include "api/request_counter.hpp"

#include <algorithm>
#include <string>

#include "api/metrics_text.hpp"
#include "api/router.hpp"

namespace cloudchain::api {

RequestCounter::RequestCounter() {
  for (const Route& r : route_table()) {
    if (std::find(m_routes.begin(), m_routes.end(), r.path) == m_routes.end()) m_routes.push_back(r.path);
  }
  m_routes.push_back(kOther);
  m_counts = std::make_unique<std::atomic<std::uint64_t>[]>(m_routes.size() * kStatuses);
}

void RequestCounter::count(std::string_view route, unsigned status) {
  std::size_t row = m_routes.size() - 1;  // kOther
  for (std::size_t i = 0; i + 1 < m_routes.size(); ++i) {
    if (m_routes[i] == route) {
      row = i;
      break;
    }
  }
  if (status < kFirstStatus || status >= kFirstStatus + kStatuses) status = 500;
  m_counts[row * kStatuses + (status - kFirstStatus)].fetch_add(1, std::memory_order_relaxed);
}

void RequestCounter::write(MetricsText& out) const {
  constexpr std::string_view kName = "cloudchain_api_requests_total";
  out.family(kName, "HTTP API requests answered, by route template and status code.", "counter");
  for (std::size_t row = 0; row < m_routes.size(); ++row) {
    for (unsigned s = 0; s < kStatuses; ++s) {
      const std::uint64_t n = m_counts[row * kStatuses + s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      const std::string status = std::to_string(kFirstStatus + s);
      out.sample(kName, {{"route", m_routes[row]}, {"status", status}}, n);
    }
  }
}

}  // namespace cloudchain::api
