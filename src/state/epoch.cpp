#include "state/epoch.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "util/hex.hpp"

namespace cloudchain::state {

bool is_epoch_boundary(const PosRules& rules, std::uint64_t height) {
  return rules.epoch_blocks != 0 && height % rules.epoch_blocks == 0;
}

std::vector<ActiveValidator> select_validators(std::vector<Contender> candidates, const PosRules& rules) {
  std::erase_if(candidates, [&](const Contender& c) {
    return c.stake == 0 || c.stake < rules.min_stake || c.jailed_until_height != 0;
  });
  std::sort(candidates.begin(), candidates.end(), [](const Contender& a, const Contender& b) {
    return a.stake != b.stake ? a.stake > b.stake : a.key < b.key;
  });
  if (candidates.size() > rules.max_validators) candidates.resize(rules.max_validators);
  std::vector<ActiveValidator> out;
  out.reserve(candidates.size());
  for (const Contender& c : candidates) out.push_back({c.key, c.stake, c.account});
  std::sort(out.begin(), out.end(), [](const ActiveValidator& a, const ActiveValidator& b) { return a.key < b.key; });
  return out;
}

util::Result<bool, StateError> apply_epoch(StateOverlay& overlay, const PosRules& rules, std::uint64_t height) {
  if (!is_epoch_boundary(rules, height)) return false;
  auto keys = overlay.candidates();
  if (!keys) return std::unexpected(keys.error());
  std::vector<Contender> contenders;
  contenders.reserve(keys->size());
  for (const PublicKey& key : *keys) {
    auto record = overlay.validator(key);
    if (!record) return std::unexpected(record.error());
    const std::optional<ValidatorRecord>& found = *record;
    if (!found) return util::fail(StateError::kCorruptRecord, "candidate " + util::to_hex(key) + " has no validator");
    const ValidatorRecord validator = *found;
    auto account = overlay.account(validator.account);
    if (!account) return std::unexpected(account.error());
    if (account->stake == 0 || account->validator != key) {
      return util::fail(StateError::kCorruptRecord, "candidate " + util::to_hex(key) + " has no stake bonded to it");
    }
    contenders.push_back({key, account->stake, validator.account, validator.jailed_until_height});
  }
  std::vector<ActiveValidator> selected = select_validators(std::move(contenders), rules);
  if (selected.empty()) return false;
  const std::uint64_t effective = height == std::numeric_limits<std::uint64_t>::max() ? height : height + 1;
  overlay.set_active_set(ActiveSet{effective, std::move(selected)});
  return true;
}

}  // namespace cloudchain::state
