#include "util/hex.hpp"

#include <algorithm>
#include <array>

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
// Each character's digit value, 0xff for a character that is not a hex digit: one load
// per character (the API decodes every submitted transaction from hex).
constexpr std::array<std::uint8_t, 256> kNibbles = [] {
  std::array<std::uint8_t, 256> table{};
  table.fill(0xff);
  for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<std::uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    table['a' + i] = static_cast<std::uint8_t>(10 + i);
    table['A' + i] = static_cast<std::uint8_t>(10 + i);
  }
  return table;
}();

std::uint8_t nibble(char c) { return kNibbles[static_cast<unsigned char>(c)]; }
}  // namespace

Result<Bytes, HexError> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return fail(HexError::kOddLength, "length " + std::to_string(text.size()));
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint8_t hi = nibble(text[2 * i]);
    const std::uint8_t lo = nibble(text[2 * i + 1]);
    if (hi > 15 || lo > 15) {
      return fail(HexError::kBadCharacter, "at offset " + std::to_string(2 * i));
    }
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
