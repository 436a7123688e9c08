#pragma once
// Why the network drops, scores or bans a peer (docs/p2p.md, "Misbehaviour and bans").
// One code per rule; misbehaviour_score() says how much each costs the peer.
//
// Pure; thread-safe.

#include <cstdint>
#include <string_view>

#include "util/error.hpp"

namespace cloudchain::p2p {

enum class P2pError {
  // --- frames (p2p/frame.hpp) ------------------------------------------------------
  kBadMagic,          // frame magic = first 4 bytes of our genesis hash
  kUnknownMessage,    // frame type is one of docs/protocol.md section 10
  kOversizeFrame,     // frame length <= the type's limit
  kBadChecksum,       // frame checksum = first 4 bytes of SHA-256(payload)
  kMalformedMessage,  // the payload decodes strictly as its type
  // --- handshake -------------------------------------------------------------------
  kVersionMismatch,     // version.protocol_version = kProtocolVersion
  kWrongChain,          // version.chain_id and genesis equal ours
  kSelfConnection,      // version.nonce is not one of our own
  kDuplicateHandshake,  // version and verack arrive once each
  kUnexpectedMessage,   // nothing but version/verack before the handshake completes
  // --- behaviour -------------------------------------------------------------------
  kUnrequestedData,       // block/tx only when asked for by getdata
  kHeadersNotConnecting,  // a headers batch starts on a known header, one height above it
  kLowWorkHeaders,        // a finished header chain has more work than ours
  kInvalidBlock,          // a block the chain rejected with sender_at_fault
  kInvalidTx,             // a transaction the mempool rejected with sender_at_fault
  kInvalidHeaders,        // headers pass NodeHooks::check_headers, link in order and avoid rejected blocks
  kInvalidConsensus,      // a proposal or vote the node found at fault (NodeHooks::on_proposal / on_vote)
  // --- local decisions (no fault proven) -------------------------------------------
  kTimeout,              // handshake, pong, frame (slow-loris) or idle timeout
  kSendQueueFull,        // the peer does not read what we send
  kTooManyPeers,         // over max_inbound / max_outbound
  kDuplicateConnection,  // one connection per node (version.nonce): a second one is closed
  kBanned,               // the address is banned
  kShutdown,             // the node is stopping
  kIo,                   // the socket failed or the peer closed it
};
std::string_view to_string(P2pError e);

/// Points added to a peer's score for `e` (100 = disconnect and ban; 0 = no score, for
/// codes that only disconnect or say nothing about the peer).
std::uint32_t misbehaviour_score(P2pError e);

inline constexpr std::uint32_t kBanScore = 100;

using P2pFailure = util::Error<P2pError>;

}  // namespace cloudchain::p2p
