#include "chain/node_cache.hpp"

#include <utility>
#include <variant>

namespace cloudchain::chain {

namespace {
// Per-entry bookkeeping of a NodeMap slot beyond the node itself (as state::node_memory).
constexpr std::size_t kEntryOverhead = 96;

std::size_t cost_of(const state::Node& node) {
  const auto* leaf = std::get_if<state::LeafNode>(&node);
  return kEntryOverhead + sizeof(state::Node) + (leaf != nullptr ? leaf->value.size() : 0);
}
}  // namespace

const state::Node* NodeCache::find(const util::Hash256& hash) const {
  if (auto it = m_current.find(hash); it != m_current.end()) {
    ++m_hits;
    return &it->second;
  }
  if (auto it = m_previous.find(hash); it != m_previous.end()) {
    ++m_hits;
    state::Node node = std::move(it->second);
    m_previous.erase(it);
    return &insert(hash, std::move(node));
  }
  ++m_misses;
  return nullptr;
}

std::optional<util::Bytes> NodeCache::get(const util::Hash256& hash) const {
  if (const state::Node* node = find(hash)) return state::encode_node(*node);
  std::optional<util::Bytes> encoding = m_base.get(hash);
  if (encoding) {
    if (auto node = state::decode_node(*encoding)) insert(hash, std::move(*node));
  }
  return encoding;
}

util::Result<state::Node, state::StateError> NodeCache::get_node(const util::Hash256& hash) const {
  if (const state::Node* node = find(hash)) return *node;
  auto node = m_base.get_node(hash);
  if (node) insert(hash, *node);
  return node;
}

void NodeCache::put(const util::Hash256& hash, util::Bytes encoding) {
  if (auto node = state::decode_node(encoding)) insert(hash, std::move(*node));
}

void NodeCache::put_node(const util::Hash256& hash, state::Node node) { insert(hash, std::move(node)); }

const state::Node& NodeCache::insert(const util::Hash256& hash, state::Node node) const {
  if (m_current_bytes > m_budget / 2) {
    m_previous = std::move(m_current);
    m_current = Map{};
    m_current_bytes = 0;
  }
  const std::size_t cost = cost_of(node);
  auto [it, inserted] = m_current.insert_or_assign(hash, std::move(node));
  if (inserted) m_current_bytes += cost;
  return it->second;
}

}  // namespace cloudchain::chain
