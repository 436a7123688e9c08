// Storage throughput on this machine's disk (src/storage, docs/storage.md):
// - BM_StorageCommitBlock/<txs>: one block's atomic batch (index entry, body, height,
//   tx/account/anchor indexes, 64 bytes of undo per tx, tip) written with the WAL fsynced,
//   as the chain commits it; counters "blocks" and "txs" per second. The fsync dominates
//   small blocks: this is the disk's sync latency.
// - BM_StorageBlockIndexRead, BM_StorageTxLocationRead: random point reads of existing
//   keys (block cache warm).
// - BM_StorageAccountPage/<limit>: one newest-first page of an address with 2000 entries.
// Transactions are unsigned: storage never verifies signatures.
// CLOUDCHAIN_BENCH_SMOKE (set by scripts/bench.sh --smoke) shrinks the databases.

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/database.hpp"

namespace {

using namespace cloudchain;
using util::Hash256;

bool smoke() { return std::getenv("CLOUDCHAIN_BENCH_SMOKE") != nullptr; }

// A database in a fresh temp directory, removed with it.
class BenchDb {
 public:
  BenchDb() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cloudchain-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    m_dir = pattern;
    auto db = storage::Database::open(m_dir / "db");
    if (!db) throw std::runtime_error(db.error().detail);
    m_db = std::move(*db);
  }
  ~BenchDb() {
    m_db.reset();
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  BenchDb(const BenchDb&) = delete;
  BenchDb& operator=(const BenchDb&) = delete;
  storage::Database& db() { return *m_db; }

 private:
  std::filesystem::path m_dir;
  std::unique_ptr<storage::Database> m_db;
};

crypto::PublicKey key_of(std::uint64_t n) {
  crypto::PublicKey key{};
  key[0] = 0x02;
  for (std::size_t i = 0; i < 8; ++i) key[1 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return key;
}

primitives::Transaction transfer(std::uint64_t from, const crypto::Address& to, std::uint64_t nonce) {
  primitives::Transaction tx;
  tx.chain_id = 1;
  tx.sender = key_of(from);
  tx.nonce = nonce;
  tx.fee = 1;
  tx.body = primitives::Transfer{to, 10};
  return tx;
}

primitives::Block make_block(std::uint64_t height, const Hash256& parent, std::vector<primitives::Transaction> txs) {
  primitives::Block block;
  block.header.chain_id = 1;
  block.header.height = height;
  block.header.parent = parent;
  block.header.timestamp_ms = 1'700'000'000'000 + height;
  block.header.seal = primitives::PowSeal{0x207fffff, height};
  block.txs = std::move(txs);
  block.header.tx_root = primitives::tx_root(block);
  return block;
}

// Adds the records the chain commits for `block` to `batch`; returns its hash.
Hash256 add_block(storage::WriteBatch& batch, const primitives::Block& block) {
  const Hash256 hash = primitives::block_hash(block.header);
  batch.put_block_index(hash, storage::BlockIndexEntry{block.header, Hash256{}, storage::kStatusHaveBody});
  batch.put_block(hash, block);
  batch.put_height(block.header.height, hash);
  batch.index_block(block, block.header.height, hash);
  batch.put_undo(hash, util::Bytes(64 * block.txs.size(), 0x5a));
  batch.put_tip(storage::Tip{hash, block.header.height});
  return hash;
}

// Commits `block` alone, as the chain does; returns its hash.
Hash256 commit(storage::Database& db, const primitives::Block& block) {
  storage::WriteBatch batch = db.batch();
  const Hash256 hash = add_block(batch, block);
  if (!db.write(std::move(batch))) throw std::runtime_error("write failed");
  return hash;
}

void BM_StorageCommitBlock(benchmark::State& state) {
  BenchDb bench;
  const auto txs_per_block = static_cast<std::uint64_t>(state.range(0));
  std::uint64_t height = 0;
  std::uint64_t nonce = 0;
  Hash256 parent{};
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<primitives::Transaction> txs;
    txs.reserve(txs_per_block);
    for (std::uint64_t i = 0; i < txs_per_block; ++i) {
      txs.push_back(transfer(i % 97, crypto::address_of(key_of(1000 + i)), nonce++));
    }
    const primitives::Block block = make_block(height++, parent, std::move(txs));
    state.ResumeTiming();
    parent = commit(bench.db(), block);
  }
  state.counters["blocks"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["txs"] =
      benchmark::Counter(static_cast<double>(state.iterations() * txs_per_block), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StorageCommitBlock)->Arg(1)->Arg(100)->Arg(2000)->Unit(benchmark::kMillisecond)->UseRealTime();

// A chain of `blocks` blocks of `txs` transfers each; returns block hashes and txids.
struct Filled {
  std::vector<Hash256> blocks;
  std::vector<Hash256> txids;
};

// Set-up only: many blocks per batch, so filling does not wait for one fsync per block.
Filled fill(storage::Database& db, std::uint64_t blocks, std::uint64_t txs, const crypto::Address& to) {
  Filled out;
  Hash256 parent{};
  std::uint64_t nonce = 0;
  storage::WriteBatch batch = db.batch();
  for (std::uint64_t h = 0; h < blocks; ++h) {
    std::vector<primitives::Transaction> list;
    for (std::uint64_t i = 0; i < txs; ++i) list.push_back(transfer(i, to, nonce++));
    const primitives::Block block = make_block(h, parent, std::move(list));
    for (const auto& tx : block.txs) out.txids.push_back(primitives::txid(tx));
    parent = add_block(batch, block);
    out.blocks.push_back(parent);
    if (h % 100 == 99 || h + 1 == blocks) {
      if (!db.write(std::move(batch))) throw std::runtime_error("write failed");
      batch = db.batch();
    }
  }
  return out;
}

void BM_StorageBlockIndexRead(benchmark::State& state) {
  BenchDb bench;
  const Filled filled = fill(bench.db(), smoke() ? 50 : 10000, 1, crypto::Address{});
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    auto entry = bench.db().block_index(filled.blocks[rng() % filled.blocks.size()]);
    if (!entry || !*entry) state.SkipWithError("missing block index entry");
    benchmark::DoNotOptimize(entry);
  }
}
BENCHMARK(BM_StorageBlockIndexRead);

void BM_StorageTxLocationRead(benchmark::State& state) {
  BenchDb bench;
  const Filled filled = fill(bench.db(), smoke() ? 10 : 1000, 100, crypto::Address{});
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    auto loc = bench.db().tx_location(filled.txids[rng() % filled.txids.size()]);
    if (!loc || !*loc) state.SkipWithError("missing tx location");
    benchmark::DoNotOptimize(loc);
  }
}
BENCHMARK(BM_StorageTxLocationRead);

void BM_StorageAccountPage(benchmark::State& state) {
  BenchDb bench;
  crypto::Address busy{};
  busy.fill(0x42);
  fill(bench.db(), smoke() ? 4 : 20, 100, busy);
  const auto limit = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    auto page = bench.db().account_txs(busy, std::nullopt, limit);
    if (!page || page->txs.size() != limit) state.SkipWithError("short page");
    benchmark::DoNotOptimize(page);
  }
}
BENCHMARK(BM_StorageAccountPage)->Arg(10)->Arg(100);

}  // namespace
