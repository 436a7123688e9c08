#include "state/node_store.hpp"

#include <algorithm>

#include "util/hex.hpp"

namespace cloudchain::state {

namespace {

constexpr std::uint8_t kInnerTag = 1;
constexpr std::uint8_t kLeafTag = 2;
constexpr std::size_t kInnerSize = 1 + 32 + 32;
constexpr std::size_t kLeafFixedSize = 1 + 32 + 32 + 4;

void put_hash(Bytes& out, const Hash256& h) { out.insert(out.end(), h.begin(), h.end()); }

Hash256 read_hash(ByteSpan in, std::size_t pos) {
  Hash256 h;
  std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(pos), h.size(), h.begin());
  return h;
}

}  // namespace

std::string_view to_string(StateError e) {
  switch (e) {
    case StateError::kUnsortedBatch: return "state_unsorted_batch";
    case StateError::kValueTooLarge: return "state_value_too_large";
    case StateError::kMissingNode: return "state_missing_node";
    case StateError::kCorruptNode: return "state_corrupt_node";
    case StateError::kCorruptRecord: return "state_corrupt_record";
  }
  return "state_unknown";
}

Bytes encode_node(const Node& node) {
  Bytes out;
  if (const auto* inner = std::get_if<InnerNode>(&node)) {
    out.reserve(kInnerSize);
    out.push_back(kInnerTag);
    put_hash(out, inner->left);
    put_hash(out, inner->right);
    return out;
  }
  const auto& leaf = std::get<LeafNode>(node);
  out.reserve(kLeafFixedSize + leaf.value.size());
  out.push_back(kLeafTag);
  put_hash(out, leaf.key);
  put_hash(out, leaf.value_hash);
  const auto len = static_cast<std::uint32_t>(leaf.value.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  util::append(out, leaf.value);
  return out;
}

util::Result<Node, StateError> decode_node(ByteSpan in) {
  if (in.empty()) return util::fail(StateError::kCorruptNode, "empty node");
  if (in[0] == kInnerTag) {
    if (in.size() != kInnerSize) return util::fail(StateError::kCorruptNode, "inner node length");
    return Node{InnerNode{read_hash(in, 1), read_hash(in, 33)}};
  }
  if (in[0] != kLeafTag) return util::fail(StateError::kCorruptNode, "node kind");
  if (in.size() < kLeafFixedSize) return util::fail(StateError::kCorruptNode, "leaf node truncated");
  std::uint32_t len = 0;
  for (std::size_t i = 0; i < 4; ++i) len |= static_cast<std::uint32_t>(in[65 + i]) << (8 * i);
  if (len > kMaxValueSize || in.size() - kLeafFixedSize != len) {
    return util::fail(StateError::kCorruptNode, "leaf value length");
  }
  LeafNode leaf{read_hash(in, 1), read_hash(in, 33), Bytes(in.begin() + kLeafFixedSize, in.end())};
  return Node{std::move(leaf)};
}

// By value in the interface so that a store keeping decoded nodes can move it in.
void NodeStore::put_node(const Hash256& hash, Node node) {  // NOLINT(performance-unnecessary-value-param)
  put(hash, encode_node(node));
}

std::optional<Bytes> MemoryNodeStore::get(const Hash256& hash) const {
  const auto it = m_nodes.find(hash);
  if (it == m_nodes.end()) return std::nullopt;
  return it->second;
}

void MemoryNodeStore::put(const Hash256& hash, Bytes encoding) { m_nodes.insert_or_assign(hash, std::move(encoding)); }

void MemoryNodeStore::put_all(const std::vector<StoredNode>& nodes) {
  for (const auto& n : nodes) put(n.hash, n.encoding);
}

std::optional<Bytes> StagingNodeStore::get(const Hash256& hash) const {
  const auto it = m_new.find(hash);
  if (it != m_new.end()) return it->second;
  return m_base.get(hash);
}

util::Result<Node, StateError> NodeStore::get_node(const Hash256& hash) const {
  auto bytes = get(hash);
  if (!bytes) return util::fail(StateError::kMissingNode, util::to_hex(hash));
  return decode_node(*bytes);
}

util::Result<Node, StateError> StagingNodeStore::get_node(const Hash256& hash) const {
  if (auto it = m_new.find(hash); it != m_new.end()) return decode_node(it->second);
  return m_base.get_node(hash);
}

void StagingNodeStore::put(const Hash256& hash, Bytes encoding) { m_new.insert_or_assign(hash, std::move(encoding)); }

std::vector<StoredNode> StagingNodeStore::take_nodes() {
  std::vector<StoredNode> out;
  out.reserve(m_new.size());
  for (auto& [hash, encoding] : m_new) out.push_back(StoredNode{hash, std::move(encoding)});
  m_new.clear();
  std::sort(out.begin(), out.end(), [](const StoredNode& a, const StoredNode& b) { return a.hash < b.hash; });
  return out;
}

}  // namespace cloudchain::state
