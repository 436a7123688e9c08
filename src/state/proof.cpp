#include "state/proof.hpp"

#include <algorithm>

namespace cloudchain::state {

namespace {

// True when a and b agree on their first `bits` bits.
bool same_prefix(const Hash256& a, const Hash256& b, std::size_t bits) {
  const std::size_t whole = bits / 8;
  if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(whole), b.begin())) return false;
  const std::size_t rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF00U >> rest);
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::string_view to_string(ProofError e) {
  switch (e) {
    case ProofError::kTruncated: return "proof_truncated";
    case ProofError::kTrailingBytes: return "proof_trailing_bytes";
    case ProofError::kBadLeafFlag: return "proof_bad_leaf_flag";
    case ProofError::kTooManySiblings: return "proof_too_many_siblings";
    case ProofError::kNonMinimal: return "proof_non_minimal";
    case ProofError::kLeafPrefixMismatch: return "proof_leaf_prefix_mismatch";
    case ProofError::kKeyAbsent: return "proof_key_absent";
    case ProofError::kKeyPresent: return "proof_key_present";
    case ProofError::kValueMismatch: return "proof_value_mismatch";
    case ProofError::kRootMismatch: return "proof_root_mismatch";
  }
  return "proof_unknown";
}

util::Result<std::optional<Hash256>, ProofError> proven_value(const Hash256& root, const Hash256& key,
                                                              const StateProof& proof) {
  const std::size_t depth = proof.siblings.size();
  if (depth > kMaxProofSiblings) return util::fail(ProofError::kTooManySiblings);
  if (depth > 0 && proof.siblings.back() == kEmptyHash) {
    return util::fail(ProofError::kNonMinimal, "last sibling is empty");
  }
  std::optional<Hash256> value;
  Hash256 h{};  // the empty subtree
  if (proof.leaf) {
    if (proof.leaf->key == key) {
      value = proof.leaf->value_hash;
    } else if (!same_prefix(proof.leaf->key, key, depth)) {
      return util::fail(ProofError::kLeafPrefixMismatch);
    }
    h = smt_leaf_hash(proof.leaf->key, proof.leaf->value_hash);
  }
  for (std::size_t i = depth; i-- > 0;) {
    h = key_bit(key, i) ? smt_node_hash(proof.siblings[i], h) : smt_node_hash(h, proof.siblings[i]);
  }
  if (h != root) return util::fail(ProofError::kRootMismatch);
  return value;
}

util::Result<void, ProofError> verify_proof(const Hash256& root, const Hash256& key,
                                            const std::optional<Hash256>& value_hash, const StateProof& proof) {
  auto shown = proven_value(root, key, proof);
  if (!shown) return std::unexpected(shown.error());
  const std::optional<Hash256>& shown_value = *shown;
  if (value_hash && !shown_value) return util::fail(ProofError::kKeyAbsent);
  if (!value_hash && shown_value) return util::fail(ProofError::kKeyPresent);
  if (shown_value != value_hash) return util::fail(ProofError::kValueMismatch);
  return {};
}

Bytes encode_proof(const StateProof& proof) {
  Bytes out;
  out.reserve(4 + 32 * proof.siblings.size() + 1 + 64);
  const auto count = static_cast<std::uint32_t>(proof.siblings.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(count >> (8 * i)));
  for (const auto& s : proof.siblings) util::append(out, s);
  out.push_back(proof.leaf ? 1 : 0);
  if (proof.leaf) {
    util::append(out, proof.leaf->key);
    util::append(out, proof.leaf->value_hash);
  }
  return out;
}

util::Result<StateProof, ProofError> decode_proof(ByteSpan in) {
  std::size_t pos = 0;
  const auto take = [&](std::size_t n) -> const std::uint8_t* {
    if (in.size() - pos < n) return nullptr;
    const std::uint8_t* p = in.data() + pos;
    pos += n;
    return p;
  };
  const auto take_hash = [&](Hash256& h) {
    const std::uint8_t* p = take(h.size());
    if (p != nullptr) std::copy_n(p, h.size(), h.begin());
    return p != nullptr;
  };

  const std::uint8_t* count_bytes = take(4);
  if (count_bytes == nullptr) return util::fail(ProofError::kTruncated, "sibling count");
  std::uint32_t count = 0;
  for (std::size_t i = 0; i < 4; ++i) count |= static_cast<std::uint32_t>(count_bytes[i]) << (8 * i);
  if (count > kMaxProofSiblings) return util::fail(ProofError::kTooManySiblings);

  StateProof proof;
  proof.siblings.resize(count);
  for (auto& s : proof.siblings) {
    if (!take_hash(s)) return util::fail(ProofError::kTruncated, "sibling");
  }
  const std::uint8_t* flag = take(1);
  if (flag == nullptr) return util::fail(ProofError::kTruncated, "leaf flag");
  if (*flag > 1) return util::fail(ProofError::kBadLeafFlag);
  if (*flag == 1) {
    ProofLeaf leaf;
    if (!take_hash(leaf.key) || !take_hash(leaf.value_hash)) return util::fail(ProofError::kTruncated, "leaf");
    proof.leaf = leaf;
  }
  if (pos != in.size()) return util::fail(ProofError::kTrailingBytes);
  return proof;
}

}  // namespace cloudchain::state
