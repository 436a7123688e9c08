#include "storage/records.hpp"

#include <algorithm>

#include "primitives/codec.hpp"
#include "util/hex.hpp"

namespace cloudchain::storage {

namespace {

using primitives::Reader;
using primitives::Writer;

void put_be(Bytes& out, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_be(ByteSpan in, std::size_t pos, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v = (v << 8) | in[pos + i];
  return v;
}

// The codec's error as a storage corruption: a value this node wrote no longer parses.
std::unexpected<util::Error<StorageError>> corrupt(const util::Error<primitives::CodecError>& e,
                                                   std::string_view what) {
  return util::fail(StorageError::kCorrupt,
                    std::string(what) + ": " + std::string(primitives::to_string(e.code)) + " at " + e.detail);
}

// Runs `io` over the whole input with a strict Reader; kCorrupt on any codec error.
template <typename T, typename Io>
util::Result<T, StorageError> decode_value(ByteSpan in, Io io, std::string_view what) {
  auto decoded = primitives::decode_with<T>(in, io, what);
  if (!decoded) return corrupt(decoded.error(), what);
  return std::move(*decoded);
}

}  // namespace

std::string_view to_string(StorageError e) {
  switch (e) {
    case StorageError::kIo: return "storage_io";
    case StorageError::kCorrupt: return "storage_corrupt";
    case StorageError::kSchemaMismatch: return "storage_schema_mismatch";
    case StorageError::kBadPath: return "storage_bad_path";
    case StorageError::kLocked: return "storage_locked";
    case StorageError::kBadCursor: return "storage_bad_cursor";
    case StorageError::kBadLimit: return "storage_bad_limit";
    case StorageError::kForeignBatch: return "storage_foreign_batch";
  }
  return "storage_unknown";
}

std::string AccountTxCursor::token() const {
  Bytes raw;
  raw.reserve(12);
  put_be(raw, m_height, 8);
  put_be(raw, m_position, 4);
  return util::to_hex(raw);
}

util::Result<AccountTxCursor, StorageError> AccountTxCursor::parse(std::string_view token) {
  auto raw = util::from_hex_array<12>(token);
  if (!raw) return util::fail(StorageError::kBadCursor, "cursor is not 24 hex digits");
  return AccountTxCursor(get_be(*raw, 0, 8), static_cast<std::uint32_t>(get_be(*raw, 8, 4)));
}

// block_index_value = header height:u64 cumulative_work:hash status:u8
Bytes encode_block_index(const BlockIndexEntry& entry) {
  Writer w(primitives::kPosHeaderSize + 8 + 32 + 1);
  primitives::header_io(w, entry.header);
  w.u64(entry.header.height, "block_index.height");
  w.array(entry.cumulative_work, "block_index.cumulative_work");
  w.u8(entry.status, "block_index.status");
  return w.take();
}

util::Result<BlockIndexEntry, StorageError> decode_block_index(ByteSpan in) {
  std::uint64_t height = 0;
  auto entry = decode_value<BlockIndexEntry>(
      in,
      [&height](Reader& r, BlockIndexEntry& e) {
        primitives::header_io(r, e.header);
        r.u64(height, "block_index.height");
        r.array(e.cumulative_work, "block_index.cumulative_work");
        r.u8(e.status, "block_index.status");
      },
      "block_index value");
  if (!entry) return entry;
  // The stored height is redundant with the header's; a mismatch means one was damaged.
  if (height != entry->header.height) {
    return util::fail(StorageError::kCorrupt, "block_index value: height differs from header.height");
  }
  if ((entry->status & ~kStatusKnownMask) != 0) {
    return util::fail(StorageError::kCorrupt, "block_index value: unknown status bits");
  }
  if (entry->has(kStatusValid) && entry->has(kStatusInvalid)) {
    return util::fail(StorageError::kCorrupt, "block_index value: status both valid and invalid");
  }
  return entry;
}

// tx_location_value = block_hash:hash position:u32
Bytes encode_tx_location(const TxLocation& location) {
  Writer w(36);
  w.array(location.block_hash, "tx_location.block_hash");
  w.u32(location.position, "tx_location.position");
  return w.take();
}

util::Result<TxLocation, StorageError> decode_tx_location(ByteSpan in) {
  return decode_value<TxLocation>(
      in,
      [](Reader& r, TxLocation& l) {
        r.array(l.block_hash, "tx_location.block_hash");
        r.u32(l.position, "tx_location.position");
      },
      "tx_index value");
}

// tip_value = block_hash:hash height:u64
Bytes encode_tip(const Tip& tip) {
  Writer w(40);
  w.array(tip.hash, "tip.hash");
  w.u64(tip.height, "tip.height");
  return w.take();
}

// checkpoint_value = block_hash:hash height:u64 state_root:hash
Bytes encode_checkpoint(const StateCheckpoint& checkpoint) {
  Writer w(72);
  w.array(checkpoint.hash, "checkpoint.hash");
  w.u64(checkpoint.height, "checkpoint.height");
  w.array(checkpoint.state_root, "checkpoint.state_root");
  return w.take();
}

util::Result<StateCheckpoint, StorageError> decode_checkpoint(ByteSpan in) {
  return decode_value<StateCheckpoint>(
      in,
      [](Reader& r, StateCheckpoint& c) {
        r.array(c.hash, "checkpoint.hash");
        r.u64(c.height, "checkpoint.height");
        r.array(c.state_root, "checkpoint.state_root");
      },
      "state_checkpoint value");
}

util::Result<Tip, StorageError> decode_tip(ByteSpan in) {
  return decode_value<Tip>(
      in,
      [](Reader& r, Tip& t) {
        r.array(t.hash, "tip.hash");
        r.u64(t.height, "tip.height");
      },
      "tip value");
}

Bytes encode_u32(std::uint32_t v) {
  Writer w(4);
  w.u32(v, "u32");
  return w.take();
}

util::Result<std::uint32_t, StorageError> decode_u32(ByteSpan in) {
  return decode_value<std::uint32_t>(in, [](Reader& r, std::uint32_t& v) { r.u32(v, "u32"); }, "u32 value");
}

Bytes encode_u64(std::uint64_t v) {
  Writer w(8);
  w.u64(v, "u64");
  return w.take();
}

util::Result<std::uint64_t, StorageError> decode_u64(ByteSpan in) {
  return decode_value<std::uint64_t>(in, [](Reader& r, std::uint64_t& v) { r.u64(v, "u64"); }, "u64 value");
}

util::Result<Hash256, StorageError> decode_hash(ByteSpan in) {
  return decode_value<Hash256>(in, [](Reader& r, Hash256& h) { r.array(h, "hash"); }, "hash value");
}

Bytes height_key(std::uint64_t height) {
  Bytes key;
  key.reserve(kHeightKeySize);
  put_be(key, height, 8);
  return key;
}

util::Result<std::uint64_t, StorageError> parse_height_key(ByteSpan key) {
  if (key.size() != kHeightKeySize) return util::fail(StorageError::kCorrupt, "height key length");
  return get_be(key, 0, 8);
}

Bytes account_tx_key(const crypto::Address& address, std::uint64_t height, std::uint32_t position) {
  const AccountTxKey key = account_tx_key_array(address, height, position);
  return Bytes(key.begin(), key.end());
}

AccountTxKey account_tx_key_array(const crypto::Address& address, std::uint64_t height, std::uint32_t position) {
  AccountTxKey key{};
  std::copy(address.begin(), address.end(), key.begin());
  for (std::size_t i = 0; i < 8; ++i) key[address.size() + i] = static_cast<std::uint8_t>(height >> (8 * (7 - i)));
  for (std::size_t i = 0; i < 4; ++i)
    key[address.size() + 8 + i] = static_cast<std::uint8_t>(position >> (8 * (3 - i)));
  return key;
}

Bytes anchor_key(const Hash256& digest, std::uint64_t height, std::uint32_t position) {
  Bytes key(digest.begin(), digest.end());
  key.reserve(kAnchorKeySize);
  put_be(key, height, 8);
  put_be(key, position, 4);
  return key;
}

util::Result<std::pair<std::uint64_t, std::uint32_t>, StorageError> parse_position_suffix(ByteSpan key,
                                                                                          std::size_t prefix_size) {
  if (key.size() != prefix_size + 12) return util::fail(StorageError::kCorrupt, "index key length");
  return std::pair{get_be(key, prefix_size, 8), static_cast<std::uint32_t>(get_be(key, prefix_size + 8, 4))};
}

}  // namespace cloudchain::storage
