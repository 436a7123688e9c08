// Block header decoding of arbitrary bytes (docs/protocol.md, section 6).
// Invariants: decoding never crashes; every accepted input re-encodes to itself; a
// decoded PoW header has a canonical compact target; the PowHasher over the preimage
// agrees with block_hash.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "crypto/sha256_compress.hpp"
#include "primitives/header.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudchain;
  using namespace cloudchain::primitives;
  const ByteSpan in(data, size);
  const auto header = decode_header(in);
  if (!header) return 0;
  const Bytes again = encode(*header);
  check(again.size() == size && std::equal(again.begin(), again.end(), in.begin()));
  const Hash256 hash = block_hash(*header);
  if (const auto* seal = std::get_if<PowSeal>(&header->seal)) {
    const auto target = target_from_bits(seal->bits);
    check(target.has_value() && bits_from_target(*target) == seal->bits);
    const crypto::PowHasher hasher(pow_preimage(*header), kPowNonceOffset);
    check(hasher.hash(seal->nonce) == hash);
  } else {
    (void)proposal_signing_hash(*header);
  }
  return 0;
}
