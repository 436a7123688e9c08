#include "consensus/pos/validator_set.hpp"

#include <algorithm>
#include <limits>

namespace cloudchain::consensus::pos {

std::string_view to_string(ValidatorSetError e) {
  switch (e) {
    case ValidatorSetError::kEmpty: return "empty";
    case ValidatorSetError::kTooManyValidators: return "too_many_validators";
    case ValidatorSetError::kBadKey: return "bad_key";
    case ValidatorSetError::kZeroPower: return "zero_power";
    case ValidatorSetError::kDuplicateKey: return "duplicate_key";
    case ValidatorSetError::kTotalPowerTooLarge: return "total_power_too_large";
  }
  return "unknown";
}

util::Result<ValidatorSet, ValidatorSetError> ValidatorSet::create(std::vector<Validator> validators,
                                                                   std::uint64_t first_height) {
  if (validators.empty()) return util::fail(ValidatorSetError::kEmpty);
  if (validators.size() > kMaxValidators) {
    return util::fail(ValidatorSetError::kTooManyValidators, std::to_string(validators.size()) + " validators");
  }
  for (const auto& v : validators) {
    if (!crypto::is_valid_public_key(v.key)) return util::fail(ValidatorSetError::kBadKey);
  }
  for (const auto& v : validators) {
    if (v.power == 0) return util::fail(ValidatorSetError::kZeroPower);
  }
  std::ranges::sort(validators, {}, &Validator::key);
  if (std::ranges::adjacent_find(validators, {}, &Validator::key) != validators.end()) {
    return util::fail(ValidatorSetError::kDuplicateKey);
  }
  std::uint64_t total = 0;
  for (const auto& v : validators) {
    // Both operands are <= 2^60 here, so the sum cannot wrap before the check.
    if (v.power > kMaxTotalPower || total + v.power > kMaxTotalPower) {
      return util::fail(ValidatorSetError::kTotalPowerTooLarge);
    }
    total += v.power;
  }
  return ValidatorSet(std::move(validators), total, first_height);
}

std::optional<std::size_t> ValidatorSet::index_of(const crypto::PublicKey& key) const {
  const auto it = std::ranges::lower_bound(m_validators, key, {}, &Validator::key);
  if (it == m_validators.end() || it->key != key) return std::nullopt;
  return static_cast<std::size_t>(it - m_validators.begin());
}

bool ValidatorSet::more_than_two_thirds(std::uint64_t power) const {
  if (power >= m_total) return true;  // also keeps 3 * power below 2^64
  return 3 * power > 2 * m_total;
}

bool ValidatorSet::more_than_one_third(std::uint64_t power) const {
  if (power >= m_total) return true;
  return 3 * power > m_total;
}

ProposerSchedule::ProposerSchedule(ValidatorSet set)
    : m_set(std::move(set)), m_priority(m_set.size(), 0), m_checkpoints{m_priority} {}

void ProposerSchedule::step() {
  const auto vals = m_set.validators();
  std::size_t best = 0;
  for (std::size_t i = 0; i < vals.size(); ++i) {
    m_priority[i] += static_cast<Priority>(vals[i].power);
    // Strictly greater: on a tie the lower index (the lower key) stays.
    if (m_priority[i] > m_priority[best]) best = i;
  }
  m_priority[best] -= static_cast<Priority>(m_set.total_power());
  m_last = best;
  ++m_steps;
  if (m_steps % kCheckpointInterval == 0 && m_steps / kCheckpointInterval == m_checkpoints.size()) {
    m_checkpoints.push_back(m_priority);
  }
}

std::optional<std::size_t> ProposerSchedule::proposer_index(std::uint64_t height, std::uint32_t round) {
  if (height < m_set.first_height()) return std::nullopt;
  const std::uint64_t offset = height - m_set.first_height();
  if (offset > std::numeric_limits<std::uint64_t>::max() - round - 1) return std::nullopt;
  const std::uint64_t target = offset + round + 1;  // the step that chooses this slot's proposer
  if (m_steps > target || m_steps == 0) {
    // Rewind to the last checkpoint at or before the slot's state (target - 1 steps).
    const std::uint64_t c = std::min<std::uint64_t>((target - 1) / kCheckpointInterval, m_checkpoints.size() - 1);
    m_priority = m_checkpoints[c];
    m_steps = c * kCheckpointInterval;
  }
  while (m_steps < target) step();
  return m_last;
}

std::optional<crypto::PublicKey> ProposerSchedule::proposer(std::uint64_t height, std::uint32_t round) {
  const auto i = proposer_index(height, round);
  if (!i) return std::nullopt;
  return m_set.validators()[*i].key;
}

}  // namespace cloudchain::consensus::pos
