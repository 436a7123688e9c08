#include "util/histogram.hpp"

#include <algorithm>
#include <array>

namespace cloudchain::util {

Histogram::Histogram(std::span<const double> bounds)
    : m_bounds(bounds.begin(), bounds.end()),
      m_counts(std::make_unique<std::atomic<std::uint64_t>[]>(m_bounds.size() + 1)) {}

void Histogram::observe(double value) {
  const auto bucket =
      static_cast<std::size_t>(std::lower_bound(m_bounds.begin(), m_bounds.end(), value) - m_bounds.begin());
  m_counts[bucket].fetch_add(1, std::memory_order_relaxed);
  m_sum.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.bounds = m_bounds;
  s.counts.resize(m_bounds.size() + 1);
  for (std::size_t i = 0; i < s.counts.size(); ++i) {
    s.counts[i] = m_counts[i].load(std::memory_order_relaxed);
    s.count += s.counts[i];
  }
  s.sum = m_sum.load(std::memory_order_relaxed);
  return s;
}

std::span<const double> duration_buckets() {
  static constexpr std::array<double, 13> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
  return kBounds;
}

}  // namespace cloudchain::util
