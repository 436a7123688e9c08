#include "state/hashing.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "crypto/sha256.hpp"

namespace cloudchain::state {

namespace {

Hash256 hash_pair(const crypto::TaggedHasher& hasher, const Hash256& a, const Hash256& b) {
  std::array<std::uint8_t, 64> buf{};
  std::copy(a.begin(), a.end(), buf.begin());
  std::copy(b.begin(), b.end(), buf.begin() + 32);
  return hasher.hash(buf);
}

}  // namespace

// The hashers are function-local constants so each tag prefix is hashed once, on first
// use, without a mutable global.
Hash256 smt_leaf_hash(const Hash256& key, const Hash256& value_hash) {
  static const crypto::TaggedHasher kHasher("cloudchain/smt-leaf");
  return hash_pair(kHasher, key, value_hash);
}

Hash256 smt_node_hash(const Hash256& left, const Hash256& right) {
  static const crypto::TaggedHasher kHasher("cloudchain/smt-node");
  return hash_pair(kHasher, left, right);
}

}  // namespace cloudchain::state
