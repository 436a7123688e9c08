#include "crypto/merkle.hpp"

#include <array>
#include <cstdlib>

#include "crypto/sha256.hpp"

namespace cloudchain::crypto {

// The recursive definition (split at the largest power of two below n) equals this
// level-by-level pairing in which an unpaired last node moves up unchanged: both put
// the leftmost complete subtrees first. The iterative form needs no recursion and one
// buffer.

std::string_view to_string(MerkleError e) {
  switch (e) {
    case MerkleError::kIndexOutOfRange: return "merkle_index_out_of_range";
    case MerkleError::kWrongPathLength: return "merkle_wrong_path_length";
    case MerkleError::kRootMismatch: return "merkle_root_mismatch";
  }
  return "merkle_unknown";
}

Hash256 merkle_leaf_hash(ByteSpan data) {
  static constexpr std::array<std::uint8_t, 1> kLeafPrefix{0x00};
  return Sha256().update(kLeafPrefix).update(data).finish();
}

Hash256 merkle_node_hash(const Hash256& left, const Hash256& right) {
  std::array<std::uint8_t, 65> buf{};
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf.begin() + 1);
  std::copy(right.begin(), right.end(), buf.begin() + 33);
  return sha256(buf);
}

Hash256 merkle_root(std::span<const Hash256> leaf_hashes) {
  if (leaf_hashes.empty()) return sha256({});
  std::vector<Hash256> level(leaf_hashes.begin(), leaf_hashes.end());
  std::size_t size = level.size();
  while (size > 1) {
    std::size_t out = 0;
    for (std::size_t i = 0; i + 1 < size; i += 2) level[out++] = merkle_node_hash(level[i], level[i + 1]);
    if (size % 2 == 1) level[out++] = level[size - 1];
    size = out;
  }
  return level[0];
}

MerkleProof merkle_proof(std::span<const Hash256> leaf_hashes, std::uint64_t index) {
  if (index >= leaf_hashes.size()) std::abort();  // REQUIRES violated: a caller bug
  MerkleProof proof;
  proof.index = index;
  proof.tree_size = leaf_hashes.size();
  std::vector<Hash256> level(leaf_hashes.begin(), leaf_hashes.end());
  std::size_t size = level.size();
  std::size_t pos = index;
  while (size > 1) {
    // An unpaired last node has no sibling at this level: nothing enters the path.
    const std::size_t sibling = pos ^ 1;
    if (sibling < size) proof.path.push_back(level[sibling]);
    std::size_t out = 0;
    for (std::size_t i = 0; i + 1 < size; i += 2) level[out++] = merkle_node_hash(level[i], level[i + 1]);
    if (size % 2 == 1) level[out++] = level[size - 1];
    size = out;
    pos /= 2;
  }
  return proof;
}

util::Result<void, MerkleError> verify_merkle_proof(const Hash256& leaf_hash, const MerkleProof& proof,
                                                    const Hash256& root) {
  if (proof.index >= proof.tree_size) return util::fail(MerkleError::kIndexOutOfRange);
  // RFC 9162 section 2.1.3.2. fn walks the leaf's position upward; sn is the position
  // of the tree's last node on the same level. Both evolve independently of the hashes,
  // so a path of the wrong length is detected as such.
  std::uint64_t fn = proof.index;
  std::uint64_t sn = proof.tree_size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof.path) {
    if (sn == 0) return util::fail(MerkleError::kWrongPathLength, "path too long");
    if ((fn & 1) == 1 || fn == sn) {
      r = merkle_node_hash(p, r);
      // Skip the levels where this node was the unpaired last one.
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = merkle_node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return util::fail(MerkleError::kWrongPathLength, "path too short");
  if (r != root) return util::fail(MerkleError::kRootMismatch);
  return {};
}

}  // namespace cloudchain::crypto
