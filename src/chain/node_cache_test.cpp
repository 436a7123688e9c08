#include "chain/node_cache.hpp"

#include <gtest/gtest.h>

namespace cloudchain::chain {
namespace {

util::Hash256 hash_of(std::uint32_t n) {
  util::Hash256 h{};
  for (std::size_t i = 0; i < 4; ++i) h[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return h;
}

TEST(NodeCache, ReadsThroughAndRemembers) {
  state::MemoryNodeStore base;
  base.put(hash_of(1), util::Bytes{1, 2, 3});
  NodeCache cache(base, 1 << 20);
  EXPECT_EQ(cache.get(hash_of(1)), (util::Bytes{1, 2, 3}));
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.get(hash_of(1)), (util::Bytes{1, 2, 3}));
  EXPECT_EQ(cache.hits(), 1u);
  // Absent from the base: absent here, and not remembered as anything.
  EXPECT_FALSE(cache.get(hash_of(2)));
  EXPECT_FALSE(cache.get(hash_of(2)));
  EXPECT_EQ(cache.misses(), 3u);
  // put() makes a node readable without the base.
  cache.put(hash_of(3), util::Bytes{9});
  EXPECT_EQ(cache.get(hash_of(3)), (util::Bytes{9}));
}

TEST(NodeCache, StaysWithinItsBudget) {
  state::MemoryNodeStore base;
  constexpr std::uint32_t kNodes = 10'000;
  for (std::uint32_t i = 0; i < kNodes; ++i) base.put(hash_of(i), util::Bytes(100, 7));
  // Room for about 100 entries of ~196 accounted bytes.
  NodeCache cache(base, 20'000);
  for (std::uint32_t i = 0; i < kNodes; ++i) ASSERT_EQ(cache.get(hash_of(i))->size(), 100u);
  EXPECT_LE(cache.size(), 110u);
  EXPECT_GT(cache.size(), 40u);
  // The most recent entries are still there; the oldest are not.
  const std::size_t hits = cache.hits();
  (void)cache.get(hash_of(kNodes - 1));
  EXPECT_EQ(cache.hits(), hits + 1);
  (void)cache.get(hash_of(0));
  EXPECT_EQ(cache.hits(), hits + 1);
}

}  // namespace
}  // namespace cloudchain::chain
