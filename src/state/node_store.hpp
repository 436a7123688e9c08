#pragma once
// Storage of state tree nodes (docs/protocol.md, section 9).
//
// Nodes are content-addressed: a node is stored under its own hash, so a write never
// changes what an older root reaches, and every earlier root stays readable for undo
// and reorgs until something prunes it. Node encoding (the bytes a NodeStore holds):
//
//   node  = 1:u8 left:hash right:hash                          inner node, 65 bytes
//         | 2:u8 key:hash value_hash:hash value:bytes(65536)   leaf node
//
//   address(inner) = H_cloudchain/smt-node(left || right)
//   address(leaf)  = H_cloudchain/smt-leaf(key || value_hash)
//
// A leaf keeps its value next to it, so a lookup costs one read per level and no extra
// read for the value. The empty subtree (32 zero bytes) is never stored.
//
// Stores are not thread-safe; the chain actor owns them. A NodeStore trusts its own
// contents (it is local storage, not peer input): nodes are decoded strictly but their
// hashes are not recomputed on read.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "state/hashing.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::state {

using util::Bytes;
using util::ByteSpan;
using util::Hash256;

/// Values are records: an account is at most 74 bytes, the largest record is the PoS
/// candidate list (at most 4 + 1000 * 33 = 33004 bytes). The bound keeps a corrupt
/// length from allocating.
inline constexpr std::size_t kMaxValueSize = 65536;

enum class StateError {
  kUnsortedBatch,  // update: batch keys are strictly ascending (sorted, unique)
  kValueTooLarge,  // update: a value is at most kMaxValueSize bytes
  kMissingNode,    // every node reachable from the root is in the store
  kCorruptNode,    // a stored node decodes (known kind, exact length) and sits above depth 256
  kCorruptRecord,  // a stored record value decodes as its record kind
};
std::string_view to_string(StateError e);

struct InnerNode {
  Hash256 left{};
  Hash256 right{};
  friend bool operator==(const InnerNode&, const InnerNode&) = default;
};

struct LeafNode {
  Hash256 key{};
  Hash256 value_hash{};
  Bytes value;
  friend bool operator==(const LeafNode&, const LeafNode&) = default;
};

using Node = std::variant<InnerNode, LeafNode>;

Bytes encode_node(const Node& node);
/// Errors: kCorruptNode (unknown kind byte, truncated, value too long, trailing bytes).
util::Result<Node, StateError> decode_node(ByteSpan in);

/// A node as written: its address and its encoding.
struct StoredNode {
  Hash256 hash{};
  Bytes encoding;
  friend bool operator==(const StoredNode&, const StoredNode&) = default;
};

/// Hashes a Hash256 for unordered containers: its first 8 bytes are already uniform.
struct Hash256Hasher {
  std::size_t operator()(const Hash256& h) const {
    std::size_t out = 0;
    for (std::size_t i = 0; i < sizeof(std::size_t); ++i) out = (out << 8) | h[i];
    return out;
  }
};

/// Node storage addressed by node hash. Implementations: MemoryNodeStore (tests,
/// benchmarks), StagingNodeStore (collects one block's writes), NodeBuffer and
/// LayeredNodeStore (state/node_map.hpp), the chain's NodeCache and database store.
class NodeStore {
 public:
  virtual ~NodeStore() = default;
  /// The encoding stored under `hash`, or nullopt when there is none.
  virtual std::optional<Bytes> get(const Hash256& hash) const = 0;
  /// Stores `encoding` under `hash`. REQUIRES: `hash` is the node's address; writing the
  /// same node twice is harmless (content addressing).
  virtual void put(const Hash256& hash, Bytes encoding) = 0;
  /// Stores a node given decoded (what StateTree::update writes). The default encodes it
  /// and calls put(); a store that keeps nodes decoded takes it as is.
  virtual void put_node(const Hash256& hash, Node node);
  /// The node under `hash`, decoded. The default is get() + decode_node(); a store that
  /// keeps nodes decoded (chain::NodeCache) answers without copying an encoding.
  /// Errors: kMissingNode (detail: the hash in hex), kCorruptNode.
  virtual util::Result<Node, StateError> get_node(const Hash256& hash) const;
};

class MemoryNodeStore final : public NodeStore {
 public:
  std::optional<Bytes> get(const Hash256& hash) const override;
  void put(const Hash256& hash, Bytes encoding) override;
  /// Writes every node of a batch (e.g. StateOverlay::commit's output).
  void put_all(const std::vector<StoredNode>& nodes);
  std::size_t size() const { return m_nodes.size(); }

 private:
  std::unordered_map<Hash256, Bytes, Hash256Hasher> m_nodes;
};

/// A write buffer over a read-only store: reads see the buffer first, writes go only to
/// the buffer. It lets a whole block's tree update be computed without touching the
/// base store, then written in one atomic batch. `base` must outlive this object.
class StagingNodeStore final : public NodeStore {
 public:
  explicit StagingNodeStore(const NodeStore& base) : m_base(base) {}
  std::optional<Bytes> get(const Hash256& hash) const override;
  void put(const Hash256& hash, Bytes encoding) override;
  /// A buffered node decoded, else the base store's get_node (its fast path).
  util::Result<Node, StateError> get_node(const Hash256& hash) const override;
  /// The buffered nodes sorted by hash (a deterministic order), leaving the buffer empty.
  std::vector<StoredNode> take_nodes();

 private:
  const NodeStore& m_base;
  std::unordered_map<Hash256, Bytes, Hash256Hasher> m_new;
};

}  // namespace cloudchain::state
