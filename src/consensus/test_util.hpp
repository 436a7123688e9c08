#pragma once
// Shared fixtures for the consensus tests (not part of the library).

#include <cstdint>
#include <cstdlib>
#include <optional>

#include "consensus/pow.hpp"
#include "crypto/sha256_compress.hpp"
#include "primitives/header.hpp"

namespace cloudchain::consensus::test {

/// Regtest-style easiest target 0x7fffff * 2^232: about every second hash meets it.
inline constexpr std::uint32_t kEasyBits = 0x207fffff;
/// Target 1: no hash will meet it in any test's lifetime.
inline constexpr std::uint32_t kImpossibleBits = 0x01010000;

/// The target of canonical `bits`. REQUIRES: canonical (aborts otherwise: a test bug).
inline Hash256 pow_limit_of(std::uint32_t bits) {
  const auto t = primitives::target_from_bits(bits);
  if (!t) std::abort();
  return *t;
}

/// A devnet-like chain: 10-minute blocks, two-day half-life, 2-hour future drift.
inline PowParams devnet_params() {
  PowParams p;
  p.target_block_time_ms = 600'000;
  p.asert_half_life_ms = 172'800'000;
  p.pow_limit = pow_limit_of(kEasyBits);
  p.genesis_bits = 0x1f00ffff;
  p.max_future_drift_ms = 7'200'000;
  return p;
}

/// A PoW header at height 1 with the given bits (not necessarily canonical) and nonce 0.
inline primitives::BlockHeader header_with_bits(std::uint32_t bits) {
  primitives::BlockHeader h;
  h.chain_id = 7;
  h.height = 1;
  h.parent.fill(0x11);
  h.timestamp_ms = 1'700'000'000'000;
  h.tx_root.fill(0x22);
  h.state_root.fill(0x33);
  h.beneficiary.fill(0x44);
  h.seal = primitives::PowSeal{bits, 0};
  return h;
}

/// Sets the header's nonce to the first one from 0 that meets its bits' target.
/// REQUIRES: canonical, reasonably easy bits.
inline void mine(primitives::BlockHeader& h) {
  auto& seal = std::get<primitives::PowSeal>(h.seal);
  const crypto::PowHasher hasher(primitives::pow_preimage(h), primitives::kPowNonceOffset);
  const auto nonce = hasher.search(0, std::uint64_t{1} << 32, pow_limit_of(seal.bits));
  if (!nonce) std::abort();
  seal.nonce = *nonce;
}

}  // namespace cloudchain::consensus::test
