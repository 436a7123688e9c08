#pragma once
// State tree hashing and proofs (docs/protocol.md, section 9).
//
// The tree is a binary sparse Merkle tree over 256-bit keys, path-compressed at the
// leaves (the "compact sparse Merkle tree" rule of Jellyfish):
//   - the empty subtree hashes to 32 zero bytes;
//   - a subtree holding exactly one leaf has that leaf's hash, so a leaf sits at the
//     depth of its shortest unique key prefix;
//   - a subtree with two or more leaves is H_cloudchain/smt-node(left || right);
//   - leaf hash = H_cloudchain/smt-leaf(key || value_hash).
// Hence the root depends only on the set of (key, value_hash) pairs.
//
// A proof for `key` is the list of sibling hashes on the key's path, root first, and
// what the path ends in: a leaf (the key's own: inclusion; another key's with the same
// prefix: non-inclusion) or the empty subtree (non-inclusion).
//
//   state_proof = siblings:list(hash, 256) leaf_flag:u8 [leaf_key:hash leaf_value_hash:hash]
//   leaf_flag   = 0 (path ends in the empty subtree) | 1 (leaf follows)
//
// Canonical (minimal) form, checked by the verifier: when the path is not empty its
// last sibling is not the empty hash. Otherwise the final step would be a subtree with
// one leaf (or none) that the tree collapses, so the proof would describe a node that
// no canonical tree contains, and one fact would have several valid proofs.
//
// All functions are pure and thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "state/hashing.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::state {

using util::Bytes;
using util::ByteSpan;
using util::Hash256;

inline constexpr std::size_t kMaxProofSiblings = kKeyBits;

struct ProofLeaf {
  Hash256 key{};
  Hash256 value_hash{};
  friend bool operator==(const ProofLeaf&, const ProofLeaf&) = default;
};

struct StateProof {
  std::vector<Hash256> siblings;  // root to leaf order
  std::optional<ProofLeaf> leaf;  // nullopt: the path ends in the empty subtree
  friend bool operator==(const StateProof&, const StateProof&) = default;
};

enum class ProofError {
  kTruncated,           // decode: the input ends inside a field
  kTrailingBytes,       // decode: nothing follows the proof
  kBadLeafFlag,         // decode: leaf_flag is 0 or 1
  kTooManySiblings,     // at most 256 siblings, one per key bit
  kNonMinimal,          // a non-empty path ends with a non-empty sibling (no collapsible subtree)
  kLeafPrefixMismatch,  // another key's leaf shares the key's path prefix (its first len(siblings) bits)
  kKeyAbsent,           // inclusion claimed, but the proof shows the key absent
  kKeyPresent,          // non-inclusion claimed, but the proof ends in the key's own leaf
  kValueMismatch,       // the key's leaf holds a different value hash than claimed
  kRootMismatch,        // hashing the path up gives a different root
};
std::string_view to_string(ProofError e);

/// What a proof shows about `key` under `root`: the key's value hash (present) or
/// nullopt (absent). Errors: kTooManySiblings, kNonMinimal, kLeafPrefixMismatch,
/// kRootMismatch. Costs one hash per sibling plus one for a leaf.
util::Result<std::optional<Hash256>, ProofError> proven_value(const Hash256& root, const Hash256& key,
                                                              const StateProof& proof);

/// Checks the claim "under `root`, `key` has value hash `value_hash`" (nullopt: "`key` is
/// absent"). Errors: those of proven_value, then kKeyAbsent, kKeyPresent or kValueMismatch
/// when the proof is sound but shows something else.
util::Result<void, ProofError> verify_proof(const Hash256& root, const Hash256& key,
                                            const std::optional<Hash256>& value_hash, const StateProof& proof);

Bytes encode_proof(const StateProof& proof);
/// Strict decode. Errors: kTruncated, kTooManySiblings (before allocating), kBadLeafFlag,
/// kTrailingBytes. Structural only: verify the result with verify_proof.
util::Result<StateProof, ProofError> decode_proof(ByteSpan in);

}  // namespace cloudchain::state
