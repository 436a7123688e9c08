#pragma once
// P2P messages (docs/protocol.md section 10; design in docs/p2p.md): one struct per
// message type, encoded with the canonical codec (primitives/codec.hpp). Decoding is
// strict (trailing bytes, over-long lists, unknown inventory kinds, port 0 or above
// 65535, a user agent over 64 bytes or not printable ASCII are kMalformedMessage) and
// bounded by the type's limit before anything is allocated. Hence
// encode_payload(decode_message(t, b)) == b for every accepted b.
//
// The consensus messages: `vote` carries one primitives::Vote (protocol section 8) and
// nothing else, its limit that exact size; `proposal` carries one primitives::Proposal
// followed by the block it proposes, which must hash to the proposal's block_hash (else
// kMalformedMessage). The proposed block is stored by no node until it is decided, so
// no one could answer a getdata for it: it travels with its proposal. The primitives
// decoders' rules (vote type, nil proposal, valid_round) are kMalformedMessage here.
// Signatures are not checked by the decoder.
//
//   Message m = Ping{42};
//   util::Bytes frame = encode_frame(magic, m);          // header + payload
//   auto decoded = decode_message(MessageType::kPing, payload);
//
// Pure; thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "p2p/error.hpp"
#include "primitives/block.hpp"
#include "primitives/header.hpp"
#include "primitives/proposal.hpp"
#include "primitives/transaction.hpp"
#include "primitives/vote.hpp"
#include "util/bytes.hpp"

namespace cloudchain::p2p {

using util::Bytes;
using util::ByteSpan;
using util::Hash256;

inline constexpr std::uint32_t kProtocolVersion = 1;

enum class MessageType : std::uint16_t {
  kVersion = 1,
  kVerack = 2,
  kPing = 3,
  kPong = 4,
  kGetAddr = 5,
  kAddr = 6,
  kInv = 7,
  kGetData = 8,
  kNotFound = 9,
  kGetHeaders = 10,
  kHeaders = 11,
  kBlock = 12,
  kTx = 13,
  kProposal = 14,
  kVote = 15,
};
std::string_view to_string(MessageType t);

inline constexpr std::size_t kMaxUserAgent = 64;
inline constexpr std::size_t kMaxAddrs = 1000;
inline constexpr std::size_t kMaxInvItems = 5000;
inline constexpr std::size_t kMaxLocator = 64;
inline constexpr std::size_t kMaxHeaders = 2000;
inline constexpr std::size_t kNetAddressSize = 16 + 4 + 8;  // ip port last_seen_ms
inline constexpr std::size_t kInvItemSize = 1 + 32;         // kind hash
/// The largest transaction encoding: evidence (two votes) is the biggest body.
inline constexpr std::size_t kMaxTxSize = 1 + 4 + 1 + 33 + 8 + 8 + 2 * primitives::kVoteSize + 64;  // 411
/// A proposal and the largest block.
inline constexpr std::size_t kMaxProposalPayload = primitives::kProposalSize + primitives::kMaxBlockSize;

/// The largest payload a frame of type `t` may carry (docs/p2p.md, "Messages");
/// nullopt for an unknown type.
std::optional<std::uint32_t> max_payload(std::uint16_t type);

struct Version {
  std::uint32_t protocol_version = kProtocolVersion;
  std::uint32_t chain_id = 0;
  Hash256 genesis{};
  std::uint64_t best_height = 0;
  Hash256 best_hash{};
  std::uint64_t nonce = 0;        // random per node; detects dialling ourselves
  std::uint32_t listen_port = 0;  // 0: does not accept connections
  std::string user_agent;         // at most kMaxUserAgent bytes, e.g. "cloudchaind/0.1.0"
  friend bool operator==(const Version&, const Version&) = default;
};
struct Verack {
  friend bool operator==(const Verack&, const Verack&) = default;
};
struct Ping {
  std::uint64_t nonce = 0;
  friend bool operator==(const Ping&, const Ping&) = default;
};
struct Pong {
  std::uint64_t nonce = 0;
  friend bool operator==(const Pong&, const Pong&) = default;
};
struct GetAddr {
  friend bool operator==(const GetAddr&, const GetAddr&) = default;
};

/// An IPv6 address (IPv4 as ::ffff:a.b.c.d) and port.
struct NetAddress {
  std::array<std::uint8_t, 16> ip{};
  std::uint32_t port = 0;  // 1..65535
  std::uint64_t last_seen_ms = 0;
  friend bool operator==(const NetAddress&, const NetAddress&) = default;
};
struct Addr {
  std::vector<NetAddress> addrs;  // at most kMaxAddrs
  friend bool operator==(const Addr&, const Addr&) = default;
};

enum class InvKind : std::uint8_t { kTx = 1, kBlock = 2 };
struct InvItem {
  InvKind kind = InvKind::kTx;
  Hash256 hash{};
  friend bool operator==(const InvItem&, const InvItem&) = default;
};
struct Inv {
  std::vector<InvItem> items;  // at most kMaxInvItems
  friend bool operator==(const Inv&, const Inv&) = default;
};
struct GetData {
  std::vector<InvItem> items;
  friend bool operator==(const GetData&, const GetData&) = default;
};
struct NotFound {
  std::vector<InvItem> items;
  friend bool operator==(const NotFound&, const NotFound&) = default;
};
struct GetHeaders {
  std::vector<Hash256> locator;  // at most kMaxLocator
  Hash256 stop{};                // zero: as many as fit
  friend bool operator==(const GetHeaders&, const GetHeaders&) = default;
};
struct Headers {
  std::vector<primitives::BlockHeader> headers;  // at most kMaxHeaders
  friend bool operator==(const Headers&, const Headers&) = default;
};
struct BlockMsg {
  primitives::Block block;
  friend bool operator==(const BlockMsg&, const BlockMsg&) = default;
};
struct TxMsg {
  primitives::Transaction tx;
  friend bool operator==(const TxMsg&, const TxMsg&) = default;
};
/// A BFT proposal (protocol section 8) and the block it proposes:
/// block_hash(block.header) == proposal.block_hash (the decoder checks it).
struct ProposalMsg {
  primitives::Proposal proposal;
  primitives::Block block;
  friend bool operator==(const ProposalMsg&, const ProposalMsg&) = default;
};
/// One prevote or precommit (protocol section 8).
struct VoteMsg {
  primitives::Vote vote;
  friend bool operator==(const VoteMsg&, const VoteMsg&) = default;
};

using Message = std::variant<Version, Verack, Ping, Pong, GetAddr, Addr, Inv, GetData, NotFound, GetHeaders, Headers,
                             BlockMsg, TxMsg, ProposalMsg, VoteMsg>;

/// The alternative order of Message is MessageType - 1.
MessageType type_of(const Message& m);

/// The payload's canonical encoding. REQUIRES: `m` keeps its type's limits and field
/// rules (list lengths, user agent, ports, inventory kinds, payload size), i.e. our
/// decoder would accept the bytes; a message that does not is a bug in the caller and
/// aborts the process (std::abort, with the reason on stderr) rather than go out as
/// bytes every peer refuses.
Bytes encode_payload(const Message& m);
/// The payload's encoding whatever `m` holds, limits ignored: for tests and scripted bad
/// peers that need bytes our decoder refuses.
Bytes encode_payload_unchecked(const Message& m);

/// Strict decode of a payload of type `type`. Errors: kUnknownMessage, kOversizeFrame
/// (payload above the type's limit), kMalformedMessage (detail names the field and the
/// codec error).
util::Result<Message, P2pError> decode_message(std::uint16_t type, ByteSpan payload);

}  // namespace cloudchain::p2p
