#pragma once
// The records the node keeps on disk, their keys and their value codecs (no RocksDB
// here: database.cpp maps them onto column families; docs/storage.md has the schema).
//
// Values use the canonical codec of docs/protocol.md section 1 (little-endian integers,
// exact lengths, no trailing bytes) through primitives::Writer / Reader:
//
//   block_index_value = header height:u64 cumulative_work:hash status:u8
//   tx_location_value = block_hash:hash position:u32
//   tip_value         = block_hash:hash height:u64
//   checkpoint_value  = block_hash:hash height:u64 state_root:hash      meta state_checkpoint
//   u32_value         = u32                         meta schema_version, chain_id
//   u64_value         = u64                         meta indexed_end
//   hash_value        = hash                        height, account_txs, anchors, meta genesis_hash
//
// Keys that are iterated in order put their integers BIG-endian, so byte order is
// numeric order:
//
//   height_key     = height:u64be
//   account_tx_key = address:addr height:u64be position:u32be
//   anchor_key     = digest:hash height:u64be position:u32be
//
// Decoding is strict: a value that does not decode is StorageError::kCorrupt, whose
// detail names the field; the database prefixes the column family and the key.
// Everything here is a pure function; thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/address.hpp"
#include "primitives/header.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::storage {

using util::Bytes;
using util::ByteSpan;
using util::Hash256;

enum class StorageError {
  kIo,              // RocksDB completes the operation (detail: RocksDB's status)
  kCorrupt,         // every stored key and value decodes strictly (detail: column family, key hex, field)
  kSchemaMismatch,  // meta schema_version = kSchemaVersion and the column families are exactly ours
  kBadPath,         // the database path is (or can be created as) a directory this process may use
  kLocked,          // one process opens a database at a time (RocksDB's LOCK file)
  kBadCursor,       // a page cursor is a token this layer produced (AccountTxCursor::token)
  kBadLimit,        // a page limit is in [1, kMaxPageSize]
  kForeignBatch,    // a WriteBatch is written to the Database that created it
};
std::string_view to_string(StorageError e);

/// The largest page account_txs() and anchors() return; bounds what one API request costs.
inline constexpr std::size_t kMaxPageSize = 1000;

// Block status flags (block_index_value.status). A block may be valid or invalid, not
// both; other bits are reserved and rejected on decode so a newer format is not misread.
inline constexpr std::uint8_t kStatusHaveBody = 0x01;  // the block's body is in `blocks`
inline constexpr std::uint8_t kStatusValid = 0x02;     // connected once: every rule passed
inline constexpr std::uint8_t kStatusInvalid = 0x04;   // broke a rule; never connect it or its descendants
inline constexpr std::uint8_t kStatusKnownMask = kStatusHaveBody | kStatusValid | kStatusInvalid;

/// What the node knows about one block header (header tree, valid or not).
struct BlockIndexEntry {
  primitives::BlockHeader header;
  Hash256 cumulative_work{};  // 256-bit big-endian sum of the work of this block and its ancestors
  std::uint8_t status = 0;    // kStatus* flags

  std::uint64_t height() const { return header.height; }
  bool has(std::uint8_t flag) const { return (status & flag) != 0; }
  friend bool operator==(const BlockIndexEntry&, const BlockIndexEntry&) = default;
};

/// Where a transaction of the active chain sits.
struct TxLocation {
  Hash256 block_hash{};
  std::uint32_t position = 0;  // index in block.txs
  friend bool operator==(const TxLocation&, const TxLocation&) = default;
};

/// The active chain's last block.
struct Tip {
  Hash256 hash{};
  std::uint64_t height = 0;
  friend bool operator==(const Tip&, const Tip&) = default;
};

/// The block whose state tree is wholly in `state_nodes` (the chain writes the newer
/// blocks' nodes only every few blocks; docs/chain.md, "State checkpoints").
struct StateCheckpoint {
  Hash256 hash{};
  std::uint64_t height = 0;
  Hash256 state_root{};
  friend bool operator==(const StateCheckpoint&, const StateCheckpoint&) = default;
};

/// One transaction in an index ordered by (height, position): account history, anchors.
struct TxRef {
  std::uint64_t height = 0;
  std::uint32_t position = 0;
  Hash256 txid{};
  friend bool operator==(const TxRef&, const TxRef&) = default;
};

/// Where a newest-first account history page ended; the next page starts strictly
/// older. Clients see it only as the token text, which they hand back unchanged.
class AccountTxCursor {
 public:
  AccountTxCursor(std::uint64_t height, std::uint32_t position) : m_height(height), m_position(position) {}
  /// 24 lower-case hex digits (height u64be || position u32be): opaque to clients.
  std::string token() const;
  /// Errors: kBadCursor unless `token` is exactly what token() produces (any case).
  static util::Result<AccountTxCursor, StorageError> parse(std::string_view token);

  std::uint64_t height() const { return m_height; }
  std::uint32_t position() const { return m_position; }
  friend bool operator==(const AccountTxCursor&, const AccountTxCursor&) = default;

 private:
  std::uint64_t m_height;
  std::uint32_t m_position;
};

struct AccountTxPage {
  std::vector<TxRef> txs;               // newest first
  std::optional<AccountTxCursor> next;  // set exactly when older entries remain
};

// Value codecs. Encoders never fail; decoders return kCorrupt naming the field.
Bytes encode_block_index(const BlockIndexEntry& entry);
/// Also rejects: stored height != header.height, unknown status bits, valid and invalid together.
util::Result<BlockIndexEntry, StorageError> decode_block_index(ByteSpan in);
Bytes encode_tx_location(const TxLocation& location);
util::Result<TxLocation, StorageError> decode_tx_location(ByteSpan in);
Bytes encode_tip(const Tip& tip);
util::Result<Tip, StorageError> decode_tip(ByteSpan in);
Bytes encode_checkpoint(const StateCheckpoint& checkpoint);
util::Result<StateCheckpoint, StorageError> decode_checkpoint(ByteSpan in);
Bytes encode_u32(std::uint32_t v);
util::Result<std::uint32_t, StorageError> decode_u32(ByteSpan in);
Bytes encode_u64(std::uint64_t v);
util::Result<std::uint64_t, StorageError> decode_u64(ByteSpan in);
util::Result<Hash256, StorageError> decode_hash(ByteSpan in);

// Key codecs.
inline constexpr std::size_t kHeightKeySize = 8;
inline constexpr std::size_t kAccountTxKeySize = 20 + 8 + 4;
inline constexpr std::size_t kAnchorKeySize = 32 + 8 + 4;

Bytes height_key(std::uint64_t height);
/// Errors: kCorrupt unless exactly kHeightKeySize bytes.
util::Result<std::uint64_t, StorageError> parse_height_key(ByteSpan key);
Bytes account_tx_key(const crypto::Address& address, std::uint64_t height, std::uint32_t position);
/// The same bytes in a fixed-size array (no allocation: a lagging-index flush builds one
/// per account entry of up to 16 blocks).
using AccountTxKey = std::array<std::uint8_t, kAccountTxKeySize>;
AccountTxKey account_tx_key_array(const crypto::Address& address, std::uint64_t height, std::uint32_t position);
Bytes anchor_key(const Hash256& digest, std::uint64_t height, std::uint32_t position);
/// The (height, position) after a prefix of `prefix_size` bytes in a key of exactly
/// prefix_size + 12 bytes (account_tx_key, anchor_key). Errors: kCorrupt for another length.
util::Result<std::pair<std::uint64_t, std::uint32_t>, StorageError> parse_position_suffix(ByteSpan key,
                                                                                          std::size_t prefix_size);

}  // namespace cloudchain::storage
