// Typed reads (ReadView): one point read or one bounded range scan each, every value
// decoded strictly. The key schema is at the top of database.cpp.

#include <rocksdb/iterator.h>

#include <algorithm>

#include "storage/handles.hpp"

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

util::Result<std::optional<TxLocation>, StorageError> ReadView::tx_location(const Hash256& txid) const {
  return read_decoded<TxLocation>(*m_handles, m_snapshot, detail::kTxIndexCf, txid, decode_tx_location);
}

util::Result<AccountTxPage, StorageError> ReadView::account_txs(const crypto::Address& address,
                                                                const std::optional<AccountTxCursor>& cursor,
                                                                std::size_t limit) const {
  if (auto ok = check_limit(limit); !ok) return std::unexpected(ok.error());
  // The scan stays inside this address's keys: [address, address || ff*12 || 00).
  const Bytes lower(address.begin(), address.end());
  Bytes upper = account_tx_key(address, UINT64_MAX, UINT32_MAX);
  upper.push_back(0);
  const rocksdb::Slice lower_slice = slice(lower);
  const rocksdb::Slice upper_slice = slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = m_snapshot;
  read_options.iterate_lower_bound = &lower_slice;
  read_options.iterate_upper_bound = &upper_slice;
  read_options.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(m_handles->db->NewIterator(read_options, m_handles->cf[detail::kAccountTxsCf]));

  // Newest first = descending keys. Start at the cursor's entry (exclusive) or the end.
  const Bytes start = cursor ? account_tx_key(address, cursor->height(), cursor->position())
                             : account_tx_key(address, UINT64_MAX, UINT32_MAX);
  it->SeekForPrev(slice(start));
  if (cursor && it->Valid() && it->key() == slice(start)) it->Prev();

  AccountTxPage page;
  for (; it->Valid() && page.txs.size() < limit; it->Prev()) {
    auto ref = decode_tx_ref(detail::kAccountTxsCf, it->key(), it->value(), 20);
    if (!ref) return std::unexpected(ref.error());
    page.txs.push_back(*ref);
  }
  if (!it->status().ok()) return detail::io_error(it->status(), "scan account_txs");
  // Full page and the iterator still inside the range: older entries remain.
  if (it->Valid() && !page.txs.empty()) page.next = AccountTxCursor(page.txs.back().height, page.txs.back().position);
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
