// The undo record (a block's state diff): exact layout, round trip, and every kind of
// malformed input refused with its own code.

#include <gtest/gtest.h>

#include "chain/connect.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"

namespace cloudchain::chain {
namespace {

state::TreeValue value(std::uint8_t fill, std::size_t len) {
  state::TreeValue v;
  v.value_hash.fill(fill);
  v.value.assign(len, fill);
  return v;
}

Hash256 key(std::uint8_t first) {
  Hash256 k{};
  k[0] = first;
  return k;
}

UndoRecord sample() {
  UndoRecord u;
  u.parent_state_root.fill(0xab);
  u.reward = 5000;
  u.fees = 77;
  u.changes.push_back({key(1), std::nullopt, value(0x11, 3)});    // created
  u.changes.push_back({key(2), value(0x22, 2), value(0x23, 0)});  // changed
  u.changes.push_back({key(3), value(0x33, 1), std::nullopt});    // deleted
  return u;
}

TEST(UndoRecord, LayoutIsExact) {
  const util::Bytes bytes = encode_undo(sample());
  // fixed part, then per change: key, old slot, new slot
  const std::size_t expected = kUndoFixedSize + (32 + 1 + (1 + 32 + 4 + 3)) + (32 + (1 + 32 + 4 + 2) + (1 + 32 + 4)) +
                               (32 + (1 + 32 + 4 + 1) + 1);
  ASSERT_EQ(bytes.size(), expected);
  EXPECT_EQ(bytes[0], 2);             // version
  EXPECT_EQ(bytes[1], 0xab);          // parent_state_root
  EXPECT_EQ(bytes[33], 5000 & 0xff);  // reward, little-endian
  EXPECT_EQ(bytes[41], 77);           // fees
  EXPECT_EQ(bytes[49], 3);            // change count u32 LE
  EXPECT_EQ(bytes[53], 1);            // first key
  EXPECT_EQ(bytes[53 + 32], 0);       // old: absent
  EXPECT_EQ(bytes[53 + 33], 1);       // new: present
  EXPECT_EQ(bytes[53 + 34], 0x11);    // value_hash
  EXPECT_EQ(bytes[53 + 66], 3);       // len u32 LE
  EXPECT_EQ(bytes.back(), 0);         // last change's new slot: absent
}

TEST(UndoRecord, RoundTrips) {
  const UndoRecord u = sample();
  auto decoded = decode_undo(encode_undo(u));
  ASSERT_TRUE(decoded) << decoded.error().detail;
  EXPECT_EQ(*decoded, u);
  UndoRecord empty;
  EXPECT_EQ(encode_undo(empty).size(), kUndoFixedSize);
  EXPECT_EQ(*decode_undo(encode_undo(empty)), empty);
  // The largest value fits.
  UndoRecord big;
  big.changes.push_back({key(9), std::nullopt, value(0x44, state::kMaxValueSize)});
  EXPECT_EQ(*decode_undo(encode_undo(big)), big);
}

UndoError code_of(const util::Bytes& bytes) {
  auto r = decode_undo(bytes);
  EXPECT_FALSE(r);
  return r ? UndoError::kTruncated : r.error().code;
}

TEST(UndoRecord, EveryTruncationIsRefused) {
  const util::Bytes bytes = encode_undo(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE("length " + std::to_string(n));
    EXPECT_EQ(code_of(util::Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n))),
              UndoError::kTruncated);
  }
}

TEST(UndoRecord, MalformedInputHasItsOwnCode) {
  const util::Bytes good = encode_undo(sample());
  auto longer = good;
  longer.push_back(0);
  EXPECT_EQ(code_of(longer), UndoError::kTrailingBytes);

  for (int v : {0, 1, 3, 255}) {
    auto version = good;
    version[0] = static_cast<std::uint8_t>(v);
    EXPECT_EQ(code_of(version), UndoError::kUnknownVersion) << v;
  }

  // A count larger than the changes that follow.
  auto count = good;
  count[49] = 4;
  EXPECT_EQ(code_of(count), UndoError::kTruncated);
  // A huge count is refused before anything is allocated for it.
  auto huge = good;
  huge[49] = huge[50] = huge[51] = huge[52] = 0xff;
  EXPECT_EQ(code_of(huge), UndoError::kTruncated);

  // A slot tag other than 0 / 1, in an old and in a new slot.
  auto old_tag = good;
  old_tag[53 + 32] = 2;
  EXPECT_EQ(code_of(old_tag), UndoError::kBadSlot);
  auto new_tag = good;
  new_tag[53 + 33] = 0x80;
  EXPECT_EQ(code_of(new_tag), UndoError::kBadSlot);

  // A value longer than state::kMaxValueSize.
  UndoRecord big;
  big.changes.push_back({key(9), std::nullopt, value(0x44, state::kMaxValueSize + 1)});
  EXPECT_EQ(code_of(encode_undo(big)), UndoError::kLengthTooLarge);

  // Keys out of order, and a key twice.
  UndoRecord unsorted = sample();
  std::swap(unsorted.changes[0], unsorted.changes[1]);
  EXPECT_EQ(code_of(encode_undo(unsorted)), UndoError::kUnsortedChanges);
  UndoRecord twice = sample();
  twice.changes[1].key = twice.changes[0].key;
  EXPECT_EQ(code_of(encode_undo(twice)), UndoError::kUnsortedChanges);

  // A change that changes nothing: both absent, or both the same value.
  UndoRecord absent = sample();
  absent.changes[0].new_value = std::nullopt;
  EXPECT_EQ(code_of(encode_undo(absent)), UndoError::kNoChange);
  UndoRecord same = sample();
  same.changes[1].new_value = same.changes[1].old_value;
  EXPECT_EQ(code_of(encode_undo(same)), UndoError::kNoChange);
  // The same value bytes under another value hash is a change.
  UndoRecord rehashed = sample();
  rehashed.changes[1].new_value = rehashed.changes[1].old_value;
  rehashed.changes[1].new_value->value_hash[0] ^= 1;
  EXPECT_TRUE(decode_undo(encode_undo(rehashed)));
}

TEST(UndoRecord, RedoAndUndoAreInverse) {
  // A tree with two keys; the sample block creates a third, changes one, deletes the other.
  state::MemoryNodeStore store;
  state::StagingNodeStore staging(store);
  state::StateTree tree(staging);
  const std::vector<state::TreeUpdate> genesis{{key(2), value(0x22, 2)}, {key(3), value(0x33, 1)}};
  const Hash256 before = *tree.update(state::kEmptyHash, genesis);
  store.put_all(staging.take_nodes());
  const UndoRecord u = sample();

  // The tree reports the old values on the way (what connect_block stores as the undo).
  state::NodeBuffer buffer(store);
  state::StateTree tree2(buffer);
  std::vector<std::optional<state::TreeValue>> old_values;
  const auto redo = redo_updates(u.changes);
  const Hash256 after = *tree2.update(before, redo, &old_values);
  ASSERT_EQ(old_values.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(old_values[i], u.changes[i].old_value) << i;

  auto wrong = apply_updates(store, before, redo, Hash256{});
  ASSERT_FALSE(wrong);  // a root other than the expected one is caught
  EXPECT_NE(wrong.error().detail.find("expected"), std::string::npos);

  auto redone = apply_updates(store, before, redo, after);
  ASSERT_TRUE(redone);
  const state::LayeredNodeStore layered(store, {std::make_shared<const state::NodeMap>(std::move(*redone))});
  EXPECT_EQ(*state::tree_get(layered, after, key(1)), value(0x11, 3));
  EXPECT_EQ(*state::tree_get(layered, after, key(3)), std::nullopt);
  auto undone = apply_updates(layered, after, undo_updates(u.changes), before);
  ASSERT_TRUE(undone) << undone.error().detail;
  // Undo only needed nodes of `before` that the store holds already.
  for (const auto& [hash, node] : *undone) EXPECT_TRUE(store.get(hash)) << "undo rebuilt a node the store lacks";
}

}  // namespace
}  // namespace cloudchain::chain
