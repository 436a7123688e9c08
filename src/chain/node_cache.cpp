#include "chain/node_cache.hpp"

namespace cloudchain::chain {

namespace {
// Per-entry bookkeeping of an unordered_map node beyond the encoding itself.
constexpr std::size_t kEntryOverhead = 96;
}  // namespace

std::optional<util::Bytes> NodeCache::get(const util::Hash256& hash) const {
  if (auto it = m_current.find(hash); it != m_current.end()) {
    ++m_hits;
    return it->second;
  }
  if (auto it = m_previous.find(hash); it != m_previous.end()) {
    ++m_hits;
    util::Bytes encoding = std::move(it->second);
    m_previous.erase(it);
    insert(hash, encoding);
    return encoding;
  }
  ++m_misses;
  std::optional<util::Bytes> encoding = m_base.get(hash);
  if (encoding) insert(hash, *encoding);
  return encoding;
}

void NodeCache::put(const util::Hash256& hash, util::Bytes encoding) { insert(hash, std::move(encoding)); }

void NodeCache::insert(const util::Hash256& hash, util::Bytes encoding) const {
  if (m_current_bytes > m_budget / 2) {
    m_previous = std::move(m_current);
    m_current = Map{};
    m_current_bytes = 0;
  }
  const std::size_t cost = encoding.size() + kEntryOverhead;
  if (m_current.insert_or_assign(hash, std::move(encoding)).second) m_current_bytes += cost;
}

}  // namespace cloudchain::chain
