#pragma once
// PowEngine: the Proof-of-Work rules (consensus/pow.hpp, consensus/reward.hpp) behind
// the chain's ConsensusEngine interface (chain/engine.hpp), which lets chain/ call them
// without depending on consensus/ (the layer above it).
//
//   check_header          check_pow (seal kind, bits within the limit, hash <= target),
//                         then check_header_contextual against the parent: timestamp
//                         above the median time past of the last 11 blocks, at most
//                         max_future_drift_ms past now, bits = the ASERT bits anchored
//                         at genesis (genesis_anchor of the genesis header's timestamp)
//   work                  work_from_bits
//   block_reward          block_reward(height, schedule)
//   next_header_template  seal {expected bits, nonce 0}; timestamp max(now, MTP + 1)
//
// Each PowError maps to its own BlockError (kNotPow -> kWrongSealKind, kBadParams ->
// kEngineFailure, every other code to the BlockError of the same name), so every
// rejection keeps its own code.
//
// Pure and immutable after construction: any thread, any number at once.

#include <cstdint>

#include "chain/engine.hpp"
#include "consensus/pow.hpp"
#include "consensus/reward.hpp"

namespace cloudchain::consensus {

/// The chain's code for a PoW rule failure.
chain::BlockError to_block_error(PowError e);

class PowEngine final : public chain::ConsensusEngine {
 public:
  /// Errors: kBadParams when validate_params(params) fails.
  static util::Result<PowEngine, PowError> create(const PowParams& params, const RewardSchedule& reward);

  util::Result<void, chain::BlockError> check_header(const primitives::BlockHeader& header,
                                                     const chain::HeaderContext& ctx) const override;
  util::Result<Uint256, chain::BlockError> work(const primitives::BlockHeader& header) const override;
  std::uint64_t block_reward(std::uint64_t height) const override;
  util::Result<primitives::BlockHeader, chain::BlockError> next_header_template(
      const chain::HeaderContext& parent_ctx) const override;

  const PowParams& params() const { return m_params; }
  const RewardSchedule& reward() const { return m_reward; }

 private:
  PowEngine(const PowParams& params, const RewardSchedule& reward) : m_params(params), m_reward(reward) {}
  util::Result<AsertAnchor, chain::BlockError> anchor(const chain::HeaderContext& ctx) const;

  PowParams m_params;
  RewardSchedule m_reward;
};

}  // namespace cloudchain::consensus
