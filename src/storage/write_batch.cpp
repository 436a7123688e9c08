// Typed writes (WriteBatch). Keys and values follow the schema at the top of
// database.cpp; nothing reaches RocksDB until Database::write.

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <bit>
#include <utility>
#include <variant>
#include <vector>

#include "crypto/address.hpp"
#include "storage/handles.hpp"

namespace cloudchain::storage {

namespace {

using detail::slice;

Bytes meta_key(std::string_view name) { return Bytes(name.begin(), name.end()); }

// Calls `f(address)` for each account whose history lists the transaction: the sender,
// and a transfer's recipient (once if it is the sender).
template <typename F>
void for_each_account(const primitives::Transaction& tx, F f) {
  const crypto::Address sender = primitives::sender_address(tx);
  f(sender);
  if (const auto* transfer = std::get_if<primitives::Transfer>(&tx.body); transfer && transfer->to != sender) {
    f(transfer->to);
  }
}

}  // namespace

namespace detail {

BlockIndexRecords index_records(const primitives::Block& block, std::uint64_t height, const Hash256& block_hash,
                                std::span<const Hash256> txids) {
  BlockIndexRecords out;
  out.height = height;
  out.block_hash = block_hash;
  out.txs.reserve(block.txs.size());
  out.accounts.reserve(2 * block.txs.size());
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    const auto& tx = block.txs[i];
    const auto position = static_cast<std::uint32_t>(i);  // <= kMaxBlockTxs
    const Hash256 id = txids.size() == block.txs.size() ? txids[i] : primitives::txid(tx);
    out.txs.emplace_back(id, position);
    for_each_account(tx, [&](const crypto::Address& address) { out.accounts.push_back({address, position, id}); });
  }
  // Txids are unique in a block (check_block_body), so the position never decides.
  std::sort(out.txs.begin(), out.txs.end(),
            [](const auto& a, const auto& b) { return util::less_by_prefix(a.first, b.first); });
  if (!out.txs.empty()) {
    out.tx_filter.assign(std::bit_ceil((out.txs.size() + 3) / 4), 0);  // 16 bits per transaction
    for (const auto& [id, position] : out.txs) {
      out.tx_filter[BlockIndexRecords::tx_word(id, out.tx_filter.size())] |= BlockIndexRecords::tx_bits(id);
    }
  }
  std::sort(out.accounts.begin(), out.accounts.end(), account_order);
  return out;
}

}  // namespace detail

WriteBatch::WriteBatch(const detail::Handles* handles)
    : m_handles(handles), m_batch(std::make_unique<rocksdb::WriteBatch>()) {}

// A moved-from batch names no Database, so writing it is kForeignBatch, not a crash.
WriteBatch::WriteBatch(WriteBatch&& other) noexcept
    : m_handles(std::exchange(other.m_handles, nullptr)),
      m_batch(std::move(other.m_batch)),
      m_error(std::move(other.m_error)),
      m_index_added(std::move(other.m_index_added)),
      m_index_dropped(std::move(other.m_index_dropped)),
      m_indexed_end(std::exchange(other.m_indexed_end, std::nullopt)) {}

WriteBatch& WriteBatch::operator=(WriteBatch&& other) noexcept {
  m_handles = std::exchange(other.m_handles, nullptr);
  m_batch = std::move(other.m_batch);
  m_error = std::move(other.m_error);
  m_index_added = std::move(other.m_index_added);
  m_index_dropped = std::move(other.m_index_dropped);
  m_indexed_end = std::exchange(other.m_indexed_end, std::nullopt);
  return *this;
}

WriteBatch::~WriteBatch() = default;

void WriteBatch::put(int cf, ByteSpan key, ByteSpan value) {
  // RocksDB's in-memory batch only fails on a size limit we do not set; should it ever
  // fail, the first failure is kept and write() refuses the whole batch.
  const rocksdb::Status s = m_batch->Put(m_handles->cf[cf], slice(key), slice(value));
  if (!s.ok() && m_error.empty()) m_error = s.ToString();
}

void WriteBatch::erase(int cf, ByteSpan key) {
  const rocksdb::Status s = m_batch->Delete(m_handles->cf[cf], slice(key));
  if (!s.ok() && m_error.empty()) m_error = s.ToString();
}

void WriteBatch::put_block_index(const Hash256& block_hash, const BlockIndexEntry& entry) {
  put(detail::kBlockIndexCf, block_hash, encode_block_index(entry));
}

void WriteBatch::erase_block_index(const Hash256& block_hash) { erase(detail::kBlockIndexCf, block_hash); }

void WriteBatch::put_block(const Hash256& block_hash, const primitives::Block& block) {
  put(detail::kBlocksCf, block_hash, primitives::encode(block));
}

void WriteBatch::erase_block(const Hash256& block_hash) { erase(detail::kBlocksCf, block_hash); }

void WriteBatch::put_height(std::uint64_t height, const Hash256& block_hash) {
  put(detail::kHeightCf, height_key(height), block_hash);
}

void WriteBatch::erase_height(std::uint64_t height) { erase(detail::kHeightCf, height_key(height)); }

std::uint64_t WriteBatch::pending_base() const {
  if (m_indexed_end) return *m_indexed_end;
  const auto pending = m_handles->pending_index();
  return pending->indexed_end + waiting_blocks();
}

std::size_t WriteBatch::waiting_blocks() const {
  if (m_indexed_end) return 0;  // a lowered indexed_end drops every block above it
  const auto pending = m_handles->pending_index();
  std::size_t count = pending->blocks.size();
  for (const std::uint64_t h : m_index_dropped) {
    if (h >= pending->indexed_end) count = std::min<std::size_t>(count, h - pending->indexed_end);
  }
  return count;
}

std::uint64_t WriteBatch::next_pending_height() const { return pending_base() + m_index_added.size(); }

void WriteBatch::index_block(const primitives::Block& block, std::uint64_t height, const Hash256& block_hash,
                             std::span<const Hash256> txids) {
  auto records =
      std::make_shared<const detail::BlockIndexRecords>(detail::index_records(block, height, block_hash, txids));
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    if (const auto* anchor = std::get_if<primitives::Anchor>(&block.txs[i].body)) {
      // The position is < kMaxBlockTxs. (The records hold the txids sorted, not by
      // position: hashing the anchor again is cheaper than a search per anchor.)
      const auto position = static_cast<std::uint32_t>(i);
      put(detail::kAnchorsCf, anchor_key(anchor->digest, height, position),
          txids.size() == block.txs.size() ? txids[i] : primitives::txid(block.txs[i]));
    }
  }
  const std::uint64_t next = next_pending_height();
  if (height > next && m_index_added.empty() && waiting_blocks() == 0) {
    // Nothing waits in memory, and the heights below this one were either never handed
    // here (genesis, which has no transactions) or had their records put in their own
    // batches (the branch below): the column families hold everything under it.
    m_indexed_end = height;
    put(detail::kMetaCf, meta_key(detail::kIndexedEndKey), encode_u64(height));
  }
  if (height == next_pending_height()) {
    m_index_added.push_back(std::move(records));
    return;
  }
  // Not the next height in memory (no caller does this today): written here, in key
  // order (a skip list inserts a key next to the one before it cheaply).
  for (const auto& [id, position] : records->txs) {
    put(detail::kTxIndexCf, id, encode_tx_location(TxLocation{block_hash, position}));
  }
  for (const auto& e : records->accounts) {
    put(detail::kAccountTxsCf, account_tx_key(e.address, height, e.position), e.txid);
  }
}

void WriteBatch::unindex_block(const primitives::Block& block, std::uint64_t height, const Hash256& block_hash) {
  // Every key index_block writes is derived from (tx, height, position); the block hash
  // is only in tx_index's value, so erasing needs nothing else.
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    if (const auto* anchor = std::get_if<primitives::Anchor>(&block.txs[i].body)) {
      erase(detail::kAnchorsCf, anchor_key(anchor->digest, height, static_cast<std::uint32_t>(i)));
    }
  }
  // A flush running in the background would write the records of a block this may
  // take from memory only: its outcome first.
  if (m_handles->settle_index_flush) m_handles->settle_index_flush();
  const auto pending = m_handles->pending_index();
  const bool in_memory = !m_indexed_end && height >= pending->indexed_end &&
                         height < pending->indexed_end + pending->blocks.size() &&
                         pending->blocks[height - pending->indexed_end]->block_hash == block_hash;
  if (in_memory) {
    m_index_dropped.push_back(height);
    return;
  }
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    const auto& tx = block.txs[i];
    const auto position = static_cast<std::uint32_t>(i);
    erase(detail::kTxIndexCf, primitives::txid(tx));
    for_each_account(tx, [&](const crypto::Address& address) {
      erase(detail::kAccountTxsCf, account_tx_key(address, height, position));
    });
  }
  if (height < pending->indexed_end) {
    // The column families no longer hold this height: what memory holds above it goes
    // too (the caller disconnects from the tip down), and the marker moves down with
    // this batch.
    m_indexed_end = std::min(m_indexed_end.value_or(height), height);
    put(detail::kMetaCf, meta_key(detail::kIndexedEndKey), encode_u64(*m_indexed_end));
  }
}

void WriteBatch::put_state_nodes(const std::vector<state::StoredNode>& nodes) {
  for (const auto& node : nodes) put(detail::kStateNodesCf, node.hash, node.encoding);
}

void WriteBatch::put_state_node(const Hash256& hash, const state::Node& node) {
  put(detail::kStateNodesCf, hash, state::encode_node(node));
}

void WriteBatch::put_state_checkpoint(const StateCheckpoint& checkpoint) {
  put(detail::kMetaCf, meta_key(detail::kCheckpointKey), encode_checkpoint(checkpoint));
}

void WriteBatch::put_undo(const Hash256& block_hash, ByteSpan undo) { put(detail::kUndoCf, block_hash, undo); }

void WriteBatch::erase_undo(const Hash256& block_hash) { erase(detail::kUndoCf, block_hash); }

void WriteBatch::put_tip(const Tip& tip) { put(detail::kMetaCf, meta_key(detail::kTipKey), encode_tip(tip)); }

void WriteBatch::put_chain_id(std::uint32_t chain_id) {
  put(detail::kMetaCf, meta_key(detail::kChainIdKey), encode_u32(chain_id));
}

void WriteBatch::put_genesis_hash(const Hash256& genesis_hash) {
  put(detail::kMetaCf, meta_key(detail::kGenesisHashKey), genesis_hash);
}

std::size_t WriteBatch::count() const { return m_batch->Count(); }

}  // namespace cloudchain::storage
