#pragma once
// Decoded tree nodes held in memory by the chain (docs/chain.md, "State
// checkpoints"): NodeMap, a hash map of nodes by address; NodeBuffer, the write buffer
// a block's tree update fills; LayeredNodeStore, unflushed layers over a base store.
// Apart from state/node_store.hpp so that only the code that holds nodes compiles the
// hash map's header (Abseil's).

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "state/node_store.hpp"

namespace cloudchain::state {

/// Decoded nodes by address: one block's new nodes, a layer of unflushed nodes. An open
/// addressing table (SwissTable): a lookup that misses, the common case when a read
/// goes through a stack of layers, costs one probe of a group of control bytes instead
/// of a modulo, a bucket load and a walk of its chain (docs/decisions.md). Iterators and
/// pointers into a map are invalidated by an insertion; the layers are immutable.
using NodeMap = absl::flat_hash_map<Hash256, Node, Hash256Hasher>;

/// Memory a node takes in a NodeMap or a cache (map entry, node, leaf value), for budgets.
std::size_t node_memory(const Node& node);
/// node_memory summed over a map.
std::size_t node_memory(const NodeMap& nodes);

/// A write buffer of decoded nodes over a read-only store: StagingNodeStore without
/// encodings. The tree's new nodes stay decoded (take() hands them over as a NodeMap),
/// so a caller that keeps them in memory never encodes or decodes them. `base` must
/// outlive this object.
class NodeBuffer final : public NodeStore {
 public:
  explicit NodeBuffer(const NodeStore& base) : m_base(base) {}
  std::optional<Bytes> get(const Hash256& hash) const override;
  util::Result<Node, StateError> get_node(const Hash256& hash) const override;
  /// Decodes `encoding` (an encoding that does not decode is dropped: the node stays missing).
  void put(const Hash256& hash, Bytes encoding) override;
  void put_node(const Hash256& hash, Node node) override;
  /// The buffered nodes, leaving the buffer empty.
  NodeMap take() { return std::move(m_new); }

 private:
  const NodeStore& m_base;
  NodeMap m_new;
};

/// A read-only stack of immutable node layers over a base store: a lookup tries the
/// layers from the last (newest) to the first, then the base. The chain publishes one
/// with each tip (its nodes not yet written to the database, over the database), so a
/// reader on any thread sees the tip's whole tree. Thread-safety: as the base store (the
/// layers never change); put() aborts: nothing writes through a view.
class LayeredNodeStore final : public NodeStore {
 public:
  using Layers = std::vector<std::shared_ptr<const NodeMap>>;
  /// `base` must outlive this object; the layers are shared, never copied.
  LayeredNodeStore(const NodeStore& base, Layers layers) : m_base(base), m_layers(std::move(layers)) {}
  std::optional<Bytes> get(const Hash256& hash) const override;
  util::Result<Node, StateError> get_node(const Hash256& hash) const override;
  [[noreturn]] void put(const Hash256& hash, Bytes encoding) override;
  /// The node if a layer holds it (never the base), else nullptr.
  const Node* find_in_layers(const Hash256& hash) const;
  const Layers& layers() const { return m_layers; }

 private:
  const NodeStore& m_base;
  Layers m_layers;
};

}  // namespace cloudchain::state
