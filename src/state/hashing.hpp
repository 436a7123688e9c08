#pragma once
// The hashing rules of the state tree (docs/protocol.md, section 9), shared by the
// tree, its proofs and their verifier.
//
// Bit d of a key (d = 0 at the root) is bit 7 - d % 8 of byte d / 8: 0 goes left,
// 1 right, so the tree orders leaves as their keys sort bytewise.
//
// All functions are pure and thread-safe.

#include <cstddef>

#include "util/bytes.hpp"

namespace cloudchain::state {

using util::Hash256;

inline constexpr std::size_t kKeyBits = 256;

/// The hash of the empty subtree, and so the root of the empty state.
inline constexpr Hash256 kEmptyHash{};

/// Bit `depth` (0..255) of `key`, most significant bit of byte 0 first.
inline bool key_bit(const Hash256& key, std::size_t depth) { return ((key[depth / 8] >> (7 - depth % 8)) & 1U) != 0; }

/// H_cloudchain/smt-leaf(key || value_hash).
Hash256 smt_leaf_hash(const Hash256& key, const Hash256& value_hash);
/// H_cloudchain/smt-node(left || right).
Hash256 smt_node_hash(const Hash256& left, const Hash256& right);

}  // namespace cloudchain::state
