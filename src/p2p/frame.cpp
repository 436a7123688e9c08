// Frame layout (docs/protocol.md section 10.1):
//
//   frame    = magic:4 type:u16 length:u32 checksum:4 payload     (integers little-endian)
//   magic    = genesis_hash[0..4]
//   checksum = SHA-256(payload)[0..4]
//
// FrameDecoder keeps one buffer: bytes before m_pos are consumed frames, bytes after
// it are the frame in progress (and any frames after it that arrived in the same
// read). feed() drops the consumed prefix first, so the buffer never holds more than
// the unconsumed bytes of the last feed plus what came before them.
#include "p2p/frame.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "crypto/sha256.hpp"

namespace cloudchain::p2p {

namespace {

constexpr std::size_t kTypeOffset = 4;
constexpr std::size_t kLengthOffset = 6;
constexpr std::size_t kChecksumOffset = 10;

std::uint32_t read_le(const std::uint8_t* p, int width) {
  std::uint32_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void put_le(Bytes& out, std::uint32_t v, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

bool checksum_matches(const std::uint8_t* checksum, const Hash256& payload_sha256) {
  return std::equal(checksum, checksum + 4, payload_sha256.begin());
}

}  // namespace

Magic magic_for(const Hash256& genesis_hash) {
  return {genesis_hash[0], genesis_hash[1], genesis_hash[2], genesis_hash[3]};
}

Bytes encode_raw_frame(const Magic& magic, std::uint16_t type, ByteSpan payload) {
  return encode_raw_frame(magic, type, payload, crypto::sha256(payload));
}

Bytes encode_raw_frame(const Magic& magic, std::uint16_t type, ByteSpan payload, const Hash256& payload_sha256) {
  Bytes out;
  out.reserve(kFrameHeaderSize + payload.size());
  out.insert(out.end(), magic.begin(), magic.end());
  put_le(out, type, 2);
  put_le(out, static_cast<std::uint32_t>(payload.size()), 4);
  out.insert(out.end(), payload_sha256.begin(), payload_sha256.begin() + 4);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes encode_frame(const Magic& magic, const Message& m) {
  return encode_raw_frame(magic, static_cast<std::uint16_t>(type_of(m)), encode_payload(m));
}

void FrameDecoder::feed(ByteSpan bytes) {
  if (m_error) return;
  if (m_pos > 0) {
    m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(m_pos));
    m_pos = 0;
  }
  m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
}

std::size_t FrameDecoder::buffered() const { return m_buffer.size() - m_pos; }

std::optional<util::Result<Frame, P2pError>> FrameDecoder::next() {
  if (m_error) return std::unexpected(*m_error);
  const std::uint8_t* start = m_buffer.data() + m_pos;
  const std::size_t have = buffered();
  // The magic is checked byte by byte, so garbage fails before a whole header arrives.
  const std::size_t magic_have = std::min(have, m_magic.size());
  if (!std::equal(start, start + magic_have, m_magic.begin())) return fail(P2pError::kBadMagic, "frame magic");
  if (have < kFrameHeaderSize) return std::nullopt;
  const auto type = static_cast<std::uint16_t>(read_le(start + kTypeOffset, 2));
  const std::uint32_t length = read_le(start + kLengthOffset, 4);
  if (auto bad = check_header(type, length)) return fail(bad->code, std::move(bad->detail));
  if (have < kFrameHeaderSize + length) return std::nullopt;
  const ByteSpan payload(start + kFrameHeaderSize, length);
  const Hash256 digest = crypto::sha256(payload);
  if (!checksum_matches(start + kChecksumOffset, digest)) {
    return fail(P2pError::kBadChecksum, fmt::format("{} frame of {} bytes", type, length));
  }
  Frame frame{type, Bytes(payload.begin(), payload.end()), digest};
  m_pos += kFrameHeaderSize + length;
  return frame;
}

std::optional<P2pFailure> FrameDecoder::check_header(std::uint16_t type, std::uint32_t length) const {
  const auto limit = max_payload(type);
  if (!limit) return P2pFailure{P2pError::kUnknownMessage, fmt::format("frame type {}", type)};
  if (length > *limit) {
    return P2pFailure{P2pError::kOversizeFrame, fmt::format("{} frame of {} bytes, limit {}",
                                                            to_string(static_cast<MessageType>(type)), length, *limit)};
  }
  return std::nullopt;
}

std::unexpected<P2pFailure> FrameDecoder::fail(P2pError code, std::string detail) {
  m_error = P2pFailure{code, std::move(detail)};
  m_buffer.clear();
  m_buffer.shrink_to_fit();
  m_pos = 0;
  return std::unexpected(*m_error);
}

}  // namespace cloudchain::p2p
