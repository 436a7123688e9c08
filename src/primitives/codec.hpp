#pragma once
// The canonical binary codec (docs/protocol.md, section 1):
//
//   u8 | u32 | u64      fixed-width little-endian integers
//   bytes(M)            len:u32 || len bytes, len <= M (checked before allocating)
//   list(T, M)          count:u32 || count items of T, count <= M
//   pubkey | sig | addr | hash    fixed 33 | 64 | 20 | 32 bytes, no length prefix
//
// One declaration per type drives both directions: each type has a function template
// `io(Stream&, T&)` that names its fields in wire order, instantiated with a Writer
// (append), a Sizer (count bytes) or a Reader (bounded, strict parse). Readers keep the
// first error and turn every later read into a no-op, so a layout function stays a
// straight list of fields; the caller checks `Reader::status()` once at the end.
//
// Strictness: trailing bytes, lengths and counts above their maximum, and unknown enum
// values are errors, each with its own code. Hence encode(decode(b)) == b for every
// accepted b. Structural decoding only: keys and signatures are not validated here.
//
// Thread-safety: none of these objects is shared; each call owns its stream.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::primitives {

using util::Bytes;
using util::ByteSpan;
using util::Hash256;

enum class CodecError {
  kTruncated,             // the input ends inside a field
  kTrailingBytes,         // the input continues after the last field
  kLengthTooLarge,        // bytes(M): len <= M
  kListTooLong,           // list(T, M): count <= M
  kUnknownVersion,        // tx version = 1, header version = 1
  kUnknownTxKind,         // tx kind in 1..5
  kUnknownSealKind,       // seal kind in 1..2
  kUnknownVoteType,       // vote type in 1..2 (prevote, precommit)
  kBlockTooLarge,         // a block's encoding is at most 4 MiB
  kCompactNegative,       // compact bits: sign bit (0x00800000) clear
  kCompactZero,           // compact bits: the target is not zero
  kCompactOverflow,       // compact bits: the target fits in 256 bits
  kCompactNotNormalized,  // compact bits: re-encoding the target gives the same bits
  kNilProposal,           // proposal block_hash: not all zero (a proposal names a block)
  kBadValidRound,         // proposal valid_round: -1 (none) or in [0, round)
};
std::string_view to_string(CodecError e);

/// Appends the canonical encoding to a byte vector. Writing never fails: the Writer
/// encodes whatever the object holds (a length above its maximum is the encoder's
/// caller's bug and produces bytes that decoding rejects).
class Writer {
 public:
  static constexpr bool kReading = false;

  explicit Writer(std::size_t reserve = 0) { m_out.reserve(reserve); }

  void u8(const std::uint8_t& v, std::string_view /*field*/) { m_out.push_back(v); }
  void u32(const std::uint32_t& v, std::string_view /*field*/) { put_le(v, 4); }
  void u64(const std::uint64_t& v, std::string_view /*field*/) { put_le(v, 8); }
  template <std::size_t N>
  void array(const util::ByteArray<N>& a, std::string_view /*field*/) {
    m_out.insert(m_out.end(), a.begin(), a.end());
  }
  void bytes(const Bytes& b, std::size_t /*max*/, std::string_view field) {
    u32(static_cast<std::uint32_t>(b.size()), field);
    m_out.insert(m_out.end(), b.begin(), b.end());
  }
  /// Writes a list count; the caller then writes the items.
  void count(const std::size_t& n, std::size_t /*max*/, std::size_t /*min_item_size*/, std::string_view field) {
    u32(static_cast<std::uint32_t>(n), field);
  }
  /// A rule that only a Reader enforces; writing ignores it.
  void require(bool /*ok*/, CodecError /*code*/, std::string_view /*field*/) {}
  bool ok() const { return true; }

  Bytes take() { return std::move(m_out); }
  const Bytes& bytes_written() const { return m_out; }

 private:
  void put_le(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes m_out;
};

/// Counts the bytes the Writer would produce, without allocating.
class Sizer {
 public:
  static constexpr bool kReading = false;

  void u8(const std::uint8_t&, std::string_view) { m_size += 1; }
  void u32(const std::uint32_t&, std::string_view) { m_size += 4; }
  void u64(const std::uint64_t&, std::string_view) { m_size += 8; }
  template <std::size_t N>
  void array(const util::ByteArray<N>&, std::string_view) {
    m_size += N;
  }
  void bytes(const Bytes& b, std::size_t, std::string_view) { m_size += 4 + b.size(); }
  void count(const std::size_t&, std::size_t, std::size_t, std::string_view) { m_size += 4; }
  void require(bool, CodecError, std::string_view) {}
  bool ok() const { return true; }

  std::size_t size() const { return m_size; }

 private:
  std::size_t m_size = 0;
};

/// Strict bounded parser over a span it does not own (the span must outlive it).
/// After the first error every read leaves its output zeroed and consumes nothing.
class Reader {
 public:
  static constexpr bool kReading = true;

  explicit Reader(ByteSpan in) : m_in(in) {}

  void u8(std::uint8_t& v, std::string_view field);
  void u32(std::uint32_t& v, std::string_view field);
  void u64(std::uint64_t& v, std::string_view field);
  template <std::size_t N>
  void array(util::ByteArray<N>& a, std::string_view field) {
    a = {};
    if (const std::uint8_t* p = take(N, field)) std::copy(p, p + N, a.begin());
  }
  /// bytes(max): rejects len > max before allocating.
  void bytes(Bytes& b, std::size_t max, std::string_view field);
  /// A list count: rejects count > max (kListTooLong) and counts that cannot fit in the
  /// remaining input at `min_item_size` bytes each (kTruncated), so a caller may
  /// reserve `n` items safely.
  void count(std::size_t& n, std::size_t max, std::size_t min_item_size, std::string_view field);
  /// Records `code` unless `ok` (and unless an earlier error is already recorded).
  void require(bool ok, CodecError code, std::string_view field);
  bool ok() const { return !m_error.has_value(); }

  std::size_t remaining() const { return m_in.size() - m_pos; }
  std::size_t position() const { return m_pos; }
  /// kTrailingBytes unless the whole input was consumed.
  void finish(std::string_view what);
  /// The first error, or success.
  util::Result<void, CodecError> status() const;

 private:
  // Returns a pointer to the next n bytes and advances, or nullptr (kTruncated).
  const std::uint8_t* take(std::size_t n, std::string_view field);
  void set_error(CodecError code, std::string_view field);

  ByteSpan m_in;
  std::size_t m_pos = 0;
  std::optional<util::Error<CodecError>> m_error;
};

/// Reads an enum stored as u8: `from_u8(byte)` returns the enumerator or nullopt for an
/// unknown value, which records `code` (and leaves `value` as it was). Writers store
/// the enum's underlying value.
template <typename S, typename E, typename FromU8>
void enum_u8(S& s, E& value, FromU8 from_u8, CodecError code, std::string_view field) {
  if constexpr (S::kReading) {
    std::uint8_t raw = 0;
    s.u8(raw, field);
    if (!s.ok()) return;
    const std::optional<E> known = from_u8(raw);
    s.require(known.has_value(), code, field);
    if (known) value = *known;
  } else {
    const auto raw = static_cast<std::uint8_t>(value);
    s.u8(raw, field);
  }
}

/// Encodes `value` with its `io` layout function.
template <typename T, typename Io>
Bytes encode_with(const T& value, Io io) {
  Sizer sizer;
  io(sizer, value);
  Writer w(sizer.size());
  io(w, value);
  return w.take();
}

/// Decodes exactly one `T` from `in` (trailing bytes rejected).
template <typename T, typename Io>
util::Result<T, CodecError> decode_with(ByteSpan in, Io io, std::string_view what) {
  Reader r(in);
  T value{};
  io(r, value);
  r.finish(what);
  if (auto st = r.status(); !st) return std::unexpected(st.error());
  return value;
}

}  // namespace cloudchain::primitives
