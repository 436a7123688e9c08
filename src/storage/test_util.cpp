#include "storage/test_util.hpp"

#include <gtest/gtest.h>

#include <rocksdb/db.h>
#include <stdlib.h>

#include <stdexcept>
#include <string>

namespace cloudchain::storage::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cloudchain-storage-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

crypto::PublicKey key_of(std::uint32_t n) {
  crypto::PublicKey key{};
  key[0] = 0x02;
  for (std::size_t i = 0; i < 4; ++i) key[1 + i] = static_cast<std::uint8_t>(n >> (8 * i));
  return key;
}

crypto::Address address_of_key(std::uint32_t n) { return crypto::address_of(key_of(n)); }

namespace {
primitives::Transaction base_tx(std::uint32_t from, std::uint64_t nonce, primitives::TxBody body) {
  primitives::Transaction tx;
  tx.chain_id = 7;
  tx.sender = key_of(from);
  tx.nonce = nonce;
  tx.fee = 1;
  tx.body = std::move(body);
  tx.signature[0] = 0x01;
  return tx;
}
}  // namespace

primitives::Transaction transfer(std::uint32_t from, const crypto::Address& to, std::uint64_t nonce,
                                 std::uint64_t amount) {
  return base_tx(from, nonce, primitives::Transfer{to, amount});
}

primitives::Transaction anchor(std::uint32_t from, const util::Hash256& digest, std::uint64_t nonce) {
  return base_tx(from, nonce, primitives::Anchor{digest, util::Bytes{'m', 'e', 'm', 'o'}});
}

primitives::Transaction unstake(std::uint32_t from, std::uint64_t nonce) {
  return base_tx(from, nonce, primitives::Unstake{5});
}

primitives::Block make_block(std::uint64_t height, const util::Hash256& parent,
                             std::vector<primitives::Transaction> txs) {
  primitives::Block block;
  block.header.chain_id = 7;
  block.header.height = height;
  block.header.parent = parent;
  block.header.timestamp_ms = 1'700'000'000'000 + height * 1000;
  block.header.state_root[0] = static_cast<std::uint8_t>(height);
  block.header.seal = primitives::PowSeal{0x207fffff, height};
  block.txs = std::move(txs);
  block.header.tx_root = primitives::tx_root(block);
  return block;
}

namespace {

// Opens every column family of an existing database; throws on failure (test setup).
struct RawDb {
  explicit RawDb(const std::filesystem::path& path) {
    std::vector<std::string> names;
    check(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path.string(), &names));
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    descriptors.reserve(names.size());
    for (const auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    check(rocksdb::DB::Open(rocksdb::Options(), path.string(), descriptors, &handles, &raw));
    db.reset(raw);
  }
  ~RawDb() {
    for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
    (void)db->Close();
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  static void check(const rocksdb::Status& s) {
    if (!s.ok()) throw std::runtime_error("raw rocksdb: " + s.ToString());
  }

  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
};

}  // namespace

Dump raw_dump(const std::filesystem::path& db) {
  RawDb raw(db);
  Dump out;
  for (auto* handle : raw.handles) {
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[{handle->GetName(), it->key().ToString()}] = it->value().ToString();
    }
    RawDb::check(it->status());
  }
  return out;
}

void raw_put(const std::filesystem::path& db, const std::string& cf, const std::string& key, const std::string& value) {
  RawDb raw(db);
  for (auto* handle : raw.handles) {
    if (handle->GetName() != cf) continue;
    rocksdb::WriteOptions sync;
    sync.sync = true;
    RawDb::check(raw.db->Put(sync, handle, key, value));
    return;
  }
  throw std::runtime_error("no column family " + cf);
}

std::unique_ptr<Database> open_ok(const std::filesystem::path& path, const Options& options) {
  auto db = Database::open(path, options);
  if (!db) ADD_FAILURE() << to_string(db.error().code) << ": " << db.error().detail;
  return db ? std::move(*db) : nullptr;
}

}  // namespace cloudchain::storage::test
