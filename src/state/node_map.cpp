#include "state/node_map.hpp"

#include <cstdlib>
#include <utility>
#include <variant>

namespace cloudchain::state {

std::size_t node_memory(const Node& node) {
  // A NodeMap slot beside the node: its key and control byte, and the share of empty
  // slots the table keeps (it grows by doubling at 7/8 full: ~2/3 full on average).
  constexpr std::size_t kEntryOverhead = 96;
  const auto* leaf = std::get_if<LeafNode>(&node);
  return kEntryOverhead + sizeof(Node) + (leaf != nullptr ? leaf->value.capacity() : 0);
}

std::size_t node_memory(const NodeMap& nodes) {
  std::size_t bytes = 0;
  for (const auto& [hash, node] : nodes) bytes += node_memory(node);
  return bytes;
}

std::optional<Bytes> NodeBuffer::get(const Hash256& hash) const {
  if (auto it = m_new.find(hash); it != m_new.end()) return encode_node(it->second);
  return m_base.get(hash);
}

util::Result<Node, StateError> NodeBuffer::get_node(const Hash256& hash) const {
  if (auto it = m_new.find(hash); it != m_new.end()) return it->second;
  return m_base.get_node(hash);
}

void NodeBuffer::put(const Hash256& hash, Bytes encoding) {
  if (auto node = decode_node(encoding)) m_new.insert_or_assign(hash, std::move(*node));
}

void NodeBuffer::put_node(const Hash256& hash, Node node) { m_new.insert_or_assign(hash, std::move(node)); }

const Node* LayeredNodeStore::find_in_layers(const Hash256& hash) const {
  for (auto it = m_layers.rbegin(); it != m_layers.rend(); ++it) {
    if (auto found = (*it)->find(hash); found != (*it)->end()) return &found->second;
  }
  return nullptr;
}

std::optional<Bytes> LayeredNodeStore::get(const Hash256& hash) const {
  if (const Node* node = find_in_layers(hash)) return encode_node(*node);
  return m_base.get(hash);
}

util::Result<Node, StateError> LayeredNodeStore::get_node(const Hash256& hash) const {
  if (const Node* node = find_in_layers(hash)) return *node;
  return m_base.get_node(hash);
}

void LayeredNodeStore::put(const Hash256& /*hash*/, Bytes /*encoding*/) { std::abort(); }

}  // namespace cloudchain::state
