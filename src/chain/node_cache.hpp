#pragma once
// NodeCache: a bounded in-memory cache of state tree nodes in front of the database's
// node store. Tree nodes are content-addressed (stored under their own hash, never
// changed), so a cached node can never be stale: the cache needs no invalidation, only
// a size bound. It removes the dominant cost of connecting a block: reading every
// touched account walks ~log2(n) nodes from the root, and without it each step is a
// RocksDB lookup, repeated by the tree update at commit.
//
// Nodes are kept decoded, so get_node() (what the tree reads through) copies a node
// (two hashes for an inner node) instead of allocating and decoding an encoding.
//
// Eviction is two-generational (a cheap approximation of LRU): lookups hit the current
// or the previous generation (a previous-generation hit is promoted); when the current
// generation outgrows half the budget, it becomes the previous one and the old previous
// one is dropped. So the cache holds at most `budget_bytes` of nodes (counted as their
// encoded size plus map overhead) and keeps what was used since the last rotation.
//
// put() adds nodes known to be in the base store (a committed block's new nodes), so
// the next block reads them from memory. Thread-safety: none; the chain thread owns it.

#include <cstddef>
#include <optional>

#include "state/node_map.hpp"

namespace cloudchain::chain {

class NodeCache final : public state::NodeStore {
 public:
  /// `base` must outlive the cache.
  NodeCache(const state::NodeStore& base, std::size_t budget_bytes) : m_base(base), m_budget(budget_bytes) {}

  /// The node's encoding from the cache, else from the base store (then cached).
  std::optional<util::Bytes> get(const util::Hash256& hash) const override;
  /// The node from the cache, else read from the base store, decoded and cached.
  util::Result<state::Node, state::StateError> get_node(const util::Hash256& hash) const override;
  /// Caches a node that the base store holds. REQUIRES: `hash` is the node's address.
  /// An encoding that does not decode is not cached.
  void put(const util::Hash256& hash, util::Bytes encoding) override;
  /// Caches a decoded node that the base store holds (no encoding, no decoding).
  void put_node(const util::Hash256& hash, state::Node node) override;

  std::size_t size() const { return m_current.size() + m_previous.size(); }
  std::size_t hits() const { return m_hits; }
  std::size_t misses() const { return m_misses; }

 private:
  using Map = state::NodeMap;
  // The cached node, promoted to the current generation; nullptr when not cached.
  const state::Node* find(const util::Hash256& hash) const;
  const state::Node& insert(const util::Hash256& hash, state::Node node) const;

  const state::NodeStore& m_base;
  const std::size_t m_budget;
  // get() is const (the NodeStore interface) but fills the cache.
  mutable Map m_current;
  mutable Map m_previous;
  mutable std::size_t m_current_bytes = 0;
  mutable std::size_t m_hits = 0;
  mutable std::size_t m_misses = 0;
};

}  // namespace cloudchain::chain
