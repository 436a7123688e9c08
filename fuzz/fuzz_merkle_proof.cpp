// RFC 6962 inclusion proofs.
// Part 1: fuzz bytes parsed as (leaf hash, index, tree size, path, root) and verified:
//   no crash, no hang, and an accepted proof has index < tree_size and exactly the path
//   length the tree shape needs.
// Part 2: a tree built from fuzz-derived leaves: every leaf's generated proof verifies
//   against the root, and fails once its first path node is changed.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/merkle.hpp"

namespace {

using namespace cloudchain;
using crypto::Hash256;
using crypto::MerkleProof;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

Hash256 consume_hash(FuzzedDataProvider& in) {
  Hash256 h{};
  const auto bytes = in.ConsumeBytes<std::uint8_t>(h.size());
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

/// Audit path length for (index, size) from the tree shape: one node per level at
/// which the running node has a sibling.
std::size_t expected_path_length(std::uint64_t index, std::uint64_t size) {
  std::size_t len = 0;
  while (size > 1) {
    if ((index ^ 1) < size) ++len;
    index >>= 1;
    size = size / 2 + size % 2;
  }
  return len;
}

void verify_parsed(FuzzedDataProvider& in) {
  MerkleProof proof;
  // Small sizes half of the time, so the shape rules are actually reached.
  const bool small = in.ConsumeBool();
  proof.tree_size = small ? in.ConsumeIntegralInRange<std::uint64_t>(0, 300) : in.ConsumeIntegral<std::uint64_t>();
  proof.index = small ? in.ConsumeIntegralInRange<std::uint64_t>(0, 300) : in.ConsumeIntegral<std::uint64_t>();
  const std::size_t path_len = in.ConsumeIntegralInRange<std::size_t>(0, 70);
  for (std::size_t i = 0; i < path_len; ++i) proof.path.push_back(consume_hash(in));
  const Hash256 leaf = consume_hash(in);
  const Hash256 root = consume_hash(in);

  const auto result = crypto::verify_merkle_proof(leaf, proof, root);
  if (result) {
    check(proof.index < proof.tree_size);
    check(proof.path.size() == expected_path_length(proof.index, proof.tree_size));
  } else if (result.error().code == crypto::MerkleError::kIndexOutOfRange) {
    check(proof.index >= proof.tree_size);
  } else if (result.error().code == crypto::MerkleError::kWrongPathLength) {
    check(proof.path.size() != expected_path_length(proof.index, proof.tree_size));
  }
}

void verify_built(FuzzedDataProvider& in) {
  std::vector<Hash256> leaves;
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(1, 96);
  for (std::size_t i = 0; i < n; ++i) {
    const auto data = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 8));
    leaves.push_back(crypto::merkle_leaf_hash(data));
  }
  const Hash256 root = crypto::merkle_root(leaves);
  for (std::uint64_t i = 0; i < n; ++i) {
    MerkleProof proof = crypto::merkle_proof(leaves, i);
    check(proof.path.size() == expected_path_length(i, n));
    check(crypto::verify_merkle_proof(leaves[i], proof, root).has_value());
    if (!proof.path.empty()) {
      proof.path[0][0] ^= 1;
      check(!crypto::verify_merkle_proof(leaves[i], proof, root).has_value());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    verify_parsed(in);
  } else {
    verify_built(in);
  }
  return 0;
}
