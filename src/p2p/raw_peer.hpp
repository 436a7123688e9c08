#pragma once
// RawPeer: a scripted peer over a plain blocking POSIX socket, for the adversarial
// network tests (not part of the library). It sends whatever bytes a test wants and
// reads the node's frames with a deadline; it answers nothing on its own unless asked
// (auto_pong).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "p2p/frame.hpp"
#include "p2p/messages.hpp"

namespace cloudchain::p2p::test {

class RawPeer {
 public:
  /// Connects to 127.0.0.1:port; frames use the magic of `genesis`. The connect must
  /// succeed (aborts otherwise: a test bug).
  RawPeer(std::uint16_t port, const Hash256& genesis);
  ~RawPeer();
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  /// False if the socket failed (the node closed it). Sends are atomic with respect to
  /// each other (a mutex), so one thread may flood while another reads and answers pings;
  /// everything else is for one thread.
  bool send_bytes(ByteSpan bytes);
  bool send(const Message& m);
  /// The magic its frames carry (for a test that encodes several into one write).
  const Magic& magic() const { return m_magic; }

  /// The next message from the node within `timeout` (pings answered when auto_pong);
  /// nullopt on timeout, close or an undecodable frame.
  std::optional<Message> read(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  /// Reads until a message of type `t` arrives (others are dropped).
  std::optional<Message> read_until(MessageType t, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  /// True when the node closes the connection within `timeout` (frames read meanwhile
  /// are dropped).
  bool closed_within(std::chrono::milliseconds timeout);

  /// version (ours: a random nonce, the given chain id/genesis/height; best hash genesis
  /// unless the test sets another) and verack both ways. True when the node's version
  /// and verack arrived.
  bool handshake(std::uint64_t best_height = 0);
  /// The version this peer sends in handshake() (tests change fields before calling it).
  Version& version() { return m_version; }

  bool auto_pong = true;

 private:
  // Fills the decoder; false on timeout/close.
  bool fill(std::chrono::steady_clock::time_point deadline);

  std::mutex m_send_mutex;
  int m_fd = -1;
  Magic m_magic;
  FrameDecoder m_decoder;
  Version m_version;
  bool m_closed = false;
};

}  // namespace cloudchain::p2p::test
