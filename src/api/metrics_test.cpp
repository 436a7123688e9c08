// GET /metrics: the exposition writer (escaping, histograms), the request counter, and
// the route over a real socket.

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>

#include "api/metrics_text.hpp"
#include "api/request_counter.hpp"
#include "api/test_fixture.hpp"

namespace cloudchain::api::test {
namespace {

TEST(MetricsText, WritesHelpTypeAndSamples) {
  MetricsText out;
  out.gauge("cloudchain_height", "Height of the tip.", std::uint64_t{42})
      .counter("cloudchain_blocks_processed_total", "Blocks.", std::uint64_t{7})
      .gauge("cloudchain_sync_progress_ratio", "Ratio.", 0.5)
      .counter("process_cpu_seconds_total", "CPU.", 1.25);
  EXPECT_EQ(out.take(),
            "# HELP cloudchain_height Height of the tip.\n"
            "# TYPE cloudchain_height gauge\n"
            "cloudchain_height 42\n"
            "# HELP cloudchain_blocks_processed_total Blocks.\n"
            "# TYPE cloudchain_blocks_processed_total counter\n"
            "cloudchain_blocks_processed_total 7\n"
            "# HELP cloudchain_sync_progress_ratio Ratio.\n"
            "# TYPE cloudchain_sync_progress_ratio gauge\n"
            "cloudchain_sync_progress_ratio 0.5\n"
            "# HELP process_cpu_seconds_total CPU.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total 1.25\n");
}

TEST(MetricsText, EscapesLabelValuesAndHelp) {
  MetricsText out;
  out.family("m_total", "a \\ back\nslash \"quoted\"", "counter");
  out.sample("m_total", {{"path", "C:\\dir \"x\"\nnext"}, {"status", "200"}}, std::uint64_t{1});
  EXPECT_EQ(out.take(),
            "# HELP m_total a \\\\ back\\nslash \"quoted\"\n"
            "# TYPE m_total counter\n"
            "m_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\",status=\"200\"} 1\n");
}

TEST(MetricsText, SpellsValues) {
  EXPECT_EQ(MetricsText::format_value(1.0), "1");
  EXPECT_EQ(MetricsText::format_value(0.001), "0.001");
  EXPECT_EQ(MetricsText::format_value(2.5e-7), "2.5e-07");
  EXPECT_EQ(MetricsText::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(MetricsText::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(MetricsText::format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsText, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  constexpr std::array<double, 3> kBounds = {0.01, 0.1, 1.0};
  util::Histogram h(kBounds);
  for (double v : {0.005, 0.05, 0.07, 0.5, 3.0}) h.observe(v);
  MetricsText out;
  out.histogram("x_seconds", "Durations.", h.snapshot());
  EXPECT_EQ(out.take(),
            "# HELP x_seconds Durations.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"0.01\"} 1\n"
            "x_seconds_bucket{le=\"0.1\"} 3\n"
            "x_seconds_bucket{le=\"1\"} 4\n"
            "x_seconds_bucket{le=\"+Inf\"} 5\n"
            "x_seconds_sum 3.625\n"
            "x_seconds_count 5\n");
}

TEST(MetricsText, EmptyHistogramHasZeroBuckets) {
  MetricsText out;
  out.histogram("y_seconds", "None yet.", util::HistogramSnapshot{});
  EXPECT_EQ(out.take(),
            "# HELP y_seconds None yet.\n"
            "# TYPE y_seconds histogram\n"
            "y_seconds_bucket{le=\"+Inf\"} 0\n"
            "y_seconds_sum 0\n"
            "y_seconds_count 0\n");
}

TEST(RequestCounter, CountsByTemplateAndStatusUnknownAsOther) {
  RequestCounter c;
  c.count("/v1/blocks/{id}", 200);
  c.count("/v1/blocks/{id}", 200);
  c.count("/v1/blocks/{id}", 404);
  c.count("", 404);
  c.count("/not/a/template", 999);  // other, and an impossible status as 500
  MetricsText out;
  c.write(out);
  const std::string text = out.take();
  EXPECT_NE(text.find("cloudchain_api_requests_total{route=\"/v1/blocks/{id}\",status=\"200\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cloudchain_api_requests_total{route=\"/v1/blocks/{id}\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("cloudchain_api_requests_total{route=\"other\",status=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("cloudchain_api_requests_total{route=\"other\",status=\"500\"} 1\n"), std::string::npos);
  EXPECT_EQ(text.find("/v1/status"), std::string::npos);  // nothing counted, no series
}

using MetricsRouteTest = ServerTest;

TEST_F(MetricsRouteTest, AnswersPrometheusTextWithEveryMetric) {
  EXPECT_EQ(get("/v1/blocks/1").status, 200u);
  EXPECT_EQ(get("/v1/blocks/2").status, 200u);
  EXPECT_EQ(get("/v1/blocks/999").status, 404u);
  EXPECT_EQ(get("/nope").status, 404u);
  const auto r = get("/metrics");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* family :
       {"cloudchain_height gauge", "cloudchain_peers gauge", "cloudchain_mempool_transactions gauge",
        "cloudchain_mempool_bytes gauge", "cloudchain_blocks_processed_total counter",
        "cloudchain_transactions_processed_total counter", "cloudchain_block_validation_seconds histogram",
        "cloudchain_block_commit_seconds histogram", "cloudchain_sync_progress_ratio gauge",
        "cloudchain_p2p_bytes_received_total counter", "cloudchain_p2p_bytes_sent_total counter",
        "cloudchain_miner_hashrate gauge", "cloudchain_api_requests_total counter",
        "cloudchain_api_event_clients gauge", "cloudchain_api_event_clients_dropped_total counter",
        "cloudchain_signature_checks_total counter", "cloudchain_signature_check_cpu_seconds_total counter",
        "process_cpu_seconds_total counter"}) {
    EXPECT_NE(r.body.find("# TYPE " + std::string(family) + "\n"), std::string::npos) << family << "\n" << r.body;
  }
  EXPECT_NE(r.body.find("\ncloudchain_height " + std::to_string(node->tip().height) + "\n"), std::string::npos);
  EXPECT_NE(r.body.find("cloudchain_block_validation_seconds_bucket{le=\"+Inf\"} 0\n"), std::string::npos);
  EXPECT_NE(r.body.find("cloudchain_api_requests_total{route=\"/v1/blocks/{id}\",status=\"200\"} 2\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("cloudchain_api_requests_total{route=\"/v1/blocks/{id}\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("cloudchain_api_requests_total{route=\"other\",status=\"404\"} 1\n"), std::string::npos);
  // The process has used some CPU by now (this test's own process).
  const std::string cpu = "\nprocess_cpu_seconds_total ";
  const auto cpu_at = r.body.find(cpu);
  ASSERT_NE(cpu_at, std::string::npos);
  EXPECT_GT(std::stod(r.body.substr(cpu_at + cpu.size())), 0.0);
  // PoW: no consensus round.
  EXPECT_EQ(r.body.find("cloudchain_consensus_round"), std::string::npos);

  // The /metrics request itself is counted once answered.
  const auto again = get("/metrics");
  EXPECT_NE(again.body.find("cloudchain_api_requests_total{route=\"/metrics\",status=\"200\"} 1\n"), std::string::npos)
      << again.body;
}

TEST_F(MetricsRouteTest, RefusesQueryParametersAndOtherMethods) {
  expect_problem(get("/metrics?x=1"), 400, "bad_param");
  const auto r = post("/metrics", "{}");
  EXPECT_EQ(r.status, 405u);
}

}  // namespace
}  // namespace cloudchain::api::test
