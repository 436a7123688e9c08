#pragma once
// Random objects for the primitives property tests (seeded, so failures reproduce).
// Keys and signatures are random bytes: the codec is structural and never validates them.

#include <cstdint>
#include <initializer_list>
#include <random>

#include "primitives/block.hpp"

namespace cloudchain::primitives::test {

/// Byte literals for range-for loops (a braced int list would narrow).
using U8List = std::initializer_list<std::uint8_t>;

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_gen(seed) {}
  std::uint64_t u64() { return m_gen(); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(m_gen()); }
  std::uint8_t u8() { return static_cast<std::uint8_t>(m_gen()); }
  /// Uniform in [0, n). REQUIRES: n > 0.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(m_gen() % n); }
  bool coin() { return (m_gen() & 1) != 0; }
  template <std::size_t N>
  util::ByteArray<N> array() {
    util::ByteArray<N> a{};
    for (auto& b : a) b = u8();
    return a;
  }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = u8();
    return b;
  }
  /// Mixes small values, extremes and random ones: codec edge cases live at the ends.
  std::uint64_t interesting_u64();

 private:
  std::mt19937_64 m_gen;
};

Vote random_vote(Rng& rng);
/// `kind` 0 picks one at random.
Transaction random_tx(Rng& rng, int kind = 0);
BlockHeader random_header(Rng& rng, bool pos);
LastCommit random_last_commit(Rng& rng, std::size_t max_sigs);
/// A structurally consistent block (last_commit present iff PoS); roots are random.
Block random_block(Rng& rng, std::size_t max_txs);

/// secp256k1 group order n, big-endian; n - s turns a low-S signature into a high-S one.
crypto::Signature negate_s(const crypto::Signature& sig);

}  // namespace cloudchain::primitives::test
