// Payload layouts (docs/protocol.md section 10.2), in the codec's notation:
//
//   version    = protocol_version:u32 chain_id:u32 genesis:hash best_height:u64
//                best_hash:hash nonce:u64 listen_port:u32 user_agent:bytes(64)
//   verack     = (empty)                  getaddr = (empty)
//   ping       = nonce:u64                pong    = nonce:u64
//   addr       = list(netaddr, 1000)      netaddr = ip:16 port:u32 last_seen_ms:u64
//   inv        = list(item, 5000)         item    = kind:u8 hash      (getdata, notfound alike)
//   getheaders = locator:list(hash, 64) stop:hash
//   headers    = list(header, 2000)
//   block      = block (section 7)        tx      = tx (section 5)
//   proposal   = proposal (section 8, 149 bytes) block (section 7)
//                where block_hash(block.header) = proposal.block_hash
//   vote       = vote (section 8)
//
// Decoding is two passes: the codec's strict structural parse, then check_fields() for
// the rules the codec has no code for (ports, inventory kinds, user agent characters, a
// proposal's block matching its hash).
#include "p2p/messages.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

namespace cloudchain::p2p {

namespace {

using primitives::CodecError;
using P2pResult = util::Result<Message, P2pError>;

constexpr std::uint32_t kListPayload(std::size_t max, std::size_t item) {
  return static_cast<std::uint32_t>(4 + max * item);
}

// Indexed by MessageType - 1.
constexpr std::array<std::uint32_t, 15> kMaxPayload = {
    256,                                                    // version
    0,                                                      // verack
    8,                                                      // ping
    8,                                                      // pong
    0,                                                      // getaddr
    kListPayload(kMaxAddrs, kNetAddressSize),               // addr
    kListPayload(kMaxInvItems, kInvItemSize),               // inv
    kListPayload(kMaxInvItems, kInvItemSize),               // getdata
    kListPayload(kMaxInvItems, kInvItemSize),               // notfound
    kListPayload(kMaxLocator, 32) + 32,                     // getheaders
    kListPayload(kMaxHeaders, primitives::kPosHeaderSize),  // headers
    static_cast<std::uint32_t>(primitives::kMaxBlockSize),  // block
    static_cast<std::uint32_t>(kMaxTxSize),                 // tx
    static_cast<std::uint32_t>(kMaxProposalPayload),        // proposal
    static_cast<std::uint32_t>(primitives::kVoteSize),      // vote: exactly one
};

template <typename S, typename Str>
void string_io(S& s, Str& str, std::size_t max, std::string_view field) {
  if constexpr (S::kReading) {
    Bytes raw;
    s.bytes(raw, max, field);
    str.assign(raw.begin(), raw.end());
  } else {
    const Bytes raw(str.begin(), str.end());
    s.bytes(raw, max, field);
  }
}

/// count:u32 then each item; stops at the first error while reading.
template <typename S, typename L, typename ItemIo>
void list_io(S& s, L& items, std::size_t max, std::size_t min_item, std::string_view field, ItemIo item_io) {
  std::size_t n = items.size();
  s.count(n, max, min_item, field);
  if constexpr (S::kReading) items.resize(n);
  for (auto& item : items) {
    if (!s.ok()) return;
    item_io(s, item);
  }
}

template <typename S, typename V>
void version_io(S& s, V& v) {
  s.u32(v.protocol_version, "version.protocol_version");
  s.u32(v.chain_id, "version.chain_id");
  s.array(v.genesis, "version.genesis");
  s.u64(v.best_height, "version.best_height");
  s.array(v.best_hash, "version.best_hash");
  s.u64(v.nonce, "version.nonce");
  s.u32(v.listen_port, "version.listen_port");
  string_io(s, v.user_agent, kMaxUserAgent, "version.user_agent");
}

template <typename S, typename A>
void netaddr_io(S& s, A& a) {
  s.array(a.ip, "addr.ip");
  s.u32(a.port, "addr.port");
  s.u64(a.last_seen_ms, "addr.last_seen_ms");
}

// The kind byte is stored as read; check_fields() rejects unknown kinds (an enum class
// with a fixed underlying type holds any value of that type).
template <typename S, typename I>
void inv_item_io(S& s, I& item) {
  auto raw = static_cast<std::uint8_t>(item.kind);
  s.u8(raw, "inv.kind");
  if constexpr (S::kReading) item.kind = static_cast<InvKind>(raw);
  s.array(item.hash, "inv.hash");
}

template <typename S, typename G>
void getheaders_io(S& s, G& g) {
  list_io(s, g.locator, kMaxLocator, 32, "getheaders.locator",
          [](auto& st, auto& h) { st.array(h, "getheaders.locator"); });
  s.array(g.stop, "getheaders.stop");
}

/// The layout of every message except block, tx, proposal and vote (primitives' own
/// codecs).
template <typename S, typename M>
void payload_io(S& s, M& m) {
  using T = std::remove_const_t<M>;
  if constexpr (std::is_same_v<T, Version>) {
    version_io(s, m);
  } else if constexpr (std::is_same_v<T, Ping> || std::is_same_v<T, Pong>) {
    s.u64(m.nonce, "ping.nonce");
  } else if constexpr (std::is_same_v<T, Addr>) {
    list_io(s, m.addrs, kMaxAddrs, kNetAddressSize, "addr", [](auto& st, auto& a) { netaddr_io(st, a); });
  } else if constexpr (std::is_same_v<T, Inv> || std::is_same_v<T, GetData> || std::is_same_v<T, NotFound>) {
    list_io(s, m.items, kMaxInvItems, kInvItemSize, "inv", [](auto& st, auto& i) { inv_item_io(st, i); });
  } else if constexpr (std::is_same_v<T, GetHeaders>) {
    getheaders_io(s, m);
  } else if constexpr (std::is_same_v<T, Headers>) {
    list_io(s, m.headers, kMaxHeaders, primitives::kPowHeaderSize, "headers",
            [](auto& st, auto& h) { primitives::header_io(st, h); });
  } else {
    static_assert(std::is_same_v<T, Verack> || std::is_same_v<T, GetAddr>);
  }
}

Bytes encode_one(const BlockMsg& m) { return primitives::encode(m.block); }
Bytes encode_one(const TxMsg& m) { return primitives::encode(m.tx); }
Bytes encode_one(const ProposalMsg& m) {
  Bytes out = primitives::encode(m.proposal);
  const Bytes block = primitives::encode(m.block);
  out.insert(out.end(), block.begin(), block.end());
  return out;
}
Bytes encode_one(const VoteMsg& m) { return primitives::encode(m.vote); }
template <typename M>
Bytes encode_one(const M& m) {
  return primitives::encode_with(m, [](auto& s, const M& v) { payload_io(s, v); });
}

// ---- field rules the codec does not know ------------------------------------------

std::optional<std::string> bad_port(std::uint32_t port, bool zero_ok, std::string_view field) {
  if (port <= 65535 && (zero_ok || port != 0)) return std::nullopt;
  return fmt::format("{}: port {} not in {}..65535", field, port, zero_ok ? 0 : 1);
}

std::optional<std::string> check_fields(const Version& v) {
  for (const char c : v.user_agent) {
    if (c < 0x20 || c > 0x7e) return "version.user_agent: not printable ASCII";
  }
  return bad_port(v.listen_port, true, "version.listen_port");
}

std::optional<std::string> check_fields(const Addr& m) {
  for (std::size_t i = 0; i < m.addrs.size(); ++i) {
    if (auto bad = bad_port(m.addrs[i].port, false, fmt::format("addr[{}].port", i))) return bad;
  }
  return std::nullopt;
}

std::optional<std::string> check_items(const std::vector<InvItem>& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto kind = static_cast<std::uint8_t>(items[i].kind);
    if (kind != 1 && kind != 2) return fmt::format("inv[{}].kind: unknown inventory kind {}", i, kind);
  }
  return std::nullopt;
}
std::optional<std::string> check_fields(const Inv& m) { return check_items(m.items); }
std::optional<std::string> check_fields(const GetData& m) { return check_items(m.items); }
std::optional<std::string> check_fields(const NotFound& m) { return check_items(m.items); }

std::optional<std::string> check_fields(const ProposalMsg& m) {
  if (primitives::block_hash(m.block.header) == m.proposal.block_hash) return std::nullopt;
  return "proposal.block: its hash is not the proposal's block_hash";
}

template <typename M>
std::optional<std::string> check_fields(const M& /*m*/) {
  return std::nullopt;
}

// ---- decoding ------------------------------------------------------------------------

P2pResult malformed(std::string_view type, const util::Error<CodecError>& e) {
  return util::fail(P2pError::kMalformedMessage, fmt::format("{}: {} ({})", type, e.detail, to_string(e.code)));
}

template <typename M>
util::Result<M, CodecError> decode_struct(ByteSpan payload) {
  if constexpr (std::is_same_v<M, BlockMsg>) {
    auto b = primitives::decode_block(payload);
    if (!b) return std::unexpected(b.error());
    return BlockMsg{std::move(*b)};
  } else if constexpr (std::is_same_v<M, TxMsg>) {
    auto tx = primitives::decode_transaction(payload);
    if (!tx) return std::unexpected(tx.error());
    return TxMsg{std::move(*tx)};
  } else if constexpr (std::is_same_v<M, ProposalMsg>) {
    // The proposal's fixed size first (a shorter payload is its kTruncated), then the block.
    const std::size_t split = std::min(payload.size(), primitives::kProposalSize);
    auto p = primitives::decode_proposal(payload.first(split));
    if (!p) return std::unexpected(p.error());
    auto b = primitives::decode_block(payload.subspan(split));
    if (!b) return std::unexpected(b.error());
    return ProposalMsg{*p, std::move(*b)};
  } else if constexpr (std::is_same_v<M, VoteMsg>) {
    auto v = primitives::decode_vote(payload);
    if (!v) return std::unexpected(v.error());
    return VoteMsg{*v};
  } else {
    return primitives::decode_with<M>(payload, [](auto& s, M& v) { payload_io(s, v); }, "message");
  }
}

template <typename M, std::size_t I = 0>
constexpr std::size_t variant_index() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, Message>, M>) {
    return I;
  } else {
    return variant_index<M, I + 1>();
  }
}

template <typename M>
P2pResult decode_as(ByteSpan payload) {
  constexpr auto type = static_cast<MessageType>(variant_index<M>() + 1);
  auto m = decode_struct<M>(payload);
  if (!m) return malformed(to_string(type), m.error());
  if (auto bad = check_fields(*m)) return util::fail(P2pError::kMalformedMessage, std::move(*bad));
  return Message{std::move(*m)};
}

using Decoder = P2pResult (*)(ByteSpan);

template <std::size_t... I>
constexpr std::array<Decoder, sizeof...(I)> make_decoders(std::index_sequence<I...> /*indices*/) {
  return {&decode_as<std::variant_alternative_t<I, Message>>...};
}
constexpr auto kDecoders = make_decoders(std::make_index_sequence<std::variant_size_v<Message>>{});
static_assert(kDecoders.size() == kMaxPayload.size());

// ---- encoding ------------------------------------------------------------------------

// The codec's writer encodes whatever it is given; these are the limits only its reader
// enforces.
std::optional<std::string> over_limits(const Version& v) {
  if (v.user_agent.size() > kMaxUserAgent) return fmt::format("user agent of {} bytes", v.user_agent.size());
  return std::nullopt;
}
std::optional<std::string> over_limits(const Addr& m) {
  if (m.addrs.size() > kMaxAddrs) return fmt::format("{} addresses", m.addrs.size());
  return std::nullopt;
}
template <typename M>
  requires std::is_same_v<M, Inv> || std::is_same_v<M, GetData> || std::is_same_v<M, NotFound>
std::optional<std::string> over_limits(const M& m) {
  if (m.items.size() > kMaxInvItems) return fmt::format("{} items", m.items.size());
  return std::nullopt;
}
std::optional<std::string> over_limits(const GetHeaders& m) {
  if (m.locator.size() > kMaxLocator) return fmt::format("a locator of {} hashes", m.locator.size());
  return std::nullopt;
}
std::optional<std::string> over_limits(const Headers& m) {
  if (m.headers.size() > kMaxHeaders) return fmt::format("{} headers", m.headers.size());
  return std::nullopt;
}
std::optional<std::string> over_limits(const ProposalMsg& m) {
  const primitives::Proposal& p = m.proposal;
  if (std::ranges::all_of(p.block_hash, [](std::uint8_t b) { return b == 0; })) return "a nil block hash";
  if (!primitives::valid_round_ok(p.valid_round, p.round)) {
    return fmt::format("valid_round {} in round {}", p.valid_round, p.round);
  }
  return std::nullopt;
}
std::optional<std::string> over_limits(const VoteMsg& m) {
  const auto raw = static_cast<std::uint8_t>(m.vote.type);
  if (!primitives::vote_type_from_u8(raw)) return fmt::format("vote type {}", raw);
  return std::nullopt;
}
template <typename M>
std::optional<std::string> over_limits(const M& /*m*/) {
  return std::nullopt;
}

template <typename M>
[[noreturn]] void encoding_bug(const std::string& what) {
  constexpr auto type = static_cast<MessageType>(variant_index<M>() + 1);
  fmt::print(stderr, "p2p: encoding a {} message our decoder would refuse: {}\n", to_string(type), what);
  std::abort();
}

template <typename M>
Bytes checked_encode(const M& m) {
  if (auto bad = over_limits(m)) encoding_bug<M>(*bad);
  if (auto bad = check_fields(m)) encoding_bug<M>(*bad);
  Bytes out = encode_one(m);
  constexpr auto limit = kMaxPayload[variant_index<M>()];
  if (out.size() > limit) encoding_bug<M>(fmt::format("{} bytes, limit {}", out.size(), limit));
  return out;
}

}  // namespace

std::string_view to_string(MessageType t) {
  switch (t) {
    case MessageType::kVersion: return "version";
    case MessageType::kVerack: return "verack";
    case MessageType::kPing: return "ping";
    case MessageType::kPong: return "pong";
    case MessageType::kGetAddr: return "getaddr";
    case MessageType::kAddr: return "addr";
    case MessageType::kInv: return "inv";
    case MessageType::kGetData: return "getdata";
    case MessageType::kNotFound: return "notfound";
    case MessageType::kGetHeaders: return "getheaders";
    case MessageType::kHeaders: return "headers";
    case MessageType::kBlock: return "block";
    case MessageType::kTx: return "tx";
    case MessageType::kProposal: return "proposal";
    case MessageType::kVote: return "vote";
  }
  return "unknown";
}

std::optional<std::uint32_t> max_payload(std::uint16_t type) {
  if (type == 0 || type > kMaxPayload.size()) return std::nullopt;
  return kMaxPayload[type - 1];
}

MessageType type_of(const Message& m) { return static_cast<MessageType>(m.index() + 1); }

Bytes encode_payload(const Message& m) {
  return std::visit([](const auto& v) { return checked_encode(v); }, m);
}

Bytes encode_payload_unchecked(const Message& m) {
  return std::visit([](const auto& v) { return encode_one(v); }, m);
}

util::Result<Message, P2pError> decode_message(std::uint16_t type, ByteSpan payload) {
  const auto limit = max_payload(type);
  if (!limit) return util::fail(P2pError::kUnknownMessage, fmt::format("message type {}", type));
  if (payload.size() > *limit) {
    return util::fail(
        P2pError::kOversizeFrame,
        fmt::format("{}: {} bytes, limit {}", to_string(static_cast<MessageType>(type)), payload.size(), *limit));
  }
  return kDecoders[type - 1](payload);
}

}  // namespace cloudchain::p2p
