#pragma once
// MetricsText: writes the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for GET /metrics.
//
//   MetricsText out;
//   out.gauge("cloudchain_height", "Height of the active chain's tip.", 42);
//   out.family("cloudchain_api_requests_total", "HTTP API requests answered.", "counter");
//   out.sample("cloudchain_api_requests_total", {{"route", "/v1/status"}, {"status", "200"}}, 7);
//   std::string body = out.take();
//
// The caller passes valid metric and label names (literals: [a-zA-Z_:][a-zA-Z0-9_:]*)
// and writes each family's samples right after its HELP and TYPE lines; the writer
// escapes HELP text (backslash, newline) and label values (backslash, double quote,
// newline), and spells non-finite values +Inf, -Inf and NaN.
//
// Thread-safety: one writer per thread (it is a string being built).

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "util/histogram.hpp"

namespace cloudchain::api {

class MetricsText {
 public:
  using Label = std::pair<std::string_view, std::string_view>;

  /// "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram, ...).
  MetricsText& family(std::string_view name, std::string_view help, std::string_view type);
  /// One sample line: name{labels} value.
  MetricsText& sample(std::string_view name, std::initializer_list<Label> labels, double value);
  MetricsText& sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value);

  /// A whole family of one unlabelled sample.
  MetricsText& gauge(std::string_view name, std::string_view help, double value);
  MetricsText& gauge(std::string_view name, std::string_view help, std::uint64_t value);
  /// `name` ends in _total.
  MetricsText& counter(std::string_view name, std::string_view help, std::uint64_t value);
  MetricsText& counter(std::string_view name, std::string_view help, double value);
  /// name_bucket{le="..."} (cumulative, ending with le="+Inf"), name_sum, name_count.
  MetricsText& histogram(std::string_view name, std::string_view help, const util::HistogramSnapshot& h);

  /// The text so far; the writer is empty afterwards.
  std::string take() { return std::exchange(m_out, {}); }

  /// How a sample value is spelled: integers without a fraction, others in the shortest
  /// form that reads back exactly, +Inf / -Inf / NaN.
  static std::string format_value(double value);

 private:
  void begin_sample(std::string_view name, std::initializer_list<Label> labels);

  std::string m_out;
};

}  // namespace cloudchain::api
