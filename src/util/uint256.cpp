#include "util/uint256.hpp"

#include <bit>
#include <cstdlib>

#include "util/hex.hpp"

namespace cloudchain::util {

namespace {

// GCC and Clang both provide a 128-bit integer; `__extension__` keeps -Wpedantic quiet.
// It is used only for the exact 64x64->128 limb products.
__extension__ using U128 = unsigned __int128;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Uint256 Uint256::from_be(const Hash256& bytes) {
  Uint256 r;
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t limb = 0;
    for (std::size_t j = 0; j < 8; ++j) limb = (limb << 8) | bytes[8 * (3 - i) + j];
    r.m_limbs[i] = limb;
  }
  return r;
}

Hash256 Uint256::to_be() const {
  Hash256 out{};
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 8; ++j) {
      out[8 * (3 - i) + j] = static_cast<std::uint8_t>(m_limbs[i] >> (8 * (7 - j)));
    }
  }
  return out;
}

std::optional<Uint256> Uint256::from_hex(std::string_view hex) {
  if (hex.empty() || hex.size() > 64) return std::nullopt;
  Uint256 r;
  for (char c : hex) {
    const int d = hex_digit(c);
    if (d < 0) return std::nullopt;
    r = (r << 4) | Uint256(static_cast<std::uint64_t>(d));
  }
  return r;
}

std::string Uint256::to_hex() const { return util::to_hex(to_be()); }

unsigned Uint256::bit_length() const {
  for (std::size_t i = 4; i-- > 0;) {
    if (m_limbs[i] != 0) return static_cast<unsigned>(64 * i) + static_cast<unsigned>(std::bit_width(m_limbs[i]));
  }
  return 0;
}

std::pair<Uint256, bool> Uint256::overflowing_add(const Uint256& a, const Uint256& b) {
  Uint256 r;
  std::uint64_t carry = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint64_t s = a.m_limbs[i] + b.m_limbs[i];
    const std::uint64_t c1 = s < a.m_limbs[i] ? 1 : 0;
    r.m_limbs[i] = s + carry;
    const std::uint64_t c2 = r.m_limbs[i] < s ? 1 : 0;
    carry = c1 | c2;
  }
  return {r, carry != 0};
}

std::pair<Uint256, bool> Uint256::overflowing_sub(const Uint256& a, const Uint256& b) {
  Uint256 r;
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint64_t d = a.m_limbs[i] - b.m_limbs[i];
    const std::uint64_t b1 = a.m_limbs[i] < b.m_limbs[i] ? 1 : 0;
    r.m_limbs[i] = d - borrow;
    const std::uint64_t b2 = d < borrow ? 1 : 0;
    borrow = b1 | b2;
  }
  return {r, borrow != 0};
}

std::pair<Uint256, std::uint64_t> Uint256::mul_wide(const Uint256& a, std::uint64_t m) {
  Uint256 r;
  std::uint64_t carry = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const U128 p = static_cast<U128>(a.m_limbs[i]) * m + carry;
    r.m_limbs[i] = static_cast<std::uint64_t>(p);
    carry = static_cast<std::uint64_t>(p >> 64);
  }
  return {r, carry};
}

std::pair<Uint256, bool> Uint256::overflowing_mul(const Uint256& a, std::uint64_t m) {
  const auto [low, high] = mul_wide(a, m);
  return {low, high != 0};
}

std::pair<Uint256, bool> Uint256::overflowing_mul(const Uint256& a, const Uint256& b) {
  // Schoolbook on 64-bit limbs. A partial product a[i]*b[j] lands at limb i + j; any
  // nonzero part at limb 4 or above (or a carry out of limb 3) means overflow.
  Uint256 r;
  bool overflow = false;
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t carry = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const std::uint64_t x = a.m_limbs[i];
      const std::uint64_t y = b.m_limbs[j];
      if (i + j >= 4) {
        if (x != 0 && y != 0) overflow = true;
        continue;
      }
      const U128 p = static_cast<U128>(x) * y + r.m_limbs[i + j] + carry;
      r.m_limbs[i + j] = static_cast<std::uint64_t>(p);
      carry = static_cast<std::uint64_t>(p >> 64);
    }
    // The carry out of row i belongs at limb i + 4.
    if (carry != 0) overflow = true;
  }
  return {r, overflow};
}

std::optional<Uint256> Uint256::checked_add(const Uint256& a, const Uint256& b) {
  const auto [r, o] = overflowing_add(a, b);
  if (o) return std::nullopt;
  return r;
}

std::optional<Uint256> Uint256::checked_sub(const Uint256& a, const Uint256& b) {
  const auto [r, o] = overflowing_sub(a, b);
  if (o) return std::nullopt;
  return r;
}

std::optional<Uint256> Uint256::checked_mul(const Uint256& a, std::uint64_t m) {
  const auto [r, o] = overflowing_mul(a, m);
  if (o) return std::nullopt;
  return r;
}

std::optional<Uint256> Uint256::checked_mul(const Uint256& a, const Uint256& b) {
  const auto [r, o] = overflowing_mul(a, b);
  if (o) return std::nullopt;
  return r;
}

std::pair<Uint256, Uint256> Uint256::divmod(const Uint256& a, const Uint256& b) {
  if (b.is_zero()) std::abort();  // programming error: callers check the divisor
  if (a < b) return {Uint256{}, a};
  // Shift-subtract long division, one quotient bit per step, starting where the
  // divisor's top bit lines up with the dividend's: at most 256 steps. Used per header
  // (work, difficulty), never per hash.
  const unsigned shift = a.bit_length() - b.bit_length();
  Uint256 divisor = b << shift;
  Uint256 remainder = a;
  Uint256 quotient;
  for (unsigned i = shift + 1; i-- > 0;) {
    if (remainder >= divisor) {
      remainder = overflowing_sub(remainder, divisor).first;
      quotient.m_limbs[i / 64] |= std::uint64_t{1} << (i % 64);
    }
    divisor = divisor >> 1;
  }
  return {quotient, remainder};
}

Uint256 operator<<(const Uint256& a, unsigned shift) {
  if (shift >= Uint256::kBits) return Uint256{};
  const unsigned limbs = shift / 64;
  const unsigned bits = shift % 64;
  Uint256 r;
  for (std::size_t i = 4; i-- > limbs;) {
    std::uint64_t v = a.m_limbs[i - limbs] << bits;
    if (bits != 0 && i - limbs > 0) v |= a.m_limbs[i - limbs - 1] >> (64 - bits);
    r.m_limbs[i] = v;
  }
  return r;
}

Uint256 operator>>(const Uint256& a, unsigned shift) {
  if (shift >= Uint256::kBits) return Uint256{};
  const unsigned limbs = shift / 64;
  const unsigned bits = shift % 64;
  Uint256 r;
  for (std::size_t i = 0; i + limbs < 4; ++i) {
    std::uint64_t v = a.m_limbs[i + limbs] >> bits;
    if (bits != 0 && i + limbs + 1 < 4) v |= a.m_limbs[i + limbs + 1] << (64 - bits);
    r.m_limbs[i] = v;
  }
  return r;
}

}  // namespace cloudchain::util
