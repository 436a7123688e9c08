#pragma once
// Lower-case hexadecimal text for bytes. Decoding accepts upper and lower case,
// rejects odd lengths and non-hex characters; no "0x" prefix.

#include <string>
#include <string_view>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::util {

enum class HexError {
  kOddLength,     // two hex digits per byte
  kBadCharacter,  // only [0-9a-fA-F]
  kWrongLength,   // a fixed-size value got a different number of bytes
};
std::string_view to_string(HexError e);

std::string to_hex(ByteSpan bytes);
Result<Bytes, HexError> from_hex(std::string_view text);

/// Decodes exactly N bytes (2N hex digits).
template <std::size_t N>
Result<ByteArray<N>, HexError> from_hex_array(std::string_view text) {
  auto bytes = from_hex(text);
  if (!bytes) return std::unexpected(bytes.error());
  if (bytes->size() != N) return fail(HexError::kWrongLength, "expected " + std::to_string(N) + " bytes");
  ByteArray<N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

}  // namespace cloudchain::util
