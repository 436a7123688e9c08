#pragma once
// Histogram: a distribution of observed values (durations in seconds) in fixed buckets,
// for the Prometheus /metrics endpoint (docs/api.md "GET /metrics").
//
// Each bucket is one atomic counter and the sum one atomic double, so observe() takes
// no lock and never blocks: any thread may observe while any other takes a snapshot.
// A snapshot reads the counters one by one, so one taken during an observe() may count
// that observation in `counts` and not yet in `sum` (or the reverse); each is exact on
// its own, and both catch up with the next snapshot.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace cloudchain::util {

/// What a Histogram held at one moment.
struct HistogramSnapshot {
  std::vector<double> bounds;         // upper bounds, ascending (+Inf implied after the last)
  std::vector<std::uint64_t> counts;  // per bucket, NOT cumulative; bounds.size() + 1 entries
  double sum = 0.0;                   // of every observed value
  std::uint64_t count = 0;            // observations (the sum of counts)
};

class Histogram {
 public:
  /// `bounds`: the buckets' upper bounds (inclusive, as Prometheus' `le`), strictly
  /// ascending and finite; a value above the last falls in the implied +Inf bucket.
  explicit Histogram(std::span<const double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  /// Counts `value` in the first bucket whose bound is >= value. Any thread; lock-free.
  void observe(double value);
  /// Any thread.
  HistogramSnapshot snapshot() const;

 private:
  std::vector<double> m_bounds;
  std::unique_ptr<std::atomic<std::uint64_t>[]> m_counts;  // m_bounds.size() + 1
  std::atomic<double> m_sum{0.0};
};

/// Bucket bounds in seconds for work that takes from about a millisecond to tens of
/// seconds (block validation and commit): 1 ms .. 10 s.
std::span<const double> duration_buckets();

}  // namespace cloudchain::util
