#include "primitives/codec.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace cloudchain::primitives {
namespace {

TEST(Codec, IntegersAreLittleEndian) {
  Writer w;
  w.u8(0xab, "a");
  w.u32(0x01020304, "b");
  w.u64(0x0102030405060708ULL, "c");
  EXPECT_EQ(w.take(), (Bytes{0xab, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1}));

  const Bytes in{0xab, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1};
  Reader r(in);
  std::uint8_t a = 0;
  std::uint32_t b = 0;
  std::uint64_t c = 0;
  r.u8(a, "a");
  r.u32(b, "b");
  r.u64(c, "c");
  r.finish("x");
  ASSERT_TRUE(r.status());
  EXPECT_EQ(a, 0xab);
  EXPECT_EQ(b, 0x01020304u);
  EXPECT_EQ(c, 0x0102030405060708ULL);
}

TEST(Codec, TruncationNamesTheField) {
  const Bytes in{1, 2, 3};
  Reader r(in);
  std::uint32_t v = 7;
  r.u32(v, "tx.chain_id");
  EXPECT_EQ(v, 0u);
  ASSERT_FALSE(r.status());
  EXPECT_EQ(r.status().error().code, CodecError::kTruncated);
  EXPECT_EQ(r.status().error().detail, "tx.chain_id");
}

TEST(Codec, FirstErrorSticksAndLaterReadsConsumeNothing) {
  const Bytes in{5, 0, 0, 0, 1, 2};  // bytes(4) with len 5
  Reader r(in);
  Bytes b;
  r.bytes(b, 4, "tx.anchor.memo");
  std::uint8_t x = 9;
  r.u8(x, "next");
  EXPECT_EQ(x, 0);
  EXPECT_EQ(r.position(), 4u);
  EXPECT_EQ(r.status().error().code, CodecError::kLengthTooLarge);
  EXPECT_EQ(r.status().error().detail, "tx.anchor.memo");
}

TEST(Codec, BytesAtMaximumAccepted) {
  Writer w;
  w.bytes(Bytes(4, 0xee), 4, "m");
  const Bytes enc = w.take();
  Reader r(enc);
  Bytes b;
  r.bytes(b, 4, "m");
  r.finish("x");
  ASSERT_TRUE(r.status());
  EXPECT_EQ(b, Bytes(4, 0xee));
}

TEST(Codec, HugeLengthRejectedBeforeAllocation) {
  const Bytes in{0xff, 0xff, 0xff, 0xff};
  Reader r(in);
  Bytes b;
  r.bytes(b, 64, "m");
  EXPECT_EQ(r.status().error().code, CodecError::kLengthTooLarge);
  EXPECT_TRUE(b.empty());
}

TEST(Codec, ListCountBounds) {
  {
    const Bytes in{3, 0, 0, 0};
    Reader r(in);
    std::size_t n = 0;
    r.count(n, 2, 1, "list");
    EXPECT_EQ(r.status().error().code, CodecError::kListTooLong);
    EXPECT_EQ(n, 0u);
  }
  {
    // Within the maximum but more items than the remaining input can hold.
    const Bytes in{2, 0, 0, 0, 1, 2, 3};
    Reader r(in);
    std::size_t n = 0;
    r.count(n, 10, 4, "list");
    EXPECT_EQ(r.status().error().code, CodecError::kTruncated);
    EXPECT_EQ(n, 0u);
  }
  {
    const Bytes in{2, 0, 0, 0, 1, 2, 3, 4};
    Reader r(in);
    std::size_t n = 0;
    r.count(n, 10, 2, "list");
    EXPECT_TRUE(r.status());
    EXPECT_EQ(n, 2u);
  }
}

TEST(Codec, FinishRejectsTrailingBytes) {
  const Bytes in{1, 2};
  Reader r(in);
  std::uint8_t v = 0;
  r.u8(v, "a");
  r.finish("thing");
  EXPECT_EQ(r.status().error().code, CodecError::kTrailingBytes);
  EXPECT_EQ(r.status().error().detail, "thing");
}

TEST(Codec, SizerMatchesWriter) {
  Writer w;
  Sizer s;
  const Bytes memo(17, 1);
  const util::ByteArray<33> key{};
  w.u8(1, "");
  s.u8(1, "");
  w.u64(2, "");
  s.u64(2, "");
  w.bytes(memo, 64, "");
  s.bytes(memo, 64, "");
  w.array(key, "");
  s.array(key, "");
  w.count(3, 10, 1, "");
  s.count(3, 10, 1, "");
  EXPECT_EQ(w.take().size(), s.size());
}

TEST(Codec, ErrorNamesAreDistinct) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(CodecError::kBadValidRound); ++i) {
    const auto name = to_string(static_cast<CodecError>(i));
    EXPECT_NE(name, "codec_unknown");
    names.emplace(name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(CodecError::kBadValidRound) + 1);
}

}  // namespace
}  // namespace cloudchain::primitives
