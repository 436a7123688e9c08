#pragma once
// Frames (docs/protocol.md section 10.1):
//   magic:4 type:u16 length:u32 checksum:4 payload
// magic = first 4 bytes of the genesis hash; checksum = first 4 bytes of SHA-256(payload).
//
// FrameDecoder is incremental: feed it whatever a socket read returned (one byte or
// many frames) and take complete frames out. It checks magic, type and the type's
// size limit as soon as the 14-byte header is in, before buffering the payload, so an
// oversize length costs nothing; then the checksum. The magic is compared byte by byte
// as it arrives, so garbage fails on its first wrong byte. After the first error it
// stays failed (the connection is dropped): it frees its buffer, ignores later feeds,
// and every next() returns that error.
//
//   FrameDecoder dec(magic);
//   dec.feed(bytes_read);
//   while (auto f = dec.next()) {                    // f: Result<Frame, P2pError>
//     if (!*f) { drop((*f).error()); break; }
//     handle((*f)->type, (*f)->payload);
//   }
//
// Memory: the decoder holds the bytes fed and not yet taken by next(), at most. A
// caller that drains next() after every feed and reads at most R bytes per feed
// buffers at most one frame (<= its type's limit, 4 MiB for a block, 4 MiB + 149 bytes
// for a proposal with its block) plus R.
//
// Not thread-safe (one per connection).

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "p2p/error.hpp"
#include "p2p/messages.hpp"
#include "util/bytes.hpp"

namespace cloudchain::p2p {

inline constexpr std::size_t kFrameHeaderSize = 14;
using Magic = std::array<std::uint8_t, 4>;

Magic magic_for(const Hash256& genesis_hash);

struct Frame {
  std::uint16_t type = 0;
  Bytes payload;
  Hash256 payload_sha256{};  // the whole SHA-256 the checksum is cut from
};

/// Header + payload for `m`.
Bytes encode_frame(const Magic& magic, const Message& m);
/// A frame with an arbitrary type and payload (tests, the scripted bad peer).
Bytes encode_raw_frame(const Magic& magic, std::uint16_t type, ByteSpan payload);
/// The same, with the payload's SHA-256 already known (a received frame's
/// payload_sha256: a relayed proposal is not hashed again). REQUIRES: payload_sha256 ==
/// SHA-256(payload).
Bytes encode_raw_frame(const Magic& magic, std::uint16_t type, ByteSpan payload, const Hash256& payload_sha256);

class FrameDecoder {
 public:
  explicit FrameDecoder(Magic magic) : m_magic(magic) {}

  void feed(ByteSpan bytes);
  /// The next complete frame; nullopt if more bytes are needed; an error once failed.
  std::optional<util::Result<Frame, P2pError>> next();

  bool failed() const { return m_error.has_value(); }
  /// The error that failed the decoder; nullopt while it has not failed.
  const std::optional<P2pFailure>& error() const { return m_error; }
  /// Bytes buffered that do not yet form a whole frame.
  std::size_t buffered() const;
  /// Bytes the decoder holds in memory, frames already taken included (dropped at the
  /// next feed): what bounds its memory, for tests.
  std::size_t held() const { return m_buffer.size(); }
  /// True while a frame has started (at least one byte) but is not complete: the
  /// connection times this (slow-loris).
  bool mid_frame() const { return buffered() > 0; }

 private:
  // A frame of `type` may carry `length` bytes: kUnknownMessage / kOversizeFrame if not.
  std::optional<P2pFailure> check_header(std::uint16_t type, std::uint32_t length) const;
  // Records the error, frees the buffer and returns the error for next().
  std::unexpected<P2pFailure> fail(P2pError code, std::string detail);

  Magic m_magic;
  Bytes m_buffer;  // [0, m_pos) consumed, [m_pos, end) not yet a whole frame
  std::size_t m_pos = 0;
  std::optional<P2pFailure> m_error;
};

}  // namespace cloudchain::p2p
