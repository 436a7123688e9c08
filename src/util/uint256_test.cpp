#include "util/uint256.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <random>

namespace cloudchain::util {

// GoogleTest prints failing values through this (found by ADL).
void PrintTo(const Uint256& v, std::ostream* os) { *os << "0x" << v.to_hex(); }

namespace {

__extension__ using U128 = unsigned __int128;

Uint256 hex(std::string_view h) {
  auto v = Uint256::from_hex(h);
  if (!v) ADD_FAILURE() << "bad hex in test: " << h;
  return v.value_or(Uint256{});
}

Uint256 from_u128(U128 v) {
  return Uint256::from_limbs(static_cast<std::uint64_t>(v), static_cast<std::uint64_t>(v >> 64), 0, 0);
}

U128 to_u128(const Uint256& v) {
  EXPECT_EQ(v.limb(2), 0u);
  EXPECT_EQ(v.limb(3), 0u);
  return (static_cast<U128>(v.limb(1)) << 64) | v.limb(0);
}

Uint256 pow2(unsigned n) { return Uint256(1) << n; }

// --- Conversions ---------------------------------------------------------------------

TEST(Uint256, BigEndianBytesRoundTrip) {
  Hash256 bytes{};
  for (std::size_t i = 0; i < 32; ++i) bytes[i] = static_cast<std::uint8_t>(i);
  const Uint256 v = Uint256::from_be(bytes);
  // The first byte is the most significant: limb 3 holds bytes 0..7.
  EXPECT_EQ(v.limb(3), 0x0001020304050607u);
  EXPECT_EQ(v.limb(2), 0x08090a0b0c0d0e0fu);
  EXPECT_EQ(v.limb(1), 0x1011121314151617u);
  EXPECT_EQ(v.limb(0), 0x18191a1b1c1d1e1fu);
  EXPECT_EQ(v.to_be(), bytes);
  EXPECT_EQ(v.to_hex(), "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
}

TEST(Uint256, FromHex) {
  EXPECT_EQ(hex("ff"), Uint256(255));
  EXPECT_EQ(hex("FF"), Uint256(255));
  EXPECT_EQ(hex("0"), Uint256{});
  EXPECT_EQ(hex(std::string(64, 'f')), Uint256::max());
  EXPECT_EQ(hex("1" + std::string(32, '0')), pow2(128));
  EXPECT_FALSE(Uint256::from_hex(""));
  EXPECT_FALSE(Uint256::from_hex(std::string(65, '0')));  // more than 256 bits of digits
  EXPECT_FALSE(Uint256::from_hex("12g4"));
  EXPECT_FALSE(Uint256::from_hex("0x12"));
  EXPECT_FALSE(Uint256::from_hex(" 12"));
}

TEST(Uint256, BitLength) {
  EXPECT_EQ(Uint256{}.bit_length(), 0u);
  EXPECT_EQ(Uint256(1).bit_length(), 1u);
  EXPECT_EQ(Uint256(0x80).bit_length(), 8u);
  EXPECT_EQ(pow2(64).bit_length(), 65u);
  EXPECT_EQ(pow2(255).bit_length(), 256u);
  EXPECT_EQ(Uint256::max().bit_length(), 256u);
}

TEST(Uint256, OrderingComparesTheMostSignificantLimbFirst) {
  EXPECT_LT(Uint256(5), Uint256(6));
  EXPECT_LT(Uint256(~0ULL), pow2(64));
  EXPECT_GT(pow2(192), Uint256::from_limbs(~0ULL, ~0ULL, ~0ULL, 0));
  EXPECT_LT(Uint256::from_limbs(~0ULL, 0, 0, 1), Uint256::from_limbs(0, 0, 1, 1));
  EXPECT_EQ(Uint256(7), Uint256(7));
  EXPECT_NE(Uint256(7), pow2(200) + Uint256(7));
}

// --- Add / subtract --------------------------------------------------------------------

TEST(Uint256, AddCarriesAcrossLimbsAndFlagsOverflow) {
  EXPECT_EQ(Uint256(~0ULL) + Uint256(1), pow2(64));
  EXPECT_EQ(Uint256::from_limbs(~0ULL, ~0ULL, ~0ULL, 0) + Uint256(1), pow2(192));
  auto [wrapped, overflow] = Uint256::overflowing_add(Uint256::max(), Uint256(1));
  EXPECT_TRUE(overflow);
  EXPECT_EQ(wrapped, Uint256{});
  std::tie(wrapped, overflow) = Uint256::overflowing_add(Uint256::max(), Uint256::max());
  EXPECT_TRUE(overflow);
  EXPECT_EQ(wrapped, Uint256::max() - Uint256(1));
  std::tie(wrapped, overflow) = Uint256::overflowing_add(pow2(255) - Uint256(1), pow2(255));
  EXPECT_FALSE(overflow);
  EXPECT_EQ(wrapped, Uint256::max());
  EXPECT_FALSE(Uint256::checked_add(pow2(255), pow2(255)));
  EXPECT_EQ(Uint256::checked_add(pow2(254), pow2(254)), pow2(255));
}

TEST(Uint256, SubBorrowsAcrossLimbsAndFlagsUnderflow) {
  EXPECT_EQ(pow2(64) - Uint256(1), Uint256(~0ULL));
  EXPECT_EQ(pow2(192) - Uint256(1), Uint256::from_limbs(~0ULL, ~0ULL, ~0ULL, 0));
  auto [wrapped, borrow] = Uint256::overflowing_sub(Uint256{}, Uint256(1));
  EXPECT_TRUE(borrow);
  EXPECT_EQ(wrapped, Uint256::max());
  std::tie(wrapped, borrow) = Uint256::overflowing_sub(Uint256(5), Uint256(5));
  EXPECT_FALSE(borrow);
  EXPECT_EQ(wrapped, Uint256{});
  EXPECT_FALSE(Uint256::checked_sub(pow2(100), pow2(101)));
  EXPECT_EQ(Uint256::checked_sub(pow2(101), pow2(100)), pow2(100));
}

// --- Multiply ----------------------------------------------------------------------------

// Expected values of the products below were computed with Python's exact integers.
TEST(Uint256, MulByU64) {
  const Uint256 x = hex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  const std::uint64_t y = 0xfedcba9876543210;
  const auto [low, high] = Uint256::mul_wide(x, y);
  EXPECT_EQ(high, 0x121fa00ad77d742u);
  EXPECT_EQ(low, hex("2358d29092d964322358d29092d964322358d29092d964322236d88fe5618cf0"));
  EXPECT_TRUE(Uint256::overflowing_mul(x, y).second);
  EXPECT_FALSE(Uint256::checked_mul(x, y));

  // (2^256 - 1)(2^64 - 1) = 2^320 - 2^256 - 2^64 + 1
  const auto [low2, high2] = Uint256::mul_wide(Uint256::max(), ~0ULL);
  EXPECT_EQ(high2, 0xfffffffffffffffeu);
  EXPECT_EQ(low2, hex("ffffffffffffffffffffffffffffffffffffffffffffffff0000000000000001"));

  EXPECT_EQ(Uint256::checked_mul(pow2(191), 1ULL << 63), pow2(254));
  EXPECT_FALSE(Uint256::checked_mul(pow2(255), 2));
  EXPECT_EQ(Uint256::checked_mul(Uint256::max(), 1), Uint256::max());
  EXPECT_EQ(Uint256::checked_mul(Uint256::max(), 0), Uint256{});
}

TEST(Uint256, MulByUint256) {
  // (2^128 + 1)(2^128 - 1) = 2^256 - 1: fits exactly.
  EXPECT_EQ(Uint256::checked_mul(pow2(128) + Uint256(1), pow2(128) - Uint256(1)), Uint256::max());
  // 2^128 * 2^128 = 2^256: wraps to zero.
  const auto [wrapped, overflow] = Uint256::overflowing_mul(pow2(128), pow2(128));
  EXPECT_TRUE(overflow);
  EXPECT_EQ(wrapped, Uint256{});
  EXPECT_EQ(Uint256::checked_mul(pow2(200), pow2(55)), pow2(255));
  EXPECT_FALSE(Uint256::checked_mul(pow2(200), pow2(56)));
  // An overflow visible only through a carry out of the top limb.
  EXPECT_FALSE(Uint256::checked_mul(pow2(255) + Uint256(1), Uint256(2)));

  const Uint256 x = hex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  const Uint256 z = hex("deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef");
  const auto [xz, xz_overflow] = Uint256::overflowing_mul(x, z);
  EXPECT_TRUE(xz_overflow);
  EXPECT_EQ(xz, hex("3099fc933099fc932f9ca0b441d0f72dca13f72ddc484da7648b4da776bfa421"));
  const Uint256 w = hex("111111111111111111111111111111");
  EXPECT_EQ(Uint256::checked_mul(w, w), hex("123456789abcdf0123456789abcdefedcba987654320fedcba987654321"));
}

// --- Divide --------------------------------------------------------------------------------

TEST(Uint256, DivMod) {
  const Uint256 x = hex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  auto [q, r] = Uint256::divmod(x, Uint256(0xfedcba9876543210));
  EXPECT_EQ(q, hex("1249249249249237feb1a1f58d0fac58926106b79a7ee15"));
  EXPECT_EQ(r, Uint256(0x63794f9d55c8d29f));
  std::tie(q, r) = Uint256::divmod(x, hex("deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"));
  EXPECT_EQ(q, Uint256(0x14edb42702ef2c1));
  EXPECT_EQ(r, hex("790a974a01931fd1790a974a01931fd17a2ddcb18b3eedc0"));

  EXPECT_EQ(Uint256::max() / Uint256(1), Uint256::max());
  EXPECT_EQ(Uint256::max() / Uint256::max(), Uint256(1));
  EXPECT_EQ(Uint256::max() % Uint256::max(), Uint256{});
  EXPECT_EQ(Uint256::max() / pow2(224), Uint256(0xffffffff));
  EXPECT_EQ(Uint256(1) / Uint256(2), Uint256{});
  EXPECT_EQ(Uint256(1) % Uint256(2), Uint256(1));
  EXPECT_EQ(Uint256{} / Uint256(3), Uint256{});
  EXPECT_EQ(pow2(255) / pow2(255), Uint256(1));
  EXPECT_EQ(pow2(255) / Uint256(2), pow2(254));
}

TEST(Uint256DeathTest, DivisionByZeroAborts) { EXPECT_DEATH((void)Uint256::divmod(Uint256(1), Uint256{}), ""); }

// --- Shifts ------------------------------------------------------------------------------------

TEST(Uint256, Shifts) {
  EXPECT_EQ(Uint256(1) << 255, Uint256::from_limbs(0, 0, 0, 1ULL << 63));
  EXPECT_EQ(Uint256(1) << 256, Uint256{});
  EXPECT_EQ(Uint256::max() << 1000, Uint256{});
  EXPECT_EQ(Uint256::max() >> 256, Uint256{});
  EXPECT_EQ(Uint256::max() >> 255, Uint256(1));
  EXPECT_EQ(Uint256::max() << 0, Uint256::max());
  EXPECT_EQ(Uint256::max() >> 0, Uint256::max());
  // Bits crossing a limb boundary.
  EXPECT_EQ(Uint256(0x8000000000000001) << 1, Uint256::from_limbs(2, 1, 0, 0));
  EXPECT_EQ(Uint256::from_limbs(2, 1, 0, 0) >> 1, Uint256(0x8000000000000001));
  EXPECT_EQ(Uint256(0xabc) << 128, Uint256::from_limbs(0, 0, 0xabc, 0));
  EXPECT_EQ(Uint256::from_limbs(0, 0, 0xabc, 0) >> 124, Uint256(0xabc0));
  EXPECT_EQ(Uint256::max() << 200 >> 200, Uint256::max() >> 200);
}

TEST(Uint256, BitwiseOperators) {
  const Uint256 a = Uint256::from_limbs(0xf0f0, 0, ~0ULL, 1);
  const Uint256 b = Uint256::from_limbs(0xff00, 5, 0, 3);
  EXPECT_EQ(a & b, Uint256::from_limbs(0xf000, 0, 0, 1));
  EXPECT_EQ(a | b, Uint256::from_limbs(0xfff0, 5, ~0ULL, 3));
  EXPECT_EQ(~Uint256{}, Uint256::max());
  EXPECT_EQ(~a, Uint256::max() - a);
}

// --- Random cross-checks -------------------------------------------------------------------------

// Small operands where unsigned __int128 holds every exact result.
TEST(Uint256, RandomCrossCheckAgainstInt128) {
  std::mt19937_64 rng(0x5eed);
  auto u128 = [&rng] { return (static_cast<U128>(rng()) << 64) | rng(); };
  for (int i = 0; i < 20000; ++i) {
    const U128 a = u128() >> (rng() % 128);
    const U128 b = u128() >> (rng() % 128);
    // add: operands below 2^127 so the sum fits.
    const U128 a1 = a >> 1;
    const U128 b1 = b >> 1;
    ASSERT_EQ(to_u128(from_u128(a1) + from_u128(b1)), a1 + b1);
    // sub (larger minus smaller).
    const U128 hi = a > b ? a : b;
    const U128 lo = a > b ? b : a;
    ASSERT_EQ(to_u128(from_u128(hi) - from_u128(lo)), hi - lo);
    // mul: 64-bit operands, exact 128-bit product, both overloads.
    const auto x = static_cast<std::uint64_t>(a);
    const auto y = static_cast<std::uint64_t>(b);
    ASSERT_EQ(to_u128(from_u128(x) * y), static_cast<U128>(x) * y);
    ASSERT_EQ(to_u128(from_u128(x) * from_u128(y)), static_cast<U128>(x) * y);
    // divmod.
    if (b != 0) {
      const auto [q, r] = Uint256::divmod(from_u128(a), from_u128(b));
      ASSERT_EQ(to_u128(q), a / b);
      ASSERT_EQ(to_u128(r), a % b);
    }
    // shifts within 128 bits.
    const unsigned s = static_cast<unsigned>(rng() % 64);
    ASSERT_EQ(to_u128(from_u128(x) << s), static_cast<U128>(x) << s);
    ASSERT_EQ(to_u128(from_u128(a) >> s), a >> s);
    ASSERT_EQ(from_u128(a) < from_u128(b), a < b);
  }
}

// Full-width operands: algebraic identities that a wrong carry, borrow or division step
// would break.
TEST(Uint256, RandomFullWidthIdentities) {
  std::mt19937_64 rng(0xc0ffee);
  auto random = [&rng] {
    const Uint256 v = Uint256::from_limbs(rng(), rng(), rng(), rng());
    return v >> static_cast<unsigned>(rng() % 256);
  };
  for (int i = 0; i < 5000; ++i) {
    const Uint256 a = random();
    const Uint256 b = random();
    const auto [sum, carry] = Uint256::overflowing_add(a, b);
    ASSERT_EQ(carry, sum < a);
    ASSERT_EQ(sum - b, a);
    const auto [diff, borrow] = Uint256::overflowing_sub(a, b);
    ASSERT_EQ(borrow, a < b);
    ASSERT_EQ(diff + b, a);
    if (!b.is_zero()) {
      const auto [q, r] = Uint256::divmod(a, b);
      ASSERT_LT(r, b);
      const auto qb = Uint256::checked_mul(q, b);
      ASSERT_TRUE(qb.has_value());
      ASSERT_EQ(Uint256::checked_add(*qb, r), a);
    }
    const std::uint64_t m = rng() >> (rng() % 64);
    const auto [low, high] = Uint256::mul_wide(a, m);
    ASSERT_EQ(low, a * Uint256(m));
    ASSERT_EQ(high != 0, Uint256::overflowing_mul(a, Uint256(m)).second);
    // a * 2^k == a << k when nothing is shifted out.
    const unsigned k = static_cast<unsigned>(rng() % 256);
    const auto [shifted, lost] = Uint256::overflowing_mul(a, pow2(k));
    ASSERT_EQ(shifted, a << k);
    ASSERT_EQ(lost, ((a << k) >> k) != a);
  }
}

}  // namespace
}  // namespace cloudchain::util
