// Database: open/reopen, every record kind round-tripped through real RocksDB on disk,
// batch atomicity (including a write whose WAL append fails), snapshots and concurrent
// readers, path and schema errors.

#include "storage/database.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "state/tree.hpp"
#include "storage/test_util.hpp"

namespace cloudchain::storage {
namespace {

using test::open_ok;
using test::TempDir;

// One block with its records, as the chain layer would commit it.
struct Committed {
  primitives::Block block;
  Hash256 hash;
};

Committed commit_block(Database& db, std::uint64_t height, const Hash256& parent,
                       std::vector<primitives::Transaction> txs) {
  Committed c{test::make_block(height, parent, std::move(txs)), {}};
  c.hash = primitives::block_hash(c.block.header);
  WriteBatch batch = db.batch();
  batch.put_block_index(c.hash, BlockIndexEntry{c.block.header, Hash256{}, kStatusHaveBody | kStatusValid});
  batch.put_block(c.hash, c.block);
  batch.put_height(height, c.hash);
  batch.index_block(c.block, height, c.hash);
  batch.put_tip(Tip{c.hash, height});
  EXPECT_TRUE(db.write(std::move(batch)));
  return c;
}

TEST(StorageDatabase, CreatesNestedDirectoryAndReopens) {
  TempDir dir;
  const auto path = dir.path() / "a" / "b" / "db";
  {
    auto db = open_ok(path);
    ASSERT_TRUE(db);
    EXPECT_EQ(*db->tip(), std::nullopt);
  }
  EXPECT_TRUE(std::filesystem::exists(path / "CURRENT"));
  auto again = open_ok(path);
  ASSERT_TRUE(again);
}

TEST(StorageDatabase, EveryRecordKindRoundTripsAndSurvivesReopen) {
  TempDir dir;
  const crypto::Address carol = test::address_of_key(3);
  const Hash256 digest{0xD1};
  const primitives::Block block = test::make_block(
      5, Hash256{0x44}, {test::transfer(1, carol, 0), test::anchor(2, digest, 0), test::unstake(1, 1)});
  const Hash256 hash = primitives::block_hash(block.header);
  const BlockIndexEntry entry{block.header, Hash256{0, 0, 9}, kStatusHaveBody | kStatusValid};
  const Bytes undo{1, 2, 3, 0, 255};
  const state::LeafNode leaf{Hash256{0x0A}, Hash256{0x0B}, Bytes{7, 7}};
  const state::StoredNode node{Hash256{0xEE}, state::encode_node(leaf)};

  const auto check = [&](const Database& db) {
    EXPECT_EQ(*db.block_index(hash), entry);
    EXPECT_EQ(*db.block(hash), block);
    EXPECT_EQ(*db.hash_at(5), hash);
    for (std::uint32_t i = 0; i < block.txs.size(); ++i) {
      EXPECT_EQ(*db.tx_location(primitives::txid(block.txs[i])), (TxLocation{hash, i}));
    }
    const auto page = db.account_txs(carol, std::nullopt, 10);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->txs, (std::vector<TxRef>{{5, 0, primitives::txid(block.txs[0])}}));
    EXPECT_EQ(*db.anchors(digest, 10), (std::vector<TxRef>{{5, 1, primitives::txid(block.txs[1])}}));
    EXPECT_EQ(*db.undo(hash), undo);
    EXPECT_EQ(*db.state_node(node.hash), state::Node{leaf});
    EXPECT_EQ(db.state_nodes().get(node.hash), node.encoding);
    EXPECT_EQ(*db.tip(), (Tip{hash, 5}));
    EXPECT_EQ(*db.chain_id(), 7u);
    EXPECT_EQ(*db.genesis_hash(), Hash256{0x99});
    // Absent records are nullopt, not errors.
    const Hash256 other{0x01, 0x02};
    EXPECT_EQ(*db.block_index(other), std::nullopt);
    EXPECT_EQ(*db.block(other), std::nullopt);
    EXPECT_EQ(*db.hash_at(6), std::nullopt);
    EXPECT_EQ(*db.tx_location(other), std::nullopt);
    EXPECT_EQ(*db.undo(other), std::nullopt);
    EXPECT_EQ(*db.state_node(other), std::nullopt);
    EXPECT_EQ(db.state_nodes().get(other), std::nullopt);
    EXPECT_TRUE(db.anchors(other, 10)->empty());
  };
  {
    auto db = open_ok(dir.db());
    ASSERT_TRUE(db);
    EXPECT_EQ(*db->chain_id(), std::nullopt);
    EXPECT_EQ(*db->genesis_hash(), std::nullopt);
    WriteBatch batch = db->batch();
    batch.put_block_index(hash, entry);
    batch.put_block(hash, block);
    batch.put_height(5, hash);
    batch.index_block(block, 5, hash);
    batch.put_undo(hash, undo);
    batch.put_state_nodes({node});
    batch.put_tip(Tip{hash, 5});
    batch.put_chain_id(7);
    batch.put_genesis_hash(Hash256{0x99});
    ASSERT_TRUE(db->write(std::move(batch)));
    check(*db);
  }
  auto reopened = open_ok(dir.db());
  ASSERT_TRUE(reopened);
  check(*reopened);
}

TEST(StorageDatabase, ErasesRemoveRecords) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  const Committed c = commit_block(*db, 1, Hash256{}, {});
  WriteBatch put_undo = db->batch();
  put_undo.put_undo(c.hash, Bytes{1});
  ASSERT_TRUE(db->write(std::move(put_undo)));

  WriteBatch batch = db->batch();
  batch.erase_block_index(c.hash);
  batch.erase_block(c.hash);
  batch.erase_height(1);
  batch.erase_undo(c.hash);
  EXPECT_EQ(batch.count(), 4u);
  ASSERT_TRUE(db->write(std::move(batch)));
  EXPECT_EQ(*db->block_index(c.hash), std::nullopt);
  EXPECT_EQ(*db->block(c.hash), std::nullopt);
  EXPECT_EQ(*db->hash_at(1), std::nullopt);
  EXPECT_EQ(*db->undo(c.hash), std::nullopt);
}

TEST(StorageDatabase, BatchIsInvisibleUntilWrittenThenWhole) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  const primitives::Block block = test::make_block(1, Hash256{}, {test::unstake(9, 0)});
  const Hash256 hash = primitives::block_hash(block.header);
  {
    WriteBatch dropped = db->batch();
    dropped.put_block(hash, block);
    dropped.put_tip(Tip{hash, 1});
  }  // destroyed unwritten
  EXPECT_EQ(*db->block(hash), std::nullopt);
  EXPECT_EQ(*db->tip(), std::nullopt);

  WriteBatch batch = db->batch();
  batch.put_block(hash, block);
  batch.put_height(1, hash);
  batch.index_block(block, 1, hash);
  batch.put_tip(Tip{hash, 1});
  EXPECT_EQ(*db->block(hash), std::nullopt);  // collected, not applied
  ASSERT_TRUE(db->write(std::move(batch)));
  EXPECT_EQ(*db->block(hash), block);
  EXPECT_EQ(*db->hash_at(1), hash);
  EXPECT_TRUE(*db->tx_location(primitives::txid(block.txs[0])));
  EXPECT_EQ(*db->tip(), (Tip{hash, 1}));
}

TEST(StorageDatabase, OperationsApplyInCallOrder) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  WriteBatch batch = db->batch();
  batch.put_height(3, Hash256{1});
  batch.erase_height(3);
  batch.put_height(4, Hash256{2});
  batch.erase_height(4);
  batch.put_height(4, Hash256{3});
  ASSERT_TRUE(db->write(std::move(batch)));
  EXPECT_EQ(*db->hash_at(3), std::nullopt);
  EXPECT_EQ(*db->hash_at(4), Hash256{3});
}

TEST(StorageDatabase, ForeignBatchIsRefused) {
  TempDir dir;
  auto a = open_ok(dir.path() / "a");
  auto b = open_ok(dir.path() / "b");
  ASSERT_TRUE(a && b);
  WriteBatch batch = a->batch();
  batch.put_tip(Tip{Hash256{1}, 1});
  auto r = b->write(std::move(batch));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StorageError::kForeignBatch);
  EXPECT_EQ(*b->tip(), std::nullopt);
  EXPECT_EQ(*a->tip(), std::nullopt);
}

TEST(StorageDatabase, MovedFromBatchIsRefused) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  WriteBatch batch = db->batch();
  batch.put_tip(Tip{Hash256{1}, 1});
  WriteBatch taken = std::move(batch);
  auto r = db->write(std::move(batch));  // NOLINT(bugprone-use-after-move): the point of the test
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StorageError::kForeignBatch);
  EXPECT_EQ(*db->tip(), std::nullopt);
  ASSERT_TRUE(db->write(std::move(taken)));
  EXPECT_EQ(*db->tip(), (Tip{Hash256{1}, 1}));
}

TEST(StorageDatabase, ForEachBlockIndexVisitsEveryEntryInHashOrder) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  std::map<Hash256, BlockIndexEntry> expected;
  Hash256 parent{};
  for (std::uint64_t h = 0; h < 20; ++h) {
    const Committed c = commit_block(*db, h, parent, {});
    expected[c.hash] = BlockIndexEntry{c.block.header, Hash256{}, kStatusHaveBody | kStatusValid};
    parent = c.hash;
  }
  std::vector<std::pair<Hash256, BlockIndexEntry>> seen;
  auto count = db->for_each_block_index([&](const Hash256& h, const BlockIndexEntry& e) { seen.emplace_back(h, e); });
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 20u);
  EXPECT_EQ(seen, (std::vector<std::pair<Hash256, BlockIndexEntry>>(expected.begin(), expected.end())));
}

TEST(StorageDatabase, StateNodesServeTheTreeAndCommitThroughBatches) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  // A real tree update staged over the database, committed in one batch.
  std::vector<state::TreeUpdate> updates;
  for (std::uint8_t i = 1; i <= 50; ++i) {
    Hash256 key{};
    key[0] = static_cast<std::uint8_t>(i * 5);
    key[31] = i;
    updates.push_back({key, state::TreeValue{Hash256{i}, Bytes{i, i}}});
  }
  state::StagingNodeStore staging(db->state_nodes());
  state::StateTree tree(staging);
  auto root = tree.update(state::kEmptyHash, updates);
  ASSERT_TRUE(root);
  const auto nodes = staging.take_nodes();
  ASSERT_FALSE(nodes.empty());
  // Before the write the database has none of them.
  EXPECT_FALSE(state::tree_get(db->state_nodes(), *root, updates[0].key));
  WriteBatch batch = db->batch();
  batch.put_state_nodes(nodes);
  ASSERT_TRUE(db->write(std::move(batch)));
  for (const auto& u : updates) {
    auto got = state::tree_get(db->state_nodes(), *root, u.key);
    ASSERT_TRUE(got);
    ASSERT_TRUE(*got);
    EXPECT_EQ((*got)->value, u.value->value);
  }
  for (const auto& n : nodes) {
    auto decoded = db->state_node(n.hash);
    ASSERT_TRUE(decoded && *decoded);
    EXPECT_EQ(state::encode_node(**decoded), n.encoding);
  }
  EXPECT_EQ(db->state_node_view().failed_reads(), 0u);
}

TEST(StorageDatabase, SnapshotSeesOneInstant) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  const Committed first = commit_block(*db, 0, Hash256{}, {});
  Snapshot snap = db->snapshot();
  const Committed second = commit_block(*db, 1, first.hash, {test::unstake(1, 0)});
  EXPECT_EQ(*snap.tip(), (Tip{first.hash, 0}));
  EXPECT_EQ(*snap.hash_at(1), std::nullopt);
  EXPECT_EQ(*snap.block(second.hash), std::nullopt);
  EXPECT_EQ(*db->tip(), (Tip{second.hash, 1}));
  Snapshot moved = std::move(snap);
  EXPECT_EQ(*moved.tip(), (Tip{first.hash, 0}));
  Snapshot later = db->snapshot();
  later = std::move(moved);  // releases `later`'s own snapshot, takes the older one
  EXPECT_EQ(*later.tip(), (Tip{first.hash, 0}));
}

// Readers on other threads never see part of a batch: whenever a reader sees a tip, the
// tip's height, index entry, body and transactions are all there.
TEST(StorageDatabase, ConcurrentReadersSeeWholeBatches) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  std::atomic<int> failures{0};
  const auto reader = [&] {
    while (!done.load()) {
      const Snapshot snap = db->snapshot();
      auto tip = snap.tip();
      if (!tip || !*tip) continue;
      auto at = snap.hash_at((*tip)->height);
      auto index = snap.block_index((*tip)->hash);
      auto block = snap.block((*tip)->hash);
      bool ok = at && *at && **at == (*tip)->hash && index && *index && block && *block;
      if (ok) {
        for (const auto& tx : (*block)->txs) {
          auto loc = snap.tx_location(primitives::txid(tx));
          ok = ok && loc && *loc && (*loc)->block_hash == (*tip)->hash;
        }
      }
      if (!ok) failures.fetch_add(1);
      checks.fetch_add(1);
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader);
  Hash256 parent{};
  for (std::uint64_t h = 0; h < 150; ++h) {
    parent =
        commit_block(*db, h, parent, {test::unstake(static_cast<std::uint32_t>(h), 0), test::unstake(1000, h)}).hash;
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(checks.load(), 0);
  EXPECT_EQ(failures.load(), 0);
}

// --- a write that fails in the middle of appending to the WAL ---------------------

class TornWalFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TornWalFile(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<bool>& fail)
      : FSWritableFileOwnerWrapper(std::move(file)), m_fail(fail) {}
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (!m_fail.load()) return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    // Half the record reaches the file, then the "disk" fails: a torn write.
    (void)FSWritableFileOwnerWrapper::Append(rocksdb::Slice(data.data(), data.size() / 2), options, dbg);
    return rocksdb::IOStatus::IOError("injected WAL append failure");
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& /*info*/, rocksdb::IODebugContext* dbg) override {
    return Append(data, options, dbg);
  }

 private:
  const std::atomic<bool>& m_fail;
};

class TornWalFs final : public rocksdb::FileSystemWrapper {
 public:
  explicit TornWalFs(const std::shared_ptr<rocksdb::FileSystem>& base) : FileSystemWrapper(base) {}
  const char* Name() const override { return "TornWalFs"; }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* out,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = FileSystemWrapper::NewWritableFile(name, options, out, dbg);
    if (s.ok() && name.ends_with(".log")) *out = std::make_unique<TornWalFile>(std::move(*out), fail);
    return s;
  }
  std::atomic<bool> fail{false};
};

TEST(StorageDatabase, FailedWriteLeavesNoPartialBatch) {
  TempDir dir;
  auto fs = std::make_shared<TornWalFs>(rocksdb::FileSystem::Default());
  const std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  Committed kept;
  primitives::Block lost_block = test::make_block(1, Hash256{}, {test::anchor(4, Hash256{0xAA}, 0)});
  const Hash256 lost = primitives::block_hash(lost_block.header);
  {
    Options options;
    options.env = env.get();
    auto db = open_ok(dir.db(), options);
    ASSERT_TRUE(db);
    kept = commit_block(*db, 0, Hash256{}, {test::unstake(1, 0)});
    fs->fail = true;
    WriteBatch batch = db->batch();
    batch.put_block_index(lost, BlockIndexEntry{lost_block.header, Hash256{}, kStatusHaveBody});
    batch.put_block(lost, lost_block);
    batch.put_height(1, lost);
    batch.index_block(lost_block, 1, lost);
    batch.put_tip(Tip{lost, 1});
    auto r = db->write(std::move(batch));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, StorageError::kIo);
    EXPECT_EQ(*db->tip(), (Tip{kept.hash, 0}));
    EXPECT_EQ(*db->block(lost), std::nullopt);
    fs->fail = false;
  }
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->tip(), (Tip{kept.hash, 0}));
  EXPECT_EQ(*db->block(kept.hash), kept.block);
  EXPECT_EQ(*db->block_index(lost), std::nullopt);
  EXPECT_EQ(*db->block(lost), std::nullopt);
  EXPECT_EQ(*db->hash_at(1), std::nullopt);
  EXPECT_EQ(*db->tx_location(primitives::txid(lost_block.txs[0])), std::nullopt);
  EXPECT_TRUE(db->anchors(Hash256{0xAA}, 5)->empty());
}

// --- opening: paths, locks, schema --------------------------------------------------

TEST(StorageDatabase, InMemoryLeavesNothingOnDisk) {
  TempDir dir;
  const auto path = dir.path() / "mem";
  {
    Options options;
    options.in_memory = true;
    auto db = open_ok(path, options);
    ASSERT_TRUE(db);
    const Committed c = commit_block(*db, 0, Hash256{}, {test::unstake(1, 0)});
    EXPECT_EQ(*db->block(c.hash), c.block);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(StorageDatabase, RegularFileIsNotADatabase) {
  TempDir dir;
  const auto file = dir.path() / "file";
  std::ofstream(file) << "not a database";
  auto r = Database::open(file);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StorageError::kBadPath);
  EXPECT_NE(r.error().detail.find("not a directory"), std::string::npos) << r.error().detail;

  auto below = Database::open(file / "db");  // a parent is a regular file
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().code, StorageError::kBadPath);
}

// Runs `f` in a child process and returns its exit status (f's return value), or -1.
template <typename F>
int in_child(F f) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(f());
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(StorageDatabase, UnwritableDirectoryIsRefused) {
  TempDir dir;
  namespace fs = std::filesystem;
  // Readable and searchable by everyone, writable by no one but its owner.
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  const auto readonly = dir.path() / "ro";
  fs::create_directory(readonly);
  fs::permissions(readonly, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  // Root bypasses permission bits, so the check runs as an unprivileged user (nobody).
  const int code = in_child([&] {
    if (::geteuid() == 0 && ::setuid(65534) != 0) return 10;
    auto r = Database::open(readonly);
    if (r) return 11;
    if (r.error().code != StorageError::kBadPath) return 12;
    auto below = Database::open(readonly / "db");  // cannot be created
    if (below) return 13;
    return below.error().code == StorageError::kBadPath ? 0 : 14;
  });
  fs::permissions(readonly, fs::perms::owner_all);
  EXPECT_EQ(code, 0);
}

TEST(StorageDatabase, DatabaseOpenInAnotherProcessIsLocked) {
  TempDir dir;
  {
    ASSERT_TRUE(open_ok(dir.db()));
  }
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t holder = ::fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {
    ::close(ready[0]);
    ::close(release[1]);  // else the read below never sees end-of-file
    auto db = Database::open(dir.db());
    const char c = db ? 'y' : 'n';
    if (::write(ready[1], &c, 1) != 1) ::_exit(1);
    char done = 0;
    (void)::read(release[0], &done, 1);  // hold the database until the parent is done
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto r = Database::open(dir.db());
  ::close(release[1]);
  int status = 0;
  ::waitpid(holder, &status, 0);
  for (int fd : {ready[0], ready[1], release[0]}) ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StorageError::kLocked) << r.error().detail;
  EXPECT_TRUE(open_ok(dir.db()));  // free again once the holder exited
}

TEST(StorageDatabase, SecondOpenIsLocked) {
  TempDir dir;
  auto first = open_ok(dir.db());
  ASSERT_TRUE(first);
  auto second = Database::open(dir.db());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, StorageError::kLocked) << second.error().detail;
}

TEST(StorageDatabase, OtherSchemaVersionIsRefused) {
  TempDir dir;
  {
    ASSERT_TRUE(open_ok(dir.db()));
  }
  test::raw_put(dir.db(), "meta", "schema_version", test::str(encode_u32(kSchemaVersion + 1)));
  auto r = Database::open(dir.db());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StorageError::kSchemaMismatch);
  EXPECT_NE(r.error().detail.find("schema_version " + std::to_string(kSchemaVersion + 1)), std::string::npos)
      << r.error().detail;
}

// Creates a raw RocksDB at `path` with these column families (besides "default").
void raw_create(const std::filesystem::path& path, const std::vector<std::string>& families, bool with_data) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors{{rocksdb::kDefaultColumnFamilyName, {}}};
  for (const auto& f : families) descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path.string(), descriptors, &handles, &raw).ok());
  if (with_data) {
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[0], "k", "v").ok());
  }
  for (auto* h : handles) ASSERT_TRUE(raw->DestroyColumnFamilyHandle(h).ok());
  ASSERT_TRUE(raw->Close().ok());
  delete raw;
}

TEST(StorageDatabase, ForeignDatabasesAreRefusedUntouched) {
  TempDir dir;
  raw_create(dir.path() / "foreign", {"accounts"}, false);
  auto foreign = Database::open(dir.path() / "foreign");
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, StorageError::kSchemaMismatch);
  EXPECT_NE(foreign.error().detail.find("accounts"), std::string::npos);

  raw_create(dir.path() / "data", {}, true);  // a RocksDB of someone else's, with data
  auto data = Database::open(dir.path() / "data");
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, StorageError::kSchemaMismatch);
  // Nothing of ours was added to it.
  EXPECT_EQ(test::raw_dump(dir.path() / "data").size(), 1u);
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), (dir.path() / "data").string(), &names).ok());
  EXPECT_EQ(names, std::vector<std::string>{rocksdb::kDefaultColumnFamilyName});
}

TEST(StorageDatabase, InterruptedCreationIsCompleted) {
  // A creation that died after making some column families and before the version.
  TempDir dir;
  raw_create(dir.db(), {"block_index", "blocks"}, false);
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  const Committed c = commit_block(*db, 0, Hash256{}, {});
  db.reset();
  auto again = open_ok(dir.db());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again->tip(), (Tip{c.hash, 0}));
}

TEST(StorageDatabase, PageLimitsAreBounded) {
  TempDir dir;
  auto db = open_ok(dir.db());
  ASSERT_TRUE(db);
  for (std::size_t bad : {std::size_t{0}, kMaxPageSize + 1}) {
    auto page = db->account_txs(crypto::Address{}, std::nullopt, bad);
    ASSERT_FALSE(page);
    EXPECT_EQ(page.error().code, StorageError::kBadLimit);
    auto anchors = db->anchors(Hash256{}, bad);
    ASSERT_FALSE(anchors);
    EXPECT_EQ(anchors.error().code, StorageError::kBadLimit);
  }
  EXPECT_TRUE(db->account_txs(crypto::Address{}, std::nullopt, kMaxPageSize));
  EXPECT_TRUE(db->anchors(Hash256{}, kMaxPageSize));
}

}  // namespace
}  // namespace cloudchain::storage
