// cloudchain bench verify: this machine's signature-verification rate, the reference the
// load harnesses divide by (docs/benchmarks.md, docs/cli.md).

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "verify_rate.hpp"

namespace cloudchain::cli {

namespace {

struct BenchOptions {
  double seconds = 4.0;
  unsigned threads = 0;
};

int run_bench_verify(Context& ctx, const BenchOptions& o) {
  const VerifyRate r = measure_verify_rate(o.seconds, o.threads);
  if (r.all_cores <= 0.0 || r.one_core <= 0.0) {
    throw failure("signature verification failed during the measurement");
  }
  if (ctx.json()) {
    print_json(ctx.io().out, nlohmann::json{{"threads", r.threads},
                                            {"verify_per_s_all_cores", r.all_cores},
                                            {"verify_per_s_one_core", r.one_core}});
    return kExitOk;
  }
  Table t;
  t.add("threads", std::to_string(r.threads));
  t.add("verifications/s, all cores", fmt::format("{:.0f}", r.all_cores));
  t.add("verifications/s, one core", fmt::format("{:.0f}", r.one_core));
  t.print(ctx.io().out);
  return kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& app, Context& ctx, Action& action) {
  CLI::App* bench = app.add_subcommand("bench", "measure this machine's limits (the load harnesses' reference)");
  bench->require_subcommand(1);
  auto options = std::make_shared<BenchOptions>();
  CLI::App* verify =
      bench->add_subcommand("verify", "secp256k1 signature verifications per second, one core and all cores");
  verify->add_option("--seconds", options->seconds, "how long to measure (default 4)")->check(CLI::Range(0.2, 600.0));
  verify->add_option("--threads", options->threads, "threads for the all-cores figure (default: one per core)")
      ->check(CLI::Range(1u, 1024u));
  verify->callback([&ctx, &action, options] { action = [&ctx, options] { return run_bench_verify(ctx, *options); }; });
}

}  // namespace cloudchain::cli
