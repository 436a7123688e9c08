#include "p2p/frame.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/sha256.hpp"
#include "p2p/vectors.hpp"

namespace cloudchain::p2p {
namespace {

const Magic kMagic = vectors::sample_magic();

/// Every sample message's frame, concatenated, and the frames expected back.
struct Stream {
  Bytes bytes;
  std::vector<Frame> frames;
};

Stream sample_stream() {
  Stream s;
  for (const Message& m : vectors::sample_messages()) {
    util::append(s.bytes, encode_frame(kMagic, m));
    s.frames.push_back(Frame{static_cast<std::uint16_t>(type_of(m)), encode_payload(m)});
  }
  return s;
}

/// Takes every complete frame; fails the test on an error.
void drain(FrameDecoder& dec, std::vector<Frame>& out) {
  while (auto f = dec.next()) {
    ASSERT_TRUE(f->has_value()) << to_string((*f).error().code) << ": " << (*f).error().detail;
    out.push_back(std::move(**f));
  }
}

void expect_frames(const std::vector<Frame>& got, const std::vector<Frame>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].type, want[i].type) << i;
    EXPECT_EQ(got[i].payload, want[i].payload) << i;
  }
}

P2pError error_after(FrameDecoder& dec) {
  std::vector<Frame> ignored;
  while (auto f = dec.next()) {
    if (!*f) return (*f).error().code;
    ignored.push_back(std::move(**f));
  }
  ADD_FAILURE() << "no error";
  return P2pError::kIo;
}

Bytes header_only(std::uint16_t type, std::uint32_t length) {
  Bytes frame = encode_raw_frame(kMagic, type, {});
  for (int i = 0; i < 4; ++i) frame[6 + i] = static_cast<std::uint8_t>(length >> (8 * i));
  return frame;
}

TEST(Frame, MagicIsTheFirstFourBytesOfTheGenesisHash) {
  Hash256 genesis{};
  for (std::size_t i = 0; i < genesis.size(); ++i) genesis[i] = static_cast<std::uint8_t>(i + 1);
  EXPECT_EQ(magic_for(genesis), (Magic{1, 2, 3, 4}));
}

TEST(Frame, LayoutIsMagicTypeLengthChecksumPayload) {
  const Bytes frame = encode_frame(kMagic, Ping{0x0102030405060708});
  ASSERT_EQ(frame.size(), kFrameHeaderSize + 8);
  EXPECT_TRUE(std::equal(kMagic.begin(), kMagic.end(), frame.begin()));
  EXPECT_EQ(frame[4], 3);  // type 3, little-endian
  EXPECT_EQ(frame[5], 0);
  EXPECT_EQ((Bytes{frame.begin() + 6, frame.begin() + 10}), (Bytes{8, 0, 0, 0}));
  const Bytes payload(frame.begin() + 14, frame.end());
  EXPECT_EQ(payload, (Bytes{8, 7, 6, 5, 4, 3, 2, 1}));
  const Hash256 sum = crypto::sha256(payload);
  EXPECT_TRUE(std::equal(frame.begin() + 10, frame.begin() + 14, sum.begin()));
}

// A decoded frame carries its payload's whole SHA-256 (the checksum's source), and a
// frame encoded with a known digest is the frame encoded without one.
TEST(Frame, DecodedFrameCarriesThePayloadsSha256) {
  const Bytes payload = {9, 8, 7, 6, 5};
  const Hash256 digest = crypto::sha256(payload);
  const Bytes frame = encode_raw_frame(kMagic, 3, payload);
  EXPECT_EQ(encode_raw_frame(kMagic, 3, payload, digest), frame);
  FrameDecoder dec(kMagic);
  dec.feed(frame);
  auto f = dec.next();
  ASSERT_TRUE(f && *f);
  EXPECT_EQ((*f)->payload, payload);
  EXPECT_EQ((*f)->payload_sha256, digest);
}

TEST(FrameDecoder, ManyFramesInOneFeed) {
  const Stream s = sample_stream();
  FrameDecoder dec(kMagic);
  dec.feed(s.bytes);
  std::vector<Frame> got;
  drain(dec, got);
  expect_frames(got, s.frames);
  EXPECT_EQ(dec.buffered(), 0u);
  EXPECT_FALSE(dec.mid_frame());
  EXPECT_FALSE(dec.failed());
}

TEST(FrameDecoder, ReassemblesASplitAtEveryOffset) {
  const Stream s = sample_stream();
  for (std::size_t cut = 0; cut <= s.bytes.size(); ++cut) {
    FrameDecoder dec(kMagic);
    std::vector<Frame> got;
    dec.feed(ByteSpan(s.bytes).first(cut));
    drain(dec, got);
    dec.feed(ByteSpan(s.bytes).subspan(cut));
    drain(dec, got);
    expect_frames(got, s.frames);
    ASSERT_FALSE(dec.failed()) << "cut at " << cut;
  }
}

TEST(FrameDecoder, ByteAtATime) {
  const Stream s = sample_stream();
  std::size_t largest = 0;
  for (const Frame& f : s.frames) largest = std::max(largest, kFrameHeaderSize + f.payload.size());
  ASSERT_LT(largest, s.bytes.size() / 2);  // so that keeping taken frames would show
  FrameDecoder dec(kMagic);
  std::vector<Frame> got;
  for (const std::uint8_t b : s.bytes) {
    dec.feed(ByteSpan(&b, 1));
    drain(dec, got);
    // Taken frames are dropped at the next feed: at most the frame in progress (and
    // the one just completed) is held, never the stream.
    ASSERT_LE(dec.held(), largest) << got.size() << " frames taken";
  }
  expect_frames(got, s.frames);
  EXPECT_EQ(dec.buffered(), 0u);
}

TEST(FrameDecoder, MidFrameWhileAFrameIsIncomplete) {
  const Bytes frame = encode_frame(kMagic, Ping{1});
  FrameDecoder dec(kMagic);
  EXPECT_FALSE(dec.mid_frame());
  dec.feed(ByteSpan(frame).first(1));
  EXPECT_FALSE(dec.next().has_value());
  EXPECT_TRUE(dec.mid_frame());
  dec.feed(ByteSpan(frame).subspan(1));
  ASSERT_TRUE(dec.next().value().has_value());
  EXPECT_FALSE(dec.mid_frame());
  EXPECT_FALSE(dec.next().has_value());
}

TEST(FrameDecoder, BufferStaysBoundedOverALongStream) {
  const Bytes frame = encode_frame(kMagic, Ping{7});
  FrameDecoder dec(kMagic);
  std::vector<Frame> got;
  for (int i = 0; i < 10'000; ++i) {
    dec.feed(ByteSpan(frame).first(5));  // header split, then the rest with the next header start
    drain(dec, got);
    dec.feed(ByteSpan(frame).subspan(5));
    drain(dec, got);
    ASSERT_EQ(dec.buffered(), 0u);
    ASSERT_LE(dec.held(), frame.size()) << "after " << i << " frames";  // not 10,000 frames' worth
  }
  EXPECT_EQ(got.size(), 10'000u);
}

TEST(FrameDecoder, WrongMagicFailsOnTheFirstWrongByte) {
  FrameDecoder dec(kMagic);
  const std::uint8_t wrong = static_cast<std::uint8_t>(kMagic[0] ^ 0xff);
  dec.feed(ByteSpan(&wrong, 1));
  EXPECT_EQ(error_after(dec), P2pError::kBadMagic);

  Magic other = kMagic;
  other[3] ^= 1;
  FrameDecoder dec2(kMagic);
  dec2.feed(encode_frame(other, Ping{1}));
  EXPECT_EQ(error_after(dec2), P2pError::kBadMagic);
}

TEST(FrameDecoder, UnknownTypeFailsOnTheHeader) {
  for (const std::uint16_t type : {std::uint16_t{0}, std::uint16_t{16}, std::uint16_t{0xffff}}) {
    FrameDecoder dec(kMagic);
    dec.feed(header_only(type, 0));
    EXPECT_EQ(error_after(dec), P2pError::kUnknownMessage) << type;
  }
}

TEST(FrameDecoder, OversizeLengthFailsBeforeThePayloadArrives) {
  FrameDecoder dec(kMagic);
  dec.feed(header_only(static_cast<std::uint16_t>(MessageType::kBlock), 0xffffffff));
  EXPECT_EQ(error_after(dec), P2pError::kOversizeFrame);
  EXPECT_EQ(dec.error()->code, P2pError::kOversizeFrame);
  EXPECT_NE(dec.error()->detail.find("block"), std::string::npos) << dec.error()->detail;

  FrameDecoder ping(kMagic);
  ping.feed(header_only(static_cast<std::uint16_t>(MessageType::kPing), 9));
  EXPECT_EQ(error_after(ping), P2pError::kOversizeFrame);
}

TEST(FrameDecoder, LengthAtTheLimitWaitsForThePayload) {
  FrameDecoder dec(kMagic);
  dec.feed(header_only(static_cast<std::uint16_t>(MessageType::kBlock),
                       static_cast<std::uint32_t>(primitives::kMaxBlockSize)));
  EXPECT_FALSE(dec.next().has_value());
  EXPECT_FALSE(dec.failed());
  EXPECT_TRUE(dec.mid_frame());
}

TEST(FrameDecoder, BadChecksumFailsOnceThePayloadIsIn) {
  Bytes frame = encode_frame(kMagic, Ping{1});
  frame.back() ^= 1;
  FrameDecoder dec(kMagic);
  dec.feed(ByteSpan(frame).first(frame.size() - 1));
  EXPECT_FALSE(dec.next().has_value());
  dec.feed(ByteSpan(frame).last(1));
  EXPECT_EQ(error_after(dec), P2pError::kBadChecksum);
}

TEST(FrameDecoder, StaysFailedAndDropsItsBuffer) {
  FrameDecoder dec(kMagic);
  const Bytes good = encode_frame(kMagic, Ping{1});
  Bytes bad = encode_frame(kMagic, Pong{1});
  bad[13] ^= 1;  // checksum
  dec.feed(bad);
  dec.feed(good);
  EXPECT_EQ(error_after(dec), P2pError::kBadChecksum);
  EXPECT_TRUE(dec.failed());
  EXPECT_EQ(dec.buffered(), 0u);
  dec.feed(good);
  EXPECT_EQ(dec.buffered(), 0u);
  for (int i = 0; i < 3; ++i) {
    auto f = dec.next();
    ASSERT_TRUE(f.has_value());
    ASSERT_FALSE(f->has_value());
    EXPECT_EQ(f->error().code, P2pError::kBadChecksum);
  }
}

TEST(FrameDecoder, FramesBeforeAnErrorAreDelivered) {
  Bytes stream = encode_frame(kMagic, Ping{1});
  util::append(stream, encode_frame(kMagic, Ping{2}));
  util::append(stream, header_only(99, 0));
  FrameDecoder dec(kMagic);
  dec.feed(stream);
  int delivered = 0;
  while (auto f = dec.next()) {
    if (!*f) break;
    ++delivered;
  }
  EXPECT_EQ(delivered, 2);
  EXPECT_EQ(dec.error()->code, P2pError::kUnknownMessage);
}

TEST(FrameDecoder, EmptyPayloadFrames) {
  FrameDecoder dec(kMagic);
  dec.feed(encode_frame(kMagic, Verack{}));
  dec.feed(encode_frame(kMagic, GetAddr{}));
  std::vector<Frame> got;
  drain(dec, got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, 2);
  EXPECT_TRUE(got[0].payload.empty());
  EXPECT_EQ(got[1].type, 5);
}

}  // namespace
}  // namespace cloudchain::p2p
