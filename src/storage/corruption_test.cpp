// A damaged database: garbage written with raw RocksDB into each column family must
// come back as kCorrupt naming the column family and the key, never a crash or a
// silently wrong value.

#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "storage/test_util.hpp"
#include "util/hex.hpp"

namespace cloudchain::storage {
namespace {

using test::str;
using test::TempDir;

class StorageCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::open(m_dir.db());
    ASSERT_TRUE(db);
  }

  // Writes garbage under (cf, key) in the closed database, then reopens it.
  std::unique_ptr<Database> damage(const std::string& cf, util::ByteSpan key, const std::string& value) {
    test::raw_put(m_dir.db(), cf, str(key), value);
    auto db = Database::open(m_dir.db());
    if (!db) ADD_FAILURE() << db.error().detail;
    return db ? std::move(*db) : nullptr;
  }

  template <typename T>
  static void expect_corrupt(const util::Result<T, StorageError>& r, const std::string& cf, util::ByteSpan key) {
    ASSERT_FALSE(r) << cf;
    EXPECT_EQ(r.error().code, StorageError::kCorrupt) << cf;
    EXPECT_NE(r.error().detail.find(cf), std::string::npos) << r.error().detail;
    EXPECT_NE(r.error().detail.find(util::to_hex(key)), std::string::npos) << r.error().detail;
  }

  TempDir m_dir;
};

const Hash256 kKey{0xC0, 0xFF, 0xEE};

TEST_F(StorageCorruption, BlockIndexValue) {
  auto db = damage("block_index", kKey, "garbage");
  ASSERT_TRUE(db);
  expect_corrupt(db->block_index(kKey), "block_index", kKey);
  expect_corrupt(db->for_each_block_index([](const Hash256&, const BlockIndexEntry&) {}), "block_index", kKey);
}

TEST_F(StorageCorruption, BlockIndexKeyLength) {
  const Bytes short_key{1, 2, 3};
  const BlockIndexEntry entry{test::make_block(1, Hash256{}, {}).header, Hash256{}, 0};
  auto db = damage("block_index", short_key, str(encode_block_index(entry)));
  ASSERT_TRUE(db);
  int visited = 0;
  expect_corrupt(db->for_each_block_index([&](const Hash256&, const BlockIndexEntry&) { ++visited; }), "block_index",
                 short_key);
  EXPECT_EQ(visited, 0);
}

TEST_F(StorageCorruption, BlockBody) {
  // A valid block with its last byte cut: truncated inside the last transaction.
  Bytes encoded = primitives::encode(test::make_block(1, Hash256{}, {test::unstake(1, 0)}));
  encoded.pop_back();
  auto db = damage("blocks", kKey, str(encoded));
  ASSERT_TRUE(db);
  expect_corrupt(db->block(kKey), "blocks", kKey);
}

TEST_F(StorageCorruption, HeightValue) {
  const Bytes key = height_key(3);
  auto db = damage("height", key, std::string(31, 'x'));
  ASSERT_TRUE(db);
  expect_corrupt(db->hash_at(3), "height", key);
}

TEST_F(StorageCorruption, TxIndexValue) {
  auto db = damage("tx_index", kKey, std::string(37, 'x'));
  ASSERT_TRUE(db);
  expect_corrupt(db->tx_location(kKey), "tx_index", kKey);
}

TEST_F(StorageCorruption, AccountTxsValueAndKey) {
  crypto::Address address{};
  address[0] = 0x33;
  const Bytes key = account_tx_key(address, 1, 0);
  {
    auto db = damage("account_txs", key, "short");
    ASSERT_TRUE(db);
    expect_corrupt(db->account_txs(address, std::nullopt, 10), "account_txs", key);
  }
  // A key of the right prefix but the wrong length.
  Bytes long_key = account_tx_key(address, 2, 0);
  long_key.push_back(0);
  test::raw_put(m_dir.db(), "account_txs", str(key), std::string(32, 'x'));  // repair the first
  auto db = damage("account_txs", long_key, std::string(32, 'x'));
  ASSERT_TRUE(db);
  expect_corrupt(db->account_txs(address, std::nullopt, 10), "account_txs", long_key);
}

TEST_F(StorageCorruption, AnchorsValue) {
  const Bytes key = anchor_key(kKey, 4, 2);
  auto db = damage("anchors", key, std::string(33, 'x'));
  ASSERT_TRUE(db);
  expect_corrupt(db->anchors(kKey, 10), "anchors", key);
}

TEST_F(StorageCorruption, StateNode) {
  auto db = damage("state_nodes", kKey, std::string("\x03", 1) + std::string(64, 'x'));
  ASSERT_TRUE(db);
  expect_corrupt(db->state_node(kKey), "state_nodes", kKey);
  // The NodeStore view hands bytes to the tree, whose strict decoding rejects them.
  EXPECT_TRUE(db->state_nodes().get(kKey));
  EXPECT_EQ(state::decode_node(*db->state_nodes().get(kKey)).error().code, state::StateError::kCorruptNode);
}

TEST_F(StorageCorruption, MetaValues) {
  const std::string tip = "tip";
  auto db = damage("meta", util::as_bytes(tip), std::string(39, 'x'));
  ASSERT_TRUE(db);
  expect_corrupt(db->tip(), "meta", util::as_bytes(tip));
  db.reset();
  const std::string chain_id = "chain_id";
  db = damage("meta", util::as_bytes(chain_id), "12345");
  ASSERT_TRUE(db);
  expect_corrupt(db->chain_id(), "meta", util::as_bytes(chain_id));
  db.reset();
  const std::string genesis = "genesis_hash";
  db = damage("meta", util::as_bytes(genesis), "");
  ASSERT_TRUE(db);
  expect_corrupt(db->genesis_hash(), "meta", util::as_bytes(genesis));
}

TEST_F(StorageCorruption, SchemaVersionValueFailsOpen) {
  const std::string key = "schema_version";
  test::raw_put(m_dir.db(), "meta", key, "\x01");
  auto db = Database::open(m_dir.db());
  expect_corrupt(db, "meta", util::as_bytes(key));
}

}  // namespace
}  // namespace cloudchain::storage
