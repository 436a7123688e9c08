// Typed writes (WriteBatch). Keys and values follow the schema at the top of
// database.cpp; nothing reaches RocksDB until Database::write.

#include <rocksdb/write_batch.h>

#include <algorithm>
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

WriteBatch::WriteBatch(const detail::Handles* handles)
    : m_handles(handles), m_batch(std::make_unique<rocksdb::WriteBatch>()) {}

// A moved-from batch names no Database, so writing it is kForeignBatch, not a crash.
WriteBatch::WriteBatch(WriteBatch&& other) noexcept
    : m_handles(std::exchange(other.m_handles, nullptr)),
      m_batch(std::move(other.m_batch)),
      m_error(std::move(other.m_error)) {}

WriteBatch& WriteBatch::operator=(WriteBatch&& other) noexcept {
  m_handles = std::exchange(other.m_handles, nullptr);
  m_batch = std::move(other.m_batch);
  m_error = std::move(other.m_error);
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

void WriteBatch::index_block(const primitives::Block& block, std::uint64_t height, const Hash256& block_hash) {
  // Each index's records go in in key order: RocksDB's memtable (a skip list) inserts a
  // key next to the one before it cheaply, but a random key costs a walk from the top
  // (txids and addresses are random; in key order a 10,000-tx block writes in ~60 % of
  // the time). Within one block the height is fixed, so (address, position) and txid
  // order are key order.
  struct AccountEntry {
    crypto::Address address;
    std::uint32_t position;
    Hash256 id;
  };
  std::vector<std::pair<Hash256, std::uint32_t>> locations;
  std::vector<AccountEntry> accounts;
  locations.reserve(block.txs.size());
  accounts.reserve(2 * block.txs.size());
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    const auto& tx = block.txs[i];
    const auto position = static_cast<std::uint32_t>(i);  // <= kMaxBlockTxs
    const Hash256 id = primitives::txid(tx);
    locations.emplace_back(id, position);
    for_each_account(tx, [&](const crypto::Address& address) { accounts.push_back({address, position, id}); });
    if (const auto* anchor = std::get_if<primitives::Anchor>(&tx.body)) {
      put(detail::kAnchorsCf, anchor_key(anchor->digest, height, position), id);
    }
  }
  std::sort(locations.begin(), locations.end());
  std::sort(accounts.begin(), accounts.end(), [](const AccountEntry& a, const AccountEntry& b) {
    return a.address != b.address ? a.address < b.address : a.position < b.position;
  });
  for (const auto& [id, position] : locations) {
    put(detail::kTxIndexCf, id, encode_tx_location(TxLocation{block_hash, position}));
  }
  for (const auto& e : accounts) put(detail::kAccountTxsCf, account_tx_key(e.address, height, e.position), e.id);
}

void WriteBatch::unindex_block(const primitives::Block& block, std::uint64_t height, const Hash256& /*block_hash*/) {
  // Every key index_block writes is derived from (tx, height, position); the block hash
  // is only in tx_index's value, so erasing needs nothing else.
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    const auto& tx = block.txs[i];
    const auto position = static_cast<std::uint32_t>(i);
    erase(detail::kTxIndexCf, primitives::txid(tx));
    for_each_account(tx, [&](const crypto::Address& address) {
      erase(detail::kAccountTxsCf, account_tx_key(address, height, position));
    });
    if (const auto* anchor = std::get_if<primitives::Anchor>(&tx.body)) {
      erase(detail::kAnchorsCf, anchor_key(anchor->digest, height, position));
    }
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
