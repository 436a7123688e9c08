#include "consensus/pow.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

namespace cloudchain::consensus {

namespace {

// GCC and Clang both provide a 128-bit integer; `__extension__` keeps -Wpedantic quiet.
// The ASERT exponent's numerator needs about 113 bits (see expected_target).
__extension__ using I128 = __int128;

// Beyond |exponent| = 300 * 2^16 the result no longer depends on the exponent: with
// shifts >= 300 every nonzero product overflows 256 bits (the target is pow_limit), and
// with shifts <= -300 a product below 2^273 shifts down to 0 (the target is 1). Clamping
// there keeps the later arithmetic in int64 without changing any result.
constexpr std::int64_t kExponentClamp = std::int64_t{300} << 16;

util::Result<Uint256, PowError> target_within_limit(std::uint32_t bits, const Uint256& pow_limit, PowError code,
                                                    std::string_view what) {
  const auto target = primitives::target_from_bits(bits);
  if (!target) {
    return util::fail(code, std::string(what) + ": " + std::string(primitives::to_string(target.error().code)));
  }
  Uint256 value = Uint256::from_be(*target);
  if (value > pow_limit) return util::fail(code, std::string(what) + ": target above pow_limit");
  return value;
}

// anchor_target * factor * 2^shift, exactly (factor < 2^17 so the product has at most
// 273 bits), then clamped to [1, pow_limit].
Uint256 scale_and_clamp(const Uint256& anchor_target, std::uint64_t factor, std::int64_t shift,
                        const Uint256& pow_limit) {
  const auto [low, high] = Uint256::mul_wide(anchor_target, factor);  // value = high * 2^256 + low
  Uint256 next;
  bool too_big = false;  // the exact value is >= 2^256
  if (shift >= 0) {
    const auto s = static_cast<unsigned>(shift);
    next = low << s;
    too_big = high != 0 || (next >> s) != low;
  } else {
    const auto r = static_cast<unsigned>(-shift);
    if (r < 64) too_big = (high >> r) != 0;
    if (r < Uint256::kBits) {
      next = (low >> r) | (Uint256(high) << (Uint256::kBits - r));
    } else if (r < Uint256::kBits + 64) {
      next = Uint256(high >> (r - Uint256::kBits));
    }  // else: shifted out entirely, next stays 0
  }
  if (too_big || next > pow_limit) return pow_limit;
  if (next.is_zero()) return Uint256(1);  // 0 is not a valid target; 1 is
  return next;
}

}  // namespace

std::string_view to_string(PowError e) {
  switch (e) {
    case PowError::kNotPow: return "not_pow";
    case PowError::kBadBits: return "bad_bits";
    case PowError::kBitsNotExpected: return "bits_not_expected";
    case PowError::kHighHash: return "high_hash";
    case PowError::kTimeTooOld: return "time_too_old";
    case PowError::kTimeTooNew: return "time_too_new";
    case PowError::kWorkOverflow: return "work_overflow";
    case PowError::kBadParams: return "bad_params";
  }
  return "unknown";
}

bool is_sender_fault(PowError e) {
  switch (e) {
    case PowError::kNotPow:
    case PowError::kBadBits:
    case PowError::kBitsNotExpected:
    case PowError::kHighHash:
    case PowError::kTimeTooOld: return true;
    case PowError::kTimeTooNew:
    case PowError::kWorkOverflow:
    case PowError::kBadParams: return false;
  }
  return false;
}

util::Result<void, PowError> validate_params(const PowParams& params) {
  if (params.target_block_time_ms == 0 || params.target_block_time_ms > kMaxTargetBlockTimeMs) {
    return util::fail(PowError::kBadParams, "target_block_time_ms outside [1, 2^32]");
  }
  if (params.asert_half_life_ms == 0) return util::fail(PowError::kBadParams, "asert_half_life_ms is 0");
  const Uint256 limit = Uint256::from_be(params.pow_limit);
  if (limit.is_zero()) return util::fail(PowError::kBadParams, "pow_limit is 0");
  if (auto t = target_within_limit(params.genesis_bits, limit, PowError::kBadParams, "genesis_bits"); !t) {
    return std::unexpected(t.error());
  }
  return {};
}

// --- Work ------------------------------------------------------------------------------

Uint256 work_from_target(const Uint256& target) {
  if (target.is_zero()) return Uint256{};
  if (target == Uint256::max()) return Uint256(1);  // target + 1 would wrap to 0
  // 2^256 / (t+1) does not fit the numerator in 256 bits; (2^256 - t - 1) / (t+1) + 1 is
  // the same floor and does: ~t = 2^256 - 1 - t.
  return ~target / (target + Uint256(1)) + Uint256(1);
}

util::Result<Uint256, PowError> work_from_bits(std::uint32_t bits) {
  const auto target = primitives::target_from_bits(bits);
  if (!target) return util::fail(PowError::kBadBits, std::string(primitives::to_string(target.error().code)));
  return work_from_target(Uint256::from_be(*target));
}

util::Result<Uint256, PowError> add_work(const Uint256& total, const Uint256& work) {
  const auto sum = Uint256::checked_add(total, work);
  if (!sum) return util::fail(PowError::kWorkOverflow, "cumulative work reaches 2^256");
  return *sum;
}

// --- ASERT -------------------------------------------------------------------------------

util::Result<AsertAnchor, PowError> genesis_anchor(const PowParams& params, std::uint64_t genesis_timestamp_ms) {
  if (auto ok = validate_params(params); !ok) return std::unexpected(ok.error());
  if (genesis_timestamp_ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return util::fail(PowError::kBadParams, "genesis timestamp above 2^63 - 1");
  }
  // target_block_time_ms <= 2^32 and the timestamp < 2^63, so this cannot overflow.
  const auto parent =
      static_cast<std::int64_t>(genesis_timestamp_ms) - static_cast<std::int64_t>(params.target_block_time_ms);
  return AsertAnchor{0, parent, params.genesis_bits};
}

util::Result<Uint256, PowError> expected_target(const PowParams& params, const AsertAnchor& anchor,
                                                std::uint64_t parent_height, std::uint64_t parent_timestamp_ms) {
  // Only the fields ASERT uses are checked here, so a caller may evaluate other
  // anchors (the Bitcoin Cash vectors) with the same params.
  if (params.target_block_time_ms == 0 || params.target_block_time_ms > kMaxTargetBlockTimeMs) {
    return util::fail(PowError::kBadParams, "target_block_time_ms outside [1, 2^32]");
  }
  if (params.asert_half_life_ms == 0) return util::fail(PowError::kBadParams, "asert_half_life_ms is 0");
  const Uint256 pow_limit = Uint256::from_be(params.pow_limit);
  const auto anchor_target = target_within_limit(anchor.bits, pow_limit, PowError::kBadParams, "anchor bits");
  if (!anchor_target) return std::unexpected(anchor_target.error());
  if (parent_height < anchor.height) return util::fail(PowError::kBadParams, "parent below the ASERT anchor");

  // |time_diff| < 2^65, spacing * (height_diff + 1) <= 2^32 * 2^64, times 2^16: below
  // 2^113, exact in 128 bits. Division truncates toward zero, as the spec's int64 one.
  const I128 time_diff = static_cast<I128>(parent_timestamp_ms) - static_cast<I128>(anchor.parent_timestamp_ms);
  const I128 height_diff = static_cast<I128>(parent_height - anchor.height);
  const I128 numerator = (time_diff - static_cast<I128>(params.target_block_time_ms) * (height_diff + 1)) * 65536;
  const I128 wide_exponent = numerator / static_cast<I128>(params.asert_half_life_ms);
  const auto exponent = static_cast<std::int64_t>(
      std::clamp<I128>(wide_exponent, -static_cast<I128>(kExponentClamp), static_cast<I128>(kExponentClamp)));

  // 2^exponent = 2^shifts * 2^(frac / 2^16) with frac in [0, 2^16): >> floors (C++20
  // defines it as arithmetic for negative values), unlike the division above.
  const std::int64_t shifts = exponent >> 16;
  const auto frac = static_cast<std::uint64_t>(exponent - shifts * 65536);
  // 2^(frac/2^16) * 2^16, by the spec's cubic; each term fits in u64 for frac < 2^16.
  const std::uint64_t factor = 65536 + ((195766423245049ULL * frac + 971821376ULL * frac * frac +
                                         5127ULL * frac * frac * frac + (std::uint64_t{1} << 47)) >>
                                        48);
  return scale_and_clamp(*anchor_target, factor, shifts - 16, pow_limit);
}

util::Result<std::uint32_t, PowError> expected_bits(const PowParams& params, const AsertAnchor& anchor,
                                                    std::uint64_t parent_height, std::uint64_t parent_timestamp_ms) {
  const auto target = expected_target(params, anchor, parent_height, parent_timestamp_ms);
  if (!target) return std::unexpected(target.error());
  return primitives::bits_from_target(target->to_be());
}

// --- Header rules ----------------------------------------------------------------------------

util::Result<void, PowError> check_pow(const primitives::BlockHeader& header, const PowParams& params) {
  const auto* seal = std::get_if<primitives::PowSeal>(&header.seal);
  if (seal == nullptr) return util::fail(PowError::kNotPow, "seal is not proof of work");
  const auto target =
      target_within_limit(seal->bits, Uint256::from_be(params.pow_limit), PowError::kBadBits, "header bits");
  if (!target) return std::unexpected(target.error());
  if (!primitives::hash_meets_target(primitives::block_hash(header), target->to_be())) {
    return util::fail(PowError::kHighHash, "block hash above target");
  }
  return {};
}

std::uint64_t median_time_past(std::span<const std::uint64_t> timestamps_ms) {
  constexpr std::size_t kWindow = 11;
  if (timestamps_ms.empty()) return 0;
  const auto window = timestamps_ms.last(std::min(kWindow, timestamps_ms.size()));
  std::array<std::uint64_t, kWindow> sorted{};
  std::copy(window.begin(), window.end(), sorted.begin());
  const auto used = sorted.begin() + static_cast<std::ptrdiff_t>(window.size());
  std::sort(sorted.begin(), used);
  return sorted[window.size() / 2];
}

util::Result<void, PowError> check_timestamp(std::uint64_t timestamp_ms, std::uint64_t median_time_past_ms,
                                             std::uint64_t now_ms, std::uint64_t max_future_drift_ms) {
  if (timestamp_ms <= median_time_past_ms) {
    return util::fail(PowError::kTimeTooOld, "timestamp not above the median of the last 11 blocks");
  }
  const std::uint64_t latest = now_ms > std::numeric_limits<std::uint64_t>::max() - max_future_drift_ms
                                   ? std::numeric_limits<std::uint64_t>::max()
                                   : now_ms + max_future_drift_ms;
  if (timestamp_ms > latest) return util::fail(PowError::kTimeTooNew, "timestamp beyond now + max_future_drift_ms");
  return {};
}

util::Result<void, PowError> check_header_contextual(const PowParams& params, const AsertAnchor& anchor,
                                                     const PowParent& parent, const primitives::BlockHeader& header,
                                                     std::uint64_t now_ms) {
  const auto* seal = std::get_if<primitives::PowSeal>(&header.seal);
  if (seal == nullptr) return util::fail(PowError::kNotPow, "seal is not proof of work");
  if (auto ok = check_timestamp(header.timestamp_ms, median_time_past(parent.recent_timestamps_ms), now_ms,
                                params.max_future_drift_ms);
      !ok) {
    return ok;
  }
  const auto bits = expected_bits(params, anchor, parent.height, parent.timestamp_ms);
  if (!bits) return std::unexpected(bits.error());
  if (seal->bits != *bits) return util::fail(PowError::kBitsNotExpected, "bits differ from the ASERT target");
  return {};
}

}  // namespace cloudchain::consensus
