#pragma once
// Proof-of-Work consensus rules (docs/consensus-pow.md): chain work, the ASERT
// difficulty rule (aserti3-2d), the header PoW check and the timestamp rules.
//
// Every function here is pure: no I/O, no clock (the current time is a parameter), no
// globals, no locks; safe to call from any thread. Bad input (headers from the network)
// is answered with a PowError, never an assert. The chain layer decides where each
// check runs (header sync, block connect) through its own interface; these functions
// are the rules it calls.
//
// Units: timestamps, the ideal block time, the half-life and the future drift are
// milliseconds (header timestamp_ms); targets are 256-bit numbers, compared and stored
// big-endian (docs/protocol.md section 6). The ASERT arithmetic is unit-agnostic, so
// the Bitcoin Cash test vectors (seconds) run through the same code.

#include <cstdint>
#include <span>
#include <string_view>

#include "primitives/header.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/uint256.hpp"

namespace cloudchain::consensus {

using util::Hash256;
using util::Uint256;

enum class PowError {
  kNotPow,           // the header carries a PoW seal (seal kind 1)
  kBadBits,          // bits decode to a canonical compact target with 1 <= target <= pow_limit
  kBitsNotExpected,  // bits == expected_bits(params, anchor, parent): the ASERT target of this height
  kHighHash,         // block hash, read big-endian, <= target(bits)
  kTimeTooOld,       // timestamp_ms > median of the previous (up to) 11 timestamps
  kTimeTooNew,       // timestamp_ms <= now_ms + max_future_drift_ms
  kWorkOverflow,     // cumulative chain work < 2^256
  kBadParams,        // local: PowParams or the ASERT anchor are unusable (see validate_params)
};
std::string_view to_string(PowError e);

/// Whether a header failing with `e` shows that its sender misbehaved. False for
/// kTimeTooNew (the header may become valid as time passes: drop it, do not punish),
/// kBadParams (our configuration) and kWorkOverflow (a local arithmetic limit).
bool is_sender_fault(PowError e);

/// Per-chain PoW parameters, fixed in the genesis file.
struct PowParams {
  std::uint64_t target_block_time_ms = 0;  // ideal spacing between blocks
  std::uint64_t asert_half_life_ms = 0;    // time ahead of/behind schedule that doubles/halves the target
  Hash256 pow_limit{};                     // the easiest target allowed (big-endian)
  std::uint32_t genesis_bits = 0;          // compact target of the genesis block (the ASERT anchor)
  std::uint64_t max_future_drift_ms = 0;   // how far past the local clock a timestamp may be
};

/// Bound on target_block_time_ms (about 49 days) that keeps the ASERT exponent's
/// intermediate products exact in 128-bit arithmetic for every u64 height.
inline constexpr std::uint64_t kMaxTargetBlockTimeMs = std::uint64_t{1} << 32;

/// Checks that `params` can drive the rules below (kBadParams, with the field in the
/// detail): 1 <= target_block_time_ms <= kMaxTargetBlockTimeMs, asert_half_life_ms >= 1,
/// pow_limit != 0, genesis_bits canonical with a target <= pow_limit.
util::Result<void, PowError> validate_params(const PowParams& params);

// --- Work ----------------------------------------------------------------------------

/// The expected number of hashes to find a block at `target`: floor(2^256 / (target+1)),
/// computed as Bitcoin's GetBlockProof: (~target / (target + 1)) + 1. Returns 0 for a
/// target of 0 (no decodable header has one) and 1 for 2^256 - 1.
Uint256 work_from_target(const Uint256& target);
/// work_from_target of a header's bits; kBadBits if the bits are not canonical.
util::Result<Uint256, PowError> work_from_bits(std::uint32_t bits);
/// total + work; kWorkOverflow if the sum reaches 2^256.
util::Result<Uint256, PowError> add_work(const Uint256& total, const Uint256& work);

// --- ASERT difficulty (aserti3-2d) -------------------------------------------------------

/// The block ASERT schedules from: its height, its PARENT's timestamp and its bits.
/// The parent timestamp is signed because the genesis anchor's parent is virtual and
/// may precede the epoch (see genesis_anchor).
struct AsertAnchor {
  std::uint64_t height = 0;
  std::int64_t parent_timestamp_ms = 0;
  std::uint32_t bits = 0;
};

/// The anchor of a chain that runs ASERT from genesis: height 0, genesis_bits, and a
/// virtual parent one ideal block time before the genesis timestamp, so that a block 1
/// found exactly on schedule keeps the genesis target. kBadParams if validate_params
/// fails or genesis_timestamp_ms does not fit in int64.
util::Result<AsertAnchor, PowError> genesis_anchor(const PowParams& params, std::uint64_t genesis_timestamp_ms);

/// The target a child of (parent_height, parent_timestamp_ms) must carry, before compact
/// rounding. Exactly the aserti3-2d integer algorithm (Bitcoin Cash, 15 Nov 2020):
///   exponent = ((t_parent - t_anchor_parent - T * (h_parent - h_anchor + 1)) * 2^16) / half_life
///   (truncated toward zero), shifts = exponent >> 16 (floor), frac = exponent mod 2^16,
///   factor = 2^16 + ((195766423245049*frac + 971821376*frac^2 + 5127*frac^3 + 2^47) >> 48),
///   target = anchor_target * factor * 2^shifts / 2^16 (truncated), clamped to [1, pow_limit].
/// The product is kept exact to 320 bits, so pow_limit may be as large as 2^256 - 1
/// (Bitcoin Cash relies on its limit being below 2^224 instead).
/// Uses only target_block_time_ms, asert_half_life_ms and pow_limit of `params`.
/// Errors (all kBadParams, local): those fields out of range (as validate_params), anchor
/// bits not canonical or above pow_limit, parent_height < anchor.height.
util::Result<Uint256, PowError> expected_target(const PowParams& params, const AsertAnchor& anchor,
                                                std::uint64_t parent_height, std::uint64_t parent_timestamp_ms);
/// bits_from_target(expected_target(...)): the bits a valid child header carries.
util::Result<std::uint32_t, PowError> expected_bits(const PowParams& params, const AsertAnchor& anchor,
                                                    std::uint64_t parent_height, std::uint64_t parent_timestamp_ms);

// --- Header rules -----------------------------------------------------------------------------

/// Context-free: the header has a PoW seal (kNotPow), its bits are canonical with
/// target <= params.pow_limit (kBadBits), and its block hash <= target (kHighHash).
util::Result<void, PowError> check_pow(const primitives::BlockHeader& header, const PowParams& params);

/// Median of the timestamps (Bitcoin's GetMedianTimePast): the element at index n/2 of
/// the sorted values, i.e. the upper median for an even count. Pass the timestamps of
/// the last (up to) 11 blocks ending with the parent, in height order; only the last 11
/// are used. Returns 0 for an empty span (a chain with no blocks has no past).
std::uint64_t median_time_past(std::span<const std::uint64_t> timestamps_ms);

/// The timestamp rule: median_time_past_ms < timestamp_ms (kTimeTooOld) and
/// timestamp_ms <= now_ms + max_future_drift_ms, saturating (kTimeTooNew).
util::Result<void, PowError> check_timestamp(std::uint64_t timestamp_ms, std::uint64_t median_time_past_ms,
                                             std::uint64_t now_ms, std::uint64_t max_future_drift_ms);

/// What a header's contextual PoW rules need to know about its parent.
struct PowParent {
  std::uint64_t height = 0;
  std::uint64_t timestamp_ms = 0;
  /// Timestamps of the last (up to) 11 blocks ending with the parent, oldest first.
  std::span<const std::uint64_t> recent_timestamps_ms;
};

/// Contextual header rules, in order: PoW seal (kNotPow), timestamp rule against the
/// parent's median time past and `now_ms` (kTimeTooOld, kTimeTooNew), and bits equal to
/// expected_bits (kBitsNotExpected; kBadParams if params/anchor are unusable). Does not
/// repeat check_pow; the height and parent-hash links are the chain layer's rules.
util::Result<void, PowError> check_header_contextual(const PowParams& params, const AsertAnchor& anchor,
                                                     const PowParent& parent, const primitives::BlockHeader& header,
                                                     std::uint64_t now_ms);

}  // namespace cloudchain::consensus
