#pragma once
// The SHA-256 compression function with a runtime-selected implementation (SHA-NI
// where the CPU has it, portable C++ otherwise; both give identical results), and the
// proof-of-work hasher built on it.
//
// PowHasher: the PoW hash is SHA256d(preimage) where the preimage (see
// docs/protocol.md, "Block header") has a fixed prefix of whole 64-byte blocks and a
// tail of at most 55 bytes that holds the 8-byte little-endian nonce. The prefix is
// compressed once (the midstate); each nonce then costs exactly two compressions: the
// tail block of the first hash and the single block of the second hash.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "util/bytes.hpp"

namespace cloudchain::crypto {

using Sha256State = std::array<std::uint32_t, 8>;
inline constexpr Sha256State kSha256Initial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

enum class CompressImpl { kPortable, kShaNi };

/// True when this CPU supports the SHA extensions (CPUID leaf 7, EBX bit 29) and SSE4.1.
bool cpu_has_sha_ni();
/// The implementation `sha256_compress` uses: kShaNi when available.
CompressImpl default_compress_impl();

/// Applies `blocks` consecutive 64-byte blocks to `state`.
void sha256_compress(Sha256State& state, const std::uint8_t* data, std::size_t blocks);
void sha256_compress(CompressImpl impl, Sha256State& state, const std::uint8_t* data, std::size_t blocks);

class PowHasher {
 public:
  /// REQUIRES: preimage.size() % 64 <= 55 and the 8 nonce bytes at `nonce_offset` lie in
  /// the last (partial) 64-byte block. Violations are programming errors (std::abort).
  PowHasher(util::ByteSpan preimage, std::size_t nonce_offset, CompressImpl impl = default_compress_impl());

  /// SHA256d(preimage with `nonce` written at nonce_offset), byte-for-byte what
  /// sha256d() of that preimage returns.
  util::Hash256 hash(std::uint64_t nonce) const;

  /// Tries nonces start, start+1, ... (count of them) and returns the first whose hash,
  /// read as a 256-bit big-endian number, is <= target.
  std::optional<std::uint64_t> search(std::uint64_t start, std::uint64_t count, const util::Hash256& target) const;

 private:
  CompressImpl m_impl;
  Sha256State m_midstate;
  std::array<std::uint8_t, 64> m_tail{};  // last block, padded, nonce bytes to be overwritten
  std::size_t m_nonce_pos;                // offset of the nonce inside m_tail
};

}  // namespace cloudchain::crypto
