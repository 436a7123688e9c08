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
//                 "indexed_end"                              u64: tx_index and account_txs hold every
//                                                            active block below this height; the
//                                                            rest are in memory (lagging_index.hpp)
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
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "storage/handles.hpp"
#include "util/hex.hpp"
#include "util/thread_name.hpp"

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
  // Block checksums: XXH3 (this RocksDB's CRC32C runs without the SSE4.2 instruction,
  // ~0.2 % of the machine under the PoS devnet load). Each file records its own type,
  // so files written with CRC32C before still read.
  table.checksum = rocksdb::kXXH3;
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
  } else if (cf == detail::kTxIndexCf || cf == detail::kAccountTxsCf || cf == detail::kAnchorsCf) {
    // The index families are written as SST files of a whole lagging batch at once
    // (lagging_index.hpp), which SstFileWriter compresses with the bottommost setting:
    // ZSTD there cost ~1 % of a validator under load. LZ4 keeps most of the gain (what
    // compresses is mostly each tx location's block hash, repeated per transaction).
    o.bottommost_compression = o.compression;
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

// Where a flush writes its SST files before ingesting them (emptied on open).
std::string index_dir(const detail::Handles& h) { return h.db->GetName() + "/index-ingest"; }

// Writes `pending`'s records to tx_index and account_txs as one sorted SST file each,
// ingests both at once, then moves meta indexed_end past them. Returns the new
// indexed_end. A failure leaves the column families as they were (ingestion is atomic;
// a crash before the marker only means the same records are written again).
// SST files written for a flush, not yet ingested; `end` is the indexed_end after them.
struct IndexFiles {
  std::vector<rocksdb::IngestExternalFileArg> args;
  std::vector<std::string> written;
  std::uint64_t end = 0;
};

void remove_files(const detail::Handles& h, const IndexFiles& files) {
  for (const auto& f : files.written) (void)h.db->GetEnv()->DeleteFile(f);
}

// The first half of a flush: `pending`'s records as one sorted SST file per family.
// Touches no database state but the Env's files (and next_index_file), so it may run on
// any one thread while the writer writes.
util::Result<IndexFiles, StorageError> write_index_files(detail::Handles& h, const detail::PendingIndex& pending) {
  // Each block's lists are sorted already: merged, not sorted again.
  using TxEntry = std::pair<Hash256, std::uint32_t>;
  using Account = detail::BlockIndexRecords::Account;
  std::vector<std::span<const TxEntry>> tx_runs;
  std::vector<std::span<const Account>> account_runs;
  std::size_t tx_count = 0;
  std::size_t account_count = 0;
  for (const auto& b : pending.blocks) {
    tx_runs.emplace_back(b->txs);
    account_runs.emplace_back(b->accounts);
    tx_count += b->txs.size();
    account_count += b->accounts.size();
  }
  // Keys must be strictly increasing in an SST file. A txid is in one active block only
  // (nonces); should it repeat, the newest block's entry is kept, as a put would (equal
  // txids come in block order).
  struct TxRecord {
    const TxEntry* entry;
    const detail::BlockIndexRecords* block;
  };
  std::vector<TxRecord> txs;
  txs.reserve(tx_count);
  detail::merge_sorted_runs<TxEntry>(
      tx_runs, [](const TxEntry& a, const TxEntry& b) { return util::less_by_prefix(a.first, b.first); },
      [&](const TxEntry& e, std::size_t run) {
        const TxRecord record{&e, pending.blocks[run].get()};
        if (!txs.empty() && txs.back().entry->first == e.first) {
          txs.back() = record;
        } else {
          txs.push_back(record);
        }
      });
  // By (address, height, position): the blocks are in height order and each block's
  // list is by (address, position), so equal addresses come in block order. A key
  // repeats only if a height did (never: one block per height waits); as for txids, the
  // last one is kept, since an SST file refuses a key that does not increase.
  struct AccountRecord {
    const Account* entry;
    std::uint64_t height;
  };
  std::vector<AccountRecord> accounts;
  accounts.reserve(account_count);
  detail::merge_sorted_runs<Account>(
      account_runs, [](const Account& a, const Account& b) { return util::less_by_prefix(a.address, b.address); },
      [&](const Account& a, std::size_t run) {
        const AccountRecord record{&a, pending.blocks[run]->height};
        if (!accounts.empty() && accounts.back().height == record.height &&
            accounts.back().entry->position == a.position && accounts.back().entry->address == a.address) {
          accounts.back() = record;
        } else {
          accounts.push_back(record);
        }
      });

  rocksdb::Env* env = h.db->GetEnv();
  const std::string dir = index_dir(h);
  if (const rocksdb::Status s = env->CreateDirIfMissing(dir); !s.ok()) return detail::io_error(s, "create " + dir);
  IndexFiles files;
  files.end = pending.indexed_end + pending.blocks.size();
  std::vector<rocksdb::IngestExternalFileArg>& args = files.args;
  std::vector<std::string>& written = files.written;
  const auto write_file = [&](int cf, std::size_t count, const auto& entry_at) -> util::Result<void, StorageError> {
    if (count == 0) return {};  // an SST file cannot be empty
    const std::string path = dir + "/" + std::to_string(h.next_index_file++) + ".sst";
    const rocksdb::Options options(h.db->GetDBOptions(), h.db->GetOptions(h.cf[cf]));
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options, h.cf[cf]);
    if (const rocksdb::Status s = writer.Open(path); !s.ok()) return detail::io_error(s, "open " + path);
    written.push_back(path);
    for (std::size_t i = 0; i < count; ++i) {
      const auto [key, value] = entry_at(i);
      if (const rocksdb::Status s = writer.Put(slice(key), slice(value)); !s.ok()) {
        return detail::io_error(s, "write " + path);
      }
    }
    if (const rocksdb::Status s = writer.Finish(); !s.ok()) return detail::io_error(s, "finish " + path);
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = h.cf[cf];
    arg.external_files = {path};
    arg.options.move_files = true;
    args.push_back(std::move(arg));
    return {};
  };
  Bytes location;
  auto ok = write_file(detail::kTxIndexCf, txs.size(), [&](std::size_t i) {
    location = encode_tx_location(TxLocation{txs[i].block->block_hash, txs[i].entry->second});
    return std::pair<util::ByteSpan, util::ByteSpan>{txs[i].entry->first, location};
  });
  AccountTxKey key{};
  if (ok) {
    ok = write_file(detail::kAccountTxsCf, accounts.size(), [&](std::size_t i) {
      key = account_tx_key_array(accounts[i].entry->address, accounts[i].height, accounts[i].entry->position);
      return std::pair<util::ByteSpan, util::ByteSpan>{key, accounts[i].entry->txid};
    });
  }
  if (!ok) {
    remove_files(h, files);
    return std::unexpected(ok.error());
  }
  return files;
}

// The second half, on the writer thread (the only one that writes to the database: two
// writers' batches would be merged inside RocksDB, where ThreadSanitizer cannot see the
// hand-over): ingests both files at once, then moves meta indexed_end past them.
// Returns the new indexed_end. A failure leaves the column families as they were
// (ingestion is atomic; a crash before the marker only means the same records are
// written again).
util::Result<std::uint64_t, StorageError> ingest_index_files(detail::Handles& h, const IndexFiles& files) {
  if (!files.args.empty()) {
    if (const rocksdb::Status s = h.db->IngestExternalFiles(files.args); !s.ok()) {
      remove_files(h, files);
      return detail::io_error(s, "ingest the index records");
    }
  }
  const Bytes value = encode_u64(files.end);
  const rocksdb::Status s =
      h.db->Put(h.write_options, h.cf[detail::kMetaCf], slice(util::as_bytes(detail::kIndexedEndKey)), slice(value));
  if (!s.ok()) return detail::io_error(s, "write indexed_end");
  return files.end;
}

// Both halves at once.
util::Result<std::uint64_t, StorageError> flush_index(detail::Handles& h, const detail::PendingIndex& pending) {
  auto files = write_index_files(h, pending);
  if (!files) return std::unexpected(files.error());
  return ingest_index_files(h, *files);
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
  auto database = std::unique_ptr<Database>(new Database(std::move(handles)));
  // A record this needs that does not read back is the chain's to report when it
  // opens (it reads the same tip, heights and bodies); the index then misses only the
  // blocks it could not read, and index_error() says so.
  if (auto ok = database->load_index(); !ok) {
    std::lock_guard lock(database->m_index_error_mutex);
    database->m_index_error = "index records not rebuilt: " + ok.error().detail;
  }
  return database;
}

util::Result<void, StorageError> Database::load_index() {
  detail::Handles& h = *m_handles;
  // Files a flush wrote but did not ingest before the process stopped.
  const std::string dir = index_dir(h);
  std::vector<std::string> stale;
  if (h.db->GetEnv()->GetChildren(dir, &stale).ok()) {
    for (const auto& f : stale) {
      std::string file = dir;
      file.append("/").append(f);
      (void)h.db->GetEnv()->DeleteFile(file);
    }
  }
  auto tip_read = tip();
  if (!tip_read) return std::unexpected(tip_read.error());
  const std::optional<Tip>& t = *tip_read;
  const util::ByteSpan key = util::as_bytes(detail::kIndexedEndKey);
  auto stored = detail::get(h, nullptr, detail::kMetaCf, key);
  if (!stored) return std::unexpected(stored.error());
  auto pending = std::make_shared<detail::PendingIndex>();
  if (const std::optional<std::string>& found = *stored; found.has_value()) {
    auto end = decode_u64(util::as_bytes(*found));
    if (!end) return detail::corrupt(detail::kMetaCf, key, end.error().detail);
    pending->indexed_end = *end;
  } else {
    pending->indexed_end = t ? t->height + 1 : 0;
    const Bytes value = encode_u64(pending->indexed_end);
    const rocksdb::Status s = h.db->Put(h.write_options, h.cf[detail::kMetaCf], slice(key), slice(value));
    if (!s.ok()) return detail::io_error(s, "write indexed_end");
  }
  for (std::uint64_t height = pending->indexed_end; t && height <= t->height; ++height) {
    auto hash_read = hash_at(height);
    if (!hash_read) return std::unexpected(hash_read.error());
    const std::optional<Hash256> hash = *hash_read;
    if (!hash.has_value()) {
      return detail::corrupt(detail::kHeightCf, height_key(height), "active block missing (index rebuild)");
    }
    auto block_read = block(*hash);
    if (!block_read) return std::unexpected(block_read.error());
    const std::optional<primitives::Block>& body = *block_read;
    if (!body.has_value())
      return detail::corrupt(detail::kBlocksCf, *hash, "active block body missing (index rebuild)");
    pending->blocks.push_back(
        std::make_shared<const detail::BlockIndexRecords>(detail::index_records(*body, height, *hash)));
  }
  h.publish(std::move(pending));
  return {};
}

// The records of `pending` being written to SST files by `thread`, which sets `done`
// last; the writer ingests them (collect_index_flush).
struct Database::IndexFlush {
  std::shared_ptr<const detail::PendingIndex> pending;
  util::Result<IndexFiles, StorageError> files{IndexFiles{}};
  std::atomic<bool> done{false};
  std::thread thread;
};

Database::Database(std::unique_ptr<detail::Handles> handles)
    : ReadView(handles.get(), nullptr), m_handles(std::move(handles)), m_state_nodes(m_handles.get()) {
  m_handles->settle_index_flush = [this] { collect_index_flush(/*wait=*/true); };
}

Database::~Database() {
  collect_index_flush(/*wait=*/true);
  // Best effort: the records in memory reach their column families now, so the next
  // open has nothing to rebuild; should this fail, that open rebuilds them from the
  // blocks above indexed_end (as after a crash).
  const auto pending = m_handles->pending_index();
  if (!pending->blocks.empty()) {
    [[maybe_unused]] const auto flushed = flush_index(*m_handles, *pending);
  }
}

WriteBatch Database::batch() const { return WriteBatch(m_handles.get()); }

util::Result<void, StorageError> Database::write(WriteBatch&& batch) {
  if (batch.m_handles != m_handles.get() || !batch.m_batch) {
    return util::fail(StorageError::kForeignBatch, "batch was created by another Database or moved from");
  }
  if (!batch.m_error.empty()) return util::fail(StorageError::kIo, "batch not written: " + batch.m_error);
  // A finished flush's records leave memory first. The batch was built against the
  // records as they were, which this only moves from memory to the column families:
  // the heights it adds follow the same last height, and a batch that unindexes waited
  // for the flush before it decided anything (WriteBatch::unindex_block).
  collect_index_flush(/*wait=*/false);
  // A connected block's records are published before its batch is written, so a reader
  // that sees the block sees them (readers keep a record only when its block is on their
  // view's active chain); what the batch removes is removed after it is written.
  const auto before = m_handles->pending_index();
  if (!batch.m_index_added.empty()) {
    auto early = std::make_shared<detail::PendingIndex>(*before);
    early->blocks.insert(early->blocks.end(), batch.m_index_added.begin(), batch.m_index_added.end());
    m_handles->publish(std::move(early));
  }
  const rocksdb::Status s = m_handles->db->Write(m_handles->write_options, batch.m_batch.get());
  if (!s.ok()) {
    m_handles->publish(before);
    return detail::io_error(s, "write batch");
  }
  apply_index(*before, batch);
  return {};
}

void Database::apply_index(const detail::PendingIndex& before, WriteBatch& batch) {
  if (batch.m_index_added.empty() && batch.m_index_dropped.empty() && !batch.m_indexed_end) return;
  detail::Handles& h = *m_handles;
  auto next = std::make_shared<detail::PendingIndex>(before);
  const auto retire = [&](const std::shared_ptr<const detail::BlockIndexRecords>& b) { next->retired.push_back(b); };
  for (const std::uint64_t height : batch.m_index_dropped) {
    std::erase_if(next->blocks, [&](const auto& b) {
      if (b->height != height) return false;
      retire(b);
      return true;
    });
  }
  if (batch.m_indexed_end) {
    // Blocks the column families held were disconnected (and every block above them),
    // or the batch starts the records in memory above a gap (nothing was in memory).
    next->indexed_end = *batch.m_indexed_end;
    for (const auto& b : next->blocks) retire(b);
    next->blocks.clear();
  }
  for (auto& records : batch.m_index_added) next->blocks.push_back(std::move(records));
  if (next->blocks.size() < detail::kIndexLag) {
    h.publish(std::move(next));
    return;
  }
  // Published first: readers see the records in memory until the flush's outcome is
  // collected (a reader holding a version with them skips their heights in the column
  // families). The files are written on a thread of its own (merging and writing ~16
  // blocks' records stalled the writer for a few hundred ms every 16 blocks under
  // load); the first write after they are ready ingests them.
  h.publish(next);
  if (m_flush) return;  // one at a time; these wait for the next write after it
  auto flush = std::make_unique<IndexFlush>();
  flush->pending = next;
  IndexFlush& f = *flush;
  try {
    f.thread = std::thread([&h, &f] {
      util::name_this_thread("index-flush");
      f.files = write_index_files(h, *f.pending);
      f.done.store(true, std::memory_order_release);
    });
  } catch (const std::system_error&) {
    // No thread to be had (resource limits): this write writes the files itself.
    f.files = write_index_files(h, *f.pending);
    f.done.store(true, std::memory_order_release);
  }
  m_flush = std::move(flush);
}

void Database::collect_index_flush(bool wait) {
  if (!m_flush || (!wait && !m_flush->done.load(std::memory_order_acquire))) return;
  if (m_flush->thread.joinable()) m_flush->thread.join();
  const std::unique_ptr<IndexFlush> flush = std::move(m_flush);
  auto ingested = flush->files ? ingest_index_files(*m_handles, *flush->files)
                               : util::Result<std::uint64_t, StorageError>(std::unexpected(flush->files.error()));
  if (!ingested) {
    // The records stay in memory (reads still find them) and the next write tries again.
    std::lock_guard lock(m_index_error_mutex);
    m_index_error = ingested.error().detail;
    return;
  }
  // Only writes that add blocks ran meanwhile (a batch that unindexes waits for the
  // flush first), so the flushed blocks are still the first ones waiting.
  const auto current = m_handles->pending_index();
  const std::size_t written = std::min(flush->pending->blocks.size(), current->blocks.size());
  auto next = std::make_shared<detail::PendingIndex>();
  next->indexed_end = *ingested;
  next->blocks.assign(current->blocks.begin() + static_cast<std::ptrdiff_t>(written), current->blocks.end());
  next->retired = flush->pending->blocks;  // for readers whose snapshot predates the ingestion
  m_handles->publish(std::move(next));
  std::lock_guard lock(m_index_error_mutex);
  m_index_error.clear();
}

void Database::wait_for_index_flush() { collect_index_flush(/*wait=*/true); }

std::size_t Database::index_lag() const { return m_handles->pending_index()->blocks.size(); }

std::string Database::index_error() const {
  std::lock_guard lock(m_index_error_mutex);
  return m_index_error;
}

Snapshot Database::snapshot() const {
  // The database snapshot first, then the records in memory: a block's records are
  // published before its batch is written, and records leave memory (retired) only a
  // flush or a disconnection after the one that made them unnecessary, so these records
  // cover every block the snapshot holds above what its column families do.
  const rocksdb::Snapshot* snap = m_handles->db->GetSnapshot();
  return Snapshot(m_handles.get(), snap, m_handles->pending_index());
}

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
