#pragma once
// Uint256: an unsigned 256-bit integer for proof-of-work arithmetic (targets, work,
// cumulative chain work). Not for secrets: nothing here is constant-time.
//
// Representation: four 64-bit limbs, least significant first. The byte form used on
// the wire and in hashes is 32 bytes big-endian (docs/protocol.md: a PoW hash and a
// target compare as big-endian numbers), converted by from_be / to_be.
//
// Arithmetic: the operators + - * << >> wrap modulo 2^256 like the built-in unsigned
// types. Where a result must not wrap (consensus sums, products), use the
// overflowing_* functions, which return the wrapped value together with a flag, or the
// checked_* ones, which return nullopt on overflow. Division by zero is a programming
// error (std::abort), never a runtime branch on input: callers check the divisor.
//
// Thread-safety: a value type; no shared state.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "util/bytes.hpp"

namespace cloudchain::util {

class Uint256 {
 public:
  static constexpr unsigned kBits = 256;

  constexpr Uint256() = default;
  constexpr explicit Uint256(std::uint64_t v) : m_limbs{v, 0, 0, 0} {}
  /// From limbs, least significant first.
  static constexpr Uint256 from_limbs(std::uint64_t l0, std::uint64_t l1, std::uint64_t l2, std::uint64_t l3) {
    Uint256 r;
    r.m_limbs = {l0, l1, l2, l3};
    return r;
  }
  /// 2^256 - 1.
  static constexpr Uint256 max() { return from_limbs(~0ULL, ~0ULL, ~0ULL, ~0ULL); }

  /// The 32 bytes read as a big-endian number (every byte string is valid).
  static Uint256 from_be(const Hash256& bytes);
  /// The value as 32 bytes big-endian; from_be(to_be(x)) == x.
  Hash256 to_be() const;
  /// Up to 64 hex digits, big-endian, no prefix, either case; an empty string, a
  /// non-hex character or more than 64 digits give nullopt.
  static std::optional<Uint256> from_hex(std::string_view hex);
  /// 64 lower-case hex digits (to_hex of to_be()).
  std::string to_hex() const;

  constexpr std::uint64_t limb(std::size_t i) const { return m_limbs[i]; }
  constexpr bool is_zero() const { return (m_limbs[0] | m_limbs[1] | m_limbs[2] | m_limbs[3]) == 0; }
  /// Position of the highest set bit plus one; 0 for zero.
  unsigned bit_length() const;
  /// The low 64 bits.
  constexpr std::uint64_t low64() const { return m_limbs[0]; }

  friend constexpr bool operator==(const Uint256&, const Uint256&) = default;
  friend constexpr std::strong_ordering operator<=>(const Uint256& a, const Uint256& b) {
    for (std::size_t i = 4; i-- > 0;) {
      if (a.m_limbs[i] != b.m_limbs[i]) return a.m_limbs[i] <=> b.m_limbs[i];
    }
    return std::strong_ordering::equal;
  }

  // --- Arithmetic with explicit overflow ------------------------------------------

  /// a + b modulo 2^256, and whether the true sum is >= 2^256.
  static std::pair<Uint256, bool> overflowing_add(const Uint256& a, const Uint256& b);
  /// a - b modulo 2^256, and whether b > a (a borrow out of the top).
  static std::pair<Uint256, bool> overflowing_sub(const Uint256& a, const Uint256& b);
  /// a * m modulo 2^256, and whether the true product is >= 2^256.
  static std::pair<Uint256, bool> overflowing_mul(const Uint256& a, std::uint64_t m);
  static std::pair<Uint256, bool> overflowing_mul(const Uint256& a, const Uint256& b);
  /// The full 320-bit product a * m: the low 256 bits and the high 64 bits.
  static std::pair<Uint256, std::uint64_t> mul_wide(const Uint256& a, std::uint64_t m);

  static std::optional<Uint256> checked_add(const Uint256& a, const Uint256& b);
  static std::optional<Uint256> checked_sub(const Uint256& a, const Uint256& b);
  static std::optional<Uint256> checked_mul(const Uint256& a, std::uint64_t m);
  static std::optional<Uint256> checked_mul(const Uint256& a, const Uint256& b);

  /// Quotient and remainder of a / b (truncating). REQUIRES: b != 0 (std::abort).
  static std::pair<Uint256, Uint256> divmod(const Uint256& a, const Uint256& b);

  // --- Wrapping operators (modulo 2^256) -------------------------------------------

  friend Uint256 operator+(const Uint256& a, const Uint256& b) { return overflowing_add(a, b).first; }
  friend Uint256 operator-(const Uint256& a, const Uint256& b) { return overflowing_sub(a, b).first; }
  friend Uint256 operator*(const Uint256& a, const Uint256& b) { return overflowing_mul(a, b).first; }
  friend Uint256 operator*(const Uint256& a, std::uint64_t m) { return overflowing_mul(a, m).first; }
  /// REQUIRES: b != 0.
  friend Uint256 operator/(const Uint256& a, const Uint256& b) { return divmod(a, b).first; }
  /// REQUIRES: b != 0.
  friend Uint256 operator%(const Uint256& a, const Uint256& b) { return divmod(a, b).second; }
  /// Shifts by 256 or more give zero (unlike the built-in types, where it is undefined).
  friend Uint256 operator<<(const Uint256& a, unsigned shift);
  friend Uint256 operator>>(const Uint256& a, unsigned shift);
  friend Uint256 operator~(const Uint256& a) {
    return from_limbs(~a.m_limbs[0], ~a.m_limbs[1], ~a.m_limbs[2], ~a.m_limbs[3]);
  }
  friend Uint256 operator&(const Uint256& a, const Uint256& b) {
    return from_limbs(a.m_limbs[0] & b.m_limbs[0], a.m_limbs[1] & b.m_limbs[1], a.m_limbs[2] & b.m_limbs[2],
                      a.m_limbs[3] & b.m_limbs[3]);
  }
  friend Uint256 operator|(const Uint256& a, const Uint256& b) {
    return from_limbs(a.m_limbs[0] | b.m_limbs[0], a.m_limbs[1] | b.m_limbs[1], a.m_limbs[2] | b.m_limbs[2],
                      a.m_limbs[3] | b.m_limbs[3]);
  }

 private:
  std::array<std::uint64_t, 4> m_limbs{};  // little-endian limb order
};

}  // namespace cloudchain::util
