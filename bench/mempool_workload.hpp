#pragma once
// The mempool benchmarks' shared workload (bench_mempool, bench_admission): funded
// accounts in a real state tree and pre-signed transfers from them, kTxsPerSender nonces
// each, fees varied so the pool's fee index is exercised; plus each sighash for the raw
// crypto::verify baseline.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "crypto/address.hpp"
#include "crypto/keys.hpp"
#include "mempool/mempool.hpp"
#include "primitives/transaction.hpp"
#include "state/hashing.hpp"
#include "state/node_store.hpp"
#include "state/overlay.hpp"

namespace cloudchain::bench {

inline constexpr std::uint64_t kTxsPerSender = 4;

inline crypto::PrivateKey key_of(std::uint32_t index) {
  util::ByteArray<32> secret{};
  secret[0] = 0x01;
  for (int i = 0; i < 4; ++i) secret[static_cast<std::size_t>(31 - i)] = static_cast<std::uint8_t>(index >> (8 * i));
  return *crypto::PrivateKey::from_bytes(secret);
}

struct Workload {
  Workload(std::size_t senders, std::uint32_t chain_id) {
    state::StateOverlay init(store, state::kEmptyHash);
    crypto::Address to{};
    to.fill(0xB0);
    for (std::uint32_t s = 0; s < senders; ++s) {
      const crypto::PrivateKey key = key_of(s + 1);
      state::Account account;
      account.balance = 1'000'000'000;
      init.set_account(crypto::address_of(key.public_key()), account);
      for (std::uint64_t n = 0; n < kTxsPerSender; ++n) {
        primitives::Transaction tx;
        tx.chain_id = chain_id;
        tx.nonce = n;
        tx.fee = 1000 + (s * 7919 + n * 104729) % 5000;
        tx.body = primitives::Transfer{to, 1 + n};
        primitives::sign(tx, key);
        sighashes.push_back(primitives::signing_hash(tx));
        txs.push_back(std::move(tx));
      }
    }
    auto committed = init.commit();
    if (!committed) std::abort();
    store.put_all(committed->new_nodes);
    root = committed->root;
  }

  state::MemoryNodeStore store;
  util::Hash256 root{};
  std::vector<primitives::Transaction> txs;
  std::vector<util::Hash256> sighashes;
};

inline mempool::Limits roomy() {
  mempool::Limits limits;
  limits.max_count = 1'000'000;
  limits.max_bytes = std::size_t{1} << 30;
  return limits;
}

/// Times `verify(w)` then `admit(w)` back to back in each iteration with `now()` (a
/// seconds clock: thread CPU time for one-thread runs, wall time for multi-threaded
/// ones) and reports admit/s, verify/s and their ratio. Both must accept every
/// transaction of the workload, or the benchmark fails.
template <typename Now, typename Verify, typename Admit>
void admission_vs_verify(benchmark::State& state, const Workload& w, Now now, Verify verify, Admit admit) {
  double admit_s = 0, verify_s = 0;
  std::size_t rounds = 0;
  for (auto _ : state) {
    const double t0 = now();
    const std::size_t verified = verify(w);
    const double t1 = now();
    const std::size_t admitted = admit(w);
    const double t2 = now();
    if (verified != w.txs.size() || admitted != w.txs.size()) {
      state.SkipWithError("a pre-signed transaction was refused");
      return;
    }
    verify_s += t1 - t0;
    admit_s += t2 - t1;
    ++rounds;
  }
  const double n = static_cast<double>(rounds * w.txs.size());
  state.counters["admit/s"] = n / admit_s;
  state.counters["verify/s"] = n / verify_s;
  state.counters["ratio"] = verify_s / admit_s;
}

}  // namespace cloudchain::bench
