#pragma once
// Merkle trees of RFC 6962 / RFC 9162 (section 2.1):
//   MTH({})        = SHA-256()                          (empty tree)
//   leaf hash      = SHA-256(0x00 || d)
//   node hash      = SHA-256(0x01 || left || right)
//   MTH(D[n]), n>1 = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
// The last leaf is never duplicated, so no two different leaf lists share a root
// (the CVE-2012-2459 malleation cannot happen). A block's transaction root is the MTH
// of its transaction ids (each id is the leaf data d).
//
// Inclusion proofs are RFC 9162 audit paths (siblings from the leaf upward); the
// verifier follows RFC 9162 section 2.1.3.2 and rejects a path of the wrong length.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::crypto {

using util::ByteSpan;
using util::Hash256;

Hash256 merkle_leaf_hash(ByteSpan data);
Hash256 merkle_node_hash(const Hash256& left, const Hash256& right);

/// Root over already computed leaf hashes. Work: n-1 node hashes.
Hash256 merkle_root(std::span<const Hash256> leaf_hashes);

struct MerkleProof {
  std::uint64_t index = 0;      // position of the leaf, 0-based
  std::uint64_t tree_size = 0;  // number of leaves
  std::vector<Hash256> path;    // audit path, leaf level first

  friend bool operator==(const MerkleProof&, const MerkleProof&) = default;
};

/// The audit path of leaf `index`. REQUIRES: index < leaf_hashes.size().
MerkleProof merkle_proof(std::span<const Hash256> leaf_hashes, std::uint64_t index);

enum class MerkleError {
  kIndexOutOfRange,  // index < tree_size
  kWrongPathLength,  // the path has exactly as many nodes as the tree needs for this index
  kRootMismatch,     // recomputed root differs from the expected root
};
std::string_view to_string(MerkleError e);

/// Checks that `leaf_hash` is at `proof.index` in the tree of `proof.tree_size`
/// leaves whose root is `root`.
util::Result<void, MerkleError> verify_merkle_proof(const Hash256& leaf_hash, const MerkleProof& proof,
                                                    const Hash256& root);

}  // namespace cloudchain::crypto
