#pragma once
// The mempool file: what save() writes on shutdown and load() reads on start
// (docs/mempool.md). Local data, not a protocol format; little-endian like the codec.
//
//   file     = magic:u32 version:u32 count:u64 entry{count}
//   magic    = 0x504d4343                  the bytes "CCMP"
//   version  = 1
//   entry    = arrival_ms:u64 tx:bytes(4096) check:u32
//   tx       = the transaction's canonical encoding (docs/protocol.md, section 5)
//   check    = the first 4 bytes of SHA-256(arrival_ms || len || tx), read as u32 LE
//
// The per-entry check catches damage that still decodes (a flipped bit in an amount or
// arrival time) and tells where the damage starts; the count catches a file cut at an
// entry boundary. A reader keeps every entry before the first damaged one.
//
// All functions are pure and thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mempool/error.hpp"
#include "primitives/transaction.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::mempool {

inline constexpr std::uint32_t kPoolFileMagic = 0x504d4343;  // "CCMP" as little-endian bytes
inline constexpr std::uint32_t kPoolFileVersion = 1;
/// Upper bound on one stored transaction encoding, checked before allocating (the
/// largest transaction, an evidence, is 411 bytes).
inline constexpr std::size_t kMaxStoredTxSize = 4096;

struct StoredTx {
  primitives::Transaction tx;
  std::uint64_t arrival_ms = 0;
  friend bool operator==(const StoredTx&, const StoredTx&) = default;
};

util::Bytes encode_pool_file(std::span<const StoredTx> entries);

struct ParsedPoolFile {
  std::vector<StoredTx> entries;  // every intact entry before the first damage
  // kCorruptFile when the file is damaged anywhere; the detail names the entry index and
  // byte offset. A bad magic or version yields no entries.
  std::optional<util::Error<MempoolError>> error;
};

/// Parses a pool file, never failing as a whole: what could be read is returned with
/// the first error. Entries are decoded strictly (primitives::decode_transaction) but
/// not checked: the caller admits them through Mempool::add.
ParsedPoolFile parse_pool_file(util::ByteSpan in);

}  // namespace cloudchain::mempool
