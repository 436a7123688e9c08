#pragma once
// Internal to crypto: the two compression back ends behind sha256_compress.hpp.
// Not part of the layer's API; only sha256_compress.cpp and the tests include it.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "crypto/sha256_compress.hpp"

namespace cloudchain::crypto::detail {

/// Portable C++ (FIPS 180-4 section 6.2.2).
void compress_portable(Sha256State& state, const std::uint8_t* data, std::size_t blocks);

/// The PoW double hash from a midstate: compresses `tail` (one padded 64-byte block)
/// into a copy of `midstate`, then hashes those 32 bytes as one padded block. Returns
/// the final state words; the hash bytes are those words big-endian.
Sha256State double_hash_portable(const Sha256State& midstate, const std::uint8_t* tail);

/// SHA-NI versions. REQUIRES: cpu_has_sha_ni() (an illegal instruction otherwise).
void compress_shani(Sha256State& state, const std::uint8_t* data, std::size_t blocks);
Sha256State double_hash_shani(const Sha256State& midstate, const std::uint8_t* tail);

/// PowHasher::search on SHA-NI: `tail` is the padded last block, the 8-byte nonce at
/// `nonce_pos` (<= 56) is overwritten per try; `target` as big-endian words.
std::optional<std::uint64_t> search_shani(const Sha256State& midstate, const std::uint8_t* tail, std::size_t nonce_pos,
                                          std::uint64_t start, std::uint64_t count, const Sha256State& target);

/// Hash words (a hash read big-endian) compared as one 256-bit big-endian number.
inline bool words_le(const Sha256State& hash, const Sha256State& target) {
  for (std::size_t i = 0; i < 8; ++i) {
    if (hash[i] != target[i]) return hash[i] < target[i];
  }
  return true;
}

}  // namespace cloudchain::crypto::detail
