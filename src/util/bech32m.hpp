#pragma once
// bech32m (BIP350): human-readable prefix, '1', 5-bit data characters, 6-character
// checksum with constant 0x2bc830a3. Used for addresses ("cc1...", see
// docs/protocol.md), so a mistyped address fails its checksum instead of paying
// someone else.
//
// Decoding rules (BIP173 + BIP350): at most 90 characters; all lower or all upper
// case (the result is lower case); HRP of 1..83 characters in US-ASCII 33..126;
// the checksum must be bech32m, not bech32.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::util {

enum class Bech32Error {
  kTooLong,          // the whole string is at most 90 characters
  kMixedCase,        // upper and lower case must not be mixed
  kNoSeparator,      // there must be a '1' separating HRP and data
  kBadHrp,           // HRP is 1..83 characters in US-ASCII 33..126
  kBadCharacter,     // data characters come from the 32-character bech32 alphabet
  kTooShort,         // the data part holds at least the 6 checksum characters
  kBadChecksum,      // the bech32m checksum does not verify
  kBadPadding,       // 5-to-8-bit conversion: more than 4 padding bits or non-zero padding
  kWrongPrefix,      // a different HRP (network prefix) was expected
  kWrongDataLength,  // a different payload length was expected
};
std::string_view to_string(Bech32Error e);

struct Bech32Decoded {
  std::string hrp;                 // lower case
  std::vector<std::uint8_t> data;  // 5-bit values, checksum removed
};

/// Encodes 5-bit values (each < 32; larger values are a programming error). `hrp` must be
/// valid and lower case.
std::string bech32m_encode(std::string_view hrp, std::span<const std::uint8_t> data5);
Result<Bech32Decoded, Bech32Error> bech32m_decode(std::string_view text);

/// Regroups bits: 8->5 with padding (pad=true) or 5->8 rejecting bad padding (pad=false).
Result<Bytes, Bech32Error> convert_bits(std::span<const std::uint8_t> in, int from_bits, int to_bits, bool pad);

/// Bytes in, bech32m out (8->5 regrouping, then bech32m_encode).
std::string bech32m_encode_bytes(std::string_view hrp, ByteSpan bytes);

/// Decodes a bech32m string whose HRP must equal `expected_hrp` into bytes.
Result<Bytes, Bech32Error> bech32m_decode_bytes(std::string_view text, std::string_view expected_hrp);

}  // namespace cloudchain::util
