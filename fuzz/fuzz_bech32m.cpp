// bech32m and address decoding of arbitrary text.
// Invariants: decoding never crashes; every accepted string re-encodes to its
// lower-case form (so a string has at most one accepted spelling per case); the byte
// and address layers agree with the 5-bit layer; encoding any bytes decodes back.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/address.hpp"
#include "util/bech32m.hpp"

namespace {

using namespace cloudchain;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string low = lower(text);

  const auto decoded = util::bech32m_decode(text);
  if (decoded) {
    check(util::bech32m_encode(decoded->hrp, decoded->data) == low);
    const auto bytes = util::convert_bits(decoded->data, 5, 8, false);
    if (bytes) {
      // Whole bytes regroup to exactly the decoded 5-bit values.
      check(util::convert_bits(*bytes, 8, 5, true).value() == decoded->data);
      check(util::bech32m_decode_bytes(text, decoded->hrp).value() == *bytes);
    }
    const auto address = crypto::decode_address(text, decoded->hrp);
    if (address) check(crypto::encode_address(decoded->hrp, *address) == low);
  } else {
    // The layers above add rules; they never accept what the base decoder rejects.
    check(!util::bech32m_decode_bytes(text, "cc").has_value());
    check(!crypto::decode_address(text, "cc").has_value());
  }

  // Encoding direction: the input as a payload (at most 50 bytes fit in 90 characters
  // with the "cc" prefix) must come back unchanged.
  const util::ByteSpan payload(data, size < 50 ? size : 50);
  const std::string encoded = util::bech32m_encode_bytes("cc", payload);
  const auto back = util::bech32m_decode_bytes(encoded, "cc");
  check(back.has_value() && *back == util::Bytes(payload.begin(), payload.end()));
  return 0;
}
