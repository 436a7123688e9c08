#pragma once
// Fee per byte as an exact fraction fee / size, compared by cross-multiplication in
// 128 bits, so no rounding ever orders two transactions differently on two nodes or
// lets a fee of 2^64 - 1 wrap. No floating point (STYLE.md rule 11), no compiler
// extension (__int128 is not ISO C++).
//
// All functions are pure and thread-safe.

#include <compare>
#include <cstdint>

namespace cloudchain::mempool {

/// The exact 128-bit product a * b.
struct U128 {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  friend auto operator<=>(const U128&, const U128&) = default;
};

constexpr U128 mul_wide(std::uint64_t a, std::uint64_t b) {
  constexpr std::uint64_t kMask = 0xffffffffULL;
  const std::uint64_t a_lo = a & kMask, a_hi = a >> 32;
  const std::uint64_t b_lo = b & kMask, b_hi = b >> 32;
  const std::uint64_t ll = a_lo * b_lo;
  const std::uint64_t lh = a_lo * b_hi;
  const std::uint64_t hl = a_hi * b_lo;
  const std::uint64_t hh = a_hi * b_hi;
  // Middle column: the high half of ll plus the low halves of the cross products.
  const std::uint64_t mid = (ll >> 32) + (lh & kMask) + (hl & kMask);
  return U128{hh + (lh >> 32) + (hl >> 32) + (mid >> 32), (mid << 32) | (ll & kMask)};
}

/// fee / size base units per byte. A size of 0 never occurs for a transaction (the
/// smallest encoding is primitives::kMinTxSize bytes); it compares as infinitely rich.
struct FeeRate {
  std::uint64_t fee = 0;
  std::uint64_t size = 1;

  /// Orders by value of the fraction: 3/2 == 6/4.
  friend std::strong_ordering operator<=>(const FeeRate& a, const FeeRate& b) {
    return mul_wide(a.fee, b.size) <=> mul_wide(b.fee, a.size);
  }
  friend bool operator==(const FeeRate& a, const FeeRate& b) { return (a <=> b) == 0; }
};

/// True when `fee` >= `per_byte` * `size` (exact; no overflow for any inputs).
constexpr bool pays_at_least(std::uint64_t fee, std::uint64_t per_byte, std::uint64_t size) {
  return mul_wide(per_byte, size) <= U128{0, fee};
}

/// Replace-by-fee: `new_fee` > `old_fee` and `new_fee` * 100 >= `old_fee` * (100 +
/// `bump_percent`) (exact). The strict increase keeps a zero bump from allowing endless
/// free churn of one nonce.
constexpr bool bumps_fee(std::uint64_t new_fee, std::uint64_t old_fee, std::uint32_t bump_percent) {
  return new_fee > old_fee && mul_wide(new_fee, 100) >= mul_wide(old_fee, std::uint64_t{100} + bump_percent);
}

}  // namespace cloudchain::mempool
