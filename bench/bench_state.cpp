// State tree throughput (docs/protocol.md, section 9): account updates per second and
// tagged hashes per updated account, in trees of 10^4, 10^5 and 10^6 accounts.
// - BM_StateTreeUpdate/<accounts>/<batch>: one batch update of `batch` random existing
//   accounts (new values), as a block commit does; counters "updates" (accounts/s) and
//   "hashes_per_account" (the tree's own hash counter; ~log2(n) + 1 expected, <= 40 is
//   the target at 10^6).
// - BM_StateOverlayCommit/<accounts>: 1000 accounts through StateOverlay (record
//   encoding, key derivation, value hashing, then the tree batch).
// - BM_StateProve / BM_StateVerifyProof/<accounts>: one account's proof, made and checked.
// Each tree is built once per size (one sorted batch) and every iteration writes into a
// throw-away StagingNodeStore, so the measured tree never grows.
// CLOUDCHAIN_BENCH_SMOKE (set by scripts/bench.sh --smoke) keeps only 10^4 accounts.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "state/overlay.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"

namespace {

using namespace cloudchain;
using state::Hash256;

bool smoke() { return std::getenv("CLOUDCHAIN_BENCH_SMOKE") != nullptr; }

state::Account account_with(std::uint64_t balance) {
  state::Account a;
  a.balance = balance;
  a.nonce = 1;
  return a;
}

crypto::Address address_of_index(std::uint64_t i) {
  crypto::Address a{};
  for (std::size_t b = 0; b < 8; ++b) a[b] = static_cast<std::uint8_t>(i >> (8 * b));
  return a;
}

struct BuiltState {
  state::MemoryNodeStore store;
  Hash256 root{};
  std::vector<crypto::Address> addresses;
  std::vector<Hash256> keys;  // account keys, in address order
};

// Built once per size and kept for the whole run (the 10^6 build takes seconds).
const BuiltState& built(std::size_t accounts) {
  static std::map<std::size_t, std::unique_ptr<BuiltState>> cache;
  auto& slot = cache[accounts];
  if (slot) return *slot;
  slot = std::make_unique<BuiltState>();
  BuiltState& s = *slot;
  std::vector<state::TreeUpdate> batch;
  batch.reserve(accounts);
  for (std::size_t i = 0; i < accounts; ++i) {
    s.addresses.push_back(address_of_index(i));
    s.keys.push_back(state::account_key(s.addresses.back()));
    batch.push_back({s.keys.back(), state::account_value(account_with(1000 + i))});
  }
  std::sort(batch.begin(), batch.end(),
            [](const state::TreeUpdate& a, const state::TreeUpdate& b) { return a.key < b.key; });
  state::StateTree tree(s.store);
  s.root = *tree.update(state::kEmptyHash, batch);
  return s;
}

std::vector<std::int64_t> sizes() {
  if (smoke()) return {10'000};
  return {10'000, 100'000, 1'000'000};
}

// Random batches of distinct existing accounts with new values, made before timing.
std::vector<std::vector<state::TreeUpdate>> random_batches(const BuiltState& s, std::size_t batch_size,
                                                           std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<state::TreeUpdate>> out(count);
  for (auto& batch : out) {
    std::map<Hash256, state::TreeValue> chosen;
    while (chosen.size() < batch_size) {
      chosen.emplace(s.keys[rng() % s.keys.size()], state::account_value(account_with(rng())));
    }
    for (auto& [k, v] : chosen) batch.push_back({k, std::move(v)});
  }
  return out;
}

void BM_StateTreeUpdate(benchmark::State& st) {
  const BuiltState& s = built(static_cast<std::size_t>(st.range(0)));
  const auto batch_size = static_cast<std::size_t>(st.range(1));
  const auto batches = random_batches(s, batch_size, batch_size == 1 ? 4096 : 16, 42);
  std::uint64_t hashes = 0;
  std::uint64_t updated = 0;
  std::size_t i = 0;
  for (auto _ : st) {
    const auto& batch = batches[i++ % batches.size()];
    state::StagingNodeStore staging(s.store);
    state::StateTree tree(staging);
    auto root = tree.update(s.root, batch);
    benchmark::DoNotOptimize(root);
    hashes += tree.hash_count();
    updated += batch.size();
  }
  st.counters["updates"] = benchmark::Counter(static_cast<double>(updated), benchmark::Counter::kIsRate);
  st.counters["hashes_per_account"] = static_cast<double>(hashes) / static_cast<double>(updated);
}

void BM_StateOverlayCommit(benchmark::State& st) {
  const BuiltState& s = built(static_cast<std::size_t>(st.range(0)));
  constexpr std::size_t kAccounts = 1000;
  std::mt19937_64 rng(43);
  std::vector<std::vector<crypto::Address>> batches(16);
  for (auto& batch : batches) {
    for (std::size_t i = 0; i < kAccounts; ++i) batch.push_back(s.addresses[rng() % s.addresses.size()]);
  }
  std::uint64_t hashes = 0;
  std::uint64_t updated = 0;
  std::size_t i = 0;
  for (auto _ : st) {
    state::StateOverlay overlay(s.store, s.root);
    for (const auto& a : batches[i++ % batches.size()]) overlay.set_account(a, account_with(i));
    auto commit = overlay.commit();
    benchmark::DoNotOptimize(commit);
    hashes += commit->hashes;
    updated += kAccounts;
  }
  st.counters["updates"] = benchmark::Counter(static_cast<double>(updated), benchmark::Counter::kIsRate);
  st.counters["hashes_per_account"] = static_cast<double>(hashes) / static_cast<double>(updated);
}

void BM_StateProve(benchmark::State& st) {
  const BuiltState& s = built(static_cast<std::size_t>(st.range(0)));
  std::mt19937_64 rng(44);
  std::size_t siblings = 0;
  for (auto _ : st) {
    auto proof = state::tree_prove(s.store, s.root, s.keys[rng() % s.keys.size()]);
    siblings += proof->siblings.size();
    benchmark::DoNotOptimize(proof);
  }
  st.counters["siblings"] = static_cast<double>(siblings) / static_cast<double>(st.iterations());
}

void BM_StateVerifyProof(benchmark::State& st) {
  const BuiltState& s = built(static_cast<std::size_t>(st.range(0)));
  std::vector<std::pair<Hash256, state::StateProof>> proofs;
  std::vector<Hash256> value_hashes;
  std::mt19937_64 rng(45);
  for (int i = 0; i < 256; ++i) {
    const Hash256& key = s.keys[rng() % s.keys.size()];
    proofs.emplace_back(key, *state::tree_prove(s.store, s.root, key));
    value_hashes.push_back(proofs.back().second.leaf->value_hash);
  }
  std::size_t i = 0;
  for (auto _ : st) {
    const auto& [key, proof] = proofs[i % proofs.size()];
    auto ok = state::verify_proof(s.root, key, value_hashes[i % proofs.size()], proof);
    if (!ok) st.SkipWithError("proof did not verify");
    benchmark::DoNotOptimize(ok);
    ++i;
  }
}

void update_args(benchmark::internal::Benchmark* b) {
  for (auto n : sizes()) {
    b->Args({n, 1});
    b->Args({n, 1000});
  }
}

void size_args(benchmark::internal::Benchmark* b) {
  for (auto n : sizes()) b->Arg(n);
}

BENCHMARK(BM_StateTreeUpdate)->Apply(update_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StateOverlayCommit)->Apply(size_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StateProve)->Apply(size_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StateVerifyProof)->Apply(size_args)->Unit(benchmark::kMicrosecond);

}  // namespace
