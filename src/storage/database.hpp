#pragma once
// The node's database: RocksDB with one column family per kind of record (key schema:
// the grammar at the top of database.cpp, and docs/storage.md).
//
//   Database::open(path)  creates or opens; checks the schema version
//   db.block(hash), ...   typed reads of the latest committed data (ReadView)
//   db.snapshot()         the same reads, frozen at one instant
//   db.batch()            a WriteBatch: typed puts and erases, applied by
//   db.write(batch)       atomically, with the WAL synced before it returns
//
// Durability: write() returns only after RocksDB has synced its write-ahead log, so a
// batch it reported as committed survives kill -9 and power loss; a batch it did not
// finish is absent after restart, wholly (RocksDB replays whole batches only).
//
// Thread-safety: every const member (all reads, snapshot(), batch(), state_nodes()) may
// be called from any number of threads at once. write() is called by one thread at a
// time (the chain actor): RocksDB would accept concurrent writers, but the records
// (tip, height index) are only consistent if one writer decides what goes in each batch.
// A WriteBatch or Snapshot is used by one thread at a time.
//
// Bad stored data: a key or value that does not decode strictly is kCorrupt, with the
// column family and the key in hex in the detail; nothing here crashes on or papers
// over a damaged database. Bad caller input (an unknown cursor token, a page limit out
// of range) has its own code.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "primitives/block.hpp"
#include "state/node_store.hpp"
#include "storage/records.hpp"

namespace rocksdb {
class Env;
class Snapshot;
class WriteBatch;
}  // namespace rocksdb

namespace cloudchain::storage {

/// The layout version this code reads and writes (meta "schema_version"). A database
/// written with another version is refused at open (kSchemaMismatch), never guessed at.
/// Version 2: state_nodes holds the checkpointed trees only, meta "state_checkpoint".
inline constexpr std::uint32_t kSchemaVersion = 2;

/// The column families, in the order they are created. RocksDB's "default" column family
/// also exists (RocksDB requires it) and stays empty.
inline constexpr std::string_view kColumnFamilies[] = {
    "block_index", "blocks", "height", "tx_index", "account_txs", "anchors", "state_nodes", "undo", "meta",
};

struct Options {
  /// One LRU block cache shared by every column family.
  std::size_t block_cache_bytes = std::size_t{64} * 1024 * 1024;
  /// Bounds file descriptors; RocksDB closes table files beyond it (a little slower).
  /// -1: unbounded.
  int max_open_files = 512;
  /// Keep everything in memory (RocksDB's MemEnv): the same code and format, nothing on
  /// disk, nothing left after close. For other layers' tests; the path is only a name.
  bool in_memory = false;
  /// Test hook: the Env RocksDB does its I/O through (fault injection). Not owned; must
  /// outlive the Database. nullptr: the real file system. Ignored when in_memory.
  rocksdb::Env* env = nullptr;
};

namespace detail {
struct Handles;            // the open RocksDB and its column family handles (database.cpp)
struct BlockIndexRecords;  // one block's tx_index/account_txs records (lagging_index.hpp)
struct PendingIndex;       // the records not yet in their column families (lagging_index.hpp)
}  // namespace detail

/// Typed reads. Each returns the record, nullopt when there is none, or an error
/// (kIo; kCorrupt when the stored bytes do not decode). Absence is not an error.
class ReadView {
 public:
  util::Result<std::optional<BlockIndexEntry>, StorageError> block_index(const Hash256& block_hash) const;
  util::Result<std::optional<primitives::Block>, StorageError> block(const Hash256& block_hash) const;
  /// The active chain's block hash at `height`.
  util::Result<std::optional<Hash256>, StorageError> hash_at(std::uint64_t height) const;
  /// Where an active-chain transaction is.
  util::Result<std::optional<TxLocation>, StorageError> tx_location(const Hash256& txid) const;
  /// tx_location of each of `txids`, in order, the ones not in memory read from the
  /// column family with one batched RocksDB MultiGet (what a peer's inv asks about).
  util::Result<std::vector<std::optional<TxLocation>>, StorageError> tx_locations(std::span<const Hash256> txids) const;
  /// Transactions that `address` sent or received (as a transfer's recipient), newest
  /// first: at most `limit` entries strictly older than `cursor` (from the newest when
  /// nullopt). `next` is set exactly when older entries remain. Errors: kBadLimit unless
  /// 1 <= limit <= kMaxPageSize.
  util::Result<AccountTxPage, StorageError> account_txs(const crypto::Address& address,
                                                        const std::optional<AccountTxCursor>& cursor,
                                                        std::size_t limit) const;
  /// The anchor transactions that committed `digest`, oldest first (the first is the
  /// earliest proof of existence), at most `limit`. Errors: kBadLimit as account_txs.
  util::Result<std::vector<TxRef>, StorageError> anchors(const Hash256& digest, std::size_t limit) const;
  /// The undo data stored for a block (opaque: the chain layer defines it).
  util::Result<std::optional<Bytes>, StorageError> undo(const Hash256& block_hash) const;
  /// A state tree node, decoded (kCorrupt when state::decode_node rejects it).
  util::Result<std::optional<state::Node>, StorageError> state_node(const Hash256& node_hash) const;
  util::Result<std::optional<Tip>, StorageError> tip() const;
  /// The last state checkpoint (meta "state_checkpoint").
  util::Result<std::optional<StateCheckpoint>, StorageError> state_checkpoint() const;
  util::Result<std::optional<std::uint32_t>, StorageError> chain_id() const;
  util::Result<std::optional<Hash256>, StorageError> genesis_hash() const;

  using BlockIndexVisitor = std::function<void(const Hash256& block_hash, const BlockIndexEntry& entry)>;
  /// Calls `visit` for every block_index entry, in block hash order (startup loads the
  /// header tree with it). Stops at the first undecodable entry (kCorrupt). Returns the
  /// number of entries visited.
  util::Result<std::size_t, StorageError> for_each_block_index(const BlockIndexVisitor& visit) const;

 protected:
  ReadView(const detail::Handles* handles, const rocksdb::Snapshot* snapshot)
      : m_handles(handles), m_snapshot(snapshot) {}
  ~ReadView() = default;
  ReadView(const ReadView&) = default;
  ReadView& operator=(const ReadView&) = default;

  // The index records not yet in their column families that this view merges in: a
  // snapshot's, taken with it; null: the latest (Database's own reads).
  std::shared_ptr<const detail::PendingIndex> pending_index() const;
  // Whether this view's active chain holds `block` at its height.
  util::Result<bool, StorageError> active(const detail::BlockIndexRecords& block) const;
  // tx_location among the records in memory (`pending`: this view's) only.
  util::Result<std::optional<TxLocation>, StorageError> pending_tx_location(const detail::PendingIndex& pending,
                                                                            const Hash256& txid) const;

  const detail::Handles* m_handles;     // not owned: the Database's
  const rocksdb::Snapshot* m_snapshot;  // nullptr: read the latest data
  std::shared_ptr<const detail::PendingIndex> m_pending;
};

/// A consistent read-only view: every read sees the database as it was when the snapshot
/// was taken, whatever is written meanwhile (e.g. an API request that reads a height, then
/// that block, then its transactions, while the chain reorganizes). REQUIRES: destroyed
/// before its Database. Move-only; holding one keeps RocksDB from dropping old versions.
class Snapshot final : public ReadView {
 public:
  Snapshot(Snapshot&& other) noexcept;
  Snapshot& operator=(Snapshot&& other) noexcept;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot();

 private:
  friend class Database;
  Snapshot(const detail::Handles* handles, const rocksdb::Snapshot* snapshot,
           std::shared_ptr<const detail::PendingIndex> pending)
      : ReadView(handles, snapshot) {
    m_pending = std::move(pending);
  }
  void release();
};

/// Typed writes collected in memory; nothing is visible until Database::write applies
/// them all at once. Operations apply in call order (an erase then a put of one key
/// leaves the put). Created by Database::batch(); REQUIRES: written to (or dropped
/// before) the Database that created it. A moved-from batch may only be destroyed,
/// assigned to, or handed to write() (which refuses it: kForeignBatch).
class WriteBatch {
 public:
  WriteBatch(WriteBatch&& other) noexcept;
  WriteBatch& operator=(WriteBatch&& other) noexcept;
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;
  ~WriteBatch();

  void put_block_index(const Hash256& block_hash, const BlockIndexEntry& entry);
  void erase_block_index(const Hash256& block_hash);
  void put_block(const Hash256& block_hash, const primitives::Block& block);
  void erase_block(const Hash256& block_hash);
  /// The active chain: `height` -> `block_hash`.
  void put_height(std::uint64_t height, const Hash256& block_hash);
  void erase_height(std::uint64_t height);
  /// Adds the block's transaction records: tx_index for each txid, account_txs for each
  /// sender and each transfer's recipient, anchors for each anchor. Hashes every
  /// transaction once (txid). `height` and `block_hash` are the block's, the next
  /// active height. The anchors go into this batch; the other two are kept in memory
  /// by write() and reach their column families with the next blocks' (the index lags
  /// the tip by up to 16 blocks, reads merge: lagging_index.hpp). A block that does not
  /// continue the heights in memory has all its records put in this batch.
  /// `txids`: empty, or primitives::txids(block) already computed (then not hashed again).
  void index_block(const primitives::Block& block, std::uint64_t height, const Hash256& block_hash,
                   std::span<const Hash256> txids = {});
  /// Erases exactly the records index_block(block, height, block_hash) adds (for a
  /// disconnected block, the active tip first): from memory when they are still there,
  /// else from the column families in this batch. tx_index entries are erased whatever
  /// block they name; a batch that disconnects one block and connects another holding
  /// the same transaction must unindex first.
  void unindex_block(const primitives::Block& block, std::uint64_t height, const Hash256& block_hash);
  /// Nodes from state::StateOverlay::commit / StagingNodeStore::take_nodes.
  void put_state_nodes(const std::vector<state::StoredNode>& nodes);
  /// One node, encoded here (a checkpoint writes nodes the chain keeps decoded).
  void put_state_node(const Hash256& hash, const state::Node& node);
  void put_state_checkpoint(const StateCheckpoint& checkpoint);
  void put_undo(const Hash256& block_hash, ByteSpan undo);
  void erase_undo(const Hash256& block_hash);
  void put_tip(const Tip& tip);
  void put_chain_id(std::uint32_t chain_id);
  void put_genesis_hash(const Hash256& genesis_hash);

  /// Number of puts and erases so far.
  std::size_t count() const;

 private:
  friend class Database;
  explicit WriteBatch(const detail::Handles* handles);
  void put(int cf, ByteSpan key, ByteSpan value);
  void erase(int cf, ByteSpan key);

  // The height after the records in memory once this batch's drops apply (or the
  // indexed_end it sets), and the height the next index_block's records take there.
  std::uint64_t pending_base() const;
  std::uint64_t next_pending_height() const;
  // Blocks whose records wait in memory once this batch's drops apply.
  std::size_t waiting_blocks() const;

  const detail::Handles* m_handles;  // not owned: identifies the Database
  std::unique_ptr<rocksdb::WriteBatch> m_batch;
  std::string m_error;  // the first failed put or erase (RocksDB status); empty if none
  // Index records for write() to apply to the pending ones once the batch is durable.
  std::vector<std::shared_ptr<const detail::BlockIndexRecords>> m_index_added;
  std::vector<std::uint64_t> m_index_dropped;  // heights whose records leave memory
  std::optional<std::uint64_t> m_indexed_end;  // lowered: flushed blocks were unindexed
};

/// state::NodeStore over the `state_nodes` column family, for StateOverlay / tree_get /
/// tree_prove / StagingNodeStore. Read-only by design: a block's new nodes go into its
/// WriteBatch (put_state_nodes) so they commit atomically with the block; writing them
/// one by one through put() would break that, so put() is unreachable (the view is only
/// handed out as const&) and aborts if reached through a cast.
///
/// get() returns the stored bytes unchecked (the tree decodes them strictly: kCorruptNode)
/// or nullopt when absent. The NodeStore interface has no error channel, so a RocksDB read
/// failure is also nullopt (the tree reports kMissingNode) and is counted in failed_reads(),
/// which lets the chain tell a damaged disk from a missing node. Thread-safe.
class StateNodeView final : public state::NodeStore {
 public:
  std::optional<Bytes> get(const Hash256& hash) const override;
  [[noreturn]] void put(const Hash256& hash, Bytes encoding) override;
  std::uint64_t failed_reads() const { return m_failed_reads.load(std::memory_order_relaxed); }

 private:
  friend class Database;
  explicit StateNodeView(const detail::Handles* handles) : m_handles(handles) {}

  const detail::Handles* m_handles;
  mutable std::atomic<std::uint64_t> m_failed_reads{0};
};

class Database final : public ReadView {
 public:
  /// Opens the database at `path`, creating the directory (and parents) and an empty
  /// database if missing. Errors: kBadPath (a regular file or anything else that is not
  /// a usable directory), kLocked (open in another process or object), kSchemaMismatch
  /// (another schema_version, foreign column families, or a non-empty database without
  /// one), kCorrupt (an undecodable schema_version), kIo.
  static util::Result<std::unique_ptr<Database>, StorageError> open(const std::filesystem::path& path,
                                                                    const Options& options = {});
  /// Closes RocksDB. REQUIRES: every Snapshot of this database is destroyed.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  WriteBatch batch() const;
  /// Applies the whole batch atomically and syncs the write-ahead log before returning.
  /// On error nothing of the batch is applied. Errors: kForeignBatch (another Database's
  /// or moved-from batch), kIo (RocksDB failed; after a failed WAL write RocksDB refuses
  /// further writes until reopened). One writer thread at a time.
  util::Result<void, StorageError> write(WriteBatch&& batch);
  /// The last failure to write the index records kept in memory to their column
  /// families (retried with every later write; reads are unaffected); empty if none.
  std::string index_error() const;
  /// Blocks whose tx_index/account_txs records are in memory only, waiting to be
  /// written with the next ones (reads include them): 16 start a flush on a background
  /// thread, and they leave memory at the first write after it finished, so a few more
  /// wait meanwhile.
  std::size_t index_lag() const;
  /// Waits for a flush of the index records running in the background, if any, and
  /// applies its outcome (the records it wrote leave memory; a failure is kept in
  /// index_error()). The writer thread's; later writes and the destructor do it anyway.
  void wait_for_index_flush();

  Snapshot snapshot() const;
  const state::NodeStore& state_nodes() const { return m_state_nodes; }
  /// The view behind state_nodes(), for its failed_reads() counter.
  const StateNodeView& state_node_view() const { return m_state_nodes; }

 private:
  explicit Database(std::unique_ptr<detail::Handles> handles);

  // Reads meta indexed_end (writes it for a database without one: a new one, or one
  // from before the index lagged, which is indexed to its tip) and rebuilds the records
  // of the blocks above it from their bodies.
  util::Result<void, StorageError> load_index();
  // Applies a written batch's index changes to the pending records as they were before
  // it (`before`); starts writing them to their column families once kIndexLag blocks
  // wait.
  void apply_index(const detail::PendingIndex& before, WriteBatch& batch);
  // Applies the outcome of the background flush if it finished (or, with `wait`, once
  // it has).
  void collect_index_flush(bool wait);

  struct IndexFlush;  // a flush of index records running on its own thread (database.cpp)

  std::unique_ptr<detail::Handles> m_handles;
  std::unique_ptr<IndexFlush> m_flush;  // the writer thread's; null when none runs
  mutable std::mutex m_index_error_mutex;
  std::string m_index_error;  // guarded by m_index_error_mutex
  StateNodeView m_state_nodes;
};

}  // namespace cloudchain::storage
