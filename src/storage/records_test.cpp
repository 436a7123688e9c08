// Value and key codecs of the storage layer: round trips, exact layouts, and every
// kind of damaged input rejected as kCorrupt (or kBadCursor for cursor tokens).

#include "storage/records.hpp"

#include <gtest/gtest.h>

#include <set>

#include "primitives/block.hpp"
#include "storage/test_util.hpp"
#include "util/hex.hpp"

namespace cloudchain::storage {
namespace {

BlockIndexEntry sample_entry(bool pos) {
  BlockIndexEntry e;
  e.header = test::make_block(42, Hash256{0x11}, {}).header;
  if (pos) {
    primitives::PosSeal seal;
    seal.round = 3;
    seal.last_commit_hash[5] = 0x55;
    seal.proposer_sig[0] = 0x66;
    e.header.seal = seal;
  }
  e.cumulative_work[31] = 0x80;
  e.cumulative_work[0] = 0x01;
  e.status = kStatusHaveBody | kStatusValid;
  return e;
}

TEST(StorageRecords, BlockIndexRoundTripsPowAndPos) {
  for (bool pos : {false, true}) {
    const BlockIndexEntry e = sample_entry(pos);
    const Bytes encoded = encode_block_index(e);
    const std::size_t header_size = pos ? primitives::kPosHeaderSize : primitives::kPowHeaderSize;
    ASSERT_EQ(encoded.size(), header_size + 8 + 32 + 1);
    // Layout: header, then height (LE), then work, then status.
    EXPECT_EQ(Bytes(encoded.begin(), encoded.begin() + static_cast<std::ptrdiff_t>(header_size)),
              primitives::encode(e.header));
    EXPECT_EQ(encoded[header_size], 42);
    EXPECT_EQ(encoded[header_size + 8], 0x01);
    EXPECT_EQ(encoded.back(), kStatusHaveBody | kStatusValid);
    auto decoded = decode_block_index(encoded);
    ASSERT_TRUE(decoded) << decoded.error().detail;
    EXPECT_EQ(*decoded, e);
    EXPECT_EQ(decoded->height(), 42u);
    EXPECT_TRUE(decoded->has(kStatusValid));
    EXPECT_FALSE(decoded->has(kStatusInvalid));
  }
}

TEST(StorageRecords, BlockIndexAcceptsEveryLegalStatus) {
  for (std::uint8_t status : test::U8List{0, 1, 2, 3, 4, 5}) {
    BlockIndexEntry e = sample_entry(false);
    e.status = status;
    auto decoded = decode_block_index(encode_block_index(e));
    ASSERT_TRUE(decoded) << int{status};
    EXPECT_EQ(decoded->status, status);
  }
}

TEST(StorageRecords, BlockIndexRejectsDamage) {
  const Bytes good = encode_block_index(sample_entry(false));
  const auto expect_corrupt = [](const Bytes& b, std::string_view why) {
    auto r = decode_block_index(b);
    ASSERT_FALSE(r) << why;
    EXPECT_EQ(r.error().code, StorageError::kCorrupt) << why;
    EXPECT_FALSE(r.error().detail.empty()) << why;
  };
  expect_corrupt({}, "empty");
  expect_corrupt(Bytes(good.begin(), good.end() - 1), "truncated status");
  Bytes trailing = good;
  trailing.push_back(0);
  expect_corrupt(trailing, "trailing byte");
  Bytes height = good;
  height[primitives::kPowHeaderSize] ^= 1;
  expect_corrupt(height, "height differs from header");
  Bytes unknown = good;
  unknown.back() = 0x08;
  expect_corrupt(unknown, "unknown status bit");
  Bytes both = good;
  both.back() = kStatusValid | kStatusInvalid;
  expect_corrupt(both, "valid and invalid");
  Bytes version = good;
  version[0] = 2;
  expect_corrupt(version, "header version");
}

TEST(StorageRecords, TxLocationTipAndScalars) {
  const TxLocation loc{Hash256{0xAB}, 0x01020304};
  const Bytes loc_bytes = encode_tx_location(loc);
  ASSERT_EQ(loc_bytes.size(), 36u);
  EXPECT_EQ(loc_bytes[32], 0x04);  // little-endian position
  EXPECT_EQ(*decode_tx_location(loc_bytes), loc);
  EXPECT_EQ(decode_tx_location(Bytes(35)).error().code, StorageError::kCorrupt);
  EXPECT_EQ(decode_tx_location(Bytes(37)).error().code, StorageError::kCorrupt);

  const Tip tip{Hash256{0xCD}, 77};
  const Bytes tip_bytes = encode_tip(tip);
  ASSERT_EQ(tip_bytes.size(), 40u);
  EXPECT_EQ(*decode_tip(tip_bytes), tip);
  EXPECT_EQ(decode_tip(Bytes(39)).error().code, StorageError::kCorrupt);
  EXPECT_EQ(decode_tip(Bytes(41)).error().code, StorageError::kCorrupt);

  const StateCheckpoint checkpoint{Hash256{0xAB}, 0x0102, Hash256{0xEF}};
  const Bytes checkpoint_bytes = encode_checkpoint(checkpoint);
  ASSERT_EQ(checkpoint_bytes.size(), 72u);
  EXPECT_EQ(checkpoint_bytes[32], 0x02);  // little-endian height
  EXPECT_EQ(checkpoint_bytes[40], 0xEF);
  EXPECT_EQ(*decode_checkpoint(checkpoint_bytes), checkpoint);
  EXPECT_EQ(decode_checkpoint(Bytes(71)).error().code, StorageError::kCorrupt);
  EXPECT_EQ(decode_checkpoint(Bytes(73)).error().code, StorageError::kCorrupt);

  EXPECT_EQ(encode_u32(0x01020304), (Bytes{4, 3, 2, 1}));
  EXPECT_EQ(*decode_u32(Bytes{4, 3, 2, 1}), 0x01020304u);
  EXPECT_EQ(decode_u32(Bytes{1, 2, 3}).error().code, StorageError::kCorrupt);
  EXPECT_EQ(decode_u32(Bytes{1, 2, 3, 4, 5}).error().code, StorageError::kCorrupt);

  Hash256 sevens;
  sevens.fill(7);
  EXPECT_EQ(*decode_hash(Bytes(32, 7)), sevens);
  EXPECT_EQ(decode_hash(Bytes(31)).error().code, StorageError::kCorrupt);
  EXPECT_EQ(decode_hash(Bytes(33)).error().code, StorageError::kCorrupt);
}

TEST(StorageRecords, HeightKeysSortNumerically) {
  EXPECT_EQ(height_key(0x0102030405060708), (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  const std::uint64_t heights[] = {0, 1, 255, 256, 65535, 65536, 1ull << 32, UINT64_MAX - 1, UINT64_MAX};
  for (std::size_t i = 1; i < std::size(heights); ++i) {
    EXPECT_LT(height_key(heights[i - 1]), height_key(heights[i])) << heights[i];
    EXPECT_EQ(*parse_height_key(height_key(heights[i])), heights[i]);
  }
  EXPECT_EQ(parse_height_key(Bytes(7)).error().code, StorageError::kCorrupt);
  EXPECT_EQ(parse_height_key(Bytes(9)).error().code, StorageError::kCorrupt);
}

TEST(StorageRecords, IndexKeyLayouts) {
  crypto::Address addr{};
  addr[0] = 0xAA;
  const Bytes key = account_tx_key(addr, 0x0102, 0x0304);
  ASSERT_EQ(key.size(), kAccountTxKeySize);
  EXPECT_EQ(util::to_hex(key),
            "aa00000000000000000000000000000000000000"
            "0000000000000102"
            "00000304");
  EXPECT_EQ(*parse_position_suffix(key, 20), (std::pair<std::uint64_t, std::uint32_t>{0x0102, 0x0304}));
  // Every byte of height and position, big-endian; the array form is the same bytes.
  const auto wide = account_tx_key_array(addr, 0x0102030405060708, 0x090a0b0c);
  EXPECT_EQ(util::to_hex(wide).substr(40), "0102030405060708090a0b0c");
  EXPECT_EQ(Bytes(wide.begin(), wide.end()), account_tx_key(addr, 0x0102030405060708, 0x090a0b0c));
  // Newer (height, position) sorts after older within one address.
  EXPECT_LT(account_tx_key(addr, 5, 9), account_tx_key(addr, 6, 0));
  EXPECT_LT(account_tx_key(addr, 6, 0), account_tx_key(addr, 6, 1));

  const Bytes akey = anchor_key(Hash256{0xBB}, 9, 1);
  ASSERT_EQ(akey.size(), kAnchorKeySize);
  EXPECT_EQ(*parse_position_suffix(akey, 32), (std::pair<std::uint64_t, std::uint32_t>{9, 1}));
  EXPECT_EQ(parse_position_suffix(akey, 20).error().code, StorageError::kCorrupt);
  EXPECT_EQ(parse_position_suffix(Bytes(31), 20).error().code, StorageError::kCorrupt);
}

TEST(StorageRecords, CursorTokens) {
  const AccountTxCursor c(0x0102030405060708, 0x090a0b0c);
  EXPECT_EQ(c.token(), "0102030405060708090a0b0c");
  EXPECT_EQ(*AccountTxCursor::parse(c.token()), c);
  EXPECT_EQ(*AccountTxCursor::parse("0102030405060708090A0B0C"), c);
  const AccountTxCursor max(UINT64_MAX, UINT32_MAX);
  EXPECT_EQ(*AccountTxCursor::parse(max.token()), max);
  for (std::string_view bad : {"", "01", "0102030405060708090a0b", "0102030405060708090a0b0c0d",
                               "0x02030405060708090a0b0c", "zz02030405060708090a0b0c", "0102030405060708090a0b0"}) {
    auto r = AccountTxCursor::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, StorageError::kBadCursor) << bad;
  }
}

TEST(StorageRecords, ErrorNamesAreDistinct) {
  std::set<std::string_view> names;
  for (auto e :
       {StorageError::kIo, StorageError::kCorrupt, StorageError::kSchemaMismatch, StorageError::kBadPath,
        StorageError::kLocked, StorageError::kBadCursor, StorageError::kBadLimit, StorageError::kForeignBatch}) {
    EXPECT_NE(to_string(e), "storage_unknown");
    names.insert(to_string(e));
  }
  EXPECT_EQ(names.size(), 8u);
}

}  // namespace
}  // namespace cloudchain::storage
