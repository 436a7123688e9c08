#pragma once
// The authenticated state tree (docs/protocol.md, section 9): a binary sparse Merkle
// tree over 256-bit keys, path-compressed at the leaves (hashing rules in
// state/hashing.hpp and state/proof.hpp), stored node by node in a NodeStore.
//
// Updates are batched: one call applies a sorted list of (key, value or deletion) to a
// root and returns the new root. The batch is split recursively along key bits, so
// k updates cost O(k log n) hashes and a node above several updated keys is hashed
// once. Deleting a key collapses every subtree left with a single leaf back into that
// leaf, so the result depends only on the final set of (key, value_hash) pairs, never
// on the order or history of updates.
//
// Old roots stay readable: updates only add nodes (content-addressed), never change or
// remove them.
//
// Thread-safety: a StateTree and its store belong to one thread at a time.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "state/node_store.hpp"
#include "state/proof.hpp"

namespace cloudchain::state {

struct TreeValue {
  Hash256 value_hash{};  // what the tree commits to; the record layer picks the tag
  Bytes value;           // at most kMaxValueSize bytes, stored in the leaf node
  friend bool operator==(const TreeValue&, const TreeValue&) = default;
};

struct TreeUpdate {
  Hash256 key{};
  std::optional<TreeValue> value;  // nullopt deletes the key (a no-op when absent)
};

/// The value stored under `key` in the tree `root`, or nullopt. Reads one node per
/// level. Errors: kMissingNode, kCorruptNode.
util::Result<std::optional<TreeValue>, StateError> tree_get(const NodeStore& store, const Hash256& root,
                                                            const Hash256& key);

/// An inclusion proof when `key` is present, otherwise a non-inclusion proof; either
/// verifies with verify_proof. Errors: kMissingNode, kCorruptNode.
util::Result<StateProof, StateError> tree_prove(const NodeStore& store, const Hash256& root, const Hash256& key);

class StateTree {
 public:
  /// The tree reads and writes nodes in `store`, which must outlive it.
  explicit StateTree(NodeStore& store) : m_store(store) {}

  /// Applies `batch` to the tree whose root is `root` and returns the new root; the new
  /// nodes are put into the store (nothing else is written). REQUIRES of the input,
  /// checked: keys strictly ascending (kUnsortedBatch), values <= kMaxValueSize bytes
  /// (kValueTooLarge). Errors from the store: kMissingNode, kCorruptNode. On error the
  /// store may hold some new nodes that no root reaches; they are harmless.
  /// `old_values`, when given, receives for each batch entry (same index) the value the
  /// key had under `root` (nullopt: absent): what undoing the update needs, found on the
  /// way down at no extra read.
  util::Result<Hash256, StateError> update(const Hash256& root, std::span<const TreeUpdate> batch,
                                           std::vector<std::optional<TreeValue>>* old_values = nullptr);

  /// tree_get on this tree's store.
  util::Result<std::optional<TreeValue>, StateError> get(const Hash256& root, const Hash256& key) const {
    return tree_get(m_store, root, key);
  }
  /// tree_prove on this tree's store.
  util::Result<StateProof, StateError> prove(const Hash256& root, const Hash256& key) const {
    return tree_prove(m_store, root, key);
  }

  /// Tagged hashes computed by update() since construction or the last reset (the
  /// measure of update cost the benchmarks report).
  std::uint64_t hash_count() const { return m_hash_count; }
  void reset_hash_count() { m_hash_count = 0; }

 private:
  NodeStore& m_store;
  std::uint64_t m_hash_count = 0;
};

}  // namespace cloudchain::state
