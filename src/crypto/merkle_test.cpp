#include "crypto/merkle.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "crypto/sha256.hpp"
#include "util/hex.hpp"

namespace cloudchain::crypto {
namespace {

using util::from_hex;
using util::to_hex;

// The Certificate Transparency reference vectors (RFC 6962 test data): eight leaves,
// the root of each prefix of 1..8 leaves, and audit paths (leaf index 0-based here).
constexpr std::array<std::string_view, 8> kLeaves = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};
constexpr std::array<std::string_view, 8> kRoots = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct PathVector {
  std::uint64_t index;
  std::uint64_t tree_size;
  std::vector<std::string_view> path;
};

const std::vector<PathVector>& path_vectors() {
  static const std::vector<PathVector> kVectors = {
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  return kVectors;
}

std::vector<Hash256> reference_leaf_hashes() {
  std::vector<Hash256> out;
  for (const auto hex : kLeaves) out.push_back(merkle_leaf_hash(from_hex(hex).value()));
  return out;
}

TEST(Merkle, EmptyTreeIsSha256OfNothing) {
  EXPECT_EQ(to_hex(merkle_root({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Merkle, Rfc6962Roots) {
  const auto leaves = reference_leaf_hashes();
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    EXPECT_EQ(to_hex(merkle_root(std::span(leaves).first(n))), kRoots[n - 1]) << "size " << n;
  }
}

TEST(Merkle, Rfc6962AuditPaths) {
  const auto leaves = reference_leaf_hashes();
  for (const auto& v : path_vectors()) {
    const auto tree = std::span(leaves).first(v.tree_size);
    const MerkleProof proof = merkle_proof(tree, v.index);
    ASSERT_EQ(proof.path.size(), v.path.size());
    for (std::size_t i = 0; i < v.path.size(); ++i) EXPECT_EQ(to_hex(proof.path[i]), v.path[i]);
    EXPECT_EQ(proof.index, v.index);
    EXPECT_EQ(proof.tree_size, v.tree_size);
    const Hash256 root = util::from_hex_array<32>(kRoots[v.tree_size - 1]).value();
    EXPECT_TRUE(verify_merkle_proof(leaves[v.index], proof, root).has_value());
  }
}

TEST(Merkle, NodeHashPrefixes) {
  const Hash256 a = merkle_leaf_hash({});
  const Hash256 b = merkle_leaf_hash(util::Bytes{0x00});
  util::Bytes pre{0x01};
  util::append(pre, a);
  util::append(pre, b);
  EXPECT_EQ(merkle_node_hash(a, b), sha256(pre));
  EXPECT_EQ(merkle_leaf_hash({}), sha256(util::Bytes{0x00}));
}

TEST(Merkle, NoDuplicatedLastLeaf) {
  // CVE-2012-2459: with a duplicated last leaf, [a,b,c] and [a,b,c,c] share a root.
  const auto leaves = reference_leaf_hashes();
  std::vector<Hash256> three(leaves.begin(), leaves.begin() + 3);
  std::vector<Hash256> four = three;
  four.push_back(three.back());
  EXPECT_NE(merkle_root(three), merkle_root(four));
}

Hash256 flip(Hash256 h, std::size_t bit) {
  h[bit / 8] = static_cast<std::uint8_t>(h[bit / 8] ^ (1U << (bit % 8)));
  return h;
}

/// The hash chain a proof describes, derived from the tree shape (not from the
/// verifier's algorithm): for each level with a sibling, whether the sibling is left.
std::vector<bool> chain(std::uint64_t index, std::uint64_t size) {
  std::vector<bool> out;
  while (size > 1) {
    if ((index ^ 1) < size) out.push_back((index & 1) == 1);
    index >>= 1;
    size = (size + 1) / 2;
  }
  return out;
}

bool same_chain(const MerkleProof& a, const MerkleProof& b) {
  return b.index < b.tree_size && chain(a.index, a.tree_size) == chain(b.index, b.tree_size);
}

TEST(Merkle, EveryProofVerifiesAndEveryTamperingFails) {
  std::mt19937_64 rng(6962);
  for (std::uint64_t n = 1; n <= 70; ++n) {
    std::vector<Hash256> leaves(n);
    for (auto& l : leaves) {
      for (auto& b : l) b = static_cast<std::uint8_t>(rng());
    }
    const Hash256 root = merkle_root(leaves);
    for (std::uint64_t i = 0; i < n; ++i) {
      const MerkleProof proof = merkle_proof(leaves, i);
      ASSERT_TRUE(verify_merkle_proof(leaves[i], proof, root).has_value()) << n << ":" << i;
      const std::size_t bit = rng() % 256;
      EXPECT_FALSE(verify_merkle_proof(flip(leaves[i], bit), proof, root).has_value());
      EXPECT_FALSE(verify_merkle_proof(leaves[i], proof, flip(root, bit)).has_value());
      for (std::size_t p = 0; p < proof.path.size(); ++p) {
        MerkleProof bad = proof;
        bad.path[p] = flip(bad.path[p], rng() % 256);
        EXPECT_EQ(verify_merkle_proof(leaves[i], bad, root).error().code, MerkleError::kRootMismatch);
      }
      // A changed index or size is accepted exactly when it gives the same hash
      // chain (e.g. leaf 0 of 5 and of 7 leaves both hash with 3 right siblings):
      // RFC 9162 verification cannot tell those apart, and nothing else may pass.
      for (std::uint64_t b = 0; b < 7; ++b) {
        MerkleProof bad = proof;
        bad.index ^= 1ULL << b;
        EXPECT_EQ(verify_merkle_proof(leaves[i], bad, root).has_value(), same_chain(proof, bad))
            << n << ":" << i << " index bit " << b;
        bad = proof;
        bad.tree_size ^= 1ULL << b;
        EXPECT_EQ(verify_merkle_proof(leaves[i], bad, root).has_value(), same_chain(proof, bad))
            << n << ":" << i << " size bit " << b;
      }
      MerkleProof longer = proof;
      longer.path.push_back(root);
      EXPECT_EQ(verify_merkle_proof(leaves[i], longer, root).error().code, MerkleError::kWrongPathLength);
      if (!proof.path.empty()) {
        MerkleProof shorter = proof;
        shorter.path.pop_back();
        EXPECT_EQ(verify_merkle_proof(leaves[i], shorter, root).error().code, MerkleError::kWrongPathLength);
      }
    }
  }
}

TEST(Merkle, IndexOutOfRange) {
  const auto leaves = reference_leaf_hashes();
  MerkleProof proof = merkle_proof(leaves, 7);
  const Hash256 root = merkle_root(leaves);
  proof.index = 8;
  EXPECT_EQ(verify_merkle_proof(leaves[7], proof, root).error().code, MerkleError::kIndexOutOfRange);
  proof.index = ~std::uint64_t{0};
  EXPECT_EQ(verify_merkle_proof(leaves[7], proof, root).error().code, MerkleError::kIndexOutOfRange);
  const MerkleProof empty{0, 0, {}};
  EXPECT_EQ(verify_merkle_proof(leaves[0], empty, merkle_root({})).error().code, MerkleError::kIndexOutOfRange);
}

TEST(Merkle, HugeTreeSizeNeedsLongPath) {
  // A claimed size of 2^64-1 needs 64 path nodes; the verifier must not loop or
  // overflow, only report the wrong length.
  const MerkleProof proof{5, ~std::uint64_t{0}, {Hash256{}}};
  EXPECT_EQ(verify_merkle_proof(Hash256{}, proof, Hash256{}).error().code, MerkleError::kWrongPathLength);
}

TEST(Merkle, ErrorNames) {
  EXPECT_EQ(to_string(MerkleError::kIndexOutOfRange), "merkle_index_out_of_range");
  EXPECT_EQ(to_string(MerkleError::kWrongPathLength), "merkle_wrong_path_length");
  EXPECT_EQ(to_string(MerkleError::kRootMismatch), "merkle_root_mismatch");
}

TEST(MerkleDeath, ProofIndexBeyondLeaves) {
  const auto leaves = reference_leaf_hashes();
  EXPECT_DEATH(merkle_proof(leaves, 8), "");
}

}  // namespace
}  // namespace cloudchain::crypto
