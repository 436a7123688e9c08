// The P2P frame decoder on an arbitrary byte stream (docs/protocol.md, section 10.1).
// Input: byte 0 seeds the read sizes, the rest is the stream a peer sends.
// Invariants: it never crashes; fed in random-sized reads it yields exactly the frames
// and the error it yields when fed the stream at once (splitting never matters); each
// frame re-encodes to the bytes it came from and respects its type's limit; every
// payload that decodes re-encodes to itself; the decoder never holds more than what was
// pending before a read plus that read (the frames taken before it are freed).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "p2p/frame.hpp"
#include "p2p/messages.hpp"

namespace {

using namespace cloudchain;

// The magic of the p2p test vectors, so the seed corpus (those frames) gets through.
constexpr p2p::Magic kMagic = {0x0c, 0xe2, 0xb5, 0x2e};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Outcome {
  std::vector<p2p::Frame> frames;
  std::optional<p2p::P2pError> error;
};

void drain(p2p::FrameDecoder& dec, Outcome& out) {
  while (auto f = dec.next()) {
    if (!*f) {
      out.error = (*f).error().code;
      return;
    }
    out.frames.push_back(std::move(**f));
  }
}

Outcome in_one_read(util::ByteSpan stream) {
  p2p::FrameDecoder dec(kMagic);
  Outcome out;
  dec.feed(stream);
  drain(dec, out);
  return out;
}

Outcome in_random_reads(util::ByteSpan stream, std::uint8_t seed) {
  p2p::FrameDecoder dec(kMagic);
  Outcome out;
  std::uint32_t state = seed * 2654435761u + 1;
  std::size_t pos = 0;
  while (pos < stream.size() && !out.error) {
    state = state * 1664525u + 1013904223u;
    const std::size_t n = std::min<std::size_t>(1 + (state >> 24) % 40, stream.size() - pos);
    const std::size_t pending = dec.buffered();
    dec.feed(stream.subspan(pos, n));
    pos += n;
    // What it holds is what was pending plus this read: taken frames were dropped.
    check(dec.held() <= pending + n);
    drain(dec, out);
    check(dec.held() <= pending + n);
  }
  return out;
}

void check_frame(const p2p::Frame& f, util::ByteSpan stream, std::size_t& offset) {
  const auto limit = p2p::max_payload(f.type);
  check(limit.has_value() && f.payload.size() <= *limit);
  const util::Bytes raw = p2p::encode_raw_frame(kMagic, f.type, f.payload);
  check(offset + raw.size() <= stream.size());
  check(std::equal(raw.begin(), raw.end(), stream.begin() + static_cast<std::ptrdiff_t>(offset)));
  offset += raw.size();
  const auto m = p2p::decode_message(f.type, f.payload);
  if (!m) {
    check(m.error().code == p2p::P2pError::kMalformedMessage);
    return;
  }
  check(p2p::encode_frame(kMagic, *m) == raw);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const util::ByteSpan stream(data + 1, size - 1);
  const Outcome whole = in_one_read(stream);
  const Outcome split = in_random_reads(stream, data[0]);
  check(whole.error == split.error);
  check(whole.frames.size() == split.frames.size());
  std::size_t offset = 0;
  for (std::size_t i = 0; i < whole.frames.size(); ++i) {
    check(whole.frames[i].type == split.frames[i].type && whole.frames[i].payload == split.frames[i].payload);
    check_frame(whole.frames[i], stream, offset);
  }
  return 0;
}
