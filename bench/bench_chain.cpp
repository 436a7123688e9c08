// Block validation + commit against this machine's own limit. A block of 10,000
// transfers among 50,000 pre-funded accounts, none of whose signatures the chain has
// seen before (no mempool vouches for them), goes through Chain::submit_block on a real
// RocksDB database in a temp directory (synced write-ahead log): every context-free
// check, 10,000 signature checks on all cores, the state transition over the
// authenticated state tree, and one atomic batch with the indexes. The limit is the
// rate of raw crypto::verify on all cores (hardware_concurrency threads, each verifying
// its share of the same transactions), measured in the same run.
//
// - BM_ConnectBlock: tx/s through submit_block, wall time, one block per iteration
//   (the next block's template is built and mined outside the timing); counters
//   tx_per_s, verify_per_s (all cores; the higher of a measurement before and one after the
//   blocks), ratio = tx_per_s / verify_per_s (target >= 0.7),
//   block_ms, and in process CPU time (robust to a shared machine) cpu_us_per_tx,
//   verify_cpu_us and cpu_ratio = the share of a block's CPU that is signature checking.
//   A second chain on its own database produces the blocks, so the measured
//   one sees each block as a node receiving it from a peer does.
//   Each run submits bench_blocks() blocks (two state checkpoint intervals, so the
//   per-block figures include the checkpoints amortized); the chain thread's CPU per
//   step per block is in the t_*_ms counters (chain::ChainTimings), with the number of
//   checkpoints and the nodes each wrote.
// - BM_ConnectBlockLookahead: the same blocks, all produced first, for a node with
//   blocks queued as in a sync: a chain::Preverifier checks blocks N+1 and N+2 on idle
//   cores while block N goes through submit_block, whose VerifiedFn takes what it
//   vouched for. Same counters, plus prechecked (the share of transactions vouched for)
//   and idle_priority.
// - BM_VerifyAllCores: the raw verification rate alone.
// CLOUDCHAIN_BENCH_SMOKE shrinks the block to 500 transactions among 2,000 accounts.

#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "chain/chain.hpp"
#include "chain/preverifier.hpp"
#include "consensus/pow_engine.hpp"
#include "crypto/address.hpp"
#include "crypto/keys.hpp"
#include "crypto/sha256_compress.hpp"
#include "primitives/block.hpp"
#include "storage/database.hpp"

namespace {

using namespace cloudchain;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kChainId = 7;
constexpr std::uint32_t kEasyBits = 0x207fffff;
constexpr std::uint64_t kGenesisTime = 1'700'000'000'000;
constexpr std::uint64_t kBlockTime = 1'000;
bool smoke() { return std::getenv("CLOUDCHAIN_BENCH_SMOKE") != nullptr; }
// The validator's state checkpoint interval (ChainOptions::checkpoint_interval), and the
// blocks per run: two intervals, so that the per-block figures include the checkpoints'
// cost amortized as it is in a running node. CLOUDCHAIN_BENCH_BLOCKS overrides the count.
constexpr std::uint32_t kCheckpointInterval = 16;
std::size_t bench_blocks() {
  if (const char* n = std::getenv("CLOUDCHAIN_BENCH_BLOCKS"))
    return std::max<std::size_t>(1, std::strtoul(n, nullptr, 10));
  return 2 * kCheckpointInterval;
}
std::size_t block_txs() { return smoke() ? 500 : 10'000; }
std::size_t accounts() { return smoke() ? 2'000 : 50'000; }

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// CPU seconds of the whole process (every thread): robust to other processes sharing
// the cores, unlike wall time.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Rate {
  double per_s = 0;       // wall clock
  double cpu_per_tx = 0;  // process CPU seconds per transaction
};

crypto::PrivateKey key_of(std::size_t index) {
  util::ByteArray<32> secret{};
  secret[0] = 0x01;
  for (std::size_t i = 0; i < 4; ++i) secret[31 - i] = static_cast<std::uint8_t>(index >> (8 * i));
  return *crypto::PrivateKey::from_bytes(secret);
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cloudchain-bench-chain-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

// Funded accounts and bench_blocks() blocks' worth of signed transfers: block k's senders
// are accounts [k*n, (k+1)*n) modulo the account count, each at its next nonce, paying a
// pseudo-random account.
struct Workload {
  Workload() {
    const std::size_t n = block_txs();
    std::vector<crypto::PrivateKey> keys;
    for (std::size_t i = 0; i < accounts(); ++i) keys.push_back(key_of(i));
    for (const auto& k : keys) addresses.push_back(crypto::address_of(k.public_key()));
    std::mt19937_64 rng(42);
    for (std::size_t b = 0; b < bench_blocks(); ++b) {
      std::vector<primitives::Transaction> txs;
      for (std::size_t i = 0; i < n; ++i) {
        primitives::Transaction tx;
        tx.chain_id = kChainId;
        tx.nonce = (b * n + i) / accounts();
        tx.fee = 100;
        tx.body = primitives::Transfer{addresses[rng() % accounts()], 1 + rng() % 1000};
        primitives::sign(tx, keys[(b * n + i) % accounts()]);
        txs.push_back(std::move(tx));
      }
      blocks.push_back(std::move(txs));
    }
    for (const auto& tx : blocks[0]) sighashes.push_back(primitives::signing_hash(tx));
  }
  std::vector<crypto::Address> addresses;
  std::vector<std::vector<primitives::Transaction>> blocks;
  std::vector<util::Hash256> sighashes;  // of blocks[0]
};

const Workload& workload() {
  static const Workload w;
  return w;
}

// Rate of crypto::verify over the first block's transactions, split across every
// hardware thread.
Rate verify_rate_all_cores() {
  const Workload& w = workload();
  const auto& txs = w.blocks[0];
  const unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  const double cpu0 = process_cpu_seconds();
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  std::atomic<std::size_t> failures{0};
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < txs.size(); i += threads) {
        if (!crypto::verify(txs[i].sender, w.sighashes[i], txs[i].signature)) ++failures;
      }
    });
  }
  for (auto& th : pool) th.join();
  const double s = seconds_since(t0);
  const double cpu = process_cpu_seconds() - cpu0;
  if (failures != 0) throw std::logic_error("bench: a signature did not verify");
  const auto n = static_cast<double>(txs.size());
  return {n / s, cpu / n};
}

void BM_VerifyAllCores(benchmark::State& state) {
  double total = 0;
  for (auto _ : state) total += verify_rate_all_cores().per_s;
  state.counters["verify_per_s"] = total / static_cast<double>(state.iterations());
  state.counters["threads"] = std::max(1U, std::thread::hardware_concurrency());
}
BENCHMARK(BM_VerifyAllCores)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

std::uint64_t block_time(std::size_t k) { return kGenesisTime + (k + 1) * kBlockTime; }

// The two chains of a run, each on its own RocksDB database: a producer that builds and
// mines each block, and the measured validator that receives it, as from a peer (its
// state cache has not seen the block's accounts through a template of its own).
class Chains {
 public:
  Chains() {
    const Workload& w = workload();
    chain::GenesisSpec spec;
    spec.chain_id = kChainId;
    spec.timestamp_ms = kGenesisTime;
    spec.seal = primitives::PowSeal{kEasyBits, 0};
    for (const auto& a : w.addresses) spec.allocations.push_back({a, 1'000'000'000});
    m_params.chain_id = kChainId;
    m_params.genesis = *chain::make_genesis(spec);
    m_params.rules.chain_id = kChainId;
    m_pow.target_block_time_ms = kBlockTime;
    m_pow.asert_half_life_ms = 3'600'000;
    m_pow.pow_limit = *primitives::target_from_bits(kEasyBits);
    m_pow.genesis_bits = kEasyBits;
    m_pow.max_future_drift_ms = 60'000;
    m_engine = std::make_unique<consensus::PowEngine>(*consensus::PowEngine::create(m_pow, {5'000'000'000, 0}));
    m_producer_db = *storage::Database::open(m_dir.path() / "producer");
    m_producer = *chain::Chain::open(*m_producer_db, m_params, *m_engine, chain::ChainOptions{.verify_threads = 1});
    m_validator_db = *storage::Database::open(m_dir.path() / "validator");
    chain::ChainOptions options;
    options.checkpoint_interval = kCheckpointInterval;
    options.key_cache = m_keys;
    m_validator = *chain::Chain::open(*m_validator_db, m_params, *m_engine, options);
  }

  chain::Chain& validator() { return *m_validator; }
  // The validator's decoded keys, for a look-ahead to share as the node does.
  const std::shared_ptr<crypto::KeyCache>& keys() const { return m_keys; }

  // Block k of the workload on the producer's tip, mined and connected there; an error
  // message when the producer cannot.
  std::expected<primitives::Block, std::string> produce(std::size_t k) {
    const auto& candidates = workload().blocks[k];
    std::vector<const primitives::Transaction*> ptrs;
    for (const auto& tx : candidates) ptrs.push_back(&tx);
    auto tpl = m_producer->build_block_template(workload().addresses[0], ptrs, block_time(k));
    if (!tpl || tpl->block.txs.size() != candidates.size()) {
      return std::unexpected("template did not take every transaction");
    }
    primitives::Block b = std::move(tpl->block);
    auto& seal = std::get<primitives::PowSeal>(b.header.seal);
    const crypto::PowHasher hasher(primitives::pow_preimage(b.header), primitives::kPowNonceOffset);
    seal.nonce = *hasher.search(0, std::uint64_t{1} << 32, m_pow.pow_limit);
    if (!m_producer->submit_block(b, block_time(k), [](const util::Hash256&) { return true; })) {
      return std::unexpected("producer refused its own block");
    }
    return b;
  }

 private:
  TempDir m_dir;
  chain::ChainParams m_params;
  consensus::PowParams m_pow;
  std::unique_ptr<consensus::PowEngine> m_engine;
  std::unique_ptr<storage::Database> m_producer_db;
  std::unique_ptr<chain::Chain> m_producer;
  std::unique_ptr<storage::Database> m_validator_db;
  std::shared_ptr<crypto::KeyCache> m_keys = std::make_shared<crypto::KeyCache>();
  std::unique_ptr<chain::Chain> m_validator;
};

// Block k through the validator's submit_block, timed (wall and process CPU) into the
// totals; an error message unless it connected.
struct Submissions {
  double wall_s = 0;
  double cpu_s = 0;
  std::size_t txs = 0;
  std::size_t blocks = 0;

  std::optional<std::string> submit(chain::Chain& validator, const primitives::Block& b, std::size_t k,
                                    const std::function<void()>& before = {},
                                    const chain::Chain::VerifiedFn& is_verified = {}) {
    const double cpu0 = process_cpu_seconds();
    const auto t0 = Clock::now();
    if (before) before();
    auto r = validator.submit_block(b, block_time(k), is_verified);
    wall_s += seconds_since(t0);
    cpu_s += process_cpu_seconds() - cpu0;
    if (!r || r->status != chain::SubmitStatus::kConnected) {
      return "submit failed: " + (r ? std::string("not connected") : r.error().detail);
    }
    txs += b.txs.size();
    ++blocks;
    return std::nullopt;
  }
};

// The counters both block benchmarks report (see the top of this file). The reference
// is measured before and after the blocks, and the higher rate is used: another process
// taking a core during one of the two measurements would otherwise shrink the reference
// and flatter the ratio.
void report(benchmark::State& state, const Submissions& s, const Rate& verify_before, const chain::Chain& validator,
            const crypto::KeyCache& keys) {
  const double tx_per_s = static_cast<double>(s.txs) / s.wall_s;
  const Rate verify_after = verify_rate_all_cores();
  const Rate& verify = verify_after.per_s > verify_before.per_s ? verify_after : verify_before;
  state.counters["tx_per_s"] = tx_per_s;
  state.counters["verify_per_s"] = verify.per_s;
  state.counters["ratio"] = tx_per_s / verify.per_s;
  // The share of a block's CPU that is signature checking: the wall ratio could reach
  // it only if the rest were as parallel as the signatures.
  const double cpu_per_tx = s.cpu_s / static_cast<double>(s.txs);
  // The chain thread's CPU by step, per block (checkpoints included, amortized).
  const chain::ChainTimings& t = validator.timings();
  const double per_block_ms = 1e-6 / static_cast<double>(s.blocks);
  state.counters["checkpoints"] = static_cast<double>(t.checkpoints);
  state.counters["t_state_ms"] = static_cast<double>(t.state_ns) * per_block_ms;
  state.counters["t_sigwait_ms"] = static_cast<double>(t.signatures_ns) * per_block_ms;
  state.counters["t_batch_ms"] = static_cast<double>(t.batch_ns) * per_block_ms;
  state.counters["t_ckpt_ms"] = static_cast<double>(t.checkpoint_ns) * per_block_ms;
  state.counters["t_write_ms"] = static_cast<double>(t.write_ns) * per_block_ms;
  state.counters["t_commit_ms"] = static_cast<double>(t.commit_ns) * per_block_ms;
  state.counters["ckpt_nodes"] =
      t.checkpoints == 0 ? 0.0 : static_cast<double>(t.nodes_written) / static_cast<double>(t.checkpoints);
  state.counters["cpu_us_per_tx"] = 1e6 * cpu_per_tx;
  state.counters["verify_cpu_us"] = 1e6 * verify.cpu_per_tx;
  state.counters["cpu_ratio"] = verify.cpu_per_tx / cpu_per_tx;
  state.counters["block_ms"] = 1000 * s.wall_s / static_cast<double>(s.blocks);
  // The share of signature checks that found the sender's key decoded already
  // (crypto::KeyCache; the reference rate decodes every key, as crypto::verify does).
  const crypto::KeyCache::Stats k = keys.stats();
  state.counters["key_hits"] =
      k.hits + k.misses == 0 ? 0.0 : static_cast<double>(k.hits) / static_cast<double>(k.hits + k.misses);
}

void BM_ConnectBlock(benchmark::State& state) {
  Chains chains;
  const Rate verify_before = verify_rate_all_cores();
  Submissions s;
  for (auto _ : state) {
    state.PauseTiming();
    auto b = chains.produce(s.blocks);
    if (!b) {
      state.SkipWithError(b.error().c_str());
      return;
    }
    state.ResumeTiming();
    if (auto failed = s.submit(chains.validator(), *b, s.blocks)) {
      state.SkipWithError(failed->c_str());
      return;
    }
  }
  report(state, s, verify_before, chains.validator(), *chains.keys());
}
BENCHMARK(BM_ConnectBlock)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(static_cast<benchmark::IterationCount>(bench_blocks()))
    ->UseRealTime();

// As BM_ConnectBlock, for a node with blocks queued, as in a sync: when block N is
// submitted, blocks N+1 and N+2 already wait in a chain::Preverifier (one idle-priority
// thread per core), whose look-ahead checks submit_block's VerifiedFn takes; the
// submission moves the look-ahead past N first, as Node::process_block does. Every block
// is produced before the timing starts, so the producer's work never lends the
// look-ahead cores the validator would not have; block 0 finds nothing checked ahead.
// Extra counters: prechecked (the share of transactions the look-ahead vouched for) and
// idle_priority (whether its threads got the idle scheduling class).
void BM_ConnectBlockLookahead(benchmark::State& state) {
  constexpr std::size_t kAhead = 2;
  Chains chains;
  std::vector<std::shared_ptr<const primitives::Block>> blocks;
  for (std::size_t k = 0; k < bench_blocks(); ++k) {
    auto b = chains.produce(k);
    if (!b) {
      state.SkipWithError(b.error().c_str());
      return;
    }
    blocks.push_back(std::make_shared<const primitives::Block>(std::move(*b)));
  }
  chain::Preverifier look_ahead(0, kChainId, {.key_cache = chains.keys()});
  const Rate verify_before = verify_rate_all_cores();
  Submissions s;
  std::size_t queued = 1;
  std::size_t prechecked = 0;
  const chain::Chain::VerifiedFn is_verified = [&](const util::Hash256& txid) {
    const bool vouched = look_ahead.take(txid);
    prechecked += vouched ? 1 : 0;
    return vouched;
  };
  for (auto _ : state) {
    const primitives::Block& b = *blocks[s.blocks];
    const auto before = [&] {
      for (; queued < std::min(blocks.size(), s.blocks + 1 + kAhead); ++queued) look_ahead.enqueue(blocks[queued]);
      look_ahead.forget_below(b.header.height + 1);
    };
    if (auto failed = s.submit(chains.validator(), b, s.blocks, before, is_verified)) {
      state.SkipWithError(failed->c_str());
      return;
    }
  }
  look_ahead.stop();  // nothing left to look ahead at; the reference gets the cores
  report(state, s, verify_before, chains.validator(), *chains.keys());
  state.counters["prechecked"] = static_cast<double>(prechecked) / static_cast<double>(s.txs);
  state.counters["idle_priority"] = look_ahead.idle_priority() ? 1 : 0;
}
BENCHMARK(BM_ConnectBlockLookahead)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(static_cast<benchmark::IterationCount>(bench_blocks()))
    ->UseRealTime();

}  // namespace
