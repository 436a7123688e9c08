// Primitives throughput: the canonical codec and the hashes every node computes per
// transaction and per block.
// - tx encode / decode / txid / signing hash: per-transaction codec and hashing cost;
// - check_transaction: dominated by one ECDSA verification (compare bench_crypto's
//   verify figure: the ratio is the codec + hashing overhead around it);
// - a 10,000-transaction block: decode, encode, tx root and the context-free body
//   checks, with bytes/s so the 4 MiB limit's worst case can be read off.
// CLOUDCHAIN_BENCH_SMOKE (set by scripts/bench.sh --smoke) shrinks the block to 100 txs.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "primitives/block.hpp"

namespace {

using namespace cloudchain;
using namespace cloudchain::primitives;

constexpr std::uint32_t kChain = 1;

bool smoke() { return std::getenv("CLOUDCHAIN_BENCH_SMOKE") != nullptr; }

crypto::PrivateKey sender_key() {
  util::ByteArray<32> secret{};
  secret.fill(0x01);
  return *crypto::PrivateKey::from_bytes(secret);
}

Transaction sample_transfer(std::uint64_t nonce) {
  Transaction tx;
  tx.chain_id = kChain;
  tx.nonce = nonce;
  tx.fee = 1000;
  crypto::Address to{};
  to.fill(0x42);
  tx.body = Transfer{.to = to, .amount = 5'000'000};
  sign(tx, sender_key());
  return tx;
}

/// A PoW block of `n` transfers (one signature reused: only check_transaction reads it).
Block sample_block(std::size_t n) {
  Block block;
  const Transaction base = sample_transfer(0);
  block.txs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Transaction tx = base;
    tx.nonce = i;
    block.txs.push_back(tx);
  }
  block.header.chain_id = kChain;
  block.header.height = 1;
  block.header.seal = PowSeal{.bits = 0x207fffff, .nonce = 0};
  block.header.tx_root = tx_root(block);
  return block;
}

std::size_t block_txs() { return smoke() ? 100 : 10'000; }

void BM_TxEncode(benchmark::State& state) {
  const Transaction tx = sample_transfer(7);
  for (auto _ : state) benchmark::DoNotOptimize(encode(tx));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TxEncode);

void BM_TxDecode(benchmark::State& state) {
  const Bytes enc = encode(sample_transfer(7));
  for (auto _ : state) benchmark::DoNotOptimize(decode_transaction(enc));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(enc.size()));
}
BENCHMARK(BM_TxDecode);

void BM_TxId(benchmark::State& state) {
  const Transaction tx = sample_transfer(7);
  for (auto _ : state) benchmark::DoNotOptimize(txid(tx));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TxId);

void BM_TxSigningHash(benchmark::State& state) {
  const Transaction tx = sample_transfer(7);
  for (auto _ : state) benchmark::DoNotOptimize(signing_hash(tx));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TxSigningHash);

void BM_CheckTransaction(benchmark::State& state) {
  const Transaction tx = sample_transfer(7);
  for (auto _ : state) {
    auto r = check_transaction(tx, kChain);
    if (!r) state.SkipWithError("sample transaction failed its checks");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckTransaction);

void BM_BlockDecode(benchmark::State& state) {
  const Bytes enc = encode(sample_block(block_txs()));
  for (auto _ : state) {
    auto block = decode_block(enc);
    if (!block) state.SkipWithError("sample block failed to decode");
    benchmark::DoNotOptimize(block);
  }
  state.counters["txs"] = static_cast<double>(block_txs());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(block_txs()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(enc.size()));
}
BENCHMARK(BM_BlockDecode)->Unit(benchmark::kMillisecond);

void BM_BlockEncode(benchmark::State& state) {
  const Block block = sample_block(block_txs());
  for (auto _ : state) benchmark::DoNotOptimize(encode(block));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(block_txs()));
}
BENCHMARK(BM_BlockEncode)->Unit(benchmark::kMillisecond);

void BM_BlockTxRoot(benchmark::State& state) {
  const Block block = sample_block(block_txs());
  for (auto _ : state) benchmark::DoNotOptimize(tx_root(block));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(block_txs()));
}
BENCHMARK(BM_BlockTxRoot)->Unit(benchmark::kMillisecond);

void BM_CheckBlockBody(benchmark::State& state) {
  const Block block = sample_block(block_txs());
  for (auto _ : state) {
    auto r = check_block_body(block);
    if (!r) state.SkipWithError("sample block failed its checks");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(block_txs()));
}
BENCHMARK(BM_CheckBlockBody)->Unit(benchmark::kMillisecond);

void BM_BlockHash(benchmark::State& state) {
  const Block block = sample_block(1);
  for (auto _ : state) benchmark::DoNotOptimize(block_hash(block.header));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BlockHash);

}  // namespace
