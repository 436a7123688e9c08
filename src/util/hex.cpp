#include "util/hex.hpp"

#include <algorithm>

namespace cloudchain::util {

std::string_view to_string(HexError e) {
  switch (e) {
    case HexError::kOddLength: return "hex_odd_length";
    case HexError::kBadCharacter: return "hex_bad_character";
    case HexError::kWrongLength: return "hex_wrong_length";
  }
  return "hex_unknown";
}

std::string to_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<Bytes, HexError> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return fail(HexError::kOddLength, "length " + std::to_string(text.size()));
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(text[2 * i]);
    const int lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(HexError::kBadCharacter, "at offset " + std::to_string(2 * i));
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

bool equal_ct(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace cloudchain::util
