#include "p2p/error.hpp"

namespace cloudchain::p2p {

std::string_view to_string(P2pError e) {
  switch (e) {
    case P2pError::kBadMagic: return "p2p_bad_magic";
    case P2pError::kUnknownMessage: return "p2p_unknown_message";
    case P2pError::kOversizeFrame: return "p2p_oversize_frame";
    case P2pError::kBadChecksum: return "p2p_bad_checksum";
    case P2pError::kMalformedMessage: return "p2p_malformed_message";
    case P2pError::kVersionMismatch: return "p2p_version_mismatch";
    case P2pError::kWrongChain: return "p2p_wrong_chain";
    case P2pError::kSelfConnection: return "p2p_self_connection";
    case P2pError::kDuplicateHandshake: return "p2p_duplicate_handshake";
    case P2pError::kUnexpectedMessage: return "p2p_unexpected_message";
    case P2pError::kUnrequestedData: return "p2p_unrequested_data";
    case P2pError::kHeadersNotConnecting: return "p2p_headers_not_connecting";
    case P2pError::kLowWorkHeaders: return "p2p_low_work_headers";
    case P2pError::kInvalidBlock: return "p2p_invalid_block";
    case P2pError::kInvalidTx: return "p2p_invalid_tx";
    case P2pError::kInvalidHeaders: return "p2p_invalid_headers";
    case P2pError::kInvalidConsensus: return "p2p_invalid_consensus";
    case P2pError::kTimeout: return "p2p_timeout";
    case P2pError::kSendQueueFull: return "p2p_send_queue_full";
    case P2pError::kTooManyPeers: return "p2p_too_many_peers";
    case P2pError::kDuplicateConnection: return "p2p_duplicate_connection";
    case P2pError::kBanned: return "p2p_banned";
    case P2pError::kShutdown: return "p2p_shutdown";
    case P2pError::kIo: return "p2p_io";
  }
  return "p2p_unknown";
}

std::uint32_t misbehaviour_score(P2pError e) {
  switch (e) {
    case P2pError::kBadMagic:
    case P2pError::kUnknownMessage:
    case P2pError::kOversizeFrame:
    case P2pError::kBadChecksum:
    case P2pError::kMalformedMessage:
    case P2pError::kVersionMismatch:
    case P2pError::kWrongChain:
    case P2pError::kDuplicateHandshake:
    case P2pError::kUnexpectedMessage:
    case P2pError::kInvalidBlock:
    case P2pError::kInvalidHeaders: return kBanScore;
    case P2pError::kUnrequestedData:
    case P2pError::kHeadersNotConnecting:
    case P2pError::kLowWorkHeaders: return 20;
    // Proven (a bad signature is never relayed by an honest node), but two are needed for
    // a ban: a node one block behind may judge the validator set of a height differently.
    case P2pError::kInvalidConsensus: return 50;
    case P2pError::kInvalidTx: return 10;
    case P2pError::kSelfConnection:
    case P2pError::kTimeout:
    case P2pError::kSendQueueFull:
    case P2pError::kTooManyPeers:
    case P2pError::kDuplicateConnection:
    case P2pError::kBanned:
    case P2pError::kShutdown:
    case P2pError::kIo: return 0;
  }
  return 0;
}

}  // namespace cloudchain::p2p
