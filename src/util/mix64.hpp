#pragma once
// mix64: MurmurHash3's 64-bit finalizer, a bijection that spreads every input bit over
// the output. For keyed slots and fingerprints of values that are already hashes
// (p2p::KnownInventory, node::RecentTxids): XOR a secret key in first, then mix.

#include <cstdint>

namespace cloudchain::util {

constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace cloudchain::util
