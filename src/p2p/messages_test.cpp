#include "p2p/messages.hpp"

#include <gtest/gtest.h>

#include <string>

#include "p2p/vectors.hpp"
#include "primitives/codec.hpp"
#include "primitives/vectors.hpp"

namespace cloudchain::p2p {
namespace {

using primitives::Writer;

std::uint16_t type_u16(MessageType t) { return static_cast<std::uint16_t>(t); }

util::Result<Message, P2pError> decode(MessageType t, const Bytes& payload) {
  return decode_message(type_u16(t), payload);
}

void expect_error(const util::Result<Message, P2pError>& r, P2pError code, std::string_view detail_part = "") {
  ASSERT_FALSE(r.has_value()) << "accepted";
  EXPECT_EQ(r.error().code, code) << to_string(r.error().code) << ": " << r.error().detail;
  EXPECT_NE(r.error().detail.find(detail_part), std::string::npos) << r.error().detail;
}

Version sample_version() { return std::get<Version>(vectors::sample_messages()[0]); }

Bytes with_trailing_byte(Bytes b) {
  b.push_back(0);
  return b;
}

ProposalMsg sample_proposal_msg() {
  return ProposalMsg{primitives::vectors::sample_proposal(), primitives::vectors::sample_pow_block()};
}

// A proposal message's payload: the proposal, then the block (whatever they hold).
Bytes proposal_payload(const primitives::Proposal& p,
                       const primitives::Block& b = primitives::vectors::sample_pow_block()) {
  Bytes out = primitives::encode(p);
  const Bytes block = primitives::encode(b);
  out.insert(out.end(), block.begin(), block.end());
  return out;
}

primitives::BlockHeader pos_header() {
  primitives::BlockHeader h = primitives::vectors::sample_pow_block().header;
  primitives::PosSeal seal;
  seal.round = 7;
  seal.last_commit_hash.fill(0x33);
  seal.proposer_sig.fill(0x44);
  h.seal = seal;
  return h;
}

TEST(Messages, EveryTypeRoundTrips) {
  const auto samples = vectors::sample_messages();
  ASSERT_EQ(samples.size(), std::variant_size_v<Message>);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Message& m = samples[i];
    EXPECT_EQ(static_cast<std::size_t>(type_of(m)), i + 1);
    const Bytes payload = encode_payload(m);
    EXPECT_LE(payload.size(), *max_payload(type_u16(type_of(m)))) << to_string(type_of(m));
    auto back = decode(type_of(m), payload);
    ASSERT_TRUE(back.has_value()) << to_string(type_of(m)) << ": " << back.error().detail;
    EXPECT_EQ(*back, m) << to_string(type_of(m));
    EXPECT_EQ(encode_payload(*back), payload);
  }
}

TEST(Messages, TypeNamesAndLimits) {
  EXPECT_EQ(to_string(MessageType::kGetHeaders), "getheaders");
  EXPECT_EQ(*max_payload(type_u16(MessageType::kVersion)), 256u);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kVerack)), 0u);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kPing)), 8u);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kAddr)), 4u + 1000u * 28u);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kInv)), 4u + 5000u * 33u);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kGetHeaders)), 4u + 64u * 32u + 32u);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kHeaders)), 4u + 2000u * 241u);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kBlock)), primitives::kMaxBlockSize);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kTx)), kMaxTxSize);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kProposal)), 149u + primitives::kMaxBlockSize);
  EXPECT_EQ(*max_payload(type_u16(MessageType::kVote)), 146u);
  EXPECT_EQ(to_string(MessageType::kProposal), "proposal");
  EXPECT_EQ(to_string(MessageType::kVote), "vote");
  EXPECT_EQ(type_u16(MessageType::kProposal), 14);
  EXPECT_EQ(type_u16(MessageType::kVote), 15);
  EXPECT_FALSE(max_payload(0).has_value());
  EXPECT_FALSE(max_payload(16).has_value());
}

TEST(Messages, FullListsFitTheirLimitExactly) {
  Inv inv;
  inv.items.assign(kMaxInvItems, InvItem{InvKind::kBlock, Hash256{}});
  EXPECT_EQ(encode_payload(inv).size(), *max_payload(type_u16(MessageType::kInv)));
  EXPECT_EQ(*decode(MessageType::kInv, encode_payload(inv)), Message{inv});

  Addr addr;
  NetAddress a;
  a.port = 65535;
  addr.addrs.assign(kMaxAddrs, a);
  EXPECT_EQ(encode_payload(addr).size(), *max_payload(type_u16(MessageType::kAddr)));
  EXPECT_TRUE(decode(MessageType::kAddr, encode_payload(addr)).has_value());

  GetHeaders gh;
  gh.locator.assign(kMaxLocator, Hash256{});
  EXPECT_EQ(encode_payload(gh).size(), *max_payload(type_u16(MessageType::kGetHeaders)));
  EXPECT_TRUE(decode(MessageType::kGetHeaders, encode_payload(gh)).has_value());

  Headers headers;
  headers.headers.assign(kMaxHeaders, pos_header());
  EXPECT_EQ(encode_payload(headers).size(), *max_payload(type_u16(MessageType::kHeaders)));
  EXPECT_EQ(*decode(MessageType::kHeaders, encode_payload(headers)), Message{headers});
}

TEST(Messages, LargestTransactionFitsTheTxLimitExactly) {
  primitives::Transaction tx = primitives::vectors::sample_transfer();
  const primitives::Vote vote = primitives::vectors::sample_vote();
  tx.body = primitives::Evidence{vote, vote};
  EXPECT_EQ(primitives::encode(tx).size(), kMaxTxSize);
  EXPECT_TRUE(decode(MessageType::kTx, primitives::encode(tx)).has_value());
}

TEST(Messages, UnknownTypeIsRejected) {
  expect_error(decode_message(0, {}), P2pError::kUnknownMessage);
  expect_error(decode_message(16, {}), P2pError::kUnknownMessage);
  expect_error(decode_message(0xffff, {}), P2pError::kUnknownMessage);
}

TEST(Messages, PayloadAboveTheTypeLimitIsOversize) {
  expect_error(decode(MessageType::kVerack, Bytes{0}), P2pError::kOversizeFrame, "verack");
  expect_error(decode(MessageType::kPing, Bytes(9, 0)), P2pError::kOversizeFrame);
  expect_error(decode(MessageType::kVersion, Bytes(257, 0)), P2pError::kOversizeFrame);
  expect_error(decode(MessageType::kTx, Bytes(kMaxTxSize + 1, 0)), P2pError::kOversizeFrame);
  expect_error(decode(MessageType::kBlock, Bytes(primitives::kMaxBlockSize + 1, 0)), P2pError::kOversizeFrame);
}

TEST(Messages, TrailingBytesAreMalformed) {
  for (const Message& m : vectors::sample_messages()) {
    const MessageType t = type_of(m);
    const Bytes longer = with_trailing_byte(encode_payload(m));
    if (longer.size() > *max_payload(type_u16(t))) continue;  // verack, getaddr, ping, pong: oversize
    expect_error(decode(t, longer), P2pError::kMalformedMessage);
  }
}

TEST(Messages, TruncatedPayloadsAreMalformed) {
  for (const Message& m : vectors::sample_messages()) {
    const Bytes payload = encode_payload(m);
    if (payload.empty()) continue;
    const Bytes shorter(payload.begin(), payload.end() - 1);
    expect_error(decode(type_of(m), shorter), P2pError::kMalformedMessage, to_string(type_of(m)));
  }
}

TEST(Messages, ListCountAboveTheMaximumIsMalformed) {
  const auto count_only = [](std::size_t n) {
    Writer w;
    w.u32(static_cast<std::uint32_t>(n), "count");
    return w.take();
  };
  expect_error(decode(MessageType::kInv, count_only(kMaxInvItems + 1)), P2pError::kMalformedMessage,
               "codec_list_too_long");
  expect_error(decode(MessageType::kGetData, count_only(kMaxInvItems + 1)), P2pError::kMalformedMessage);
  expect_error(decode(MessageType::kNotFound, count_only(0xffffffff)), P2pError::kMalformedMessage);
  expect_error(decode(MessageType::kAddr, count_only(kMaxAddrs + 1)), P2pError::kMalformedMessage);
  expect_error(decode(MessageType::kHeaders, count_only(kMaxHeaders + 1)), P2pError::kMalformedMessage);
  Bytes gh = count_only(kMaxLocator + 1);
  gh.resize(gh.size() + 32);
  expect_error(decode(MessageType::kGetHeaders, gh), P2pError::kMalformedMessage, "getheaders.locator");
  // A count that the remaining bytes cannot hold fails before anything is allocated.
  expect_error(decode(MessageType::kInv, count_only(100)), P2pError::kMalformedMessage, "codec_truncated");
}

TEST(Messages, UnknownInventoryKindIsMalformed) {
  for (const std::uint8_t kind : {std::uint8_t{0}, std::uint8_t{3}, std::uint8_t{255}}) {
    Inv inv{{InvItem{InvKind::kTx, Hash256{}}, InvItem{static_cast<InvKind>(kind), Hash256{}}}};
    expect_error(decode(MessageType::kInv, encode_payload_unchecked(inv)), P2pError::kMalformedMessage, "inv[1].kind");
    expect_error(decode(MessageType::kGetData, encode_payload_unchecked(GetData{inv.items})),
                 P2pError::kMalformedMessage);
    expect_error(decode(MessageType::kNotFound, encode_payload_unchecked(NotFound{inv.items})),
                 P2pError::kMalformedMessage);
  }
}

TEST(Messages, AddressPortOutsideOneTo65535IsMalformed) {
  for (const std::uint32_t port : {0u, 65536u, 0xffffffffu}) {
    Addr addr;
    addr.addrs.resize(2);
    addr.addrs[0].port = 1;
    addr.addrs[1].port = port;
    expect_error(decode(MessageType::kAddr, encode_payload_unchecked(addr)), P2pError::kMalformedMessage,
                 "addr[1].port");
  }
}

TEST(Messages, ListenPortZeroMeansNotListening) {
  Version v = sample_version();
  v.listen_port = 0;
  EXPECT_EQ(*decode(MessageType::kVersion, encode_payload_unchecked(v)), Message{v});
  v.listen_port = 65536;
  expect_error(decode(MessageType::kVersion, encode_payload_unchecked(v)), P2pError::kMalformedMessage,
               "version.listen_port");
}

TEST(Messages, UserAgentIsBoundedPrintableAscii) {
  Version v = sample_version();
  v.user_agent = std::string(kMaxUserAgent, 'a');
  EXPECT_TRUE(decode(MessageType::kVersion, encode_payload_unchecked(v)).has_value());
  v.user_agent = std::string(kMaxUserAgent + 1, 'a');
  expect_error(decode(MessageType::kVersion, encode_payload_unchecked(v)), P2pError::kMalformedMessage,
               "codec_length_too_large");
  for (const char bad : {'\n', '\x1b', '\x7f', '\x80'}) {
    v.user_agent = std::string("agent") + bad;
    expect_error(decode(MessageType::kVersion, encode_payload_unchecked(v)), P2pError::kMalformedMessage,
                 "version.user_agent");
  }
}

TEST(MessagesDeathTest, EncodingAMessageOurDecoderWouldRefuseAborts) {
  // Bytes every peer would refuse (and ban us for) are a bug in our own code: stop.
  Version v = sample_version();
  v.user_agent = std::string(kMaxUserAgent + 1, 'a');
  EXPECT_DEATH(encode_payload(v), "version message our decoder would refuse: user agent of 65 bytes");
  v.user_agent = "agent\n";
  EXPECT_DEATH(encode_payload(v), "not printable");
  Headers headers;
  headers.headers.resize(kMaxHeaders + 1, primitives::vectors::sample_pow_block().header);
  EXPECT_DEATH(encode_payload(headers), "2001 headers");  // PoW headers: within the byte limit
  Inv inv;
  inv.items.resize(kMaxInvItems + 1, InvItem{InvKind::kTx, Hash256{}});
  EXPECT_DEATH(encode_payload(inv), "5001 items");
  EXPECT_DEATH(encode_payload(Addr{{NetAddress{{}, 0, 0}}}), "port 0");
  GetHeaders gh;
  gh.locator.resize(kMaxLocator + 1);
  EXPECT_DEATH(encode_payload(gh), "locator of 65");
  ProposalMsg proposal = sample_proposal_msg();
  proposal.proposal.block_hash = Hash256{};
  EXPECT_DEATH(encode_payload(proposal), "proposal message our decoder would refuse: a nil block hash");
  proposal = sample_proposal_msg();
  proposal.proposal.valid_round = 0;  // round 0
  EXPECT_DEATH(encode_payload(proposal), "valid_round 0 in round 0");
  proposal = sample_proposal_msg();
  proposal.block.header.timestamp_ms += 1;
  EXPECT_DEATH(encode_payload(proposal), "its hash is not the proposal's block_hash");
  VoteMsg vote{primitives::vectors::sample_vote()};
  vote.vote.type = static_cast<primitives::VoteType>(7);
  EXPECT_DEATH(encode_payload(vote), "vote message our decoder would refuse: vote type 7");
}

TEST(Messages, AnyProtocolVersionDecodes) {
  // The handshake, not the codec, rejects other versions (kVersionMismatch).
  Version v = sample_version();
  v.protocol_version = 2;
  EXPECT_EQ(*decode(MessageType::kVersion, encode_payload(v)), Message{v});
}

TEST(Messages, BadHeaderBlockAndTxAreMalformed) {
  Headers headers{{primitives::vectors::sample_pow_block().header}};
  Bytes payload = encode_payload(headers);
  payload[4] = 9;  // header.version
  expect_error(decode(MessageType::kHeaders, payload), P2pError::kMalformedMessage, "header.version");

  Bytes block = primitives::encode(primitives::vectors::sample_pow_block());
  block.push_back(0);
  expect_error(decode(MessageType::kBlock, block), P2pError::kMalformedMessage, "codec_trailing_bytes");

  Bytes tx = primitives::encode(primitives::vectors::sample_transfer());
  tx[5] = 99;  // tx.kind
  expect_error(decode(MessageType::kTx, tx), P2pError::kMalformedMessage, "codec_unknown_tx_kind");
}

// --- consensus messages (protocol section 8) -------------------------------------------

TEST(Messages, AVoteIsExactlyOneVote) {
  const VoteMsg vote{primitives::vectors::sample_vote()};
  const Bytes payload = encode_payload(vote);
  EXPECT_EQ(payload, primitives::encode(vote.vote));
  // The limit is the exact size: one byte more is oversize, one less malformed.
  EXPECT_EQ(payload.size(), *max_payload(type_u16(MessageType::kVote)));
  expect_error(decode(MessageType::kVote, with_trailing_byte(payload)), P2pError::kOversizeFrame, "vote");
  expect_error(decode(MessageType::kVote, Bytes(payload.begin(), payload.end() - 1)), P2pError::kMalformedMessage,
               "codec_truncated");
  expect_error(decode(MessageType::kVote, {}), P2pError::kMalformedMessage, "codec_truncated");
  // A proposal's bytes are not a vote: too long.
  expect_error(decode(MessageType::kVote, encode_payload(sample_proposal_msg())), P2pError::kOversizeFrame);
}

TEST(Messages, AProposalCarriesItsBlock) {
  const ProposalMsg proposal = sample_proposal_msg();
  const Bytes payload = encode_payload(proposal);
  EXPECT_EQ(payload, proposal_payload(proposal.proposal, proposal.block));
  EXPECT_EQ(payload.size(), primitives::kProposalSize + primitives::encode(proposal.block).size());
  EXPECT_EQ(*decode(MessageType::kProposal, payload), Message{proposal});
  // Strict both ways: a byte more or less, the proposal without its block, nothing.
  expect_error(decode(MessageType::kProposal, with_trailing_byte(payload)), P2pError::kMalformedMessage,
               "codec_trailing_bytes");
  expect_error(decode(MessageType::kProposal, Bytes(payload.begin(), payload.end() - 1)), P2pError::kMalformedMessage,
               "codec_truncated");
  expect_error(decode(MessageType::kProposal, primitives::encode(proposal.proposal)), P2pError::kMalformedMessage,
               "codec_truncated");
  expect_error(decode(MessageType::kProposal, {}), P2pError::kMalformedMessage, "codec_truncated");
  expect_error(decode(MessageType::kProposal, encode_payload(VoteMsg{primitives::vectors::sample_vote()})),
               P2pError::kMalformedMessage);
  // Above the limit (a block's 4 MiB plus the proposal) before anything is decoded.
  expect_error(decode(MessageType::kProposal, Bytes(*max_payload(type_u16(MessageType::kProposal)) + 1, 0)),
               P2pError::kOversizeFrame, "proposal");
}

TEST(Messages, AProposalWhoseBlockIsNotTheOneNamedIsMalformed) {
  // The block is what the proposal signs by hash: any other block (here its header
  // changed) is refused, so a relay cannot swap the block under a valid proposal.
  const primitives::Proposal p = primitives::vectors::sample_proposal();
  primitives::Block other = primitives::vectors::sample_pow_block();
  other.header.timestamp_ms += 1;
  expect_error(decode(MessageType::kProposal, proposal_payload(p, other)), P2pError::kMalformedMessage,
               "proposal.block: its hash is not the proposal's block_hash");
}

TEST(Messages, BadProposalAndVoteAreMalformed) {
  primitives::Proposal p = primitives::vectors::sample_proposal();
  p.block_hash = Hash256{};
  expect_error(decode(MessageType::kProposal, proposal_payload(p)), P2pError::kMalformedMessage,
               "proposal.block_hash (codec_nil_proposal)");
  p = primitives::vectors::sample_polka_proposal();
  p.valid_round = static_cast<std::int32_t>(p.round);
  expect_error(decode(MessageType::kProposal, proposal_payload(p)), P2pError::kMalformedMessage,
               "proposal.valid_round (codec_bad_valid_round)");
  p.valid_round = -2;
  expect_error(decode(MessageType::kProposal, proposal_payload(p)), P2pError::kMalformedMessage,
               "codec_bad_valid_round");

  Bytes vote = primitives::encode(primitives::vectors::sample_vote());
  vote[4] = 3;  // vote.type
  expect_error(decode(MessageType::kVote, vote), P2pError::kMalformedMessage, "vote.type (codec_unknown_vote_type)");
}

TEST(Messages, SignaturesAreNotTheDecodersJob) {
  // A bad signature decodes: verifying it is the consensus engine's job (and costs).
  primitives::Proposal p = primitives::vectors::sample_proposal();
  p.signature.fill(0);
  const Message expected = ProposalMsg{p, primitives::vectors::sample_pow_block()};
  EXPECT_EQ(*decode(MessageType::kProposal, proposal_payload(p)), expected);
  primitives::Vote v = primitives::vectors::sample_vote();
  v.signature.fill(0xff);
  EXPECT_EQ(*decode(MessageType::kVote, primitives::encode(v)), Message{VoteMsg{v}});
}

}  // namespace
}  // namespace cloudchain::p2p
