#include "consensus/pow_engine.hpp"

#include <algorithm>
#include <variant>

namespace cloudchain::consensus {

namespace {

util::Error<chain::BlockError> mapped(const util::Error<PowError>& e) {
  return {to_block_error(e.code), std::string(to_string(e.code)) + ": " + e.detail};
}

}  // namespace

chain::BlockError to_block_error(PowError e) {
  switch (e) {
    case PowError::kNotPow: return chain::BlockError::kWrongSealKind;
    case PowError::kBadBits: return chain::BlockError::kBadBits;
    case PowError::kBitsNotExpected: return chain::BlockError::kBitsNotExpected;
    case PowError::kHighHash: return chain::BlockError::kHighHash;
    case PowError::kTimeTooOld: return chain::BlockError::kTimeTooOld;
    case PowError::kTimeTooNew: return chain::BlockError::kTimeTooNew;
    case PowError::kWorkOverflow: return chain::BlockError::kWorkOverflow;
    case PowError::kBadParams: return chain::BlockError::kEngineFailure;
  }
  return chain::BlockError::kEngineFailure;
}

util::Result<PowEngine, PowError> PowEngine::create(const PowParams& params, const RewardSchedule& reward) {
  if (auto ok = validate_params(params); !ok) return std::unexpected(ok.error());
  return PowEngine(params, reward);
}

util::Result<AsertAnchor, chain::BlockError> PowEngine::anchor(const chain::HeaderContext& ctx) const {
  auto a = genesis_anchor(m_params, ctx.genesis.timestamp_ms);
  if (!a) return std::unexpected(mapped(a.error()));
  return *a;
}

util::Result<void, chain::BlockError> PowEngine::check_header(const primitives::BlockHeader& header,
                                                              const chain::HeaderContext& ctx) const {
  // The proof of work first: it needs no context, and a header without it is rejected
  // before anything else is computed for it.
  if (auto pow = check_pow(header, m_params); !pow) return std::unexpected(mapped(pow.error()));
  auto a = anchor(ctx);
  if (!a) return std::unexpected(a.error());
  const PowParent parent{ctx.parent.height, ctx.parent.timestamp_ms, ctx.recent_timestamps_ms};
  if (auto c = check_header_contextual(m_params, *a, parent, header, ctx.now_ms); !c) {
    return std::unexpected(mapped(c.error()));
  }
  return {};
}

util::Result<Uint256, chain::BlockError> PowEngine::work(const primitives::BlockHeader& header) const {
  const auto* seal = std::get_if<primitives::PowSeal>(&header.seal);
  if (seal == nullptr) return util::fail(chain::BlockError::kWrongSealKind, "not a PoW seal");
  auto w = work_from_bits(seal->bits);
  if (!w) return std::unexpected(mapped(w.error()));
  return *w;
}

std::uint64_t PowEngine::block_reward(std::uint64_t height) const { return consensus::block_reward(height, m_reward); }

util::Result<primitives::BlockHeader, chain::BlockError> PowEngine::next_header_template(
    const chain::HeaderContext& parent_ctx) const {
  auto a = anchor(parent_ctx);
  if (!a) return std::unexpected(a.error());
  auto bits = expected_bits(m_params, *a, parent_ctx.parent.height, parent_ctx.parent.timestamp_ms);
  if (!bits) return std::unexpected(mapped(bits.error()));
  primitives::BlockHeader h;
  h.seal = primitives::PowSeal{*bits, 0};
  // The earliest timestamp the rule allows, or the clock if later: a miner whose clock
  // lags the chain still builds a valid block. MTP < 2^64 - 1 for any real chain.
  const std::uint64_t mtp = median_time_past(parent_ctx.recent_timestamps_ms);
  h.timestamp_ms = std::max(parent_ctx.now_ms, mtp + 1);
  return h;
}

}  // namespace cloudchain::consensus
