#pragma once
// The block reward schedule: what a block's beneficiary may mint on top of the fees.
// Pure; safe from any thread.

#include <cstdint>

namespace cloudchain::consensus {

/// Fixed in the genesis file.
struct RewardSchedule {
  std::uint64_t initial = 0;           // base units minted by each block of the first era
  std::uint64_t halving_interval = 0;  // blocks per era; 0 means the reward never halves
};

/// initial >> (height / halving_interval): halves at every multiple of the interval
/// (Bitcoin's GetBlockSubsidy), and is 0 from the 64th halving on, where a shift of the
/// u64 would be undefined. With halving_interval 0 it is `initial` at every height.
std::uint64_t block_reward(std::uint64_t height, const RewardSchedule& schedule);

}  // namespace cloudchain::consensus
