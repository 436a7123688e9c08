#pragma once
// Helpers shared by the state layer's tests (not part of the library).

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "crypto/sha256.hpp"
#include "state/tree.hpp"

namespace cloudchain::state::test {

inline Hash256 random_hash(std::mt19937_64& rng) {
  Hash256 h;
  for (auto& b : h) b = static_cast<std::uint8_t>(rng());
  return h;
}

/// A tree value whose bytes are `n` (8 bytes little-endian) and whose hash is SHA256 of them.
inline TreeValue value_of(std::uint64_t n) {
  Bytes bytes(8);
  for (std::size_t i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return TreeValue{crypto::sha256(bytes), bytes};
}

/// The root of a tree built in one batch, in a fresh store, from `model`.
inline Hash256 build_fresh(const std::map<Hash256, TreeValue>& model) {
  MemoryNodeStore store;
  StateTree tree(store);
  std::vector<TreeUpdate> batch;
  batch.reserve(model.size());
  for (const auto& [k, v] : model) batch.push_back({k, v});
  auto root = tree.update(kEmptyHash, batch);
  return root ? *root : Hash256{0xEE};
}

}  // namespace cloudchain::state::test
