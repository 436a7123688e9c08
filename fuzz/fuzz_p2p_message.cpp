// P2P message decoding of arbitrary payloads (docs/protocol.md, section 10.2).
// Input: byte 0 picks the message type (mod 17: 0 and 16 are unknown types, 14 and 15
// the consensus messages proposal and vote), the rest is the payload. Invariants:
// decoding never crashes; it fails only with kUnknownMessage (and then only for an
// unknown type), kOversizeFrame (and then only above the type's limit) or
// kMalformedMessage; every accepted payload has the type asked for, fits the limit and
// re-encodes to itself (canonical codec).

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "p2p/messages.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudchain;
  if (size == 0) return 0;
  const auto type = static_cast<std::uint16_t>(data[0] % 17);
  const util::ByteSpan payload(data + 1, size - 1);
  const auto limit = p2p::max_payload(type);
  const auto m = p2p::decode_message(type, payload);
  if (!m) {
    const p2p::P2pError code = m.error().code;
    check(code != p2p::P2pError::kUnknownMessage || !limit);
    check(code != p2p::P2pError::kOversizeFrame || (limit && payload.size() > *limit));
    check(code == p2p::P2pError::kUnknownMessage || code == p2p::P2pError::kOversizeFrame ||
          code == p2p::P2pError::kMalformedMessage);
    return 0;
  }
  check(limit.has_value() && payload.size() <= *limit);
  check(static_cast<std::uint16_t>(p2p::type_of(*m)) == type);
  const util::Bytes again = p2p::encode_payload(*m);
  check(again.size() == payload.size() && std::equal(again.begin(), again.end(), payload.begin()));
  return 0;
}
