// The P2P message handlers of a real Network (docs/p2p.md), over loopback TCP.
//
// One Network, with a ToyNode holding a short chain (so getheaders, getdata and the
// sync planner find something), lives for the whole run. Each input is one message, as
// for fuzz_p2p_message (byte 0 picks the type mod 17, the rest is the payload; the same seed
// corpus works): a fresh scripted peer connects, completes the handshake and sends the
// input as ONE well-formed frame (right magic, length and checksum), so that it passes
// the frame decoder and reaches the message decoder and, when it decodes, its handler.
// A decodable transaction is first announced by `inv`, so that the node asks for it and
// the transaction handler runs past its "not asked for" check. Then the peer pings.
//
// Invariants: no crash, leak or undefined behaviour (ASan/UBSan); the fuzzing peer gets
// its pong or is disconnected within the timeout (never left hanging); and after every
// input a fresh honest peer completes a handshake and gets its ping answered: the node
// keeps serving whatever a peer sent. Bans an input earns are lifted before the next.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>
#include <variant>

#include <spdlog/spdlog.h>

#include "p2p/frame.hpp"
#include "p2p/messages.hpp"
#include "p2p/network.hpp"
#include "p2p/raw_peer.hpp"
#include "p2p/test_node.hpp"

namespace {

using namespace cloudchain;
using namespace std::chrono_literals;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_p2p_handlers: %s\n", what);
  __builtin_trap();
}

struct Host {
  Host() {
    node.add_blocks(p2p::test::make_chain(p2p::test::genesis_block(), 12, 0, 2));
    p2p::NetworkConfig config = p2p::test::test_config();
    config.max_outbound = 0;   // addr messages must not make the node dial anything
    config.max_inbound = 256;  // closed fuzzing peers may linger a moment
    auto log = p2p::test::test_logger();
    log->set_level(spdlog::level::err);  // each refused input would log a warning
    net = std::make_unique<p2p::Network>(config, node, log);
    check(net->start().has_value(), "the network did not start");
  }
  p2p::test::ToyNode node;
  std::unique_ptr<p2p::Network> net;
};

Host& host() {
  static Host* h = new Host();  // never destroyed: libFuzzer exits without unwinding
  return *h;
}

enum class Answer { kPong, kClosed, kNothing };

// Pings and waits up to 5 s for the pong (other messages are dropped), or the close.
Answer ping(p2p::test::RawPeer& peer, std::uint64_t nonce) {
  if (!peer.send(p2p::Ping{nonce})) return Answer::kClosed;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Answer::kNothing;
    const auto m = peer.read_until(p2p::MessageType::kPong, left);
    // nullopt before the deadline: the node closed the connection.
    if (!m) return std::chrono::steady_clock::now() < deadline ? Answer::kClosed : Answer::kNothing;
    if (std::get<p2p::Pong>(*m).nonce == nonce) return Answer::kPong;
  }
}

// Announces the transaction; the node asks for it (getdata) unless it has it. A ping
// after the inv marks the end of the node's answer (it handles a peer's frames in order).
void announce(p2p::test::RawPeer& peer, const p2p::TxMsg& msg) {
  p2p::Inv inv;
  inv.items.push_back(p2p::InvItem{p2p::InvKind::kTx, primitives::txid(msg.tx)});
  if (!peer.send(inv)) return;
  (void)ping(peer, 0xa11);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Host& h = host();
  const auto type = static_cast<std::uint16_t>(data[0] % 17);
  const util::ByteSpan payload(data + 1, size - 1);
  const p2p::Magic magic = p2p::magic_for(h.node.genesis_hash());
  {
    p2p::test::RawPeer peer(h.net->listen_port(), h.node.genesis_hash());
    check(peer.handshake(), "the fuzzing peer's handshake failed");
    {
      if (const auto decoded = p2p::decode_message(type, payload)) {
        if (const auto* tx = std::get_if<p2p::TxMsg>(&*decoded)) announce(peer, *tx);
      }
      if (peer.send_bytes(p2p::encode_raw_frame(magic, type, payload))) {
        check(ping(peer, 0x5eed) != Answer::kNothing, "the fuzzing peer got neither its pong nor a close");
      }
    }
  }
  // The node still serves an honest peer. A ban for the input may be recorded a moment
  // after the fuzzing peer saw its connection close, so lifting bans is retried.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    for (const auto& ban : h.net->bans()) h.net->unban(ban.ip);
    p2p::test::RawPeer honest(h.net->listen_port(), h.node.genesis_hash());
    if (honest.handshake()) {
      check(ping(honest, 0x600d) == Answer::kPong, "an honest peer's ping went unanswered after the input");
      break;
    }
    check(std::chrono::steady_clock::now() < deadline, "no honest peer completes a handshake after the input");
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}
