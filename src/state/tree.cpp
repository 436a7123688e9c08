#include "state/tree.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "util/hex.hpp"

namespace cloudchain::state {

namespace {

using NodeResult = util::Result<Node, StateError>;

NodeResult load_node(const NodeStore& store, const Hash256& hash) { return store.get_node(hash); }

enum class Shape { kEmpty, kLeaf, kInner, kUnknown };

// A subtree after an update: its hash and, when known without a read, its shape.
// The shape decides whether a parent collapses (one leaf) or stays an inner node.
struct Subtree {
  Hash256 hash{};
  Shape shape = Shape::kUnknown;
};

// One leaf to place while building a subtree from scratch: either a batch value (to be
// hashed and stored) or a leaf that already exists (hash and node known: reused as is).
struct Entry {
  const Hash256* key = nullptr;
  const TreeValue* value = nullptr;  // null for an existing leaf
  Hash256 existing_hash{};
};

// One update() call: recursion over the batch, writing new nodes to the store.
class TreeWriter {
 public:
  TreeWriter(NodeStore& store, std::uint64_t& hash_count, const TreeUpdate* first,
             std::vector<std::optional<TreeValue>>* old_values)
      : m_store(store), m_hash_count(hash_count), m_first(first), m_old_values(old_values) {}

  util::Result<Subtree, StateError> update_at(const Hash256& hash, std::size_t depth,
                                              std::span<const TreeUpdate> batch) {
    if (batch.empty()) return Subtree{hash, hash == kEmptyHash ? Shape::kEmpty : Shape::kUnknown};
    if (hash == kEmptyHash) {
      std::vector<Entry> entries;
      entries.reserve(batch.size());
      for (const auto& u : batch) {
        if (u.value) entries.push_back(Entry{&u.key, &*u.value, {}});
      }
      return build(depth, entries);
    }
    auto node = load_node(m_store, hash);
    if (!node) return std::unexpected(node.error());
    if (const auto* leaf = std::get_if<LeafNode>(&*node)) return merge_leaf(hash, *leaf, depth, batch);

    const auto& inner = std::get<InnerNode>(*node);
    if (depth >= kKeyBits) return util::fail(StateError::kCorruptNode, "inner node below depth 256");
    const auto split = std::partition_point(batch.begin(), batch.end(),
                                            [depth](const TreeUpdate& u) { return !key_bit(u.key, depth); });
    const auto left_batch = batch.subspan(0, static_cast<std::size_t>(split - batch.begin()));
    const auto right_batch = batch.subspan(left_batch.size());
    auto left = update_at(inner.left, depth + 1, left_batch);
    if (!left) return left;
    auto right = update_at(inner.right, depth + 1, right_batch);
    if (!right) return right;
    if (left->hash == inner.left && right->hash == inner.right) return Subtree{hash, Shape::kInner};
    return join(*left, *right);
  }

 private:
  // The subtree at `depth` is the single leaf `leaf` (address `hash`): the new subtree
  // holds that leaf unless the batch deletes or replaces it, plus the batch's values.
  util::Result<Subtree, StateError> merge_leaf(const Hash256& hash, const LeafNode& leaf, std::size_t depth,
                                               std::span<const TreeUpdate> batch) {
    std::vector<Entry> entries;
    entries.reserve(batch.size() + 1);
    const Entry existing{&leaf.key, nullptr, hash};
    bool placed = false;
    for (const auto& u : batch) {
      if (!placed && leaf.key < u.key) {
        entries.push_back(existing);
        placed = true;
      }
      if (u.key == leaf.key) {
        placed = true;
        if (m_old_values != nullptr) {
          (*m_old_values)[static_cast<std::size_t>(&u - m_first)] = TreeValue{leaf.value_hash, leaf.value};
        }
        if (!u.value) continue;
        // The same value hash is the same leaf: keep its hash instead of rehashing.
        entries.push_back(u.value->value_hash == leaf.value_hash ? existing : Entry{&u.key, &*u.value, {}});
        continue;
      }
      if (u.value) entries.push_back(Entry{&u.key, &*u.value, {}});
    }
    if (!placed) entries.push_back(existing);
    return build(depth, entries);
  }

  // The canonical subtree at `depth` holding exactly `entries` (sorted, unique keys that
  // share the path to `depth`).
  util::Result<Subtree, StateError> build(std::size_t depth, std::span<const Entry> entries) {
    if (entries.empty()) return Subtree{kEmptyHash, Shape::kEmpty};
    if (entries.size() == 1) return make_leaf(entries.front());
    // Two distinct keys differ in some bit below 256, so this holds unless the store
    // handed back a leaf whose key is off its path.
    if (depth >= kKeyBits) return util::fail(StateError::kCorruptNode, "leaf key off its path");
    const auto split = std::partition_point(entries.begin(), entries.end(),
                                            [depth](const Entry& e) { return !key_bit(*e.key, depth); });
    const auto left_entries = entries.subspan(0, static_cast<std::size_t>(split - entries.begin()));
    auto left = build(depth + 1, left_entries);
    if (!left) return left;
    auto right = build(depth + 1, entries.subspan(left_entries.size()));
    if (!right) return right;
    return make_inner(left->hash, right->hash);
  }

  // A parent of two updated subtrees. An inner node that is left with one leaf and
  // an empty side becomes that leaf: this collapse is what makes the root independent
  // of history.
  util::Result<Subtree, StateError> join(Subtree left, Subtree right) {
    if (left.shape == Shape::kEmpty && right.shape == Shape::kEmpty) return Subtree{kEmptyHash, Shape::kEmpty};
    if (left.shape == Shape::kEmpty || right.shape == Shape::kEmpty) {
      Subtree& other = left.shape == Shape::kEmpty ? right : left;
      if (other.shape == Shape::kUnknown) {
        auto node = load_node(m_store, other.hash);
        if (!node) return std::unexpected(node.error());
        other.shape = std::holds_alternative<LeafNode>(*node) ? Shape::kLeaf : Shape::kInner;
      }
      if (other.shape == Shape::kLeaf) return other;
    }
    return make_inner(left.hash, right.hash);
  }

  Subtree make_leaf(const Entry& e) {
    if (e.value == nullptr) return Subtree{e.existing_hash, Shape::kLeaf};
    ++m_hash_count;
    const Hash256 h = smt_leaf_hash(*e.key, e.value->value_hash);
    m_store.put_node(h, LeafNode{*e.key, e.value->value_hash, e.value->value});
    return Subtree{h, Shape::kLeaf};
  }

  Subtree make_inner(const Hash256& left, const Hash256& right) {
    ++m_hash_count;
    const Hash256 h = smt_node_hash(left, right);
    m_store.put_node(h, InnerNode{left, right});
    return Subtree{h, Shape::kInner};
  }

  NodeStore& m_store;
  std::uint64_t& m_hash_count;
  const TreeUpdate* m_first;                            // the whole batch's first entry
  std::vector<std::optional<TreeValue>>* m_old_values;  // null: not wanted
};

}  // namespace

util::Result<Hash256, StateError> StateTree::update(const Hash256& root, std::span<const TreeUpdate> batch,
                                                    std::vector<std::optional<TreeValue>>* old_values) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i > 0 && !(batch[i - 1].key < batch[i].key)) {
      return util::fail(StateError::kUnsortedBatch, "at index " + std::to_string(i));
    }
    const std::optional<TreeValue>& value = batch[i].value;
    if (value && value->value.size() > kMaxValueSize) {
      return util::fail(StateError::kValueTooLarge, "at index " + std::to_string(i));
    }
  }
  if (old_values != nullptr) old_values->assign(batch.size(), std::nullopt);
  TreeWriter writer(m_store, m_hash_count, batch.data(), old_values);
  auto result = writer.update_at(root, 0, batch);
  if (!result) return std::unexpected(result.error());
  return result->hash;
}

util::Result<std::optional<TreeValue>, StateError> tree_get(const NodeStore& store, const Hash256& root,
                                                            const Hash256& key) {
  Hash256 hash = root;
  for (std::size_t depth = 0;; ++depth) {
    if (hash == kEmptyHash) return std::optional<TreeValue>{};
    auto node = load_node(store, hash);
    if (!node) return std::unexpected(node.error());
    if (auto* leaf = std::get_if<LeafNode>(&*node)) {
      if (leaf->key != key) return std::optional<TreeValue>{};
      return std::optional<TreeValue>{TreeValue{leaf->value_hash, std::move(leaf->value)}};
    }
    if (depth >= kKeyBits) return util::fail(StateError::kCorruptNode, "inner node below depth 256");
    const auto& inner = std::get<InnerNode>(*node);
    hash = key_bit(key, depth) ? inner.right : inner.left;
  }
}

util::Result<StateProof, StateError> tree_prove(const NodeStore& store, const Hash256& root, const Hash256& key) {
  StateProof proof;
  Hash256 hash = root;
  for (std::size_t depth = 0;; ++depth) {
    if (hash == kEmptyHash) return proof;
    auto node = load_node(store, hash);
    if (!node) return std::unexpected(node.error());
    if (const auto* leaf = std::get_if<LeafNode>(&*node)) {
      proof.leaf = ProofLeaf{leaf->key, leaf->value_hash};
      return proof;
    }
    if (depth >= kKeyBits) return util::fail(StateError::kCorruptNode, "inner node below depth 256");
    const auto& inner = std::get<InnerNode>(*node);
    const bool right = key_bit(key, depth);
    proof.siblings.push_back(right ? inner.left : inner.right);
    hash = right ? inner.right : inner.left;
  }
}

}  // namespace cloudchain::state
