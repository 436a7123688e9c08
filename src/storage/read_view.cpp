// Typed reads (ReadView): one point read or one bounded range scan each, every value
// decoded strictly. The key schema is at the top of database.cpp.

#include <rocksdb/iterator.h>

#include <algorithm>

#include "storage/handles.hpp"
#include "util/hex.hpp"

namespace cloudchain::storage {

namespace {

using detail::bytes_of;
using detail::slice;

// A point read of `cf`/`key` decoded by `decode` (ByteSpan -> Result<T, StorageError>);
// a decoding failure becomes kCorrupt naming the column family and the key.
template <typename T, typename Decode>
util::Result<std::optional<T>, StorageError> read_decoded(const detail::Handles& h, const rocksdb::Snapshot* snapshot,
                                                          int cf, util::ByteSpan key, Decode decode) {
  auto raw = detail::get(h, snapshot, cf, key);
  if (!raw) return std::unexpected(raw.error());
  const std::optional<std::string>& found = *raw;
  if (!found.has_value()) return std::nullopt;
  auto value = decode(bytes_of(*found));
  if (!value) return detail::corrupt(cf, key, value.error().detail);
  return std::optional<T>(std::move(*value));
}

util::Result<void, StorageError> check_limit(std::size_t limit) {
  if (limit == 0 || limit > kMaxPageSize) {
    return util::fail(StorageError::kBadLimit,
                      "limit " + std::to_string(limit) + " not in [1, " + std::to_string(kMaxPageSize) + "]");
  }
  return {};
}

// Decodes one entry of an (prefix || height || position -> txid) index.
util::Result<TxRef, StorageError> decode_tx_ref(int cf, const rocksdb::Slice& key, const rocksdb::Slice& value,
                                                std::size_t prefix_size) {
  auto position = parse_position_suffix(bytes_of(key), prefix_size);
  if (!position) return detail::corrupt(cf, bytes_of(key), position.error().detail);
  auto txid = decode_hash(bytes_of(value));
  if (!txid) return detail::corrupt(cf, bytes_of(key), txid.error().detail);
  return TxRef{position->first, position->second, *txid};
}

Bytes meta_key(std::string_view name) { return Bytes(name.begin(), name.end()); }

}  // namespace

util::Result<std::optional<BlockIndexEntry>, StorageError> ReadView::block_index(const Hash256& block_hash) const {
  return read_decoded<BlockIndexEntry>(*m_handles, m_snapshot, detail::kBlockIndexCf, block_hash, decode_block_index);
}

util::Result<std::optional<primitives::Block>, StorageError> ReadView::block(const Hash256& block_hash) const {
  return read_decoded<primitives::Block>(
      *m_handles, m_snapshot, detail::kBlocksCf, block_hash,
      [](util::ByteSpan in) -> util::Result<primitives::Block, StorageError> {
        auto block = primitives::decode_block(in);
        if (!block) {
          return util::fail(StorageError::kCorrupt, "block: " + std::string(primitives::to_string(block.error().code)) +
                                                        " at " + block.error().detail);
        }
        return std::move(*block);
      });
}

util::Result<std::optional<Hash256>, StorageError> ReadView::hash_at(std::uint64_t height) const {
  return read_decoded<Hash256>(*m_handles, m_snapshot, detail::kHeightCf, height_key(height), decode_hash);
}

std::shared_ptr<const detail::PendingIndex> ReadView::pending_index() const {
  return m_pending ? m_pending : m_handles->pending_index();
}

util::Result<bool, StorageError> ReadView::active(const detail::BlockIndexRecords& block) const {
  auto at = hash_at(block.height);
  if (!at) return std::unexpected(at.error());
  const std::optional<Hash256>& found = *at;
  return found.has_value() && *found == block.block_hash;
}

util::Result<std::optional<TxLocation>, StorageError> ReadView::pending_tx_location(const detail::PendingIndex& pending,
                                                                                    const Hash256& txid) const {
  // The newest blocks' records are still in memory (lagging_index.hpp): searched first,
  // each hit kept only if its block is on this view's active chain (the records of a
  // block being written are in memory a moment before the block is readable).
  // Newest first: `blocks` from its end, then `retired` from its end. (Asked for every
  // transaction a peer announces: no allocation here.)
  const std::size_t retired = pending.retired.size();
  for (std::size_t n = retired + pending.blocks.size(); n-- > 0;) {
    const detail::BlockIndexRecords& b = n >= retired ? *pending.blocks[n - retired] : *pending.retired[n];
    if (!b.may_hold_tx(txid)) continue;
    const auto it = std::lower_bound(b.txs.begin(), b.txs.end(), txid,
                                     [](const auto& e, const Hash256& id) { return e.first < id; });
    if (it == b.txs.end() || it->first != txid) continue;
    auto on_chain = active(b);
    if (!on_chain) return std::unexpected(on_chain.error());
    if (*on_chain) return TxLocation{b.block_hash, it->second};
  }
  return std::nullopt;
}

util::Result<std::optional<TxLocation>, StorageError> ReadView::tx_location(const Hash256& txid) const {
  auto in_memory = pending_tx_location(*pending_index(), txid);
  if (!in_memory || in_memory->has_value()) return in_memory;
  return read_decoded<TxLocation>(*m_handles, m_snapshot, detail::kTxIndexCf, txid, decode_tx_location);
}

util::Result<std::vector<std::optional<TxLocation>>, StorageError> ReadView::tx_locations(
    std::span<const Hash256> txids) const {
  std::vector<std::optional<TxLocation>> out(txids.size());
  const auto pending = pending_index();
  std::vector<rocksdb::Slice> keys;
  std::vector<std::size_t> asked;  // the index in `txids` of each key
  keys.reserve(txids.size());
  asked.reserve(txids.size());
  for (std::size_t i = 0; i < txids.size(); ++i) {
    auto in_memory = pending_tx_location(*pending, txids[i]);
    if (!in_memory) return std::unexpected(in_memory.error());
    if (in_memory->has_value()) {
      out[i] = *in_memory;
    } else {
      keys.push_back(slice(txids[i]));
      asked.push_back(i);
    }
  }
  if (keys.empty()) return out;
  rocksdb::ReadOptions read_options;
  read_options.snapshot = m_snapshot;
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  m_handles->db->MultiGet(read_options, m_handles->cf[detail::kTxIndexCf], keys.size(), keys.data(), values.data(),
                          statuses.data());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const Hash256& txid = txids[asked[k]];
    if (statuses[k].IsNotFound()) continue;
    if (!statuses[k].ok()) return detail::io_error(statuses[k], "read tx_index " + util::to_hex(txid));
    auto location = decode_tx_location(bytes_of(values[k]));
    if (!location) return detail::corrupt(detail::kTxIndexCf, txid, location.error().detail);
    out[asked[k]] = *location;
  }
  return out;
}

namespace {

// The account_txs column family's part of a page: entries of `address` strictly older
// than `cursor` (all when nullopt), newest first, at most `limit`, skipping the heights
// in `skip` (sorted: those the caller reads from memory); `more` is set when an older
// one remains.
struct ScannedTxs {
  std::vector<TxRef> txs;
  bool more = false;
};
util::Result<ScannedTxs, StorageError> scan_account_txs(const detail::Handles& h, const rocksdb::Snapshot* snapshot,
                                                        const crypto::Address& address,
                                                        const std::optional<AccountTxCursor>& cursor,
                                                        const std::vector<std::uint64_t>& skip, std::size_t limit) {
  // The scan stays inside this address's keys: [address, address || ff*12 || 00).
  const Bytes lower(address.begin(), address.end());
  Bytes upper = account_tx_key(address, UINT64_MAX, UINT32_MAX);
  upper.push_back(0);
  const rocksdb::Slice lower_slice = slice(lower);
  const rocksdb::Slice upper_slice = slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  read_options.iterate_lower_bound = &lower_slice;
  read_options.iterate_upper_bound = &upper_slice;
  read_options.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(h.db->NewIterator(read_options, h.cf[detail::kAccountTxsCf]));

  // Newest first = descending keys. Start at the cursor's entry (exclusive) or the end.
  const Bytes start = cursor ? account_tx_key(address, cursor->height(), cursor->position())
                             : account_tx_key(address, UINT64_MAX, UINT32_MAX);
  it->SeekForPrev(slice(start));
  if (cursor && it->Valid() && it->key() == slice(start)) it->Prev();
  ScannedTxs out;
  for (; it->Valid(); it->Prev()) {
    auto ref = decode_tx_ref(detail::kAccountTxsCf, it->key(), it->value(), 20);
    if (!ref) return std::unexpected(ref.error());
    if (std::binary_search(skip.begin(), skip.end(), ref->height)) continue;
    if (out.txs.size() == limit) {
      out.more = true;
      break;
    }
    out.txs.push_back(*ref);
  }
  if (!it->status().ok()) return detail::io_error(it->status(), "scan account_txs");
  return out;
}

}  // namespace

util::Result<AccountTxPage, StorageError> ReadView::account_txs(const crypto::Address& address,
                                                                const std::optional<AccountTxCursor>& cursor,
                                                                std::size_t limit) const {
  if (auto ok = check_limit(limit); !ok) return std::unexpected(ok.error());
  const auto older = [&](std::uint64_t height, std::uint32_t position) {
    return !cursor || height < cursor->height() || (height == cursor->height() && position < cursor->position());
  };
  // The newest blocks' entries are in memory (lagging_index.hpp): those of the blocks on
  // this view's active chain, up to one more than a page, merged newest first with a
  // page from the column family without those blocks' heights (a flush newer than these
  // records may have written them there too).
  const auto pending = pending_index();
  struct Recent {
    const detail::BlockIndexRecords* block;
    std::vector<detail::BlockIndexRecords::Account>::const_iterator first, last;
  };
  std::vector<Recent> blocks;
  std::vector<std::uint64_t> memory_heights;
  std::vector<const detail::BlockIndexRecords*> candidates;
  for (const auto& b : pending->retired) candidates.push_back(b.get());
  for (const auto& b : pending->blocks) candidates.push_back(b.get());
  for (const detail::BlockIndexRecords* b : candidates) {
    const auto& entries = b->accounts;
    const auto first = std::lower_bound(entries.begin(), entries.end(), address,
                                        [](const auto& e, const crypto::Address& a) { return e.address < a; });
    auto last = first;
    while (last != entries.end() && last->address == address) ++last;
    // Only blocks with entries for this address matter (the column family can hold this
    // address at a height only for the block whose records say so), so only they are
    // checked against the active chain (one point read each). A disconnected block
    // connected again can be in both lists: one copy is enough.
    if (first == last) continue;
    if (std::find(memory_heights.begin(), memory_heights.end(), b->height) != memory_heights.end()) continue;
    auto on_chain = active(*b);
    if (!on_chain) return std::unexpected(on_chain.error());
    if (!*on_chain) continue;
    memory_heights.push_back(b->height);
    blocks.push_back({b, first, last});
  }
  std::sort(blocks.begin(), blocks.end(),
            [](const Recent& a, const Recent& b) { return a.block->height > b.block->height; });
  std::vector<TxRef> recent;
  for (const Recent& b : blocks) {
    for (auto e = b.last; e != b.first && recent.size() <= limit;) {
      --e;
      if (older(b.block->height, e->position)) recent.push_back(TxRef{b.block->height, e->position, e->txid});
    }
  }
  std::sort(memory_heights.begin(), memory_heights.end());
  auto stored = scan_account_txs(*m_handles, m_snapshot, address, cursor, memory_heights, limit);
  if (!stored) return std::unexpected(stored.error());
  const auto newer = [](const TxRef& a, const TxRef& b) {
    return a.height != b.height ? a.height > b.height : a.position > b.position;
  };
  AccountTxPage page;
  std::size_t r = 0;
  std::size_t d = 0;
  while (page.txs.size() < limit && (r < recent.size() || d < stored->txs.size())) {
    const bool take_recent = d == stored->txs.size() || (r < recent.size() && newer(recent[r], stored->txs[d]));
    page.txs.push_back(take_recent ? recent[r++] : stored->txs[d++]);
  }
  const bool more = r < recent.size() || d < stored->txs.size() || stored->more;
  if (more && !page.txs.empty()) page.next = AccountTxCursor(page.txs.back().height, page.txs.back().position);
  return page;
}

util::Result<std::vector<TxRef>, StorageError> ReadView::anchors(const Hash256& digest, std::size_t limit) const {
  if (auto ok = check_limit(limit); !ok) return std::unexpected(ok.error());
  const Bytes lower(digest.begin(), digest.end());
  Bytes upper = anchor_key(digest, UINT64_MAX, UINT32_MAX);
  upper.push_back(0);
  const rocksdb::Slice lower_slice = slice(lower);
  const rocksdb::Slice upper_slice = slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = m_snapshot;
  read_options.iterate_lower_bound = &lower_slice;
  read_options.iterate_upper_bound = &upper_slice;
  read_options.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(m_handles->db->NewIterator(read_options, m_handles->cf[detail::kAnchorsCf]));

  std::vector<TxRef> out;
  for (it->Seek(slice(lower)); it->Valid() && out.size() < limit; it->Next()) {
    auto ref = decode_tx_ref(detail::kAnchorsCf, it->key(), it->value(), 32);
    if (!ref) return std::unexpected(ref.error());
    out.push_back(*ref);
  }
  if (!it->status().ok()) return detail::io_error(it->status(), "scan anchors");
  return out;
}

util::Result<std::optional<Bytes>, StorageError> ReadView::undo(const Hash256& block_hash) const {
  // Undo data is opaque here: any bytes are a value (the chain layer decodes strictly).
  return read_decoded<Bytes>(
      *m_handles, m_snapshot, detail::kUndoCf, block_hash,
      [](util::ByteSpan in) -> util::Result<Bytes, StorageError> { return Bytes(in.begin(), in.end()); });
}

util::Result<std::optional<state::Node>, StorageError> ReadView::state_node(const Hash256& node_hash) const {
  return read_decoded<state::Node>(
      *m_handles, m_snapshot, detail::kStateNodesCf, node_hash,
      [](util::ByteSpan in) -> util::Result<state::Node, StorageError> {
        auto node = state::decode_node(in);
        if (!node) {
          return util::fail(StorageError::kCorrupt, "state node: " + std::string(state::to_string(node.error().code)) +
                                                        " " + node.error().detail);
        }
        return std::move(*node);
      });
}

util::Result<std::optional<StateCheckpoint>, StorageError> ReadView::state_checkpoint() const {
  return read_decoded<StateCheckpoint>(*m_handles, m_snapshot, detail::kMetaCf, meta_key(detail::kCheckpointKey),
                                       decode_checkpoint);
}

util::Result<std::optional<Tip>, StorageError> ReadView::tip() const {
  return read_decoded<Tip>(*m_handles, m_snapshot, detail::kMetaCf, meta_key(detail::kTipKey), decode_tip);
}

util::Result<std::optional<std::uint32_t>, StorageError> ReadView::chain_id() const {
  return read_decoded<std::uint32_t>(*m_handles, m_snapshot, detail::kMetaCf, meta_key(detail::kChainIdKey),
                                     decode_u32);
}

util::Result<std::optional<Hash256>, StorageError> ReadView::genesis_hash() const {
  return read_decoded<Hash256>(*m_handles, m_snapshot, detail::kMetaCf, meta_key(detail::kGenesisHashKey), decode_hash);
}

util::Result<std::size_t, StorageError> ReadView::for_each_block_index(const BlockIndexVisitor& visit) const {
  rocksdb::ReadOptions read_options;
  read_options.snapshot = m_snapshot;
  // A one-off full scan: keep it from evicting the hot blocks from the shared cache.
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(m_handles->db->NewIterator(read_options, m_handles->cf[detail::kBlockIndexCf]));
  std::size_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto hash = decode_hash(bytes_of(it->key()));
    if (!hash) return detail::corrupt(detail::kBlockIndexCf, bytes_of(it->key()), "key is not a 32-byte hash");
    auto entry = decode_block_index(bytes_of(it->value()));
    if (!entry) return detail::corrupt(detail::kBlockIndexCf, bytes_of(it->key()), entry.error().detail);
    visit(*hash, *entry);
    ++count;
  }
  if (!it->status().ok()) return detail::io_error(it->status(), "scan block_index");
  return count;
}

}  // namespace cloudchain::storage
