// PoW miner throughput against this machine's own limit (DESIGN.md: benchmarks report
// ratios to the machine's limits):
// - BM_Miner/threads:N: consensus::Miner hashes/s in total and per thread, N threads
//   on an impossible target (so it never stops to report), including the chunking,
//   template checks and hash counting of the real miner;
// - BM_TwoRawCompressions_ShaNi/threads:N: two raw SHA-NI compressions per iteration
//   through crypto::sha256_compress (the whole cost of one nonce in theory), one such
//   loop on each of N threads at once, per thread;
// - BM_MinerOverRaw/threads:N: both measured back to back with N threads; the counter
//   `ratio` is miner nonces/s per thread over raw iterations/s per thread (target >= 0.9).
//   Measuring both under the same thread count keeps other load on the machine (and
//   SMT siblings) from favouring either side.
// The raw loop is latency-bound (each compression waits for the previous one), while
// PowHasher::search interleaves several nonces, so the ratio can exceed 1.
// CLOUDCHAIN_BENCH_SMOKE (set by scripts/bench.sh --smoke) only shortens the windows.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "consensus/miner.hpp"
#include "crypto/sha256_compress.hpp"

namespace {

using namespace cloudchain;
using Clock = std::chrono::steady_clock;

bool smoke() { return std::getenv("CLOUDCHAIN_BENCH_SMOKE") != nullptr; }

// The miner publishes its count once per chunk (2^16 nonces, a few ms), so a window
// of 500 ms holds over a hundred chunks per thread: under 1% counting granularity.
std::chrono::milliseconds window() { return std::chrono::milliseconds(smoke() ? 30 : 500); }

// The thread counts to measure: 1, 2 and every hardware thread (when more than 2).
void thread_args(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")->Arg(1)->Arg(2);
  const unsigned hw = std::thread::hardware_concurrency();
  if (hw > 2) b->Arg(static_cast<int>(hw));
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

consensus::BlockTemplate impossible_template() {
  consensus::BlockTemplate t;
  t.header.chain_id = 1;
  t.header.height = 1;
  t.header.timestamp_ms = 1'700'000'000'000;
  t.header.seal = primitives::PowSeal{0x01010000, 0};  // target 1: never met
  return t;
}

// Samples a running miner for one window; returns nonces/s over all its threads.
double miner_rate(consensus::Miner& miner) {
  const std::uint64_t h0 = miner.hashes();
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(window());
  const std::uint64_t h1 = miner.hashes();
  return static_cast<double>(h1 - h0) / seconds_since(t0);
}

// Two raw compressions per iteration for one window; returns iterations/s.
double raw_rate() {
  std::vector<std::uint8_t> block(64);
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::uint8_t>(i * 131 + 7);
  crypto::Sha256State s = crypto::kSha256Initial;
  std::uint64_t iterations = 0;
  const auto t0 = Clock::now();
  const auto end = t0 + window();
  while (Clock::now() < end) {
    for (int i = 0; i < 4096; ++i) {
      crypto::sha256_compress(crypto::CompressImpl::kShaNi, s, block.data(), 1);
      crypto::sha256_compress(crypto::CompressImpl::kShaNi, s, block.data(), 1);
    }
    benchmark::DoNotOptimize(s);
    iterations += 4096;
  }
  return static_cast<double>(iterations) / seconds_since(t0);
}

// raw_rate() on `threads` threads at once; returns the mean iterations/s per thread.
double raw_rate_per_thread(unsigned threads) {
  std::vector<double> rates(threads);
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back([&rates, i] { rates[i] = raw_rate(); });
  for (auto& t : pool) t.join();
  double sum = 0;
  for (double r : rates) sum += r;
  return sum / threads;
}

void BM_Miner(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  consensus::Miner miner({}, {});
  if (!miner.set_template(impossible_template())) {
    state.SkipWithError("template rejected");
    return;
  }
  miner.start(threads);
  while (miner.hashes() == 0) std::this_thread::yield();  // threads up and hashing
  double total_rate = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    total_rate += miner_rate(miner);
    state.SetIterationTime(seconds_since(t0));
  }
  miner.stop();
  const double rate = total_rate / static_cast<double>(state.iterations());
  state.counters["nonces_per_s"] = rate;
  state.counters["nonces_per_s_per_thread"] = rate / threads;
}
BENCHMARK(BM_Miner)->Apply(thread_args)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_TwoRawCompressions_ShaNi(benchmark::State& state) {
  if (!crypto::cpu_has_sha_ni()) {
    state.SkipWithError("CPU has no SHA-NI");
    return;
  }
  const auto threads = static_cast<unsigned>(state.range(0));
  double total_rate = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    total_rate += raw_rate_per_thread(threads);
    state.SetIterationTime(seconds_since(t0));
  }
  state.counters["iterations_per_s_per_thread"] = total_rate / static_cast<double>(state.iterations());
}
BENCHMARK(BM_TwoRawCompressions_ShaNi)->Apply(thread_args)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_MinerOverRaw(benchmark::State& state) {
  if (!crypto::cpu_has_sha_ni()) {
    state.SkipWithError("CPU has no SHA-NI");
    return;
  }
  consensus::Miner miner({}, {});
  if (!miner.set_template(impossible_template())) {
    state.SkipWithError("template rejected");
    return;
  }
  const auto threads = static_cast<unsigned>(state.range(0));
  double raw = 0;
  double mined = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    raw += raw_rate_per_thread(threads);
    miner.start(threads);
    while (miner.hashes() == 0) std::this_thread::yield();
    mined += miner_rate(miner) / threads;
    miner.stop();
    state.SetIterationTime(seconds_since(t0));
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["raw_per_s_per_thread"] = raw / n;
  state.counters["miner_per_s_per_thread"] = mined / n;
  state.counters["ratio"] = mined / raw;
}
BENCHMARK(BM_MinerOverRaw)->Apply(thread_args)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
