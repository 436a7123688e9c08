// Consensus gossip (docs/p2p.md "Consensus gossip") over real TCP on 127.0.0.1:
// proposals and votes reach each node's hooks once, travel on as far as the verdicts
// say, and a sender the node finds at fault is scored. Networks on ToyNodes (which
// record what their hooks saw and answer the verdict a test sets) and scripted peers.

#include <gtest/gtest.h>

#include <memory>

#include "p2p/network.hpp"
#include "p2p/raw_peer.hpp"
#include "p2p/test_node.hpp"

namespace cloudchain::p2p::test {
namespace {

using namespace std::chrono_literals;

const ConsensusVerdict kRelay{.relay = true, .sender_at_fault = false, .code = {}};
const ConsensusVerdict kDrop{.relay = false, .sender_at_fault = false, .code = "old_round"};

struct Host {
  explicit Host(NetworkConfig c = test_config()) : config(std::move(c)) {}
  void start() {
    net = std::make_unique<Network>(config, node, test_logger());
    const auto r = net->start();
    ASSERT_TRUE(r.has_value()) << r.error().detail;
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(net->listen_port()); }
  std::uint16_t port() const { return net->listen_port(); }
  std::size_t ready_peers() const {
    std::size_t n = 0;
    for (const auto& p : net->peers()) n += p.ready ? 1 : 0;
    return n;
  }
  NetworkConfig config;
  ToyNode node;
  std::unique_ptr<Network> net;
};

// Three nodes in a line, A - B - C: B dials A, C dials B, and nobody dials anyone else
// (max_outbound), so whatever reaches C went through B.
struct Line {
  Line() {
    a.config.max_outbound = 0;
    a.start();
    b.config.seeds = {a.address()};
    b.config.max_outbound = 1;
    b.start();
    c.config.seeds = {b.address()};
    c.config.max_outbound = 1;
    c.start();
  }
  bool ready() const {
    return wait_until([&] { return a.ready_peers() == 1 && b.ready_peers() == 2 && c.ready_peers() == 1; }, 10s);
  }
  Host a, b, c;
};

primitives::Vote make_vote(std::uint32_t round) {
  primitives::Vote v;
  v.chain_id = kChainId;
  v.type = primitives::VoteType::kPrecommit;
  v.height = 1;
  v.round = round;
  v.block_hash.fill(0xb1);
  v.validator[0] = 2;
  v.signature.fill(0x5a);  // nothing in the network checks it
  return v;
}

primitives::Block proposed_block(std::uint32_t fork = 0, std::size_t txs = 3) {
  return make_chain(genesis_block(), 1, fork, txs).front();
}

primitives::Proposal make_proposal(const primitives::Block& block, std::uint32_t round = 0) {
  primitives::Proposal p;
  p.chain_id = kChainId;
  p.height = 1;
  p.round = round;
  p.block_hash = primitives::block_hash(block.header);
  p.proposer[0] = 3;
  return p;
}

// A ping answered by a pong with its nonce: the node has handled every frame sent before.
bool answers_ping(RawPeer& p, std::uint64_t nonce) {
  if (!p.send(Ping{nonce})) return false;
  for (;;) {
    const auto m = p.read_until(MessageType::kPong, 2s);
    if (!m) return false;
    if (std::get<Pong>(*m).nonce == nonce) return true;
  }
}

TEST(ConsensusGossip, AVoteTravelsTheLineOnceAndItsEchoIsDropped) {
  Line line;
  ASSERT_TRUE(line.ready());
  for (Host* h : {&line.a, &line.b, &line.c}) h->node.set_consensus_verdict(kRelay);
  // A scripted peer of A's, to echo A's own vote back to it.
  RawPeer echo(line.a.port(), line.a.node.genesis_hash());
  ASSERT_TRUE(echo.handshake());
  ASSERT_TRUE(wait_until([&] { return line.a.ready_peers() == 2; }));

  const primitives::Vote vote = make_vote(0);
  line.a.net->broadcast_vote(vote);
  ASSERT_TRUE(wait_until([&] { return line.c.node.votes().size() == 1; }));
  EXPECT_EQ(line.c.node.votes().front(), vote);
  ASSERT_EQ(line.b.node.votes().size(), 1U);
  EXPECT_EQ(line.b.node.votes().front(), vote);

  // Every ready peer of A got it, the scripted one too; sent back, it is dropped as seen.
  const auto got = echo.read_until(MessageType::kVote);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(std::get<VoteMsg>(*got).vote, vote);
  ASSERT_TRUE(echo.send(*got));
  EXPECT_TRUE(answers_ping(echo, 1));
  EXPECT_TRUE(line.a.node.votes().empty());  // its own vote never reaches its hooks
  // Nothing comes round twice.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(line.b.node.votes().size(), 1U);
  EXPECT_EQ(line.c.node.votes().size(), 1U);
  for (Host* h : {&line.a, &line.b, &line.c}) EXPECT_TRUE(h->net->bans().empty());
}

TEST(ConsensusGossip, AProposalTravelsTheLineWithItsBlock) {
  Line line;
  ASSERT_TRUE(line.ready());
  for (Host* h : {&line.a, &line.b, &line.c}) h->node.set_consensus_verdict(kRelay);
  const primitives::Block block = proposed_block();
  const primitives::Proposal proposal = make_proposal(block);
  line.a.net->broadcast_proposal(proposal, block);
  ASSERT_TRUE(wait_until([&] { return line.c.node.proposals().size() == 1; }));
  EXPECT_EQ(line.c.node.proposals().front().first, proposal);
  EXPECT_EQ(line.c.node.proposals().front().second, block);
  ASSERT_EQ(line.b.node.proposals().size(), 1U);
  EXPECT_EQ(line.b.node.proposals().front().second, block);
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(line.a.node.proposals().empty());
  EXPECT_EQ(line.b.node.proposals().size(), 1U);
  EXPECT_EQ(line.c.node.proposals().size(), 1U);
  // The proposed block is not handed to the chain: it is decided (or not) by consensus.
  for (Host* h : {&line.a, &line.b, &line.c}) EXPECT_EQ(h->node.submitted_blocks(), 0U);
}

TEST(ConsensusGossip, ANodeThatDoesNotRelayStopsThePropagation) {
  Line line;
  ASSERT_TRUE(line.ready());
  line.b.node.set_consensus_verdict(kDrop);
  line.c.node.set_consensus_verdict(kRelay);
  line.a.net->broadcast_vote(make_vote(0));
  const primitives::Block block = proposed_block();
  line.a.net->broadcast_proposal(make_proposal(block), block);
  ASSERT_TRUE(wait_until([&] { return line.b.node.votes().size() == 1 && line.b.node.proposals().size() == 1; }));
  // Then B relays: the next vote reaches C, and it is the only one C ever sees (B
  // handled the first ones before it, in order).
  line.b.node.set_consensus_verdict(kRelay);
  line.a.net->broadcast_vote(make_vote(1));
  ASSERT_TRUE(wait_until([&] { return line.c.node.votes().size() == 1; }));
  EXPECT_EQ(line.c.node.votes().front(), make_vote(1));
  EXPECT_TRUE(line.c.node.proposals().empty());
  EXPECT_EQ(line.b.node.votes().size(), 2U);
}

TEST(ConsensusGossip, ARepeatFromAPeerReachesTheHooksOnce) {
  Host host;
  host.start();
  host.node.set_consensus_verdict(kDrop);  // not relayed, yet remembered as seen
  RawPeer peer(host.port(), host.node.genesis_hash());
  ASSERT_TRUE(peer.handshake());
  RawPeer other(host.port(), host.node.genesis_hash());
  ASSERT_TRUE(other.handshake());
  const primitives::Block block = proposed_block();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(peer.send(VoteMsg{make_vote(0)}));
    ASSERT_TRUE(peer.send(ProposalMsg{make_proposal(block), block}));
  }
  ASSERT_TRUE(other.send(VoteMsg{make_vote(0)}));  // the same vote from another peer
  ASSERT_TRUE(peer.send(VoteMsg{make_vote(1)}));   // a different one
  EXPECT_TRUE(answers_ping(peer, 1));
  EXPECT_TRUE(answers_ping(other, 2));
  ASSERT_EQ(host.node.votes().size(), 2U);
  EXPECT_EQ(host.node.votes()[0], make_vote(0));
  EXPECT_EQ(host.node.votes()[1], make_vote(1));
  EXPECT_EQ(host.node.proposals().size(), 1U);
  // Repeats are not misbehaviour: nobody is scored.
  ASSERT_TRUE(wait_until([&] { return host.net->peers().size() == 2; }));
  for (const auto& p : host.net->peers()) EXPECT_EQ(p.score, 0U);
}

TEST(ConsensusGossip, ASenderAtFaultIsScoredThenBanned) {
  Host host;
  host.start();
  host.node.set_consensus_verdict(ConsensusVerdict{.relay = false, .sender_at_fault = true, .code = "bad_signature"});
  RawPeer honest(host.port(), host.node.genesis_hash());
  ASSERT_TRUE(honest.handshake());
  RawPeer peer(host.port(), host.node.genesis_hash());
  ASSERT_TRUE(peer.handshake());
  // 50 points: one is tolerated (and its repeat is dropped as seen, unscored) ...
  ASSERT_TRUE(peer.send(VoteMsg{make_vote(0)}));
  ASSERT_TRUE(peer.send(VoteMsg{make_vote(0)}));
  EXPECT_TRUE(answers_ping(peer, 1));
  ASSERT_TRUE(wait_until([&] {
    for (const auto& p : host.net->peers()) {
      if (p.score == 50) return true;
    }
    return false;
  }));
  EXPECT_TRUE(host.net->bans().empty());
  // ... a second one bans.
  const primitives::Block block = proposed_block();
  ASSERT_TRUE(peer.send(ProposalMsg{make_proposal(block), block}));
  EXPECT_TRUE(peer.closed_within(2s));
  ASSERT_TRUE(wait_until([&] { return host.net->bans().size() == 1; }));
  EXPECT_EQ(host.net->bans().front().reason, "p2p_invalid_consensus");
  EXPECT_TRUE(answers_ping(honest, 2));
  // Nothing was relayed to the honest peer.
  const auto deadline = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto m = honest.read(50ms);
    if (m) {
      EXPECT_FALSE(std::holds_alternative<VoteMsg>(*m) || std::holds_alternative<ProposalMsg>(*m));
    }
  }
}

TEST(ConsensusGossip, ProposalsSkipAPeerThatDoesNotReadInsteadOfClosingIt) {
  // A queue limit of 3 MiB and ~1 MiB proposals: sent regardless, the second or third
  // would close a peer that reads nothing (kSendQueueFull). A proposal goes only where it
  // fits, so the peer stays connected, gets some of them when it reads, and the votes.
  auto c = test_config();
  c.max_send_queue_bytes = std::uint64_t{3} << 20;
  c.ping_interval_ms = 60'000;  // the peer reads nothing for a while
  Host host(c);
  host.start();
  RawPeer peer(host.port(), host.node.genesis_hash());
  ASSERT_TRUE(peer.handshake());
  ASSERT_TRUE(wait_until([&] { return host.ready_peers() == 1; }));
  const primitives::Block block = proposed_block(0, 7000);
  ASSERT_GT(primitives::encode(block).size(), std::size_t{900'000});
  constexpr std::uint32_t kProposals = 30;
  for (std::uint32_t round = 0; round < kProposals; ++round) {
    host.net->broadcast_proposal(make_proposal(block, round), block);
  }
  host.net->broadcast_vote(make_vote(0));
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(host.ready_peers(), 1U) << "the peer was closed";
  std::uint32_t proposals = 0;
  bool vote = false;
  while (const auto m = peer.read(500ms)) {
    proposals += std::holds_alternative<ProposalMsg>(*m) ? 1 : 0;
    vote = vote || std::holds_alternative<VoteMsg>(*m);
  }
  EXPECT_GE(proposals, 1U);
  EXPECT_LT(proposals, kProposals);
  EXPECT_TRUE(vote);
  EXPECT_TRUE(answers_ping(peer, 1));
}

}  // namespace
}  // namespace cloudchain::p2p::test
