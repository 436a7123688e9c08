// The RocksDB database of a node: opening, schema check, atomic synced writes.
//
// Key schema (schema_version 2). Integers in keys are big-endian, so byte order is
// numeric order and range scans come out sorted; integers in values are little-endian
// (the canonical codec, docs/protocol.md section 1). One column family per record kind:
//
//   cf            key                                        value
//   block_index   block_hash:hash                            header height:u64 cumulative_work:hash status:u8
//   blocks        block_hash:hash                            block                      (protocol.md section 7)
//   height        height:u64be                               block_hash:hash            active chain only
//   tx_index      txid:hash                                  block_hash:hash position:u32
//   account_txs   address:addr height:u64be position:u32be   txid:hash                  sender, transfer recipient
//   anchors       digest:hash height:u64be position:u32be    txid:hash
//   state_nodes   node_hash:hash                             node                       (protocol.md section 9.3)
//   undo          block_hash:hash                            opaque bytes               (the chain layer's format)
//   meta          "schema_version"                           u32
//                 "chain_id"                                 u32
//                 "genesis_hash"                             hash
//                 "tip"                                      block_hash:hash height:u64
//                 "state_checkpoint"                         block_hash:hash height:u64 state_root:hash
//
//   status        = bit 0 have_body | bit 1 valid | bit 2 invalid; other bits 0; never valid and invalid
//   cumulative_work = 256-bit big-endian
//
// (The "default" column family exists because RocksDB requires it and stays empty.)
//
// Durability: every write is one rocksdb::WriteBatch with WriteOptions::sync, so the
// WAL is fsynced before write() returns; recovery (kPointInTimeRecovery) replays whole
// batches only, so a batch is all there or absent after a crash.

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "storage/handles.hpp"
#include "util/hex.hpp"

namespace cloudchain::storage {

namespace detail {

Handles::~Handles() {
  if (!db) return;
  for (auto* handle : cf) {
    if (handle != nullptr) (void)db->DestroyColumnFamilyHandle(handle);
  }
  if (default_cf != nullptr) (void)db->DestroyColumnFamilyHandle(default_cf);
  // Close() flushes nothing we rely on (the WAL is already synced); its status has
  // nowhere to go from a destructor.
  (void)db->Close();
}

std::unexpected<util::Error<StorageError>> corrupt(int cf, util::ByteSpan key, std::string_view detail) {
  return util::fail(StorageError::kCorrupt,
                    std::string(kColumnFamilies[cf]) + " key " + util::to_hex(key) + ": " + std::string(detail));
}

std::unexpected<util::Error<StorageError>> io_error(const rocksdb::Status& status, std::string_view what) {
  const StorageError code = status.IsCorruption() ? StorageError::kCorrupt : StorageError::kIo;
  return util::fail(code, std::string(what) + ": " + status.ToString());
}

util::Result<std::optional<std::string>, StorageError> get(const Handles& h, const rocksdb::Snapshot* snapshot, int cf,
                                                           util::ByteSpan key) {
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  std::string value;
  const rocksdb::Status s = h.db->Get(read_options, h.cf[cf], slice(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return io_error(s, std::string("read ") + std::string(kColumnFamilies[cf]) + " " + util::to_hex(key));
  return value;
}

}  // namespace detail

namespace {

using detail::Handles;
using detail::slice;

// The settings of one column family. Point-lookup families get a whole-key Bloom filter
// (a miss costs no disk read); the two range-scanned indexes get a prefix Bloom filter
// on the part every scan fixes (address, digest), which answers "no history" without I/O.
rocksdb::ColumnFamilyOptions cf_options(int cf, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in the shared cache too, so its size bounds memory.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (cf == detail::kAccountTxsCf || cf == detail::kAnchorsCf) {
    o.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(cf == detail::kAccountTxsCf ? 20 : 32));
    table.whole_key_filtering = false;
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (cf == detail::kTxIndexCf) {
    // Every transaction a peer announces is looked up here first (PeerHooks::has_tx), and
    // a new one is in no table yet: a Bloom filter over the memtable's keys (2 % of its
    // size, ~15 bits a key) answers that miss without searching the skip list.
    o.memtable_whole_key_filtering = true;
    o.memtable_prefix_bloom_size_ratio = 0.02;
  }

  // Compression only where this RocksDB build has it: LZ4 is cheap enough for every
  // level, ZSTD packs the cold bottom level tighter. (Hashes and signatures barely
  // compress; headers, indexes and repeated keys do.)
  const auto supported = rocksdb::GetSupportedCompressions();
  const auto has = [&supported](rocksdb::CompressionType t) {
    return std::find(supported.begin(), supported.end(), t) != supported.end();
  };
  o.compression = has(rocksdb::kLZ4Compression) ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  if (has(rocksdb::kZSTD)) o.bottommost_compression = rocksdb::kZSTD;
  if (cf == detail::kStateNodesCf) {
    // Tree nodes are hashes (incompressible) and the bulk of every block's writes:
    // compressing them costs flush and compaction CPU for nothing.
    o.compression = rocksdb::kNoCompression;
    o.bottommost_compression = rocksdb::kNoCompression;
  }
  return o;
}

// Maps an open failure: the LOCK file held (by another process or another Database in
// this one) is kLocked, so an operator sees "already running" rather than an I/O error.
std::unexpected<util::Error<StorageError>> open_error(const rocksdb::Status& s, const std::filesystem::path& path) {
  const std::string text = s.ToString();
  if (s.IsIOError() && (text.find("/LOCK") != std::string::npos || text.find("lock hold") != std::string::npos)) {
    return util::fail(StorageError::kLocked, path.string() + " is in use: " + text);
  }
  return detail::io_error(s, "open " + path.string());
}

util::Result<void, StorageError> check_path(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::exists(status)) {
    if (!std::filesystem::is_directory(status)) {
      return util::fail(StorageError::kBadPath, path.string() + " exists and is not a directory");
    }
  } else if (!std::filesystem::create_directories(path, ec) || ec) {
    return util::fail(StorageError::kBadPath, "cannot create " + path.string() + ": " + ec.message());
  }
  if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
    return util::fail(StorageError::kBadPath, path.string() + " is not readable and writable by this process");
  }
  return {};
}

util::Result<bool, StorageError> is_empty(const Handles& h, rocksdb::ColumnFamilyHandle* cf) {
  std::unique_ptr<rocksdb::Iterator> it(h.db->NewIterator(rocksdb::ReadOptions(), cf));
  it->SeekToFirst();
  if (!it->status().ok()) return detail::io_error(it->status(), "scan " + cf->GetName());
  return !it->Valid();
}

// Fails unless every open column family (ours and "default") is empty: a database that
// is not (yet) versioned must hold nothing, or it is not ours to guess at.
util::Result<void, StorageError> require_empty(const Handles& h, std::string_view why) {
  std::vector<rocksdb::ColumnFamilyHandle*> all{h.default_cf};
  for (auto* cf : h.cf) {
    if (cf != nullptr) all.push_back(cf);
  }
  for (auto* cf : all) {
    auto empty = is_empty(h, cf);
    if (!empty) return std::unexpected(empty.error());
    if (!*empty) {
      return util::fail(StorageError::kSchemaMismatch, std::string(why) + " but column family " + cf->GetName() +
                                                           " holds data: not a cloudchain database");
    }
  }
  return {};
}

// After open: checks or (for a new database) writes the schema version.
util::Result<void, StorageError> check_schema(const Handles& h, bool created_families) {
  const Bytes key(detail::kSchemaVersionKey.begin(), detail::kSchemaVersionKey.end());
  auto stored = detail::get(h, nullptr, detail::kMetaCf, key);
  if (!stored) return std::unexpected(stored.error());
  if (const std::optional<std::string>& found = *stored; found.has_value()) {
    auto version = decode_u32(detail::bytes_of(*found));
    if (!version) return detail::corrupt(detail::kMetaCf, key, version.error().detail);
    if (*version != kSchemaVersion) {
      return util::fail(StorageError::kSchemaMismatch, "database schema_version " + std::to_string(*version) +
                                                           ", this build reads " + std::to_string(kSchemaVersion));
    }
    if (created_families) {
      return util::fail(StorageError::kSchemaMismatch, "column families were missing from a versioned database");
    }
    return {};
  }
  // No version: a new database, or a creation interrupted before the version was written.
  if (auto empty = require_empty(h, "no schema_version"); !empty) return empty;
  const Bytes value = encode_u32(kSchemaVersion);
  const rocksdb::Status s = h.db->Put(h.write_options, h.cf[detail::kMetaCf], slice(key), slice(value));
  if (!s.ok()) return detail::io_error(s, "write schema_version");
  return {};
}

}  // namespace

util::Result<std::unique_ptr<Database>, StorageError> Database::open(const std::filesystem::path& path,
                                                                     const Options& options) {
  auto handles = std::make_unique<Handles>();
  rocksdb::DBOptions db_options;
  if (options.in_memory) {
    handles->mem_env.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    db_options.env = handles->mem_env.get();
  } else {
    if (auto ok = check_path(path); !ok) return std::unexpected(ok.error());
    if (options.env != nullptr) db_options.env = options.env;
  }
  db_options.create_if_missing = true;
  db_options.max_open_files = options.max_open_files;
  db_options.keep_log_file_num = 4;
  // Stop replay at the first torn WAL record: a batch that was being written when the
  // process died is dropped whole, and everything before it (all synced) is kept.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  handles->write_options.sync = true;

  // Which column families exist decides how to open: a new database gets all of ours; an
  // existing one must hold nothing foreign (another program's database).
  std::vector<std::string> existing;
  const std::string name = path.string();
  const rocksdb::Status current = db_options.env->FileExists(name + "/CURRENT");
  if (current.ok()) {
    const rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, name, &existing);
    if (!s.ok()) return open_error(s, path);
    for (const auto& cf : existing) {
      const bool ours =
          cf == rocksdb::kDefaultColumnFamilyName ||
          std::find(std::begin(kColumnFamilies), std::end(kColumnFamilies), cf) != std::end(kColumnFamilies);
      if (!ours) {
        std::string detail = "unknown column family ";
        detail.append(cf).append(" in ").append(name);
        return util::fail(StorageError::kSchemaMismatch, std::move(detail));
      }
    }
  } else if (!current.IsNotFound()) {
    return open_error(current, path);
  }
  const bool fresh = existing.empty();

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<int> opened;  // our index of each descriptor after the default one
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (int i = 0; i < detail::kCfCount; ++i) {
    const std::string cf_name(kColumnFamilies[i]);
    if (fresh || std::find(existing.begin(), existing.end(), cf_name) != existing.end()) {
      descriptors.emplace_back(cf_name, cf_options(i, cache));
      opened.push_back(i);
    }
  }
  db_options.create_missing_column_families = fresh;

  std::vector<rocksdb::ColumnFamilyHandle*> cf_handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(db_options, name, descriptors, &cf_handles, &raw);
  if (!s.ok()) return open_error(s, path);
  handles->db.reset(raw);
  handles->default_cf = cf_handles[0];
  for (std::size_t i = 0; i < opened.size(); ++i) handles->cf[opened[i]] = cf_handles[i + 1];

  // An existing database without some of our families: only a creation interrupted
  // before they were all made, which holds nothing yet. Checked before creating them, so
  // a foreign database is refused untouched.
  const bool missing = std::find(handles->cf.begin(), handles->cf.end(), nullptr) != handles->cf.end();
  if (missing) {
    if (auto empty = require_empty(*handles, "column families missing"); !empty) return std::unexpected(empty.error());
  }
  bool created_families = false;
  for (int i = 0; i < detail::kCfCount; ++i) {
    if (handles->cf[i] != nullptr) continue;
    const rocksdb::Status c =
        handles->db->CreateColumnFamily(cf_options(i, cache), std::string(kColumnFamilies[i]), &handles->cf[i]);
    if (!c.ok()) return detail::io_error(c, "create column family " + std::string(kColumnFamilies[i]));
    created_families = true;
  }
  if (auto ok = check_schema(*handles, created_families); !ok) return std::unexpected(ok.error());
  return std::unique_ptr<Database>(new Database(std::move(handles)));
}

Database::Database(std::unique_ptr<detail::Handles> handles)
    : ReadView(handles.get(), nullptr), m_handles(std::move(handles)), m_state_nodes(m_handles.get()) {}

Database::~Database() = default;

WriteBatch Database::batch() const { return WriteBatch(m_handles.get()); }

util::Result<void, StorageError> Database::write(WriteBatch&& batch) {
  if (batch.m_handles != m_handles.get() || !batch.m_batch) {
    return util::fail(StorageError::kForeignBatch, "batch was created by another Database or moved from");
  }
  if (!batch.m_error.empty()) return util::fail(StorageError::kIo, "batch not written: " + batch.m_error);
  const rocksdb::Status s = m_handles->db->Write(m_handles->write_options, batch.m_batch.get());
  if (!s.ok()) return detail::io_error(s, "write batch");
  return {};
}

Snapshot Database::snapshot() const { return Snapshot(m_handles.get(), m_handles->db->GetSnapshot()); }

Snapshot::Snapshot(Snapshot&& other) noexcept : ReadView(other) { other.m_snapshot = nullptr; }

Snapshot& Snapshot::operator=(Snapshot&& other) noexcept {
  if (this != &other) {
    release();
    ReadView::operator=(other);
    other.m_snapshot = nullptr;
  }
  return *this;
}

Snapshot::~Snapshot() { release(); }

void Snapshot::release() {
  if (m_snapshot != nullptr) m_handles->db->ReleaseSnapshot(m_snapshot);
  m_snapshot = nullptr;
}

std::optional<Bytes> StateNodeView::get(const Hash256& hash) const {
  auto value = detail::get(*m_handles, nullptr, detail::kStateNodesCf, hash);
  if (!value) {
    m_failed_reads.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  const std::optional<std::string>& found = *value;
  if (!found.has_value()) return std::nullopt;
  const auto bytes = detail::bytes_of(*found);
  return Bytes(bytes.begin(), bytes.end());
}

void StateNodeView::put(const Hash256& /*hash*/, Bytes /*encoding*/) {
  // Unreachable through the const& Database hands out; reaching it means a caller cast
  // constness away to write outside a batch, which would break block atomicity.
  std::abort();
}

}  // namespace cloudchain::storage
