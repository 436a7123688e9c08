#include "mempool/pool_file.hpp"

#include <algorithm>
#include <string>

#include "crypto/sha256.hpp"
#include "primitives/codec.hpp"

namespace cloudchain::mempool {

namespace {

constexpr std::size_t kHeaderSize = 4 + 4 + 8;
constexpr std::size_t kMinEntrySize = 8 + 4 + primitives::kMinTxSize + 4;

std::uint32_t entry_check(util::ByteSpan arrival_len_tx) {
  const util::Hash256 h = crypto::sha256(arrival_len_tx);
  return static_cast<std::uint32_t>(h[0]) | static_cast<std::uint32_t>(h[1]) << 8 |
         static_cast<std::uint32_t>(h[2]) << 16 | static_cast<std::uint32_t>(h[3]) << 24;
}

util::Error<MempoolError> damage(std::size_t index, std::size_t offset, std::string what) {
  return {MempoolError::kCorruptFile,
          "entry " + std::to_string(index) + " at byte " + std::to_string(offset) + ": " + std::move(what)};
}

}  // namespace

util::Bytes encode_pool_file(std::span<const StoredTx> entries) {
  primitives::Writer w(kHeaderSize + entries.size() * 256);
  w.u32(kPoolFileMagic, "magic");
  w.u32(kPoolFileVersion, "version");
  w.u64(entries.size(), "count");
  for (const StoredTx& e : entries) {
    const std::size_t start = w.bytes_written().size();
    w.u64(e.arrival_ms, "arrival_ms");
    w.bytes(primitives::encode(e.tx), kMaxStoredTxSize, "tx");
    const auto& out = w.bytes_written();
    w.u32(entry_check(util::ByteSpan(out).subspan(start)), "check");
  }
  return w.take();
}

ParsedPoolFile parse_pool_file(util::ByteSpan in) {
  ParsedPoolFile out;
  primitives::Reader r(in);
  std::uint32_t magic = 0, version = 0;
  std::uint64_t count = 0;
  r.u32(magic, "magic");
  r.u32(version, "version");
  r.u64(count, "count");
  if (!r.ok()) {
    out.error = util::Error<MempoolError>{MempoolError::kCorruptFile, "truncated header"};
    return out;
  }
  if (magic != kPoolFileMagic) {
    out.error = util::Error<MempoolError>{MempoolError::kCorruptFile, "not a mempool file (bad magic)"};
    return out;
  }
  if (version != kPoolFileVersion) {
    out.error = util::Error<MempoolError>{MempoolError::kCorruptFile, "unsupported version " + std::to_string(version)};
    return out;
  }
  // A count the remaining bytes cannot hold is damage too, but reserve only what fits.
  out.entries.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, r.remaining() / kMinEntrySize)));
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t start = r.position();
    std::uint64_t arrival = 0;
    util::Bytes encoding;
    std::uint32_t check = 0;
    r.u64(arrival, "arrival_ms");
    r.bytes(encoding, kMaxStoredTxSize, "tx");
    const std::size_t checked_end = r.position();
    r.u32(check, "check");
    if (auto st = r.status(); !st) {
      out.error = damage(i, start, std::string(primitives::to_string(st.error().code)) + " " + st.error().detail);
      return out;
    }
    if (check != entry_check(in.subspan(start, checked_end - start))) {
      out.error = damage(i, start, "checksum mismatch");
      return out;
    }
    auto tx = primitives::decode_transaction(encoding);
    if (!tx) {
      out.error = damage(i, start, "transaction: " + std::string(primitives::to_string(tx.error().code)));
      return out;
    }
    out.entries.push_back(StoredTx{std::move(*tx), arrival});
  }
  if (r.remaining() != 0) {
    out.error = util::Error<MempoolError>{MempoolError::kCorruptFile,
                                          std::to_string(r.remaining()) + " bytes after the last entry"};
  }
  return out;
}

}  // namespace cloudchain::mempool
