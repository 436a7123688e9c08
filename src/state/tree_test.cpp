#include "state/tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "state/test_util.hpp"

namespace cloudchain::state {
namespace {

using test::build_fresh;
using test::random_hash;
using test::value_of;

TEST(StateTree, EmptyTreeHasZeroRoot) {
  MemoryNodeStore store;
  StateTree tree(store);
  auto root = tree.update(kEmptyHash, {});
  ASSERT_TRUE(root);
  EXPECT_EQ(*root, kEmptyHash);
  auto got = tree.get(kEmptyHash, Hash256{1});
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
  EXPECT_EQ(store.size(), 0U);
}

TEST(StateTree, SingleLeafRootIsTheLeafHash) {
  MemoryNodeStore store;
  StateTree tree(store);
  const Hash256 key{0x42};
  const TreeValue v = value_of(7);
  const std::vector<TreeUpdate> batch{{key, v}};
  auto root = tree.update(kEmptyHash, batch);
  ASSERT_TRUE(root);
  EXPECT_EQ(*root, smt_leaf_hash(key, v.value_hash));
  EXPECT_EQ(tree.hash_count(), 1U);
  auto got = tree.get(*root, key);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(**got, v);
}

TEST(StateTree, LeavesSitAtTheirShortestUniquePrefix) {
  // a = 0x00..., b = 0x20... share the first two bits (00), differ at bit 2; c = 0x80...
  // differs from both at bit 0. Expected: root = node(node(node(a, b), 0), c).
  MemoryNodeStore store;
  StateTree tree(store);
  const Hash256 a{0x00, 1}, b{0x20}, c{0x80};
  const TreeValue va = value_of(1), vb = value_of(2), vc = value_of(3);
  const std::vector<TreeUpdate> batch{{a, va}, {b, vb}, {c, vc}};
  auto root = tree.update(kEmptyHash, batch);
  ASSERT_TRUE(root);
  const Hash256 la = smt_leaf_hash(a, va.value_hash), lb = smt_leaf_hash(b, vb.value_hash),
                lc = smt_leaf_hash(c, vc.value_hash);
  const Hash256 expected = smt_node_hash(smt_node_hash(smt_node_hash(la, lb), kEmptyHash), lc);
  EXPECT_EQ(*root, expected);
  EXPECT_EQ(tree.hash_count(), 6U);  // 3 leaves, 3 inner nodes
}

TEST(StateTree, DeletionCollapsesBackToTheLeaf) {
  MemoryNodeStore store;
  StateTree tree(store);
  const Hash256 a{0x00, 1}, b{0x01};  // share 7 bits: a chain of 7 inner nodes above them
  const std::vector<TreeUpdate> both{{a, value_of(1)}, {b, value_of(2)}};
  auto root2 = tree.update(kEmptyHash, both);
  ASSERT_TRUE(root2);
  const std::vector<TreeUpdate> del_b{{b, std::nullopt}};
  auto root1 = tree.update(*root2, del_b);
  ASSERT_TRUE(root1);
  EXPECT_EQ(*root1, smt_leaf_hash(a, value_of(1).value_hash));
  const std::vector<TreeUpdate> del_a{{a, std::nullopt}};
  auto root0 = tree.update(*root1, del_a);
  ASSERT_TRUE(root0);
  EXPECT_EQ(*root0, kEmptyHash);
}

TEST(StateTree, DeletingAnAbsentKeyChangesNothing) {
  MemoryNodeStore store;
  StateTree tree(store);
  const std::vector<TreeUpdate> batch{{Hash256{1}, value_of(1)}, {Hash256{0x90}, value_of(2)}};
  auto root = tree.update(kEmptyHash, batch);
  ASSERT_TRUE(root);
  tree.reset_hash_count();
  const std::vector<TreeUpdate> del{{Hash256{0x02}, std::nullopt}, {Hash256{0x91}, std::nullopt}};
  auto same = tree.update(*root, del);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, *root);
  EXPECT_EQ(tree.hash_count(), 0U);
}

TEST(StateTree, RejectsUnsortedOrDuplicateBatch) {
  MemoryNodeStore store;
  StateTree tree(store);
  const std::vector<TreeUpdate> unsorted{{Hash256{2}, value_of(1)}, {Hash256{1}, value_of(2)}};
  auto r = tree.update(kEmptyHash, unsorted);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StateError::kUnsortedBatch);
  const std::vector<TreeUpdate> dup{{Hash256{1}, value_of(1)}, {Hash256{1}, std::nullopt}};
  r = tree.update(kEmptyHash, dup);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StateError::kUnsortedBatch);
}

TEST(StateTree, RejectsOversizeValue) {
  MemoryNodeStore store;
  StateTree tree(store);
  TreeValue big = value_of(1);
  big.value.resize(kMaxValueSize + 1);
  const std::vector<TreeUpdate> batch{{Hash256{1}, big}};
  auto r = tree.update(kEmptyHash, batch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StateError::kValueTooLarge);
}

TEST(StateTree, MissingAndCorruptNodesAreErrors) {
  MemoryNodeStore store;
  StateTree tree(store);
  auto r = tree.get(Hash256{9}, Hash256{1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StateError::kMissingNode);
  store.put(Hash256{9}, Bytes{7, 7});
  r = tree.get(Hash256{9}, Hash256{1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StateError::kCorruptNode);
  const std::vector<TreeUpdate> batch{{Hash256{1}, value_of(1)}};
  auto u = tree.update(Hash256{9}, batch);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, StateError::kCorruptNode);
}

TEST(StateTree, NodeCodecRoundTripsAndIsStrict) {
  const Node inner = InnerNode{Hash256{1}, Hash256{2}};
  const Node leaf = LeafNode{Hash256{3}, Hash256{4}, Bytes{5, 6, 7}};
  for (const Node& n : {inner, leaf}) {
    const Bytes enc = encode_node(n);
    auto dec = decode_node(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, n);
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(decode_node(longer));
    EXPECT_FALSE(decode_node(ByteSpan(enc).first(enc.size() - 1)));
  }
  EXPECT_FALSE(decode_node(Bytes{3}));
  EXPECT_FALSE(decode_node(Bytes{}));
}

TEST(StateTree, OldRootsStayReadable) {
  MemoryNodeStore store;
  StateTree tree(store);
  const Hash256 key{0x11};
  const std::vector<TreeUpdate> v1{{key, value_of(1)}, {Hash256{0x99}, value_of(5)}};
  auto r1 = tree.update(kEmptyHash, v1);
  ASSERT_TRUE(r1);
  const std::vector<TreeUpdate> v2{{key, value_of(2)}};
  auto r2 = tree.update(*r1, v2);
  ASSERT_TRUE(r2);
  auto old = tree.get(*r1, key);
  auto now = tree.get(*r2, key);
  ASSERT_TRUE(old && *old && now && *now);
  EXPECT_EQ(**old, value_of(1));
  EXPECT_EQ(**now, value_of(2));
}

TEST(StateTree, StagingStoreKeepsTheBaseUntouched) {
  MemoryNodeStore base;
  StateTree base_tree(base);
  const std::vector<TreeUpdate> v1{{Hash256{0x11}, value_of(1)}, {Hash256{0x99}, value_of(5)}};
  auto r1 = base_tree.update(kEmptyHash, v1);
  ASSERT_TRUE(r1);
  const std::size_t before = base.size();

  StagingNodeStore staging(base);
  StateTree tree(staging);
  const std::vector<TreeUpdate> v2{{Hash256{0x12}, value_of(2)}};
  auto r2 = tree.update(*r1, v2);
  ASSERT_TRUE(r2);
  EXPECT_EQ(base.size(), before);
  const auto nodes = staging.take_nodes();
  EXPECT_FALSE(nodes.empty());
  EXPECT_TRUE(std::is_sorted(nodes.begin(), nodes.end(),
                             [](const StoredNode& a, const StoredNode& b) { return a.hash < b.hash; }));
  base.put_all(nodes);
  auto got = base_tree.get(*r2, Hash256{0x12});
  ASSERT_TRUE(got && *got);
  EXPECT_EQ(**got, value_of(2));
}

// Random insert / update / delete sequences: whatever the batches and their order, the
// root equals that of a tree built in one batch from the final set.
TEST(StateTreeProperty, RootDependsOnlyOnTheFinalSet) {
  std::mt19937_64 rng(20261125);
  for (int round = 0; round < 20; ++round) {
    MemoryNodeStore store;
    StateTree tree(store);
    std::map<Hash256, TreeValue> model;
    std::vector<Hash256> pool;
    // A pool with deliberately shared prefixes so deep chains and collapses happen.
    for (int i = 0; i < 64; ++i) {
      Hash256 k = random_hash(rng);
      if (i % 4 == 1 && !pool.empty()) {
        k = pool.back();
        k[31] ^= static_cast<std::uint8_t>(1U << (rng() % 8));
      }
      pool.push_back(k);
    }
    Hash256 root = kEmptyHash;
    for (int step = 0; step < 30; ++step) {
      std::map<Hash256, std::optional<TreeValue>> batch_map;
      const std::size_t n = 1 + rng() % 12;
      for (std::size_t i = 0; i < n; ++i) {
        const Hash256& k = pool[rng() % pool.size()];
        if (rng() % 3 == 0) {
          batch_map[k] = std::nullopt;
        } else {
          batch_map[k] = value_of(rng() % 5);
        }
      }
      std::vector<TreeUpdate> batch;
      for (const auto& [k, v] : batch_map) {
        batch.push_back({k, v});
        if (v) {
          model[k] = *v;
        } else {
          model.erase(k);
        }
      }
      auto next = tree.update(root, batch);
      ASSERT_TRUE(next);
      root = *next;
      ASSERT_EQ(root, build_fresh(model)) << "round " << round << " step " << step;
    }
    // The same final set, one key at a time in a shuffled order, from empty.
    std::vector<std::pair<Hash256, TreeValue>> items(model.begin(), model.end());
    std::shuffle(items.begin(), items.end(), rng);
    Hash256 one_by_one = kEmptyHash;
    for (const auto& [k, v] : items) {
      const std::vector<TreeUpdate> single{{k, v}};
      auto next = tree.update(one_by_one, single);
      ASSERT_TRUE(next);
      one_by_one = *next;
    }
    EXPECT_EQ(one_by_one, root);
    for (const auto& [k, v] : model) {
      auto got = tree.get(root, k);
      ASSERT_TRUE(got && *got);
      EXPECT_EQ(**got, v);
    }
  }
}

TEST(StateTreeProperty, OneUpdateCostsAboutLogNHashes) {
  std::mt19937_64 rng(7);
  std::map<Hash256, TreeValue> model;
  for (int i = 0; i < 20000; ++i) model[random_hash(rng)] = value_of(static_cast<std::uint64_t>(i));
  MemoryNodeStore store;
  StateTree tree(store);
  std::vector<TreeUpdate> batch;
  for (const auto& [k, v] : model) batch.push_back({k, v});
  auto root = tree.update(kEmptyHash, batch);
  ASSERT_TRUE(root);
  std::uint64_t total = 0;
  const int kUpdates = 200;
  for (int i = 0; i < kUpdates; ++i) {
    auto it = model.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(rng() % model.size()));
    tree.reset_hash_count();
    const std::vector<TreeUpdate> one{{it->first, value_of(1000000U + static_cast<std::uint64_t>(i))}};
    auto next = tree.update(*root, one);
    ASSERT_TRUE(next);
    EXPECT_LE(tree.hash_count(), 40U);
    total += tree.hash_count();
  }
  // log2(20000) ~ 14.3: about 16 hashes on average (path + leaf).
  EXPECT_LT(total / kUpdates, 20U);
}

}  // namespace
}  // namespace cloudchain::state
