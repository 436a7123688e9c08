// A scripted bad peer (RawPeer) against a real Network: each kind of bad input is
// dropped (and banned where docs/p2p.md says), while an honest peer connected before it
// stays connected and answered; consensus messages are ignored by a PoW node (the
// NodeHooks defaults), unscored. Then timeouts (handshake, slow-loris, pong) and a flood.

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "crypto/sha256.hpp"
#include "p2p/network.hpp"
#include "p2p/raw_peer.hpp"
#include "p2p/test_node.hpp"

namespace cloudchain::p2p::test {
namespace {

using namespace std::chrono_literals;

struct Host {
  explicit Host(NetworkConfig config = test_config()) {
    net = std::make_unique<Network>(std::move(config), node, test_logger());
    const auto r = net->start();
    if (!r) ADD_FAILURE() << r.error().detail;
  }
  std::uint16_t port() const { return net->listen_port(); }
  const Hash256& genesis() const { return node.genesis_hash(); }
  std::vector<std::string> ban_reasons() const {
    std::vector<std::string> out;
    for (const auto& b : net->bans()) out.push_back(b.reason);
    return out;
  }
  ToyNode node;
  std::unique_ptr<Network> net;
};

// A ping answered by a pong with its nonce within `timeout`.
bool answers_ping(RawPeer& p, std::uint64_t nonce, std::chrono::milliseconds timeout = 2s) {
  if (!p.send(Ping{nonce})) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const auto m = p.read_until(MessageType::kPong, left);
    if (!m) return false;
    if (std::get<Pong>(*m).nonce == nonce) return true;
  }
}

// A validator key (fixed secret) for consensus messages; the network checks no signature.
crypto::PrivateKey validator_key() {
  util::ByteArray<32> secret{};
  secret.fill(0x03);
  return *crypto::PrivateKey::from_bytes(secret);
}

primitives::Vote signed_vote(std::uint32_t round) {
  primitives::Vote v;
  v.chain_id = kChainId;
  v.type = primitives::VoteType::kPrevote;
  v.height = 1;
  v.round = round;
  v.block_hash.fill(0xb1);
  primitives::sign(v, validator_key());
  return v;
}

// The block the proposals propose (it travels with them).
primitives::Block proposed_block() { return make_chain(genesis_block(), 1).front(); }

primitives::Proposal signed_proposal(std::uint32_t round) {
  primitives::Proposal p;
  p.chain_id = kChainId;
  p.height = 1;
  p.round = round;
  p.block_hash = primitives::block_hash(proposed_block().header);
  primitives::sign(p, validator_key());
  return p;
}

// A proposal message's payload whatever it holds: the proposal, then the block.
Bytes proposal_payload(const primitives::Proposal& p, const primitives::Block& block) {
  Bytes out = primitives::encode(p);
  const Bytes b = primitives::encode(block);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes header_bytes(const Magic& magic, std::uint16_t type, std::uint32_t length, std::array<std::uint8_t, 4> sum) {
  Bytes b(magic.begin(), magic.end());
  b.push_back(static_cast<std::uint8_t>(type));
  b.push_back(static_cast<std::uint8_t>(type >> 8));
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
  b.insert(b.end(), sum.begin(), sum.end());
  return b;
}

std::array<std::uint8_t, 4> checksum(ByteSpan payload) {
  const auto h = crypto::sha256(payload);
  return {h[0], h[1], h[2], h[3]};
}

struct BadInput {
  std::string name;
  std::function<Bytes(const Magic&)> bytes;
  std::string ban_reason;  // empty: dropped without a ban
  bool before_handshake = false;
};

std::ostream& operator<<(std::ostream& os, const BadInput& b) { return os << b.name; }

std::vector<BadInput> bad_inputs() {
  return {
      {"garbage",
       [](const Magic&) { return Bytes{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1'}; },
       "p2p_bad_magic", true},
      {"wrong_magic",
       [](const Magic& m) {
         Magic other = m;
         other[0] ^= 0xff;
         return encode_frame(other, Ping{1});
       },
       "p2p_bad_magic"},
      {"oversize_length",
       [](const Magic& m) { return header_bytes(m, static_cast<std::uint16_t>(MessageType::kBlock), 64u << 20, {}); },
       "p2p_oversize_frame"},
      {"oversize_ping",
       [](const Magic& m) { return header_bytes(m, static_cast<std::uint16_t>(MessageType::kPing), 9, {}); },
       "p2p_oversize_frame"},
      {"bad_checksum",
       [](const Magic& m) {
         Bytes f = encode_frame(m, Ping{1});
         f[10] ^= 1;
         return f;
       },
       "p2p_bad_checksum"},
      {"unknown_type", [](const Magic& m) { return encode_raw_frame(m, 99, {}); }, "p2p_unknown_message"},
      {"second_version",
       [](const Magic& m) {
         Version v;
         v.chain_id = kChainId;
         return encode_frame(m, v);
       },
       "p2p_duplicate_handshake"},
      {"second_verack", [](const Magic& m) { return encode_frame(m, Verack{}); }, "p2p_duplicate_handshake"},
      {"message_before_handshake", [](const Magic& m) { return encode_frame(m, Inv{}); }, "p2p_unexpected_message",
       true},
      {"over_long_inv",
       [](const Magic& m) {
         // count 5001 with 5001 items: above the list limit (and the frame limit).
         Bytes payload;
         const std::uint32_t n = kMaxInvItems + 1;
         for (int i = 0; i < 4; ++i) payload.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
         for (std::uint32_t i = 0; i < n; ++i) {
           payload.push_back(1);
           payload.insert(payload.end(), 32, static_cast<std::uint8_t>(i));
         }
         return encode_raw_frame(m, static_cast<std::uint16_t>(MessageType::kInv), payload);
       },
       "p2p_oversize_frame"},
      {"inv_count_lies",
       [](const Magic& m) {
         // count 5000 but one item: malformed.
         Bytes payload{0x88, 0x13, 0, 0, 1};
         payload.insert(payload.end(), 32, 7);
         return encode_raw_frame(m, static_cast<std::uint16_t>(MessageType::kInv), payload);
       },
       "p2p_malformed_message"},
      {"bad_inv_kind",
       [](const Magic& m) {
         Bytes payload{1, 0, 0, 0, 9};
         payload.insert(payload.end(), 32, 7);
         return encode_raw_frame(m, static_cast<std::uint16_t>(MessageType::kInv), payload);
       },
       "p2p_malformed_message"},
      {"vote_of_unknown_type",
       [](const Magic& m) {
         Bytes payload = primitives::encode(signed_vote(0));
         payload[4] = 3;  // vote.type
         return encode_raw_frame(m, static_cast<std::uint16_t>(MessageType::kVote), payload);
       },
       "p2p_malformed_message"},
      {"nil_proposal",
       [](const Magic& m) {
         primitives::Proposal p = signed_proposal(0);
         p.block_hash = Hash256{};
         return encode_raw_frame(m, static_cast<std::uint16_t>(MessageType::kProposal),
                                 proposal_payload(p, proposed_block()));
       },
       "p2p_malformed_message"},
      {"proposal_without_its_block",
       [](const Magic& m) {
         return encode_raw_frame(m, static_cast<std::uint16_t>(MessageType::kProposal),
                                 primitives::encode(signed_proposal(0)));
       },
       "p2p_malformed_message"},
      {"proposal_with_another_block",
       [](const Magic& m) {
         // A well-formed block, but not the one the proposal names.
         const primitives::Block other = make_chain(genesis_block(), 1, /*fork=*/1).front();
         return encode_raw_frame(m, static_cast<std::uint16_t>(MessageType::kProposal),
                                 proposal_payload(signed_proposal(0), other));
       },
       "p2p_malformed_message"},
      {"oversize_vote",
       [](const Magic& m) {
         return header_bytes(m, static_cast<std::uint16_t>(MessageType::kVote), primitives::kVoteSize + 1, {});
       },
       "p2p_oversize_frame"},
      {"junk_block_with_valid_checksum",
       [](const Magic& m) {
         const Bytes junk(1 << 20, 0x5a);
         return encode_raw_frame(m, static_cast<std::uint16_t>(MessageType::kBlock), junk);
       },
       "p2p_malformed_message"},
  };
}

class BadPeer : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadPeer, IsDroppedAndBannedWhileTheHonestPeerStays) {
  const BadInput& bad = GetParam();
  Host host;
  RawPeer honest(host.port(), host.genesis());
  ASSERT_TRUE(honest.handshake());
  RawPeer attacker(host.port(), host.genesis());
  if (!bad.before_handshake) {
    ASSERT_TRUE(attacker.handshake());
  }
  attacker.send_bytes(bad.bytes(magic_for(host.genesis())));
  EXPECT_TRUE(attacker.closed_within(3s));
  if (!bad.ban_reason.empty()) {
    EXPECT_TRUE(wait_until([&] { return host.ban_reasons() == std::vector<std::string>{bad.ban_reason}; }))
        << ::testing::PrintToString(host.ban_reasons());
    // A banned address is refused at once (accepted and closed).
    RawPeer again(host.port(), host.genesis());
    EXPECT_TRUE(again.closed_within(2s));
  }
  EXPECT_TRUE(answers_ping(honest, 99));
  ASSERT_TRUE(wait_until([&] { return host.net->peers().size() == 1; }));
  EXPECT_TRUE(host.net->peers()[0].ready);
}

INSTANTIATE_TEST_SUITE_P(Inputs, BadPeer, ::testing::ValuesIn(bad_inputs()),
                         [](const ::testing::TestParamInfo<BadInput>& p) { return p.param.name; });

TEST(Adversarial, AHeaderSplitAcrossReadsIsReassembled) {
  Host host;
  RawPeer peer(host.port(), host.genesis());
  ASSERT_TRUE(peer.handshake());
  const Bytes frame = encode_frame(magic_for(host.genesis()), Ping{1234});
  for (const std::uint8_t b : frame) {
    ASSERT_TRUE(peer.send_bytes(ByteSpan(&b, 1)));
    std::this_thread::sleep_for(15ms);
  }
  const auto pong = peer.read_until(MessageType::kPong);
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(std::get<Pong>(*pong).nonce, 1234U);
  // Two frames in one write, the second one split: both answered.
  Bytes two = encode_frame(magic_for(host.genesis()), Ping{1});
  const Bytes second = encode_frame(magic_for(host.genesis()), Ping{2});
  two.insert(two.end(), second.begin(), second.begin() + 5);
  ASSERT_TRUE(peer.send_bytes(two));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(peer.send_bytes(ByteSpan(second).subspan(5)));
  for (const std::uint64_t n : {1U, 2U}) {
    const auto p = peer.read_until(MessageType::kPong);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(std::get<Pong>(*p).nonce, n);
  }
  EXPECT_TRUE(host.net->bans().empty());
}

TEST(Adversarial, UnrequestedBlocksScoreUntilTheBan) {
  Host host;
  RawPeer honest(host.port(), host.genesis());
  ASSERT_TRUE(honest.handshake());
  RawPeer peer(host.port(), host.genesis());
  ASSERT_TRUE(peer.handshake());
  const auto blocks = make_chain(genesis_block(), 5);
  // 20 points each: four are tolerated ...
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(peer.send(BlockMsg{blocks[i]}));
  EXPECT_TRUE(answers_ping(peer, 5));
  EXPECT_TRUE(wait_until([&] {
    for (const auto& p : host.net->peers()) {
      if (p.score == 80) return true;
    }
    return false;
  }));
  EXPECT_TRUE(host.net->bans().empty());
  // ... the fifth reaches 100.
  ASSERT_TRUE(peer.send(BlockMsg{blocks[4]}));
  EXPECT_TRUE(peer.closed_within(2s));
  EXPECT_TRUE(wait_until([&] { return host.ban_reasons() == std::vector<std::string>{"p2p_unrequested_data"}; }));
  EXPECT_EQ(host.node.submitted_blocks(), 0U);  // never handed to the chain
  EXPECT_TRUE(answers_ping(honest, 6));
}

TEST(Adversarial, AnUnrequestedTransactionScores) {
  Host host;
  RawPeer peer(host.port(), host.genesis());
  ASSERT_TRUE(peer.handshake());
  ASSERT_TRUE(peer.send(TxMsg{make_tx(1)}));
  EXPECT_TRUE(answers_ping(peer, 1));
  ASSERT_TRUE(wait_until([&] { return !host.net->peers().empty() && host.net->peers()[0].score == 20; }));
  EXPECT_TRUE(host.node.txs().empty());
}

// --- consensus messages ---------------------------------------------------------------

TEST(Adversarial, APowNodeIgnoresConsensusMessagesUnscoredUnrelayed) {
  // The NodeHooks defaults (a PoW node: ToyNode without a verdict set) answer no relay,
  // no fault: well-formed proposals and votes (even with a bad signature: the PoW node
  // checks nothing) reach the hooks once each and stop there. The sender stays connected
  // and unscored, and nothing reaches the other peers or the chain.
  Host host;
  RawPeer other(host.port(), host.genesis());
  ASSERT_TRUE(other.handshake());
  RawPeer peer(host.port(), host.genesis());
  ASSERT_TRUE(peer.handshake());
  primitives::Vote forged = signed_vote(1);
  forged.signature[40] ^= 1;
  for (std::uint32_t round = 0; round < 3; ++round) {
    ASSERT_TRUE(peer.send(ProposalMsg{signed_proposal(round), proposed_block()}));
    ASSERT_TRUE(peer.send(VoteMsg{signed_vote(round)}));
  }
  ASSERT_TRUE(peer.send(VoteMsg{forged}));
  // The node handles a peer's frames in order: the pong comes after all of them.
  EXPECT_TRUE(answers_ping(peer, 11));
  ASSERT_TRUE(wait_until([&] { return host.net->peers().size() == 2; }));
  for (const auto& p : host.net->peers()) {
    EXPECT_TRUE(p.ready);
    EXPECT_EQ(p.score, 0U);
  }
  EXPECT_TRUE(host.net->bans().empty());
  EXPECT_EQ(host.node.submitted_blocks(), 0U);
  EXPECT_TRUE(host.node.txs().empty());
  EXPECT_EQ(host.node.proposals().size(), 3U);
  EXPECT_EQ(host.node.votes().size(), 4U);
  // Not relayed: the other peer sees no proposal, vote or announcement of them.
  other.auto_pong = true;
  const auto deadline = std::chrono::steady_clock::now() + 500ms;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto m = other.read(100ms);
    if (!m) continue;
    EXPECT_FALSE(std::holds_alternative<ProposalMsg>(*m) || std::holds_alternative<VoteMsg>(*m) ||
                 std::holds_alternative<Inv>(*m))
        << to_string(type_of(*m));
  }
  EXPECT_TRUE(answers_ping(other, 12));
  EXPECT_TRUE(answers_ping(peer, 13));
}

// --- timeouts -------------------------------------------------------------------------

TEST(Adversarial, NoHandshakeWithinTheTimeoutIsDropped) {
  auto c = test_config();
  c.handshake_timeout_ms = 300;
  Host host(c);
  RawPeer peer(host.port(), host.genesis());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(peer.closed_within(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  EXPECT_TRUE(host.net->bans().empty());
}

TEST(Adversarial, SlowLorisIsDroppedAfterTheFrameTimeout) {
  auto c = test_config();
  c.frame_timeout_ms = 400;
  Host host(c);
  RawPeer honest(host.port(), host.genesis());
  ASSERT_TRUE(honest.handshake());
  RawPeer peer(host.port(), host.genesis());
  ASSERT_TRUE(peer.handshake());
  // The header of a 400-byte tx frame, then one payload byte every 100 ms: it keeps
  // the connection busy but never finishes the frame.
  const Bytes payload(400, 0);
  const Bytes head =
      header_bytes(magic_for(host.genesis()), static_cast<std::uint16_t>(MessageType::kTx), 400, checksum(payload));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(peer.send_bytes(head));
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {
    peer.send_bytes(ByteSpan(payload.data(), 1));
    closed = peer.closed_within(100ms);
  }
  EXPECT_TRUE(closed);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 350ms);
  EXPECT_LE(took, 2000ms);
  EXPECT_TRUE(host.net->bans().empty());  // a timeout drops, it does not ban
  EXPECT_TRUE(answers_ping(honest, 3));
}

TEST(Adversarial, FramesStreamedAcrossReadsAreTimedEachOnItsOwn) {
  // An honest peer streaming back to back: every read ends inside the next frame, so a
  // frame is always in progress, but each completes well within the frame timeout. The
  // deadline is per frame, not per stretch of reads that end mid-frame.
  auto c = test_config();
  c.frame_timeout_ms = 300;
  Host host(c);
  RawPeer peer(host.port(), host.genesis());
  ASSERT_TRUE(peer.handshake());
  const Bytes frame = encode_frame(magic_for(host.genesis()), Ping{1});
  const std::size_t half = frame.size() / 2;
  ASSERT_TRUE(peer.send_bytes(ByteSpan(frame).first(half)));
  for (int i = 0; i < 10; ++i) {  // 1 s: three frame timeouts
    std::this_thread::sleep_for(100ms);
    Bytes chunk(frame.begin() + static_cast<std::ptrdiff_t>(half), frame.end());                  // ends a frame
    chunk.insert(chunk.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(half));  // starts one
    ASSERT_TRUE(peer.send_bytes(chunk)) << i;
  }
  ASSERT_TRUE(peer.send_bytes(ByteSpan(frame).subspan(half)));
  EXPECT_TRUE(answers_ping(peer, 99));
  EXPECT_EQ(host.net->peers().size(), 1U);
}

TEST(Adversarial, AnInvOfManyBlockHashesCostsAFewLookups) {
  // Each block item costs a block index read and a sync pass: one inv of 5000 made-up
  // block hashes must not cost 5000 of each.
  Host host;
  RawPeer peer(host.port(), host.genesis());
  ASSERT_TRUE(peer.handshake());
  const std::size_t before = host.node.has_block_calls();
  Inv inv;
  for (std::uint32_t i = 0; i < kMaxInvItems; ++i) {
    Hash256 h{};
    h[0] = 0xbb;
    h[28] = static_cast<std::uint8_t>(i >> 24);
    h[29] = static_cast<std::uint8_t>(i >> 16);
    h[30] = static_cast<std::uint8_t>(i >> 8);
    h[31] = static_cast<std::uint8_t>(i);
    inv.items.push_back(InvItem{InvKind::kBlock, h});
  }
  ASSERT_TRUE(peer.send(inv));
  // It is asked for headers once (the blocks are unknown), not scored.
  EXPECT_TRUE(peer.read_until(MessageType::kGetHeaders).has_value());
  EXPECT_TRUE(answers_ping(peer, 5));
  EXPECT_LE(host.node.has_block_calls() - before, 8U);
  EXPECT_EQ(host.net->peers().at(0).score, 0U);
}

TEST(Adversarial, APeerThatStopsAnsweringPingsIsDropped) {
  auto c = test_config();
  c.ping_interval_ms = 100;
  c.ping_timeout_ms = 500;
  Host host(c);
  RawPeer honest(host.port(), host.genesis());
  ASSERT_TRUE(honest.handshake());
  RawPeer silent(host.port(), host.genesis());
  silent.auto_pong = false;
  ASSERT_TRUE(silent.handshake());
  // The honest one answers every ping meanwhile (read() answers them).
  std::atomic<bool> stop{false};
  std::thread keep_alive([&] {
    while (!stop) (void)honest.read(20ms);
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.closed_within(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 400ms);
  std::this_thread::sleep_for(700ms);  // longer than the pong timeout
  stop = true;
  keep_alive.join();
  EXPECT_TRUE(answers_ping(honest, 8));
  ASSERT_TRUE(wait_until([&] { return host.net->peers().size() == 1; }));
  EXPECT_TRUE(host.net->bans().empty());
}

// --- resource exhaustion --------------------------------------------------------------

// While one peer floods 80 maximum-size inv frames (5000 unknown transaction hashes
// each, valid and not punishable), a second peer's 20 consecutive pings are each
// answered within 2 s, and both stay connected.
TEST(Adversarial, AFloodDoesNotStarveAnotherPeersPings) {
  Host host;
  RawPeer flooder(host.port(), host.genesis());
  ASSERT_TRUE(flooder.handshake());
  RawPeer honest(host.port(), host.genesis());
  ASSERT_TRUE(honest.handshake());
  const Magic magic = magic_for(host.genesis());

  std::vector<Bytes> frames;
  for (std::uint32_t f = 0; f < 80; ++f) {
    Inv inv;
    for (std::uint32_t i = 0; i < kMaxInvItems; ++i) {
      InvItem item{InvKind::kTx, {}};
      for (int k = 0; k < 4; ++k) item.hash[k] = static_cast<std::uint8_t>(f >> (8 * k));
      for (int k = 0; k < 4; ++k) item.hash[4 + k] = static_cast<std::uint8_t>(i >> (8 * k));
      item.hash[31] = 1;
      inv.items.push_back(item);
    }
    frames.push_back(encode_frame(magic, inv));
  }
  ASSERT_GE(frames[0].size(), 165'000U);

  std::atomic<bool> flood_done{false};
  std::atomic<std::size_t> sent{0};
  std::thread flood([&] {
    for (const auto& f : frames) {
      if (!flooder.send_bytes(f)) break;
      ++sent;
    }
    flood_done = true;
  });
  // The flooder reads what the node sends it (getdata, pings) in this thread meanwhile.
  std::atomic<bool> stop_reading{false};
  std::thread drain([&] {
    while (!stop_reading) (void)flooder.read(50ms);
  });

  ASSERT_TRUE(wait_until([&] { return sent.load() >= 1; }));
  const std::size_t sent_before_pings = sent.load();
  std::chrono::milliseconds worst{0};
  int answered = 0;
  for (std::uint64_t n = 1; n <= 20; ++n) {
    const auto t0 = std::chrono::steady_clock::now();
    if (answers_ping(honest, n, 2s)) ++answered;
    worst =
        std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0));
  }
  const std::size_t sent_during_pings = sent.load();
  flood.join();
  stop_reading = true;
  drain.join();
  EXPECT_EQ(answered, 20) << "worst " << worst.count() << " ms";
  EXPECT_EQ(sent.load(), 80U);
  EXPECT_LT(sent_before_pings, 80U);  // the pings ran during the flood
  // Both still connected and unpunished.
  ASSERT_TRUE(wait_until([&] { return host.net->peers().size() == 2; }));
  for (const auto& p : host.net->peers()) {
    EXPECT_TRUE(p.ready);
    EXPECT_EQ(p.score, 0U);
  }
  EXPECT_TRUE(host.net->bans().empty());
  EXPECT_TRUE(answers_ping(flooder, 77));
  std::printf("flood: frames %zu..%zu sent while 20 pings ran; slowest pong %lld ms\n", sent_before_pings,
              sent_during_pings, static_cast<long long>(worst.count()));
}

}  // namespace
}  // namespace cloudchain::p2p::test
