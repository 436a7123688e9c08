#include "consensus/reward.hpp"

namespace cloudchain::consensus {

std::uint64_t block_reward(std::uint64_t height, const RewardSchedule& schedule) {
  constexpr std::uint64_t kMaxHalvings = 64;
  if (schedule.halving_interval == 0) return schedule.initial;
  const std::uint64_t halvings = height / schedule.halving_interval;
  if (halvings >= kMaxHalvings) return 0;
  return schedule.initial >> halvings;
}

}  // namespace cloudchain::consensus
