#include "p2p/inventory.hpp"

#include <gtest/gtest.h>

#include "crypto/sha256.hpp"

namespace cloudchain::p2p {
namespace {

util::Hash256 item(std::uint32_t i) {
  const std::array<std::uint8_t, 4> b = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8),
                                         static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 24)};
  return crypto::sha256(b);
}

TEST(KnownInventory, InsertReportsNewItemsOnce) {
  KnownInventory known(100, 1);
  EXPECT_FALSE(known.contains(item(1)));
  EXPECT_TRUE(known.insert(item(1)));
  EXPECT_FALSE(known.insert(item(1)));
  EXPECT_TRUE(known.contains(item(1)));
  EXPECT_FALSE(known.contains(item(2)));
  EXPECT_EQ(known.size(), 1u);
}

TEST(KnownInventory, ForgetsTheOldestFirstAtCapacity) {
  KnownInventory known(3, 7);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_TRUE(known.insert(item(i)));
  EXPECT_FALSE(known.insert(item(0)));  // re-inserting does not refresh its age
  EXPECT_TRUE(known.insert(item(3)));   // evicts item 0
  EXPECT_EQ(known.size(), 3u);
  EXPECT_FALSE(known.contains(item(0)));
  EXPECT_TRUE(known.contains(item(1)));
  EXPECT_TRUE(known.contains(item(3)));
  EXPECT_TRUE(known.insert(item(4)));  // evicts item 1
  EXPECT_FALSE(known.contains(item(1)));
  EXPECT_TRUE(known.contains(item(2)));
}

TEST(KnownInventory, StaysBoundedAndExactOverManyItems) {
  constexpr std::size_t kCap = 1000;
  KnownInventory known(kCap, 42);
  for (std::uint32_t i = 0; i < 10 * kCap; ++i) {
    ASSERT_TRUE(known.insert(item(i))) << i;
    ASSERT_LE(known.size(), kCap);
  }
  for (std::uint32_t i = 9 * kCap; i < 10 * kCap; ++i) EXPECT_TRUE(known.contains(item(i)));
  std::size_t stale = 0;
  for (std::uint32_t i = 0; i < 9 * kCap; ++i) stale += known.contains(item(i)) ? 1 : 0;
  EXPECT_EQ(stale, 0u);
}

TEST(KnownInventory, HashesDifferingInOneWordAreDistinct) {
  KnownInventory known(100, 3);
  util::Hash256 a{};
  for (std::size_t byte = 0; byte < a.size(); ++byte) {
    util::Hash256 b{};
    b[byte] = 1;
    EXPECT_TRUE(known.insert(b)) << byte;
  }
  EXPECT_TRUE(known.insert(a));
  EXPECT_EQ(known.size(), 33u);
}

TEST(KnownInventory, DefaultCapacity) {
  KnownInventory known;
  EXPECT_EQ(known.capacity(), KnownInventory::kDefaultCapacity);
  EXPECT_NE(KnownInventory::random_key(), KnownInventory::random_key());
}

}  // namespace
}  // namespace cloudchain::p2p
