#include "chain/node_cache.hpp"

#include <gtest/gtest.h>

namespace cloudchain::chain {
namespace {

util::Hash256 hash_of(std::uint32_t n) {
  util::Hash256 h{};
  for (std::size_t i = 0; i < 4; ++i) h[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return h;
}

state::Node leaf(std::uint32_t n, std::size_t value_size) {
  return state::LeafNode{hash_of(n), hash_of(n + 1), util::Bytes(value_size, 7)};
}

TEST(NodeCache, ReadsThroughAndRemembers) {
  state::MemoryNodeStore base;
  const state::Node inner = state::InnerNode{hash_of(10), hash_of(11)};
  base.put(hash_of(1), state::encode_node(inner));
  NodeCache cache(base, 1 << 20);
  EXPECT_EQ(cache.get(hash_of(1)), state::encode_node(inner));
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.get(hash_of(1)), state::encode_node(inner));
  EXPECT_EQ(cache.hits(), 1u);
  // Decoded reads come from the same cache.
  auto node = cache.get_node(hash_of(1));
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(*node, inner);
  EXPECT_EQ(cache.hits(), 2u);
  // Absent from the base: absent here (kMissingNode), and not remembered as anything.
  EXPECT_FALSE(cache.get(hash_of(2)));
  auto missing = cache.get_node(hash_of(2));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, state::StateError::kMissingNode);
  EXPECT_EQ(cache.misses(), 3u);
  // put() makes a node readable without the base.
  cache.put(hash_of(3), state::encode_node(leaf(3, 5)));
  EXPECT_EQ(cache.get_node(hash_of(3)), leaf(3, 5));
  EXPECT_EQ(cache.misses(), 3u);
}

TEST(NodeCache, CorruptNodesAreReportedNotCached) {
  state::MemoryNodeStore base;
  base.put(hash_of(1), util::Bytes{9, 9, 9});  // unknown node kind
  NodeCache cache(base, 1 << 20);
  auto node = cache.get_node(hash_of(1));
  ASSERT_FALSE(node.has_value());
  EXPECT_EQ(node.error().code, state::StateError::kCorruptNode);
  EXPECT_EQ(cache.size(), 0u);
  cache.put(hash_of(2), util::Bytes{9});
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.get_node(hash_of(2)).has_value());
}

TEST(NodeCache, StaysWithinItsBudget) {
  state::MemoryNodeStore base;
  constexpr std::uint32_t kNodes = 10'000;
  for (std::uint32_t i = 0; i < kNodes; ++i) base.put(hash_of(i), state::encode_node(leaf(i, 100)));
  constexpr std::size_t kBudget = 60'000;
  NodeCache cache(base, kBudget);
  for (std::uint32_t i = 0; i < kNodes; ++i) ASSERT_TRUE(cache.get_node(hash_of(i)).has_value());
  // Each entry is accounted at >= 100 value bytes + 96 bytes of map overhead, and a
  // generation holds half the budget: at most two generations of kBudget / 2 / 196.
  constexpr std::size_t kMaxPerGeneration = kBudget / 2 / 196 + 1;
  EXPECT_LE(cache.size(), 2 * kMaxPerGeneration);
  EXPECT_GT(cache.size(), 20u);
  // The most recent entries are still there; the oldest are not.
  const std::size_t hits = cache.hits();
  (void)cache.get_node(hash_of(kNodes - 1));
  EXPECT_EQ(cache.hits(), hits + 1);
  (void)cache.get_node(hash_of(0));
  EXPECT_EQ(cache.hits(), hits + 1);
}

}  // namespace
}  // namespace cloudchain::chain
