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

TEST(KnownInventory, ForgetsAWholeGenerationAtATime) {
  KnownInventory known(3, 7);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_TRUE(known.insert(item(i)));  // a full generation
  EXPECT_FALSE(known.insert(item(0)));                                       // re-inserting does not refresh its age
  EXPECT_TRUE(known.insert(item(3)));
  EXPECT_TRUE(known.insert(item(4)));
  EXPECT_EQ(known.size(), 5u);
  for (std::uint32_t i = 0; i < 5; ++i) EXPECT_TRUE(known.contains(item(i))) << i;
  EXPECT_FALSE(known.insert(item(1)));  // still known: not counted as new
  // Item 5 fills the second generation: the first (items 0..2) goes at once.
  EXPECT_TRUE(known.insert(item(5)));
  EXPECT_EQ(known.size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_FALSE(known.contains(item(i))) << i;
  for (std::uint32_t i = 3; i < 6; ++i) EXPECT_TRUE(known.contains(item(i))) << i;
  EXPECT_TRUE(known.insert(item(0)));  // forgotten, so new again
}

// The last `capacity` insertions are always remembered, nothing older than the last
// 2 x `capacity` is, and the size never passes 2 x `capacity`.
TEST(KnownInventory, RemembersTheLastCapacityAndForgetsBeyondTwice) {
  constexpr std::size_t kCap = 1000;
  KnownInventory known(kCap, 42);
  for (std::uint32_t i = 0; i < 10 * kCap + 123; ++i) {
    ASSERT_TRUE(known.insert(item(i))) << i;
    ASSERT_LE(known.size(), 2 * kCap);
    if (i % 97 == 0 && i >= kCap) {
      for (std::uint32_t back = 0; back < kCap; back += 7) ASSERT_TRUE(known.contains(item(i - back))) << i;
    }
  }
  const std::uint32_t end = 10 * kCap + 123;
  for (std::uint32_t i = end - kCap; i < end; ++i) EXPECT_TRUE(known.contains(item(i)));
  std::size_t stale = 0;
  for (std::uint32_t i = 0; i < end - 2 * kCap; ++i) stale += known.contains(item(i)) ? 1 : 0;
  EXPECT_EQ(stale, 0u);
}

// insert_each is a loop of insert: same answers, same generations (a batch longer than
// the capacity rotates them in its middle), skipped items untouched.
TEST(KnownInventory, InsertEachIsALoopOfInsert) {
  constexpr std::size_t kCap = 50;
  KnownInventory batched(kCap, 9);
  KnownInventory single(kCap, 9);
  std::vector<util::Hash256> hashes;
  for (std::uint32_t i = 0; i < 3 * kCap + 7; ++i) hashes.push_back(item(i % 130));  // repeats too
  const auto skip = [](std::size_t i) { return i % 5 == 0; };
  std::vector<std::size_t> fresh;
  batched.insert_each(hashes, skip, [&](std::size_t i) { fresh.push_back(i); });
  std::vector<std::size_t> expected;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (!skip(i) && single.insert(hashes[i])) expected.push_back(i);
  }
  EXPECT_EQ(fresh, expected);
  EXPECT_FALSE(fresh.empty());
  EXPECT_EQ(batched.size(), single.size());
  for (std::uint32_t i = 0; i < 200; ++i) EXPECT_EQ(batched.contains(item(i)), single.contains(item(i))) << i;
  batched.insert_each({}, skip, [](std::size_t) { ADD_FAILURE() << "nothing to insert"; });
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
