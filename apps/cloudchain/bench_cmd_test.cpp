// `cloudchain bench verify` run in-process.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "test_server.hpp"
#include "verify_rate.hpp"

namespace cloudchain::cli {
namespace {

TEST(CliBench, VerifyReportsPositiveRatesAsJson) {
  auto r = test::run({"--json", "bench", "verify", "--seconds", "0.4", "--threads", "2"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("threads").get<unsigned>(), 2u);
  EXPECT_GT(j.at("verify_per_s_all_cores").get<double>(), 100.0);
  EXPECT_GT(j.at("verify_per_s_one_core").get<double>(), 100.0);
}

TEST(CliBench, VerifyTable) {
  auto r = test::run({"bench", "verify", "--seconds", "0.2"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("verifications/s, all cores:"), std::string::npos) << r.out;
}

TEST(CliBench, BadOptionsAreUsageErrors) {
  EXPECT_EQ(test::run({"bench", "verify", "--seconds", "0"}).code, kExitUsage);
  EXPECT_EQ(test::run({"bench", "verify", "--threads", "0"}).code, kExitUsage);
  EXPECT_EQ(test::run({"bench"}).code, kExitUsage);
  EXPECT_EQ(test::run({"bench", "nonsense"}).code, kExitUsage);
}

TEST(VerifyRate, OneThreadMeasuresSomething) {
  const VerifyRate r = measure_verify_rate(0.2, 1);
  EXPECT_EQ(r.threads, 1u);
  EXPECT_GT(r.one_core, 100.0);
  EXPECT_GT(r.all_cores, 100.0);
}

}  // namespace
}  // namespace cloudchain::cli
