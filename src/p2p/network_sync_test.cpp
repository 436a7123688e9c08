// Headers-first sync and block gossip over real TCP on 127.0.0.1, between Networks on
// ToyNodes, and against scripted peers that vanish or lie.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "p2p/network.hpp"
#include "p2p/raw_peer.hpp"
#include "p2p/test_node.hpp"

namespace cloudchain::p2p::test {
namespace {

using namespace std::chrono_literals;

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

Hash256 hash_of(const primitives::Block& b) { return primitives::block_hash(b.header); }

// Heights of the blocks a node was handed, in the order it got them.
std::vector<std::uint64_t> submitted_heights(const ToyNode& node, const std::vector<primitives::Block>& chain) {
  std::map<Hash256, std::uint64_t> height;
  for (const auto& b : chain) height[hash_of(b)] = b.header.height;
  std::vector<std::uint64_t> out;
  for (const auto& h : node.submitted_order()) out.push_back(height.contains(h) ? height[h] : 0);
  return out;
}

TEST(Sync, AFewHundredBlocksFromTwoPeersInParallelInOrder) {
  const auto chain = make_chain(genesis_block(), 400, 0, 3);
  Host a;
  Host b;
  a.node.add_blocks(chain);
  b.node.add_blocks(chain);
  a.start();
  b.start();
  Host c;
  c.config.seeds = {a.address(), b.address()};
  c.node.set_submit_delay(1ms);  // keeps the download going long enough to watch it
  c.start();
  ASSERT_TRUE(wait_until([&] { return c.ready_peers() == 2; }));
  EXPECT_TRUE(wait_until([&] { return c.net->sync_status().syncing; }, 5s));
  const auto during = c.net->sync_status();
  EXPECT_EQ(during.target_height, 400U);
  ASSERT_TRUE(wait_until([&] { return c.node.height() == 400; }, 30s)) << c.node.height();
  EXPECT_EQ(c.node.best().hash, hash_of(chain.back()));

  // Handed to the node once each, in height order.
  const auto heights = submitted_heights(c.node, chain);
  ASSERT_EQ(heights.size(), 400U);
  for (std::size_t i = 0; i < heights.size(); ++i) EXPECT_EQ(heights[i], i + 1);

  // Both peers served a real share of the blocks (parallel download).
  std::uint64_t from_a = 0;
  std::uint64_t from_b = 0;
  for (const auto& p : c.net->peers()) {
    if (p.address == a.address()) from_a = p.bytes_received;
    if (p.address == b.address()) from_b = p.bytes_received;
  }
  const std::uint64_t block_bytes = primitives::encode(chain[0]).size();
  EXPECT_GT(from_a, 40 * block_bytes) << from_a << " " << from_b;
  EXPECT_GT(from_b, 40 * block_bytes) << from_a << " " << from_b;
  // The network's totals count every byte the peers' counters do (the peer list is a
  // snapshot, the totals are live: at least as much).
  const p2p::Traffic traffic = c.net->traffic();
  EXPECT_GE(traffic.bytes_received, from_a + from_b);
  EXPECT_GT(traffic.bytes_sent, 0U);

  EXPECT_TRUE(wait_until([&] { return !c.net->sync_status().syncing; }));
  const auto done = c.net->sync_status();
  EXPECT_EQ(done.height, 400U);
  EXPECT_EQ(done.percent, 100.0);
}

TEST(Sync, ANewBlockIsGossipedAcrossTwoHops) {
  const auto chain = make_chain(genesis_block(), 12);
  Host a;
  a.node.add_blocks(std::vector(chain.begin(), chain.begin() + 10));
  a.start();
  Host b;
  b.config.seeds = {a.address()};
  b.start();
  Host c;
  c.config.seeds = {b.address()};
  c.start();
  ASSERT_TRUE(wait_until([&] { return b.node.height() == 10 && c.node.height() == 10; }, 10s));
  for (std::size_t i = 10; i < 12; ++i) {
    a.node.add_blocks({chain[i]});
    a.net->announce_block(hash_of(chain[i]), chain[i].header.height);
    ASSERT_TRUE(wait_until([&] { return c.node.height() == i + 1; })) << i;
  }
  EXPECT_EQ(c.node.best().hash, hash_of(chain.back()));
  EXPECT_TRUE(a.net->bans().empty());
  EXPECT_TRUE(b.net->bans().empty());
  EXPECT_TRUE(c.net->bans().empty());
}

// A scripted peer that claims the chain: it answers getheaders from `source` and
// records the getdata it is sent, answering none.
struct ClaimingPeer {
  ClaimingPeer(std::uint16_t port, const ToyNode& source_node)
      : peer(port, source_node.genesis_hash()), source(source_node) {}
  bool handshake() {
    const auto best = source.best();
    peer.version().best_hash = best.hash;
    return peer.handshake(best.height);
  }
  // Serves headers until a getdata arrives; returns its block hashes.
  std::vector<Hash256> serve_headers_until_getdata(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto m = peer.read(200ms);
      if (!m) continue;
      if (const auto* gh = std::get_if<GetHeaders>(&*m)) {
        peer.send(Headers{source.headers_after(gh->locator, gh->stop, kMaxHeaders)});
      } else if (const auto* gd = std::get_if<GetData>(&*m)) {
        std::vector<Hash256> out;
        for (const auto& item : gd->items) out.push_back(item.hash);
        return out;
      }
    }
    return {};
  }
  RawPeer peer;
  const ToyNode& source;
};

TEST(Sync, BlocksAskedOfAPeerThatDisappearsAreAskedOfAnother) {
  const auto chain = make_chain(genesis_block(), 200);
  Host a;
  a.node.add_blocks(chain);
  a.start();
  Host c;
  c.start();
  auto liar = std::make_unique<ClaimingPeer>(c.port(), a.node);
  ASSERT_TRUE(liar->handshake());
  const auto asked = liar->serve_headers_until_getdata();
  ASSERT_FALSE(asked.empty());
  EXPECT_LE(asked.size(), 16U);
  // The honest source joins; then the first peer vanishes with its requests.
  c.net->connect(a.address());
  ASSERT_TRUE(wait_until([&] { return c.ready_peers() == 2; }));
  liar.reset();
  ASSERT_TRUE(wait_until([&] { return c.node.height() == 200; }, 20s)) << c.node.height();
  const auto order = c.node.submitted_order();
  for (const auto& h : asked) EXPECT_NE(std::find(order.begin(), order.end(), h), order.end());
  EXPECT_TRUE(c.net->bans().empty());
}

TEST(Sync, AnInvalidBlockBansItsSender) {
  const auto chain = make_chain(genesis_block(), 5);
  ToyNode source;
  source.add_blocks(chain);
  Host c;
  c.start();
  RawPeer honest(c.port(), c.node.genesis_hash());
  ASSERT_TRUE(honest.handshake());
  ClaimingPeer bad(c.port(), source);
  ASSERT_TRUE(bad.handshake());
  const auto asked = bad.serve_headers_until_getdata();
  ASSERT_EQ(asked.size(), 5U);
  for (auto block : chain) {
    // Same header (so it is the block asked for), but the body breaks a rule.
    if (block.header.height == 3) {
      auto tx = make_tx(99);
      tx.fee = kBadFee;
      block.txs.push_back(tx);
    }
    // Up to the bad block every send must succeed; after it the node may already have
    // banned the peer and closed the socket, so a later send may fail.
    const bool sent = bad.peer.send(BlockMsg{block});
    if (block.header.height <= 3) {
      ASSERT_TRUE(sent);
    }
  }
  EXPECT_TRUE(bad.peer.closed_within(5s));
  EXPECT_TRUE(wait_until([&] {
    const auto bans = c.net->bans();
    return bans.size() == 1 && bans[0].reason == "p2p_invalid_block";
  }));
  EXPECT_EQ(c.node.height(), 2U);
  ASSERT_TRUE(honest.send(Ping{5}));
  EXPECT_TRUE(honest.read_until(MessageType::kPong).has_value());
}

std::uint32_t score_of(const Network& net, const std::string& address) {
  for (const auto& p : net.peers()) {
    if (p.address == address) return p.score;
  }
  return 0;
}

TEST(Sync, ATamperedBodyDoesNotPoisonTheRealBlock) {
  // A peer pairs block 3's real header with a bad body. Only the sender is punished:
  // the block (its hash is valid) is fetched again from an honest peer, and the honest
  // peer's headers building on it are welcome.
  const auto chain = make_chain(genesis_block(), 5, 0, 1);
  Host a;
  a.node.add_blocks(chain);
  a.start();
  Host c;
  c.start();
  ClaimingPeer bad(c.port(), a.node);
  ASSERT_TRUE(bad.handshake());
  const auto asked = bad.serve_headers_until_getdata();
  ASSERT_EQ(asked.size(), 5U);
  for (auto block : chain) {
    if (block.header.height == 3) {
      auto tx = make_tx(99);
      tx.fee = kBadFee;
      block.txs.push_back(tx);
    }
    // Up to the bad block every send must go through; after it the node may already
    // have closed the connection (it bans the sender as soon as it checks block 3).
    const bool sent = bad.peer.send(BlockMsg{block});
    if (block.header.height <= 3) {
      ASSERT_TRUE(sent) << block.header.height;
    }
  }
  EXPECT_TRUE(bad.peer.closed_within(5s));
  ASSERT_TRUE(wait_until([&] { return c.net->bans().size() == 1; }));
  EXPECT_EQ(c.net->bans()[0].reason, "p2p_invalid_block");
  c.net->connect(a.address());
  ASSERT_TRUE(wait_until([&] { return c.node.height() == 5; }, 10s)) << c.node.height();
  EXPECT_EQ(c.node.best().hash, hash_of(chain.back()));
  EXPECT_EQ(score_of(*c.net, a.address()), 0U);
  EXPECT_EQ(c.net->bans().size(), 1U);
}

TEST(Sync, ABlockTheNodeDidNotStoreIsFetchedAgain) {
  // The node fails block 5 once for a reason that is nobody's fault (its disk, its
  // clock): the blocks after it then have no parent. All are fetched again.
  const auto chain = make_chain(genesis_block(), 20);
  Host a;
  a.node.add_blocks(chain);
  a.start();
  Host c;
  c.node.fail_next_submit(hash_of(chain[4]));
  c.config.seeds = {a.address()};
  c.start();
  ASSERT_TRUE(wait_until([&] { return c.node.height() == 20; }, 10s)) << c.node.height();
  EXPECT_TRUE(c.net->bans().empty());
  EXPECT_EQ(score_of(*c.net, a.address()), 0U);
}

TEST(Sync, AHeavierForkBelowOurStartupTipIsDownloaded) {
  // We start at height 10; a peer's heavier branch leaves our chain at height 3, a block
  // the network never saw as a tip: the node's block index (NodeHooks::chain_point)
  // links the peer's headers to it.
  const auto main = make_chain(genesis_block(), 10);
  const auto fork = make_chain(main[2], 12, 1);  // heights 4..15
  Host a;
  a.node.add_blocks({main[0], main[1], main[2]});
  a.node.add_blocks(fork);
  a.start();
  Host c;
  c.node.add_blocks(main);
  c.start();
  c.net->connect(a.address());
  ASSERT_TRUE(wait_until([&] { return c.node.best().hash == hash_of(fork.back()); }, 10s)) << c.node.height();
  EXPECT_EQ(c.node.height(), 15U);
  EXPECT_EQ(score_of(*c.net, a.address()), 0U);
  EXPECT_TRUE(c.net->bans().empty());
}

TEST(Sync, InvalidHeadersBanTheirSender) {
  auto chain = make_chain(genesis_block(), 5);
  ToyNode source;
  source.add_blocks(chain);
  Host c;
  c.start();
  RawPeer bad(c.port(), c.node.genesis_hash());
  bad.version().best_hash = hash_of(chain.back());
  ASSERT_TRUE(bad.handshake(5));
  const auto gh = bad.read_until(MessageType::kGetHeaders);
  ASSERT_TRUE(gh.has_value());
  auto headers = source.headers_after(std::get<GetHeaders>(*gh).locator, {}, kMaxHeaders);
  ASSERT_EQ(headers.size(), 5U);
  headers.back().timestamp_ms = kBadTimestamp;  // still linked: check_headers rejects it
  ASSERT_TRUE(bad.send(Headers{headers}));
  EXPECT_TRUE(bad.closed_within(3s));
  EXPECT_TRUE(wait_until([&] {
    const auto bans = c.net->bans();
    return bans.size() == 1 && bans[0].reason == "p2p_invalid_headers";
  }));
}

TEST(Sync, TheNetworkGoesAwayWhileTheNodeStillAnswers) {
  // Verdicts for blocks handed over before stop() arrive after it, and after the
  // Network is destroyed: they are dropped (the post gate), nothing touches freed memory.
  const auto chain = make_chain(genesis_block(), 300);
  Host a;
  a.node.add_blocks(chain);
  a.start();
  Host c;
  c.config.seeds = {a.address()};
  c.node.set_submit_delay(5ms);
  c.start();
  ASSERT_TRUE(wait_until([&] { return c.node.submitted_blocks() >= 5; }));
  c.net->stop();
  EXPECT_FALSE(c.net->post([] {}));
  c.net.reset();
  const std::size_t before = c.node.submitted_blocks();
  ASSERT_TRUE(wait_until([&] { return c.node.submitted_blocks() > before; }, 2s));  // the actor goes on
  std::this_thread::sleep_for(100ms);
  EXPECT_LT(c.node.height(), 300U);
}

TEST(Sync, HeadersNobodyAskedForScore) {
  const auto chain = make_chain(genesis_block(), 3);
  Host c;
  c.start();
  RawPeer peer(c.port(), c.node.genesis_hash());
  ASSERT_TRUE(peer.handshake());  // height 0: nothing to ask it
  std::vector<primitives::BlockHeader> headers;
  for (const auto& b : chain) headers.push_back(b.header);
  ASSERT_TRUE(peer.send(Headers{headers}));
  ASSERT_TRUE(peer.send(Ping{1}));
  ASSERT_TRUE(peer.read_until(MessageType::kPong).has_value());
  ASSERT_TRUE(wait_until([&] { return !c.net->peers().empty() && c.net->peers()[0].score == 20; }));
  EXPECT_EQ(c.node.height(), 0U);
}

}  // namespace
}  // namespace cloudchain::p2p::test
