#include "chain/leaf_cache.hpp"

namespace cloudchain::chain {

namespace {
// Map entry, key, optional TreeValue and its value's heap block, roughly.
constexpr std::size_t kEntryCost = 160;
}  // namespace

std::optional<std::optional<state::TreeValue>> LeafCache::find(const util::Hash256& root,
                                                               const util::Hash256& key) const {
  if (root != m_root) return std::nullopt;
  auto it = m_values.find(key);
  if (it == m_values.end()) return std::nullopt;
  return it->second;
}

void LeafCache::remember(const util::Hash256& root, const util::Hash256& key,
                         const std::optional<state::TreeValue>& value) {
  if (root == m_root) put(key, value);
}

void LeafCache::put(const util::Hash256& key, const std::optional<state::TreeValue>& value) {
  if (m_bytes + kEntryCost > m_budget) {
    m_values.clear();
    m_bytes = 0;
    if (kEntryCost > m_budget) return;
  }
  auto [it, inserted] = m_values.insert_or_assign(key, value);
  if (inserted) m_bytes += kEntryCost;
}

void LeafCache::apply(const util::Hash256& new_root, const std::vector<StateChange>& changes) {
  m_root = new_root;
  for (const StateChange& c : changes) put(c.key, c.new_value);
}

void LeafCache::reset(const util::Hash256& root) {
  m_root = root;
  m_values.clear();
  m_bytes = 0;
}

}  // namespace cloudchain::chain
