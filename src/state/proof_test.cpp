#include "state/proof.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "state/test_util.hpp"
#include "state/tree.hpp"

namespace cloudchain::state {
namespace {

using test::random_hash;
using test::value_of;

struct Fixture {
  MemoryNodeStore store;
  StateTree tree{store};
  std::map<Hash256, TreeValue> model;
  Hash256 root = kEmptyHash;

  explicit Fixture(std::mt19937_64& rng, int n) {
    std::vector<TreeUpdate> batch;
    for (int i = 0; i < n; ++i) {
      Hash256 k = random_hash(rng);
      if (i % 5 == 4) {  // a near twin of an earlier key: a deep chain of inner nodes
        k = model.begin()->first;
        k[2] ^= 0x01;
      }
      model[k] = value_of(static_cast<std::uint64_t>(i));
    }
    for (const auto& [k, v] : model) batch.push_back({k, v});
    root = *tree.update(kEmptyHash, batch);
  }
};

Hash256 flip(Hash256 h, std::size_t bit) {
  h[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
  return h;
}

TEST(StateProof, InclusionAndNonInclusionProofsVerify) {
  std::mt19937_64 rng(1);
  Fixture f(rng, 300);
  for (const auto& [k, v] : f.model) {
    auto proof = f.tree.prove(f.root, k);
    ASSERT_TRUE(proof);
    ASSERT_TRUE(proof->leaf);
    EXPECT_EQ(proof->leaf->key, k);
    EXPECT_TRUE(verify_proof(f.root, k, v.value_hash, *proof));
    auto shown = proven_value(f.root, k, *proof);
    ASSERT_TRUE(shown && *shown);
    EXPECT_EQ(**shown, v.value_hash);
    // The same proof refutes absence and any other value.
    auto absent = verify_proof(f.root, k, std::nullopt, *proof);
    ASSERT_FALSE(absent);
    EXPECT_EQ(absent.error().code, ProofError::kKeyPresent);
    auto other = verify_proof(f.root, k, value_of(999999).value_hash, *proof);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, ProofError::kValueMismatch);
  }
  int ends_in_leaf = 0, ends_empty = 0;
  for (int i = 0; i < 300; ++i) {
    const Hash256 k = random_hash(rng);
    ASSERT_FALSE(f.model.contains(k));
    auto proof = f.tree.prove(f.root, k);
    ASSERT_TRUE(proof);
    EXPECT_TRUE(verify_proof(f.root, k, std::nullopt, *proof));
    auto present = verify_proof(f.root, k, value_of(1).value_hash, *proof);
    ASSERT_FALSE(present);
    EXPECT_EQ(present.error().code, ProofError::kKeyAbsent);
    (proof->leaf ? ends_in_leaf : ends_empty)++;
  }
  EXPECT_GT(ends_in_leaf, 0);  // both kinds of non-inclusion proof were exercised
  EXPECT_GT(ends_empty, 0);
}

TEST(StateProof, EmptyTreeAndSingleLeafTree) {
  MemoryNodeStore store;
  StateTree tree(store);
  const Hash256 k{0x55};
  auto empty_proof = tree.prove(kEmptyHash, k);
  ASSERT_TRUE(empty_proof);
  EXPECT_TRUE(empty_proof->siblings.empty());
  EXPECT_FALSE(empty_proof->leaf);
  EXPECT_TRUE(verify_proof(kEmptyHash, k, std::nullopt, *empty_proof));

  const std::vector<TreeUpdate> batch{{k, value_of(3)}};
  const Hash256 root = *tree.update(kEmptyHash, batch);
  auto in = tree.prove(root, k);
  ASSERT_TRUE(in);
  EXPECT_TRUE(in->siblings.empty());
  EXPECT_TRUE(verify_proof(root, k, value_of(3).value_hash, *in));
  auto out = tree.prove(root, Hash256{0x56});
  ASSERT_TRUE(out);
  EXPECT_TRUE(verify_proof(root, Hash256{0x56}, std::nullopt, *out));
}

// Any single flipped bit in an inclusion proof, its key, its value hash or the root
// makes verification fail.
TEST(StateProof, InclusionProofFailsUnderAnyBitFlip) {
  std::mt19937_64 rng(2);
  Fixture f(rng, 40);
  for (const auto& [k, v] : f.model) {
    const StateProof proof = *f.tree.prove(f.root, k);
    for (std::size_t bit = 0; bit < 256; ++bit) {
      EXPECT_FALSE(verify_proof(flip(f.root, bit), k, v.value_hash, proof));
      EXPECT_FALSE(verify_proof(f.root, flip(k, bit), v.value_hash, proof));
      EXPECT_FALSE(verify_proof(f.root, k, flip(v.value_hash, bit), proof));
      for (std::size_t i = 0; i < proof.siblings.size(); ++i) {
        StateProof bad = proof;
        bad.siblings[i] = flip(bad.siblings[i], bit);
        EXPECT_FALSE(verify_proof(f.root, k, v.value_hash, bad));
      }
      StateProof bad_key = proof;
      bad_key.leaf->key = flip(bad_key.leaf->key, bit);
      EXPECT_FALSE(verify_proof(f.root, k, v.value_hash, bad_key));
      StateProof bad_value = proof;
      bad_value.leaf->value_hash = flip(bad_value.leaf->value_hash, bit);
      EXPECT_FALSE(verify_proof(f.root, k, v.value_hash, bad_value));
    }
  }
}

// For a non-inclusion proof, flipping the root, a sibling or the terminal leaf always
// fails. Flipping a key bit fails when the bit lies on the proven path; a bit below the
// path yields another key in the same empty subtree (or beside the same other leaf),
// which the proof then truly shows absent, so the test checks that against the tree.
TEST(StateProof, NonInclusionProofFailsUnderAnyBitFlip) {
  std::mt19937_64 rng(3);
  Fixture f(rng, 40);
  for (int i = 0; i < 40; ++i) {
    const Hash256 k = random_hash(rng);
    const StateProof proof = *f.tree.prove(f.root, k);
    const std::size_t depth = proof.siblings.size();
    for (std::size_t bit = 0; bit < 256; ++bit) {
      EXPECT_FALSE(verify_proof(flip(f.root, bit), k, std::nullopt, proof));
      for (std::size_t s = 0; s < depth; ++s) {
        StateProof bad = proof;
        bad.siblings[s] = flip(bad.siblings[s], bit);
        EXPECT_FALSE(verify_proof(f.root, k, std::nullopt, bad));
      }
      if (proof.leaf) {
        StateProof bad_key = proof;
        bad_key.leaf->key = flip(bad_key.leaf->key, bit);
        EXPECT_FALSE(verify_proof(f.root, k, std::nullopt, bad_key));
        StateProof bad_value = proof;
        bad_value.leaf->value_hash = flip(bad_value.leaf->value_hash, bit);
        EXPECT_FALSE(verify_proof(f.root, k, std::nullopt, bad_value));
      }
      // Key bit `bit` of byte bit / 8 in MSB-first order is path position p.
      const std::size_t position = (bit / 8) * 8 + (7 - bit % 8);
      const Hash256 other = flip(k, bit);
      const bool verifies = verify_proof(f.root, other, std::nullopt, proof).has_value();
      if (position < depth) {
        EXPECT_FALSE(verifies);
      } else if (verifies) {
        EXPECT_FALSE(f.model.contains(other));
      }
    }
  }
}

// A proof that walks past the point where the tree collapses (a leaf or an empty
// subtree with an empty last sibling) describes a node no canonical tree has. Against
// a root built from that non-canonical node it would hash correctly; minimality is
// what rejects it.
TEST(StateProof, RejectsNonMinimalProofs) {
  const Hash256 k{0x80};
  const Hash256 vh = value_of(1).value_hash;
  const Hash256 leaf = smt_leaf_hash(k, vh);
  // Leaf pushed one level down under an empty sibling (key bit 0 is 1: leaf on the right).
  const StateProof padded{{kEmptyHash}, ProofLeaf{k, vh}};
  auto r = verify_proof(smt_node_hash(kEmptyHash, leaf), k, vh, padded);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ProofError::kNonMinimal);
  // Padded all the way down.
  StateProof deep{std::vector<Hash256>(40, kEmptyHash), ProofLeaf{k, vh}};
  Hash256 root = leaf;
  for (std::size_t i = deep.siblings.size(); i-- > 0;) {
    root = key_bit(k, i) ? smt_node_hash(kEmptyHash, root) : smt_node_hash(root, kEmptyHash);
  }
  r = verify_proof(root, k, vh, deep);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ProofError::kNonMinimal);
  // An empty subtree under an empty sibling: the empty tree dressed up as an inner node.
  const StateProof empty_pair{{kEmptyHash}, std::nullopt};
  r = verify_proof(smt_node_hash(kEmptyHash, kEmptyHash), k, std::nullopt, empty_pair);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ProofError::kNonMinimal);
  // Empty siblings above a non-empty last one are fine (a shared key prefix).
  const Hash256 other = smt_leaf_hash(Hash256{0xC0}, vh);
  const StateProof chain{{kEmptyHash, other}, ProofLeaf{k, vh}};
  EXPECT_TRUE(verify_proof(smt_node_hash(kEmptyHash, smt_node_hash(leaf, other)), k, vh, chain));
}

// Another key's leaf proves absence only when it lies on the key's path.
TEST(StateProof, RejectsANonInclusionLeafOffThePath) {
  const Hash256 vh = value_of(1).value_hash;
  const Hash256 left{0x00, 1}, right{0x80};
  const Hash256 l = smt_leaf_hash(left, vh), r = smt_leaf_hash(right, vh);
  const Hash256 k{0x40};  // bit 0 is 0: its path goes left, towards `left`
  // The honest proof: ends in `left`, which shares k's first bit.
  EXPECT_TRUE(verify_proof(smt_node_hash(l, r), k, std::nullopt, StateProof{{r}, ProofLeaf{left, vh}}));
  // A forged one ending in `right` against a root made to match the hashing.
  auto forged = verify_proof(smt_node_hash(r, l), k, std::nullopt, StateProof{{l}, ProofLeaf{right, vh}});
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ProofError::kLeafPrefixMismatch);
}

// Two keys that differ only in their last bit: leaves at depth 256, the longest path.
TEST(StateProof, DeepestPathHas256Siblings) {
  MemoryNodeStore store;
  StateTree tree(store);
  const Hash256 a{}, b = flip(Hash256{}, 31 * 8);  // the low bit of byte 31: path bit 255
  const std::vector<TreeUpdate> batch{{a, value_of(1)}, {b, value_of(2)}};
  const Hash256 root = *tree.update(kEmptyHash, batch);
  for (const auto& [k, v] : {std::pair{a, value_of(1)}, std::pair{b, value_of(2)}}) {
    auto proof = tree.prove(root, k);
    ASSERT_TRUE(proof);
    EXPECT_EQ(proof->siblings.size(), 256U);
    EXPECT_TRUE(verify_proof(root, k, v.value_hash, *proof));
    auto dec = decode_proof(encode_proof(*proof));
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, *proof);
  }
  const std::vector<TreeUpdate> del{{b, std::nullopt}};
  EXPECT_EQ(*tree.update(root, del), smt_leaf_hash(a, value_of(1).value_hash));
}

TEST(StateProof, RejectsMoreThan256Siblings) {
  StateProof p{std::vector<Hash256>(257, Hash256{1}), std::nullopt};
  auto r = verify_proof(Hash256{2}, Hash256{3}, std::nullopt, p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ProofError::kTooManySiblings);
  auto d = decode_proof(encode_proof(p));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ProofError::kTooManySiblings);
}

TEST(StateProofCodec, RoundTripsAndIsStrict) {
  std::mt19937_64 rng(4);
  Fixture f(rng, 50);
  std::vector<StateProof> proofs;
  for (const auto& [k, v] : f.model) proofs.push_back(*f.tree.prove(f.root, k));
  for (int i = 0; i < 20; ++i) proofs.push_back(*f.tree.prove(f.root, random_hash(rng)));
  for (const auto& p : proofs) {
    const Bytes enc = encode_proof(p);
    auto dec = decode_proof(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, p);
    EXPECT_EQ(encode_proof(*dec), enc);
    Bytes longer = enc;
    longer.push_back(0);
    auto trailing = decode_proof(longer);
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().code, ProofError::kTrailingBytes);
    for (std::size_t cut = 0; cut < enc.size(); ++cut) {
      auto truncated = decode_proof(ByteSpan(enc).first(cut));
      ASSERT_FALSE(truncated);
      EXPECT_EQ(truncated.error().code, ProofError::kTruncated);
    }
  }
  Bytes bad_flag = encode_proof(StateProof{});
  bad_flag.back() = 2;
  auto r = decode_proof(bad_flag);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ProofError::kBadLeafFlag);
}

// Every single-bit change of an encoded proof is rejected by decode or by verify.
TEST(StateProofCodec, EncodedProofFailsUnderAnyBitFlip) {
  std::mt19937_64 rng(5);
  Fixture f(rng, 30);
  std::vector<std::pair<Hash256, std::optional<Hash256>>> claims;
  for (const auto& [k, v] : f.model) claims.emplace_back(k, v.value_hash);
  for (int i = 0; i < 10; ++i) claims.emplace_back(random_hash(rng), std::nullopt);
  for (const auto& [k, vh] : claims) {
    const Bytes enc = encode_proof(*f.tree.prove(f.root, k));
    for (std::size_t bit = 0; bit < enc.size() * 8; ++bit) {
      Bytes bad = enc;
      bad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
      auto dec = decode_proof(bad);
      if (dec) {
        EXPECT_FALSE(verify_proof(f.root, k, vh, *dec)) << "bit " << bit;
      }
    }
  }
}

TEST(StateProof, ErrorNamesAreDistinct) {
  std::vector<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(ProofError::kRootMismatch); ++i) {
    names.push_back(to_string(static_cast<ProofError>(i)));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  EXPECT_EQ(to_string(StateError::kMissingNode), "state_missing_node");
}

}  // namespace
}  // namespace cloudchain::state
