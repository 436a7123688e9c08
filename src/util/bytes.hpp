#pragma once
// Byte containers used across every layer.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
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

/// Views text as bytes. Takes a string_view so a string literal does not bring its NUL.
inline ByteSpan as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

/// Appends `src` to `dst`.
inline void append(Bytes& dst, ByteSpan src) { dst.insert(dst.end(), src.begin(), src.end()); }

/// Constant-time equality of two equally long byte strings; false if lengths differ.
bool equal_ct(ByteSpan a, ByteSpan b);

}  // namespace cloudchain::util
