#include "p2p/score.hpp"

#include <limits>

namespace cloudchain::p2p {

namespace {

struct Decayed {
  std::uint32_t points;
  std::uint64_t since_ms;
};

// While the score is 0 no decay is banked: the interval starts again with the next
// offence, so a quiet hour does not buy an hour of free offences.
Decayed decay(std::uint32_t points, std::uint64_t since_ms, std::uint64_t now_ms) {
  if (points == 0 || now_ms <= since_ms) return {points, points == 0 ? now_ms : since_ms};
  const std::uint64_t steps = (now_ms - since_ms) / MisbehaviourScore::kDecayIntervalMs;
  if (steps >= points) return {0, now_ms};
  return {points - static_cast<std::uint32_t>(steps), since_ms + steps * MisbehaviourScore::kDecayIntervalMs};
}

}  // namespace

std::uint32_t MisbehaviourScore::add(std::uint32_t points, std::uint64_t now_ms) {
  const Decayed d = decay(m_points, m_since_ms, now_ms);
  m_since_ms = d.since_ms;
  m_points = points > std::numeric_limits<std::uint32_t>::max() - d.points ? std::numeric_limits<std::uint32_t>::max()
                                                                           : d.points + points;
  return m_points;
}

std::uint32_t MisbehaviourScore::value(std::uint64_t now_ms) const {
  return decay(m_points, m_since_ms, now_ms).points;
}

}  // namespace cloudchain::p2p
