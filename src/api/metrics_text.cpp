#include "api/metrics_text.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cloudchain::api {

namespace {

// HELP text: backslash and newline escaped; label values: double quote as well.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '"':
        if (quote) {
          out += "\\\"";
        } else {
          out += c;
        }
        break;
      default: out += c; break;
    }
  }
}

}  // namespace

std::string MetricsText::format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

MetricsText& MetricsText::family(std::string_view name, std::string_view help, std::string_view type) {
  m_out += "# HELP ";
  m_out += name;
  m_out += ' ';
  append_escaped(m_out, help, false);
  m_out += "\n# TYPE ";
  m_out += name;
  m_out += ' ';
  m_out += type;
  m_out += '\n';
  return *this;
}

void MetricsText::begin_sample(std::string_view name, std::initializer_list<Label> labels) {
  m_out += name;
  if (labels.size() != 0) {
    m_out += '{';
    bool first = true;
    for (const auto& [label, value] : labels) {
      if (!first) m_out += ',';
      first = false;
      m_out += label;
      m_out += "=\"";
      append_escaped(m_out, value, true);
      m_out += '"';
    }
    m_out += '}';
  }
  m_out += ' ';
}

MetricsText& MetricsText::sample(std::string_view name, std::initializer_list<Label> labels, double value) {
  begin_sample(name, labels);
  m_out += format_value(value);
  m_out += '\n';
  return *this;
}

MetricsText& MetricsText::sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value) {
  begin_sample(name, labels);
  m_out += std::to_string(value);
  m_out += '\n';
  return *this;
}

MetricsText& MetricsText::gauge(std::string_view name, std::string_view help, double value) {
  return family(name, help, "gauge").sample(name, {}, value);
}

MetricsText& MetricsText::gauge(std::string_view name, std::string_view help, std::uint64_t value) {
  return family(name, help, "gauge").sample(name, {}, value);
}

MetricsText& MetricsText::counter(std::string_view name, std::string_view help, std::uint64_t value) {
  return family(name, help, "counter").sample(name, {}, value);
}

MetricsText& MetricsText::counter(std::string_view name, std::string_view help, double value) {
  return family(name, help, "counter").sample(name, {}, value);
}

MetricsText& MetricsText::histogram(std::string_view name, std::string_view help, const util::HistogramSnapshot& h) {
  family(name, help, "histogram");
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += i < h.counts.size() ? h.counts[i] : 0;
    const std::string le = format_value(h.bounds[i]);
    sample(bucket, {{"le", le}}, cumulative);
  }
  // +Inf counts everything, so it equals _count even if the snapshot lacks the last bucket.
  sample(bucket, {{"le", "+Inf"}}, h.count);
  sample(std::string(name) + "_sum", {}, h.sum);
  sample(std::string(name) + "_count", {}, h.count);
  return *this;
}

}  // namespace cloudchain::api
