// Mempool throughput against this machine's own limit: a pooled transaction costs one
// signature verification plus the pool's bookkeeping (txid, sighash, address, state
// read, indexes), so admission/s is compared with raw crypto::verify/s on one core,
// measured in the same benchmark on the same transactions.
// - BM_AdmissionVsVerify: both rates, in this thread's CPU time, and their ratio
//   (target: ratio >= 0.7);
// - BM_Admission, BM_Verify: each on its own, for Google Benchmark's usual statistics;
// - BM_Select: building a full block template from a large pool;
// - BM_Bookkeeping: admitting pre-checked transactions and dropping them as blocks use
//   them, without any signature check (a node's actor does this part).
// The state behind the pool is a real StateOverlay over an in-memory node store, as the
// chain's OverlayAccountView reads it. CLOUDCHAIN_BENCH_SMOKE only shrinks the sizes.

#include <benchmark/benchmark.h>

#include <time.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "crypto/address.hpp"
#include "crypto/keys.hpp"
#include "mempool/account_view.hpp"
#include "mempool/mempool.hpp"
#include "mempool_workload.hpp"
#include "primitives/block.hpp"
#include "state/hashing.hpp"
#include "state/node_store.hpp"
#include "state/overlay.hpp"

namespace {

using namespace cloudchain;
using bench::roomy;
using bench::Workload;

constexpr std::uint32_t kChainId = 7;

bool smoke() { return std::getenv("CLOUDCHAIN_BENCH_SMOKE") != nullptr; }

benchmark::Counter rate(double count) { return benchmark::Counter(count, benchmark::Counter::kIsRate); }

// CPU seconds of this thread: other processes sharing the cores do not skew the ratio.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

const Workload& workload() {
  static const Workload w(smoke() ? 64 : 1024, kChainId);
  return w;
}

// Admits the whole workload into a fresh pool over a fresh overlay (each admission's
// state read is then a real tree lookup, not a cache hit). Returns the admitted count.
std::size_t admit_all(const Workload& w) {
  state::StateOverlay overlay(w.store, w.root);
  mempool::OverlayAccountView view(overlay, 1);
  mempool::Mempool pool(kChainId, roomy());
  std::size_t ok = 0;
  for (const auto& tx : w.txs) ok += pool.add(tx, 1000, view).has_value() ? 1 : 0;
  return ok;
}

std::size_t verify_all(const Workload& w) {
  std::size_t ok = 0;
  for (std::size_t i = 0; i < w.txs.size(); ++i) {
    ok += crypto::verify(w.txs[i].sender, w.sighashes[i], w.txs[i].signature).has_value() ? 1 : 0;
  }
  return ok;
}

void BM_AdmissionVsVerify(benchmark::State& state) {
  bench::admission_vs_verify(state, workload(), thread_cpu_seconds, verify_all, admit_all);
}
BENCHMARK(BM_AdmissionVsVerify)->Unit(benchmark::kMillisecond);

void BM_Admission(benchmark::State& state) {
  const Workload& w = workload();
  for (auto _ : state) benchmark::DoNotOptimize(admit_all(w));
  state.counters["txs"] = rate(static_cast<double>(state.iterations() * w.txs.size()));
}
BENCHMARK(BM_Admission)->Unit(benchmark::kMillisecond);

void BM_Verify(benchmark::State& state) {
  const Workload& w = workload();
  for (auto _ : state) benchmark::DoNotOptimize(verify_all(w));
  state.counters["verifies"] = rate(static_cast<double>(state.iterations() * w.txs.size()));
}
BENCHMARK(BM_Verify)->Unit(benchmark::kMillisecond);

// A block template from a pool of the whole workload: the heap over senders.
void BM_Select(benchmark::State& state) {
  const Workload& w = workload();
  state::StateOverlay overlay(w.store, w.root);
  mempool::OverlayAccountView view(overlay, 1);
  mempool::Mempool pool(kChainId, roomy());
  for (const auto& tx : w.txs) {
    if (!pool.add(tx, 1000, view)) {
      state.SkipWithError("a pre-signed transaction was refused");
      return;
    }
  }
  std::size_t selected = 0;
  for (auto _ : state) {
    const auto txs = pool.select(primitives::kMaxBlockTxs, primitives::kMaxBlockSize);
    selected = txs.size();
    benchmark::DoNotOptimize(txs.data());
  }
  state.counters["selected"] = static_cast<double>(selected);
  state.counters["txs"] = rate(static_cast<double>(state.iterations() * selected));
}
BENCHMARK(BM_Select)->Unit(benchmark::kMicrosecond);

// The pool's bookkeeping alone, as a node's actor does it: admitting transactions whose
// signatures another thread checked (mempool::VerifiedTx), then dropping them as blocks
// of 1,000 use them. txs/s counts admissions; compare runs of one build with another.
void BM_Bookkeeping(benchmark::State& state) {
  const Workload& w = workload();
  std::vector<mempool::VerifiedTx> verified;
  for (const auto& tx : w.txs) {
    auto v = mempool::VerifiedTx::check(tx, kChainId);
    if (!v) {
      state.SkipWithError("a pre-signed transaction failed its check");
      return;
    }
    verified.push_back(std::move(*v));
  }
  // Blocks in nonce order (the workload is sender-major): each uses every sender's next.
  std::vector<primitives::Block> blocks(1);
  for (std::uint64_t n = 0; n < bench::kTxsPerSender; ++n) {
    for (std::size_t i = n; i < w.txs.size(); i += bench::kTxsPerSender) {
      if (blocks.back().txs.size() == 1000) blocks.emplace_back();
      blocks.back().txs.push_back(w.txs[i]);
    }
  }
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<mempool::VerifiedTx> batch = verified;
    state::StateOverlay overlay(w.store, w.root);
    mempool::OverlayAccountView view(overlay, 1);
    mempool::Mempool pool(kChainId, roomy());
    state.ResumeTiming();
    for (auto& v : batch) {
      if (!pool.add(std::move(v), 1000, view)) {
        state.SkipWithError("a transaction was refused");
        return;
      }
    }
    for (const auto& block : blocks) benchmark::DoNotOptimize(pool.remove_for_block(block));
    if (pool.size() != 0) {
      state.SkipWithError("the blocks left transactions in the pool");
      return;
    }
  }
  state.counters["txs"] = rate(static_cast<double>(state.iterations() * w.txs.size()));
}
BENCHMARK(BM_Bookkeeping)->Unit(benchmark::kMillisecond);

}  // namespace
