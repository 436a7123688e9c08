#pragma once
// Internal to the storage layer: the open RocksDB, its column family handles, and the
// helpers every read and write shares. Not included outside src/storage.

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "storage/database.hpp"
#include "storage/lagging_index.hpp"

namespace cloudchain::storage::detail {

/// Column family indices: the order of kColumnFamilies.
enum Cf : int {
  kBlockIndexCf = 0,
  kBlocksCf,
  kHeightCf,
  kTxIndexCf,
  kAccountTxsCf,
  kAnchorsCf,
  kStateNodesCf,
  kUndoCf,
  kMetaCf,
  kCfCount,
};
static_assert(std::size(kColumnFamilies) == kCfCount);

// Meta keys.
inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kChainIdKey = "chain_id";
inline constexpr std::string_view kGenesisHashKey = "genesis_hash";
inline constexpr std::string_view kTipKey = "tip";
inline constexpr std::string_view kCheckpointKey = "state_checkpoint";
inline constexpr std::string_view kIndexedEndKey = "indexed_end";

/// Owns the RocksDB instance. Immutable after open, so shared by reader threads without
/// a lock (RocksDB's own reads are thread-safe), except the pending index records,
/// published behind their own mutex.
struct Handles {
  Handles() = default;
  Handles(const Handles&) = delete;
  Handles& operator=(const Handles&) = delete;
  /// Destroys the column family handles, then closes the DB, then (members in reverse)
  /// the memory Env it ran on.
  ~Handles();

  std::unique_ptr<rocksdb::Env> mem_env;  // Options::in_memory only; outlives db
  std::unique_ptr<rocksdb::DB> db;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> cf{};  // owned (DestroyColumnFamilyHandle)
  rocksdb::ColumnFamilyHandle* default_cf = nullptr;        // owned
  rocksdb::WriteOptions write_options;                      // sync = true

  /// The index records not yet in the column families (lagging_index.hpp). Never null
  /// once open() returns; replaced whole by the writer, read by anyone.
  std::shared_ptr<const PendingIndex> pending_index() const {
    std::lock_guard lock(index_mutex);
    return pending;
  }
  void publish(std::shared_ptr<const PendingIndex> next) {
    std::lock_guard lock(index_mutex);
    pending = std::move(next);
  }
  std::uint64_t next_index_file = 0;  // the writer's: names of the SST files it ingests
  /// Waits for a flush of the index records that runs in the background and applies
  /// its outcome (Database::wait_for_index_flush); the writer thread's only. Set by the
  /// Database: a batch that unindexes a block calls it first, so it decides between
  /// memory and the column families with no flush half done.
  std::function<void()> settle_index_flush;

 private:
  mutable std::mutex index_mutex;
  std::shared_ptr<const PendingIndex> pending = std::make_shared<PendingIndex>();  // guarded by index_mutex
};

inline rocksdb::Slice slice(util::ByteSpan b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
inline rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
inline util::ByteSpan bytes_of(const rocksdb::Slice& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline util::ByteSpan bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// "block_index key 00ab..: <detail>": the form of every kCorrupt detail.
std::unexpected<util::Error<StorageError>> corrupt(int cf, util::ByteSpan key, std::string_view detail);
/// kIo (or kLocked for the LOCK file) from a RocksDB status, naming what was attempted.
std::unexpected<util::Error<StorageError>> io_error(const rocksdb::Status& status, std::string_view what);

/// Point read: the value, nullopt when absent, kIo on failure.
util::Result<std::optional<std::string>, StorageError> get(const Handles& h, const rocksdb::Snapshot* snapshot, int cf,
                                                           util::ByteSpan key);

}  // namespace cloudchain::storage::detail
