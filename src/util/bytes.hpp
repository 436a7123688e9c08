#pragma once
// Byte containers used across every layer.

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace cloudchain::util {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

template <std::size_t N>
using ByteArray = std::array<std::uint8_t, N>;

/// A SHA-256 output (or anything else 32 bytes wide: keys in the state tree, digests).
using Hash256 = ByteArray<32>;

/// `a < b` (the order of operator<), decided by the first 8 bytes read as one big-endian
/// integer whenever they differ: one integer compare instead of a memcmp call. For sorting
/// hashes and addresses (uniform bytes: the first 8 almost always differ).
template <std::size_t N>
  requires(N >= 8)
bool less_by_prefix(const ByteArray<N>& a, const ByteArray<N>& b) {
  std::uint64_t x = 0;
  std::uint64_t y = 0;
  std::memcpy(&x, a.data(), sizeof x);
  std::memcpy(&y, b.data(), sizeof y);
  if (x != y) {
    if constexpr (std::endian::native == std::endian::little) {
      x = __builtin_bswap64(x);
      y = __builtin_bswap64(y);
    }
    return x < y;
  }
  return std::memcmp(a.data() + 8, b.data() + 8, N - 8) < 0;
}

/// Views text as bytes. Takes a string_view so a string literal does not bring its NUL.
inline ByteSpan as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

/// Appends `src` to `dst`.
inline void append(Bytes& dst, ByteSpan src) { dst.insert(dst.end(), src.begin(), src.end()); }

/// Constant-time equality of two equally long byte strings; false if lengths differ.
bool equal_ct(ByteSpan a, ByteSpan b);

}  // namespace cloudchain::util
