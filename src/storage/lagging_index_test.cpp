// The transaction indexes lag the tip (lagging_index.hpp): a block's tx_index and
// account_txs records wait in memory and reach their column families 16 blocks at a
// time. Reads must not tell: every transaction is found from the moment its block is
// written, account pages neither skip nor repeat an entry across the memory/column
// family boundary, a snapshot keeps its view through a flush, and a reorg across a
// flush leaves no stale record, before and after a reopen.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "crypto/sha256.hpp"
#include "storage/database.hpp"
#include "storage/lagging_index.hpp"
#include "storage/test_util.hpp"

namespace cloudchain::storage {
namespace {

using test::open_ok;
using test::TempDir;

const crypto::Address kWatched = test::address_of_key(50);

// A chain kept as the chain layer keeps it: one batch per block with its height, tip
// and records; `disconnect` takes the tip off the same way.
class Chain {
 public:
  explicit Chain(Database* db) : m_db(db) {}
  void reset(Database* db) { m_db = db; }

  // A block of three transfers, two of them to kWatched; `salt` makes a sibling differ.
  void connect(std::uint32_t salt = 0) {
    const std::uint64_t height = m_blocks.size();
    const Hash256 parent = m_blocks.empty() ? Hash256{} : m_blocks.back().second;
    std::vector<primitives::Transaction> txs = {test::transfer(1 + salt, kWatched, height),
                                                test::transfer(2 + salt, test::address_of_key(60), height),
                                                test::transfer(3 + salt, kWatched, height)};
    primitives::Block block = test::make_block(height, parent, std::move(txs));
    const Hash256 hash = primitives::block_hash(block.header);
    WriteBatch batch = m_db->batch();
    batch.put_block(hash, block);
    batch.put_height(height, hash);
    batch.index_block(block, height, hash);
    batch.put_tip(Tip{hash, height});
    ASSERT_TRUE(m_db->write(std::move(batch)));
    m_blocks.emplace_back(std::move(block), hash);
  }

  // Takes the top `count` blocks off in one batch; returns their transactions' ids.
  std::vector<Hash256> disconnect(std::size_t count) {
    WriteBatch batch = m_db->batch();
    std::vector<Hash256> gone;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t height = m_blocks.size() - 1;
      const auto& [block, hash] = m_blocks.back();
      batch.unindex_block(block, height, hash);
      batch.erase_height(height);
      for (const auto& tx : block.txs) gone.push_back(primitives::txid(tx));
      m_blocks.pop_back();
    }
    batch.put_tip(Tip{m_blocks.back().second, m_blocks.size() - 1});
    EXPECT_TRUE(m_db->write(std::move(batch)));
    return gone;
  }

  // Every transaction of the chain is found where it is, and kWatched's history read in
  // pages of `page` is exactly its entries, newest first.
  void check(const ReadView& view, std::size_t page = 3, std::optional<std::size_t> upto = std::nullopt) const {
    const std::size_t n = upto.value_or(m_blocks.size());
    std::vector<TxRef> expected;
    // Every txid, and between them ones no block holds, for the batched lookup.
    std::vector<Hash256> asked;
    std::vector<std::optional<TxLocation>> answers;
    for (std::size_t h = 0; h < n; ++h) {
      const auto& [block, hash] = m_blocks[h];
      for (std::uint32_t i = 0; i < block.txs.size(); ++i) {
        const Hash256 id = primitives::txid(block.txs[i]);
        auto loc = view.tx_location(id);
        ASSERT_TRUE(loc);
        EXPECT_EQ(*loc, (TxLocation{hash, i})) << "height " << h << " position " << i;
        if (std::get<primitives::Transfer>(block.txs[i].body).to == kWatched) expected.push_back({h, i, id});
        asked.push_back(id);
        answers.emplace_back(TxLocation{hash, i});
        asked.push_back(crypto::sha256(id));
        answers.emplace_back(std::nullopt);
      }
    }
    // Newest first: those in memory come before those the column family holds.
    std::reverse(asked.begin(), asked.end());
    std::reverse(answers.begin(), answers.end());
    auto batched = view.tx_locations(asked);
    ASSERT_TRUE(batched);
    EXPECT_EQ(*batched, answers);
    std::reverse(expected.begin(), expected.end());
    std::vector<TxRef> seen;
    std::optional<AccountTxCursor> cursor;
    for (int guard = 0; guard < 1000; ++guard) {
      auto p = view.account_txs(kWatched, cursor, page);
      ASSERT_TRUE(p);
      seen.insert(seen.end(), p->txs.begin(), p->txs.end());
      if (!p->next) break;
      cursor = p->next;
    }
    EXPECT_EQ(seen, expected);
  }

  std::size_t height() const { return m_blocks.size(); }

 private:
  Database* m_db;
  std::vector<std::pair<primitives::Block, Hash256>> m_blocks;
};

// Every one of `gone` (txids of disconnected blocks) is found nowhere.
void expect_gone(const ReadView& view, const std::vector<Hash256>& gone) {
  for (const Hash256& id : gone) {
    auto loc = view.tx_location(id);
    ASSERT_TRUE(loc);
    EXPECT_EQ(*loc, std::nullopt);
  }
}

// Closes the database and opens the one in `dir` again, `chain` writing to it.
void reopen(const TempDir& dir, std::unique_ptr<Database>& db, Chain& chain) {
  db.reset();
  db = open_ok(dir.db());
  ASSERT_TRUE(db);
  chain.reset(db.get());
}

TEST(LaggingIndex, RecordsAreReadFromMemoryAndThenFromTheColumnFamilies) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  Chain chain(db.get());
  std::size_t most = 0;
  bool flushed = false;
  for (int i = 0; i < 40; ++i) {
    const std::size_t lag_before = db->index_lag();
    chain.connect();
    db->wait_for_index_flush();  // the flush a write starts runs in the background
    most = std::max(most, db->index_lag());
    flushed = flushed || db->index_lag() < lag_before;
    chain.check(*db, 1 + static_cast<std::size_t>(i) % 5);
  }
  EXPECT_LE(most, 16U);
  EXPECT_EQ(most, 15U);  // reached, then written out on the 16th
  EXPECT_TRUE(flushed);
  EXPECT_EQ(db->index_error(), "");
  // A clean close writes what waits; the reopened database reads it from disk.
  reopen(dir, db, chain);
  EXPECT_EQ(db->index_lag(), 0U);
  chain.check(*db, 4);
}

TEST(LaggingIndex, ASnapshotKeepsItsViewThroughAFlush) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  Chain chain(db.get());
  for (int i = 0; i < 10; ++i) chain.connect();
  const Snapshot early = db->snapshot();  // 10 blocks, all in memory
  ASSERT_EQ(db->index_lag(), 10U);
  for (int i = 0; i < 20; ++i) chain.connect();  // a flush of 16, then more
  db->wait_for_index_flush();
  ASSERT_LT(db->index_lag(), 16U);
  chain.check(early, 2, 10);
  chain.check(*db, 2);
}

TEST(LaggingIndex, AReorgAcrossAFlushLeavesNoStaleRecord) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  Chain chain(db.get());
  for (int i = 0; i < 18; ++i) chain.connect();
  db->wait_for_index_flush();
  ASSERT_EQ(db->index_lag(), 2U);  // heights 0-15 written, 16-17 in memory
  // Off go 17 and 16 (memory) and 15 and 14 (column families); a sibling branch of
  // three blocks takes their place.
  const std::vector<Hash256> gone = chain.disconnect(4);
  for (int i = 0; i < 3; ++i) chain.connect(/*salt=*/100);
  expect_gone(*db, gone);
  chain.check(*db, 4);
  reopen(dir, db, chain);
  expect_gone(*db, gone);
  chain.check(*db, 5);
}

// Writes go on while a flush runs in the background: every read is right after each
// write whether the flush has finished or not, the records leave memory by the first
// write after it finished, and a close waits for it.
TEST(LaggingIndex, WritesAndReadsGoOnWhileAFlushRuns) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  Chain chain(db.get());
  std::size_t most = 0;
  for (int i = 0; i < 50; ++i) {
    chain.connect();
    most = std::max(most, db->index_lag());
    chain.check(*db, 1 + static_cast<std::size_t>(i) % 5);
  }
  EXPECT_GE(most, 16U);  // the 16th started a flush and stayed until a later write
  db->wait_for_index_flush();
  chain.connect();             // the first write after a flush finished takes its blocks out
  db->wait_for_index_flush();  // (and may have started another: 16 were waiting)
  EXPECT_LT(db->index_lag(), 16U);
  chain.check(*db, 3);
  EXPECT_EQ(db->index_error(), "");
  reopen(dir, db, chain);
  EXPECT_EQ(db->index_lag(), 0U);
  chain.check(*db, 4);
}

// A reorg right after the write that started a flush: the disconnection waits for the
// flush, then erases the flushed blocks' records from the column families.
TEST(LaggingIndex, AReorgDuringAFlushLeavesNoStaleRecord) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  Chain chain(db.get());
  for (int i = 0; i < 16; ++i) chain.connect();  // the 16th starts a flush of 0-15
  const std::vector<Hash256> gone = chain.disconnect(3);
  for (int i = 0; i < 2; ++i) chain.connect(/*salt=*/100);
  expect_gone(*db, gone);
  chain.check(*db, 4);
  reopen(dir, db, chain);
  expect_gone(*db, gone);
  chain.check(*db, 5);
}

// A lookup skips a block in memory whose filter says the txid is not there: never for
// one of its transactions (the reads above rely on it), and rarely for any other.
TEST(LaggingIndex, ABlocksTxFilterHoldsEachOfItsTransactionsAndFewOthers) {
  std::vector<primitives::Transaction> txs;
  for (std::uint64_t nonce = 0; nonce < 1000; ++nonce) txs.push_back(test::transfer(1, kWatched, nonce));
  const primitives::Block block = test::make_block(7, Hash256{}, txs);
  const detail::BlockIndexRecords records = detail::index_records(block, 7, primitives::block_hash(block.header));
  EXPECT_EQ(records.tx_filter.size(), 256U);  // 250 words for 16 bits each, to a power of two
  for (const auto& tx : txs) EXPECT_TRUE(records.may_hold_tx(primitives::txid(tx)));
  // Built from txids computed before, the records are the same.
  const auto ids = primitives::txids(block);
  const detail::BlockIndexRecords given = detail::index_records(block, 7, primitives::block_hash(block.header), ids);
  EXPECT_EQ(given.txs, records.txs);
  EXPECT_EQ(given.tx_filter, records.tx_filter);
  EXPECT_EQ(given.accounts.size(), records.accounts.size());
  int false_positives = 0;
  for (std::uint32_t i = 0; i < 20'000; ++i) {
    const Hash256 other = crypto::sha256(util::as_bytes(std::to_string(i)));
    false_positives += records.may_hold_tx(other) ? 1 : 0;
  }
  // ~3.9 txids a word, ~11 of its 64 bits set: ~0.5-1 % expected (one bit a txid: ~6 %).
  EXPECT_LT(false_positives, 20'000 / 50);

  const primitives::Block empty = test::make_block(8, Hash256{}, {});
  const detail::BlockIndexRecords none = detail::index_records(empty, 8, primitives::block_hash(empty.header));
  EXPECT_TRUE(none.tx_filter.empty());
  EXPECT_FALSE(none.may_hold_tx(primitives::txid(txs[0])));
}

// A txid in two waiting blocks (the chain never writes one; the storage layer does not
// check): the flush still writes its SST files (keys must increase) and, as a put
// would, the newer block's location is the one kept.
TEST(LaggingIndex, ATxidInTwoBlocksOfOneFlushKeepsTheNewerLocation) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  const primitives::Transaction dup = test::transfer(7, kWatched, 999);
  Hash256 parent{};
  Hash256 newer{};
  for (std::uint64_t height = 0; height < 20; ++height) {
    std::vector<primitives::Transaction> txs = {test::transfer(1, kWatched, height)};
    if (height == 2 || height == 9) txs.push_back(dup);
    primitives::Block block = test::make_block(height, parent, std::move(txs));
    const Hash256 hash = primitives::block_hash(block.header);
    if (height == 9) newer = hash;
    WriteBatch batch = db->batch();
    batch.put_block(hash, block);
    batch.put_height(height, hash);
    batch.index_block(block, height, hash);
    batch.put_tip(Tip{hash, height});
    ASSERT_TRUE(db->write(std::move(batch)));
    db->wait_for_index_flush();
    parent = hash;
  }
  EXPECT_LT(db->index_lag(), 16U);  // flushed
  EXPECT_EQ(db->index_error(), "");
  db.reset();
  db = open_ok(dir.db());
  ASSERT_TRUE(db);
  EXPECT_EQ(db->index_lag(), 0U);  // all read from the column families now
  auto loc = db->tx_location(primitives::txid(dup));
  ASSERT_TRUE(loc);
  EXPECT_EQ(*loc, (TxLocation{newer, 1}));
}

// A flush merges its blocks' sorted lists (write_index_files): one sorted sequence, each
// element once, and equal ones in run order (a repeated txid keeps the newest block's).
TEST(LaggingIndex, SortedRunsMergeInOrderWithTiesInRunOrder) {
  using Item = std::pair<int, int>;  // (key, tag); ordered by key only
  const std::vector<std::vector<Item>> runs = {
      {{1, 0}, {4, 0}, {4, 1}, {9, 0}}, {}, {{2, 2}, {4, 2}, {10, 2}}, {{0, 3}, {4, 3}}, {{4, 4}}};
  std::vector<std::span<const Item>> spans(runs.begin(), runs.end());
  std::vector<std::pair<Item, std::size_t>> seen;
  detail::merge_sorted_runs<Item>(
      spans, [](const Item& a, const Item& b) { return a.first < b.first; },
      [&](const Item& item, std::size_t run) { seen.emplace_back(item, run); });
  const std::vector<std::pair<Item, std::size_t>> expected = {{{0, 3}, 3}, {{1, 0}, 0}, {{2, 2}, 2}, {{4, 0}, 0},
                                                              {{4, 1}, 0}, {{4, 2}, 2}, {{4, 3}, 3}, {{4, 4}, 4},
                                                              {{9, 0}, 0}, {{10, 2}, 2}};
  EXPECT_EQ(seen, expected);
  seen.clear();
  detail::merge_sorted_runs<Item>({}, std::less<>(),
                                  [&](const Item& item, std::size_t run) { seen.emplace_back(item, run); });
  EXPECT_TRUE(seen.empty());
}

}  // namespace
}  // namespace cloudchain::storage
