// Transaction indexes: what index_block writes (tx_index, account_txs for sender and
// recipient, anchors), that unindex_block removes exactly that, and paging of account
// history newest-first with cursors and limits.

#include <gtest/gtest.h>

#include <algorithm>

#include "storage/database.hpp"
#include "storage/test_util.hpp"

namespace cloudchain::storage {
namespace {

using test::open_ok;
using test::TempDir;

struct Indexed {
  primitives::Block block;
  Hash256 hash;
  std::uint64_t height;
};

Indexed index(Database& db, std::uint64_t height, std::vector<primitives::Transaction> txs) {
  Indexed b{test::make_block(height, Hash256{}, std::move(txs)), {}, height};
  b.hash = primitives::block_hash(b.block.header);
  // As the chain does: the block becomes the active one at its height in the same batch
  // (readers keep the records kept in memory only for active blocks).
  WriteBatch batch = db.batch();
  batch.put_height(height, b.hash);
  batch.index_block(b.block, height, b.hash);
  EXPECT_TRUE(db.write(std::move(batch)));
  return b;
}

void unindex(Database& db, const Indexed& b) {
  WriteBatch batch = db.batch();
  batch.unindex_block(b.block, b.height, b.hash);
  batch.erase_height(b.height);
  EXPECT_TRUE(db.write(std::move(batch)));
}

// Addresses whose keys sit next to each other and at the ends of the key space: a scan
// of one must never run into its neighbour.
crypto::Address addr(std::uint8_t first, std::uint8_t last) {
  crypto::Address a{};
  a.fill(first);
  a[19] = last;
  return a;
}

TEST(StorageIndex, IndexBlockWritesSenderRecipientAndAnchorEntries) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  const crypto::Address alice = test::address_of_key(1);
  const crypto::Address bob = test::address_of_key(2);
  const Hash256 digest{0x5A};
  const Indexed b = index(*db, 9,
                          {test::transfer(1, bob, 0), test::anchor(2, digest, 0), test::unstake(1, 1),
                           test::transfer(2, bob, 1) /* to itself */});
  std::vector<Hash256> ids;
  for (const auto& tx : b.block.txs) ids.push_back(primitives::txid(tx));
  for (std::uint32_t i = 0; i < ids.size(); ++i) EXPECT_EQ(*db->tx_location(ids[i]), (TxLocation{b.hash, i}));

  EXPECT_EQ(db->account_txs(alice, std::nullopt, 10)->txs, (std::vector<TxRef>{{9, 2, ids[2]}, {9, 0, ids[0]}}));
  // bob: received #0, sent #1 (anchor), sent and received #3 (one entry).
  EXPECT_EQ(db->account_txs(bob, std::nullopt, 10)->txs,
            (std::vector<TxRef>{{9, 3, ids[3]}, {9, 1, ids[1]}, {9, 0, ids[0]}}));
  EXPECT_EQ(*db->anchors(digest, 10), (std::vector<TxRef>{{9, 1, ids[1]}}));
}

TEST(StorageIndex, UnindexRemovesExactlyWhatIndexAdded) {
  TempDir dir;
  const crypto::Address shared = test::address_of_key(7);
  const Hash256 digest{0x77};
  std::vector<primitives::Transaction> txs = {test::transfer(7, test::address_of_key(8), 5), test::anchor(7, digest, 6),
                                              test::transfer(9, shared, 0), test::unstake(8, 3)};
  Indexed target;
  {
    auto db = open_ok(dir.db());
    ASSERT_TRUE(db);
    // Neighbours that share the address and the digest at other heights stay put.
    index(*db, 3, {test::transfer(7, shared, 1), test::anchor(8, digest, 0)});
    index(*db, 5, {test::anchor(7, digest, 9)});
  }
  const test::Dump before = test::raw_dump(dir.db());
  {
    auto db = open_ok(dir.db());
    ASSERT_TRUE(db);
    target = index(*db, 4, txs);
  }
  const test::Dump indexed = test::raw_dump(dir.db());
  // What index_block added: 4 tx_index + 6 account_txs (7,8 | 7 | 9,7 | 8) + 1 anchor
  // (and the helper's height record).
  std::map<std::string, int> added;
  for (const auto& [key, value] : indexed) {
    if (!before.contains(key)) ++added[key.first];
  }
  EXPECT_EQ(added, (std::map<std::string, int>{{"tx_index", 4}, {"account_txs", 6}, {"anchors", 1}, {"height", 1}}));
  {
    auto db = open_ok(dir.db());
    ASSERT_TRUE(db);
    unindex(*db, target);
  }
  EXPECT_EQ(test::raw_dump(dir.db()), before);
}

class StorageAccountPaging : public ::testing::Test {
 protected:
  void SetUp() override {
    m_db = open_ok(m_dir.db());
    ASSERT_TRUE(m_db);
    // `target` appears in 3 + 2 + 0 + 4 transactions at heights 10, 11, 12, 13, among
    // neighbours at adjacent addresses and at the ends of the key space.
    const crypto::Address target = addr(0x80, 0x01);
    const std::vector<crypto::Address> others = {addr(0x80, 0x00), addr(0x80, 0x02), addr(0x00, 0x00),
                                                 addr(0xFF, 0xFF)};
    std::uint64_t nonce = 0;
    const auto to_target = [&] { return test::transfer(100, target, nonce++); };
    const auto noise = [&](std::size_t i) { return test::transfer(101, others[i % others.size()], nonce++); };
    m_blocks.push_back(index(*m_db, 10, {to_target(), noise(0), to_target(), to_target(), noise(1)}));
    m_blocks.push_back(index(*m_db, 11, {noise(2), to_target(), noise(3), to_target()}));
    m_blocks.push_back(index(*m_db, 12, {noise(0), noise(1)}));
    m_blocks.push_back(index(*m_db, 13, {to_target(), to_target(), noise(2), to_target(), to_target()}));
    for (auto it = m_blocks.rbegin(); it != m_blocks.rend(); ++it) {
      for (std::size_t i = it->block.txs.size(); i-- > 0;) {
        const auto& tx = it->block.txs[i];
        const auto& to = std::get<primitives::Transfer>(tx.body).to;
        if (to == target) m_expected.push_back({it->height, static_cast<std::uint32_t>(i), primitives::txid(tx)});
      }
    }
    m_target = target;
    // Reopen: recovery flushes the memtable, so the scans below read SST files through
    // their prefix Bloom filters, not just the memtable.
    m_db.reset();
    m_db = open_ok(m_dir.db());
    ASSERT_TRUE(m_db);
  }

  TempDir m_dir;
  std::unique_ptr<Database> m_db;
  std::vector<Indexed> m_blocks;
  std::vector<TxRef> m_expected;  // newest first
  crypto::Address m_target{};
};

TEST_F(StorageAccountPaging, OnePageHoldsEverythingNewestFirst) {
  ASSERT_EQ(m_expected.size(), 9u);
  auto page = m_db->account_txs(m_target, std::nullopt, kMaxPageSize);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->txs, m_expected);
  EXPECT_EQ(page->next, std::nullopt);
  auto exact = m_db->account_txs(m_target, std::nullopt, 9);  // limit == count: nothing remains
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->txs, m_expected);
  EXPECT_EQ(exact->next, std::nullopt);
}

TEST_F(StorageAccountPaging, PagesOfEverySizeConcatenateToTheHistory) {
  for (std::size_t limit = 1; limit <= 10; ++limit) {
    std::vector<TxRef> all;
    std::optional<AccountTxCursor> cursor;
    std::size_t pages = 0;
    do {
      auto page = m_db->account_txs(m_target, cursor, limit);
      ASSERT_TRUE(page);
      ASSERT_LE(page->txs.size(), limit);
      // A page with a next cursor is full; the cursor names its last entry.
      if (page->next) {
        ASSERT_EQ(page->txs.size(), limit);
        EXPECT_EQ(page->next->height(), page->txs.back().height);
        EXPECT_EQ(page->next->position(), page->txs.back().position);
        // Through the token, as an API client would hand it back.
        cursor = *AccountTxCursor::parse(page->next->token());
      } else {
        cursor.reset();
      }
      all.insert(all.end(), page->txs.begin(), page->txs.end());
      ASSERT_LE(++pages, 10u);
    } while (cursor);
    EXPECT_EQ(all, m_expected) << "limit " << limit;
    EXPECT_EQ(pages, (m_expected.size() + limit - 1) / limit) << "limit " << limit;
  }
}

TEST_F(StorageAccountPaging, CursorEdgeCases) {
  // A cursor between entries (height 12 has none for target) starts strictly older.
  auto mid = m_db->account_txs(m_target, AccountTxCursor(12, 0), 100);
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->txs, std::vector<TxRef>(m_expected.begin() + 4, m_expected.end()));
  // A cursor on an entry excludes that entry.
  auto on = m_db->account_txs(m_target, AccountTxCursor(13, 3), 100);
  ASSERT_TRUE(on);
  EXPECT_EQ(on->txs, std::vector<TxRef>(m_expected.begin() + 2, m_expected.end()));
  // Past the newest entry: everything. At or before the oldest: nothing, no next.
  EXPECT_EQ(m_db->account_txs(m_target, AccountTxCursor(UINT64_MAX, UINT32_MAX), 100)->txs, m_expected);
  auto oldest = m_db->account_txs(m_target, AccountTxCursor(m_expected.back().height, m_expected.back().position), 5);
  ASSERT_TRUE(oldest);
  EXPECT_TRUE(oldest->txs.empty());
  EXPECT_EQ(oldest->next, std::nullopt);
  EXPECT_TRUE(m_db->account_txs(m_target, AccountTxCursor(0, 0), 5)->txs.empty());
  // Unknown address; neighbours hold only their own entries.
  EXPECT_TRUE(m_db->account_txs(addr(0x80, 0x03), std::nullopt, 5)->txs.empty());
  for (const auto& other : {addr(0x80, 0x00), addr(0x80, 0x02), addr(0x00, 0x00), addr(0xFF, 0xFF)}) {
    auto page = m_db->account_txs(other, std::nullopt, 100);
    ASSERT_TRUE(page);
    EXPECT_FALSE(page->txs.empty());
    for (const auto& ref : page->txs) {
      const auto& tx = m_blocks.at(ref.height - 10).block.txs.at(ref.position);
      EXPECT_EQ(std::get<primitives::Transfer>(tx.body).to, other);
      EXPECT_EQ(primitives::txid(tx), ref.txid);
    }
  }
}

TEST_F(StorageAccountPaging, UnindexedBlockDisappearsFromHistory) {
  unindex(*m_db, m_blocks[3]);
  auto page = m_db->account_txs(m_target, std::nullopt, 100);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->txs, std::vector<TxRef>(m_expected.begin() + 4, m_expected.end()));
  for (const auto& tx : m_blocks[3].block.txs) EXPECT_EQ(*m_db->tx_location(primitives::txid(tx)), std::nullopt);
}

TEST(StorageIndex, AnchorsListOldestFirstWithinTheirDigest) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  Hash256 digest{};
  digest.fill(0x42);
  Hash256 before = digest;
  before[31] = 0x41;
  Hash256 after = digest;
  after[31] = 0x43;
  std::vector<TxRef> expected;
  std::uint64_t nonce = 0;
  for (std::uint64_t h = 1; h <= 4; ++h) {
    const Indexed b = index(*db, h,
                            {test::anchor(1, before, nonce++), test::anchor(2, digest, nonce++),
                             test::anchor(3, after, nonce++), test::anchor(4, digest, nonce++)});
    expected.push_back({h, 1, primitives::txid(b.block.txs[1])});
    expected.push_back({h, 3, primitives::txid(b.block.txs[3])});
  }
  EXPECT_EQ(*db->anchors(digest, 100), expected);
  EXPECT_EQ(*db->anchors(digest, 3), std::vector<TxRef>(expected.begin(), expected.begin() + 3));
  EXPECT_EQ(db->anchors(before, 100)->size(), 4u);
  EXPECT_EQ(db->anchors(after, 100)->size(), 4u);
  EXPECT_TRUE(db->anchors(Hash256{}, 100)->empty());
}

}  // namespace
}  // namespace cloudchain::storage
