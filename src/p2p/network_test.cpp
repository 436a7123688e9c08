// Network over real TCP on 127.0.0.1: handshake, refusals, limits, gossip.
// The node behind each Network is a ToyNode (test_node.hpp); scripted peers are RawPeers.

#include "p2p/network.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>

#include "p2p/addrman.hpp"
#include "p2p/raw_peer.hpp"
#include "p2p/test_node.hpp"

namespace cloudchain::p2p::test {
namespace {

using namespace std::chrono_literals;

// A ToyNode and its Network, started.
struct Host {
  explicit Host(NetworkConfig config = test_config(), std::uint32_t chain_id = kChainId) : node(chain_id) {
    net = std::make_unique<Network>(std::move(config), node, test_logger());
  }
  void start() {
    const auto r = net->start();
    ASSERT_TRUE(r.has_value()) << r.error().detail;
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(net->listen_port()); }
  std::size_t ready_peers() const {
    std::size_t n = 0;
    for (const auto& p : net->peers()) n += p.ready ? 1 : 0;
    return n;
  }
  bool banned(const std::string& reason) const {
    for (const auto& b : net->bans()) {
      if (b.reason == reason) return true;
    }
    return false;
  }

  ToyNode node;  // outlives the network
  std::unique_ptr<Network> net;
};

// A port nothing listens on now (bound to 127.0.0.1:0, read, closed), for nodes that must
// know each other's port before either starts.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sa);
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the POSIX socket API
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  ::close(fd);
  return ntohs(sa.sin_port);
}

NetworkConfig seeded(const Host& to) {
  auto c = test_config();
  c.seeds = {to.address()};
  return c;
}

TEST(Network, TwoNodesHandshakeAndExchangeBestHeights) {
  Host a;
  a.node.add_blocks(make_chain(genesis_block(), 5));
  a.start();
  ASSERT_NE(a.net->listen_port(), 0);
  Host b(seeded(a));
  b.start();
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 1 && b.ready_peers() == 1; }));
  const auto from_b = b.net->peers();
  ASSERT_EQ(from_b.size(), 1U);
  EXPECT_FALSE(from_b[0].inbound);
  EXPECT_EQ(from_b[0].best_height, 5U);
  EXPECT_EQ(from_b[0].user_agent, "cloudchaind/0.1.0");
  EXPECT_EQ(from_b[0].address, a.address());
  const auto from_a = a.net->peers();
  ASSERT_EQ(from_a.size(), 1U);
  EXPECT_TRUE(from_a[0].inbound);
  EXPECT_EQ(from_a[0].best_height, 0U);
  // Pings flow (every 300 ms): both sides measure a round trip.
  EXPECT_TRUE(wait_until([&] { return a.net->peers().at(0).ping_rtt_ms.has_value(); }));
  EXPECT_TRUE(wait_until([&] { return b.net->peers().at(0).ping_rtt_ms.has_value(); }));
  EXPECT_TRUE(a.net->bans().empty());

  // Peer events: connected once the handshake is done, disconnected when it closes.
  const auto connected = a.node.peer_events();
  ASSERT_EQ(connected.size(), 1U);
  EXPECT_TRUE(connected[0].connected);
  EXPECT_TRUE(connected[0].inbound);
  EXPECT_EQ(connected[0].id, from_a[0].id);
  EXPECT_EQ(connected[0].address, from_a[0].address);
  b.net->stop();
  ASSERT_TRUE(wait_until([&] { return a.node.peer_events().size() == 2; }));
  const PeerEvent gone = a.node.peer_events()[1];
  EXPECT_FALSE(gone.connected);
  EXPECT_EQ(gone.id, from_a[0].id);
  const auto from_b_events = b.node.peer_events();
  ASSERT_EQ(from_b_events.size(), 2U);  // connected, then disconnected by its own stop
  EXPECT_FALSE(from_b_events[0].inbound);
}

TEST(Network, StartFailsOnAPortInUse) {
  Host a;
  a.start();
  auto c = test_config();
  c.listen_port = a.net->listen_port();
  ToyNode node;
  Network b(c, node, test_logger());
  const auto r = b.start();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, P2pError::kIo);
  EXPECT_NE(r.error().detail.find("listen 127.0.0.1:"), std::string::npos) << r.error().detail;
}

TEST(Network, StopIsIdempotentAndPostFailsAfterIt) {
  Host a;
  a.start();
  EXPECT_TRUE(a.net->post([] {}));
  a.net->stop();
  a.net->stop();
  EXPECT_FALSE(a.net->post([] {}));
  EXPECT_TRUE(a.net->peers().empty());
}

TEST(Network, WrongChainIdIsRefusedAndBanned) {
  Host a;
  a.start();
  Host b(seeded(a), kChainId + 1);
  b.start();
  EXPECT_TRUE(wait_until([&] { return a.banned("p2p_wrong_chain") && b.banned("p2p_wrong_chain"); }));
  EXPECT_EQ(a.ready_peers(), 0U);
  EXPECT_EQ(b.ready_peers(), 0U);
}

TEST(Network, WrongGenesisIsRefused) {
  // Through the magic (the first 4 bytes of the genesis hash) the first frame fails.
  Host a;
  a.start();
  Host b(seeded(a));
  Hash256 other{};
  other[0] = 0x42;
  b.node.set_genesis_hash(other);
  b.net = std::make_unique<Network>(seeded(a), b.node, test_logger());
  b.start();
  EXPECT_TRUE(wait_until([&] { return a.banned("p2p_bad_magic"); }));
  EXPECT_EQ(a.ready_peers(), 0U);
  EXPECT_EQ(b.ready_peers(), 0U);

  // With the right magic but another genesis in the version: kWrongChain.
  Host c;
  c.start();
  RawPeer raw(c.net->listen_port(), c.node.genesis_hash());
  raw.version().genesis = other;
  EXPECT_FALSE(raw.handshake());
  EXPECT_TRUE(raw.closed_within(2s));
  EXPECT_TRUE(wait_until([&] { return c.banned("p2p_wrong_chain"); }));
}

TEST(Network, ProtocolVersionMismatchIsRefused) {
  Host a;
  a.start();
  RawPeer raw(a.net->listen_port(), a.node.genesis_hash());
  raw.version().protocol_version = kProtocolVersion + 1;
  EXPECT_FALSE(raw.handshake());
  EXPECT_TRUE(raw.closed_within(2s));
  EXPECT_TRUE(wait_until([&] { return a.banned("p2p_version_mismatch"); }));
}

TEST(Network, SelfConnectionIsDroppedWithoutABan) {
  Host a;
  a.start();
  a.net->connect(a.address());
  // Both ends of the loop see their own nonce and close; nothing stays, nobody is banned.
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(wait_until([&] { return a.net->peers().empty(); }));
  EXPECT_EQ(a.ready_peers(), 0U);
  EXPECT_TRUE(a.net->bans().empty());
  // ... and it is not dialled again (the target is dropped): still nobody after backoff.
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(a.net->peers().empty());
}

TEST(Network, ItsOwnAddressLearnedFromAPeerIsNeverDialled) {
  // Listening on 127.0.0.1 or on every address: 127.0.0.1 and our port is us either way.
  for (const std::string host : {"127.0.0.1", "0.0.0.0"}) {
    SCOPED_TRACE(host);
    auto c = test_config();
    c.listen_host = host;
    Host a(c);
    a.start();
    RawPeer told(a.net->listen_port(), a.node.genesis_hash());
    ASSERT_TRUE(told.handshake());
    NetAddress own;
    own.ip = *parse_ip("127.0.0.1");
    own.port = a.net->listen_port();
    ASSERT_TRUE(told.send(Addr{{own}}));
    ASSERT_TRUE(told.send(GetAddr{}));
    const auto book = told.read_until(MessageType::kAddr);
    ASSERT_TRUE(book.has_value());
    ASSERT_EQ(std::get<Addr>(*book).addrs.size(), 1U);  // learned
    // The dialler samples the book on every tick (25 ms here). A self-dial is a
    // connection out and one in: the next peer would get id 4, not 2.
    std::this_thread::sleep_for(1s);
    RawPeer later(a.net->listen_port(), a.node.genesis_hash());
    ASSERT_TRUE(later.handshake());
    ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 2; }));
    std::set<std::uint64_t> ids;
    for (const auto& p : a.net->peers()) ids.insert(p.id);
    EXPECT_EQ(ids, (std::set<std::uint64_t>{1, 2}));
  }
}

TEST(Network, InboundBeyondTheLimitIsAcceptedAndClosed) {
  auto c = test_config();
  c.max_inbound = 3;
  Host a(c);
  a.start();
  std::vector<std::unique_ptr<RawPeer>> ok;
  for (int i = 0; i < 3; ++i) {
    ok.push_back(std::make_unique<RawPeer>(a.net->listen_port(), a.node.genesis_hash()));
    ASSERT_TRUE(ok.back()->handshake());
  }
  for (int i = 0; i < 5; ++i) {
    RawPeer extra(a.net->listen_port(), a.node.genesis_hash());
    EXPECT_TRUE(extra.closed_within(2s));
  }
  EXPECT_EQ(a.ready_peers(), 3U);
  for (auto& p : ok) {
    ASSERT_TRUE(p->send(Ping{7}));
    const auto pong = p->read_until(MessageType::kPong);
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(std::get<Pong>(*pong).nonce, 7U);
  }
  EXPECT_TRUE(a.net->bans().empty());
}

TEST(Network, AdminBanDropsThePeerAndRefusesItUntilUnbanned) {
  Host a;
  a.start();
  RawPeer raw(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(raw.handshake());
  a.net->ban("127.0.0.1", 60s);
  EXPECT_TRUE(raw.closed_within(2s));
  ASSERT_EQ(a.net->bans().size(), 1U);
  EXPECT_EQ(a.net->bans()[0].reason, "admin");
  RawPeer again(a.net->listen_port(), a.node.genesis_hash());
  EXPECT_TRUE(again.closed_within(2s));
  a.net->unban("127.0.0.1");
  EXPECT_TRUE(a.net->bans().empty());
  RawPeer later(a.net->listen_port(), a.node.genesis_hash());
  EXPECT_TRUE(later.handshake());
}

TEST(Network, ReconnectsToASeedAfterItComesBack) {
  Host a;
  a.start();
  const auto port = a.net->listen_port();
  Host b(seeded(a));
  b.start();
  ASSERT_TRUE(wait_until([&] { return b.ready_peers() == 1; }));
  a.net->stop();
  ASSERT_TRUE(wait_until([&] { return b.net->peers().empty(); }));
  auto c = test_config();
  c.listen_port = port;
  Host a2(c);
  a2.start();
  // Backoff 1 s, then 2 s ...: back within a few seconds.
  EXPECT_TRUE(wait_until([&] { return b.ready_peers() == 1; }, 10s));
}

// --- one connection per node ----------------------------------------------------------

// Nodes on fixed ports, each listing all the others as seeds (as a devnet does), started
// together so that each pair dials each other.
std::vector<std::unique_ptr<Host>> mesh(std::size_t n) {
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < n; ++i) ports.push_back(free_port());
  std::vector<std::unique_ptr<Host>> hosts;
  for (std::size_t i = 0; i < n; ++i) {
    auto c = test_config();
    c.listen_port = ports[i];
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) c.seeds.push_back("127.0.0.1:" + std::to_string(ports[j]));
    }
    hosts.push_back(std::make_unique<Host>(c));
  }
  for (auto& h : hosts) h->start();
  return hosts;
}

// For `duration`, samples every host's peers every 5 ms; true if every sample shows
// exactly `per_host` ready peers per host and no peer id other than those of the first
// sample (a connection that is opened and closed again, as a redial of a covered seed
// would be, gets a new id).
bool stable(const std::vector<std::unique_ptr<Host>>& hosts, std::size_t per_host, std::chrono::milliseconds duration) {
  std::map<std::size_t, std::set<std::uint64_t>> first;
  const auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) {
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      std::set<std::uint64_t> ids;
      for (const auto& p : hosts[i]->net->peers()) {
        if (p.ready) ids.insert(p.id);
      }
      if (ids.size() != per_host || hosts[i]->net->peers().size() != per_host) return false;
      if (!first.contains(i)) first[i] = ids;
      if (first[i] != ids) return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Waits (at most 10 s) until the hosts hold `per_host` ready peers each, unchanged for
// 300 ms: the dials of the start are done and their duplicates closed.
bool settle(const std::vector<std::unique_ptr<Host>>& hosts, std::size_t per_host) {
  return wait_until([&] { return stable(hosts, per_host, 300ms); }, 10s);
}

TEST(Network, TwoNodesSeedingEachOtherKeepOneConnection) {
  const auto hosts = mesh(2);
  Host& a = *hosts[0];
  Host& b = *hosts[1];
  // Each dials the other; the second connection goes once both handshakes are done.
  ASSERT_TRUE(settle(hosts, 1));
  // Both ends kept the same connection: one side's outbound is the other's inbound.
  const auto pa = a.net->peers();
  const auto pb = b.net->peers();
  ASSERT_EQ(pa.size(), 1U);
  ASSERT_EQ(pb.size(), 1U);
  EXPECT_NE(pa[0].inbound, pb[0].inbound);
  // ... and it stays: the seed it covers is not dialled again (backoff would have
  // retried a failed seed after 1 s and 2 s).
  EXPECT_TRUE(stable(hosts, 1, 3s));
  EXPECT_TRUE(a.net->bans().empty());
  EXPECT_TRUE(b.net->bans().empty());
}

TEST(Network, ThreeNodesInATriangleHaveTwoPeersEach) {
  const auto hosts = mesh(3);
  ASSERT_TRUE(settle(hosts, 2));
  EXPECT_TRUE(stable(hosts, 2, 3s));
}

TEST(Network, ASeedThatAlreadyDialledUsIsNotDialled) {
  // a's seed is not up yet: the dial fails and backs off (1 s). Then b starts there and
  // dials a. When the backoff ends, a sees that the seed's address is the IP and listen
  // port of a connected peer and does not dial it.
  const auto port_b = free_port();
  auto ca = test_config();
  ca.seeds = {"127.0.0.1:" + std::to_string(port_b)};
  Host a(ca);
  a.start();
  std::this_thread::sleep_for(200ms);
  auto cb = seeded(a);
  cb.listen_port = port_b;
  Host b(cb);
  b.start();
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 1 && b.ready_peers() == 1; }));
  std::this_thread::sleep_for(2500ms);
  // Peer ids count every connection a accepted or dialled: b's was the first; had a
  // dialled b (and one of the two been closed), the next would not be 2.
  RawPeer raw(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(raw.handshake());
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 2; }));
  std::set<std::uint64_t> ids;
  for (const auto& p : a.net->peers()) ids.insert(p.id);
  EXPECT_EQ(ids, (std::set<std::uint64_t>{1, 2}));
  EXPECT_EQ(b.net->peers().size(), 1U);
}

TEST(Network, ASeedCoveredByAnInboundConnectionIsDialledAgainWhenThatOneCloses) {
  const auto hosts = mesh(2);
  ASSERT_TRUE(settle(hosts, 1));
  // x kept the connection the other dialled: its own seed is covered by it. The other
  // goes away and comes back on the same port without seeds of its own: only x's seed
  // can bring them together again.
  const bool first_is_x = hosts[0]->net->peers().at(0).inbound;
  Host& x = first_is_x ? *hosts[0] : *hosts[1];
  Host& y = first_is_x ? *hosts[1] : *hosts[0];
  const auto port = y.net->listen_port();
  y.net->stop();
  ASSERT_TRUE(wait_until([&] { return x.net->peers().empty(); }));
  auto c = test_config();
  c.listen_port = port;
  Host y2(c);
  y2.start();
  EXPECT_TRUE(wait_until(
      [&] {
        const auto p = x.net->peers();
        return p.size() == 1 && p[0].ready && !p[0].inbound;
      },
      10s));
}

// --- gossip ---------------------------------------------------------------------------

TEST(Network, TransactionGossipReachesTheOtherNodeOnce) {
  Host a;
  a.start();
  Host b(seeded(a));
  b.start();
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 1 && b.ready_peers() == 1; }));
  const auto tx = make_tx(1);
  const auto id = primitives::txid(tx);
  a.node.add_tx(tx);
  a.net->announce_tx(id);
  EXPECT_TRUE(wait_until([&] { return b.node.has_tx(id); }));
}

TEST(Network, AnItemIsAnnouncedToAPeerOnlyOnce) {
  Host a;
  a.start();
  RawPeer r1(a.net->listen_port(), a.node.genesis_hash());
  RawPeer r2(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(r1.handshake());
  ASSERT_TRUE(r2.handshake());
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 2; }));

  // Announced twice by the node: one inv.
  const auto tx1 = make_tx(1);
  const auto id1 = primitives::txid(tx1);
  a.node.add_tx(tx1);
  a.net->announce_tx(id1);
  a.net->announce_tx(id1);
  const auto inv = r1.read_until(MessageType::kInv);
  ASSERT_TRUE(inv.has_value());
  EXPECT_EQ(std::get<Inv>(*inv).items, (std::vector<InvItem>{{InvKind::kTx, id1}}));
  EXPECT_FALSE(r1.read_until(MessageType::kInv, 300ms).has_value());

  // Announced by r1: asked for, received, submitted, relayed to r2 but not back to r1.
  const auto tx2 = make_tx(2);
  const auto id2 = primitives::txid(tx2);
  ASSERT_TRUE(r1.send(Inv{{{InvKind::kTx, id2}}}));
  const auto getdata = r1.read_until(MessageType::kGetData);
  ASSERT_TRUE(getdata.has_value());
  EXPECT_EQ(std::get<GetData>(*getdata).items, (std::vector<InvItem>{{InvKind::kTx, id2}}));
  ASSERT_TRUE(r1.send(TxMsg{tx2}));
  ASSERT_TRUE(wait_until([&] { return a.node.has_tx(id2); }));
  // r2 already got id1's inv above too; now id2's.
  const auto inv1 = r2.read_until(MessageType::kInv);
  ASSERT_TRUE(inv1.has_value());
  EXPECT_EQ(std::get<Inv>(*inv1).items.at(0).hash, id1);
  const auto inv2 = r2.read_until(MessageType::kInv);
  ASSERT_TRUE(inv2.has_value());
  EXPECT_EQ(std::get<Inv>(*inv2).items, (std::vector<InvItem>{{InvKind::kTx, id2}}));
  EXPECT_FALSE(r1.read_until(MessageType::kInv, 300ms).has_value());

  // r2 asks for it: served from the pool (fetch_tx on the actor).
  ASSERT_TRUE(r2.send(GetData{{{InvKind::kTx, id2}}}));
  const auto got = r2.read_until(MessageType::kTx);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(std::get<TxMsg>(*got).tx, tx2);
  // ... and announcing it back (it knows it) changes nothing: no getdata.
  ASSERT_TRUE(r2.send(Inv{{{InvKind::kTx, id2}}}));
  EXPECT_FALSE(r2.read_until(MessageType::kGetData, 300ms).has_value());
}

// A transaction is asked of one peer at a time; when that peer leaves without sending
// it, the next peer that announces it is asked (the request is forgotten with the peer).
TEST(Network, ATransactionAskedOfAPeerThatLeavesIsAskedOfTheNextAnnouncer) {
  Host a;
  a.start();
  std::optional<RawPeer> r1(std::in_place, a.net->listen_port(), a.node.genesis_hash());
  RawPeer r2(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(r1->handshake());
  ASSERT_TRUE(r2.handshake());
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 2; }));

  const auto tx = make_tx(3);
  const auto id = primitives::txid(tx);
  ASSERT_TRUE(r1->send(Inv{{{InvKind::kTx, id}}}));
  ASSERT_TRUE(r1->read_until(MessageType::kGetData).has_value());
  ASSERT_TRUE(r2.send(Inv{{{InvKind::kTx, id}}}));
  EXPECT_FALSE(r2.read_until(MessageType::kGetData, 300ms).has_value());  // r1 owes it

  r1.reset();  // leaves without answering
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 1; }));
  ASSERT_TRUE(r2.send(Inv{{{InvKind::kTx, id}}}));
  const auto getdata = r2.read_until(MessageType::kGetData);
  ASSERT_TRUE(getdata.has_value());
  EXPECT_EQ(std::get<GetData>(*getdata).items, (std::vector<InvItem>{{InvKind::kTx, id}}));
  ASSERT_TRUE(r2.send(TxMsg{tx}));
  EXPECT_TRUE(wait_until([&] { return a.node.has_tx(id); }));
}

TEST(Network, ABatchOfTransactionsIsAnnouncedInOneInvAndServedInOneLookup) {
  Host a;
  a.start();
  RawPeer r(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(r.handshake());
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 1; }));
  std::vector<Hash256> ids;
  std::vector<InvItem> items;
  for (std::uint8_t i = 1; i <= 40; ++i) {
    const auto tx = make_tx(i);
    a.node.add_tx(tx);
    ids.push_back(primitives::txid(tx));
    items.push_back({InvKind::kTx, ids.back()});
  }
  a.net->announce_txs(ids);
  const auto inv = r.read_until(MessageType::kInv);
  ASSERT_TRUE(inv.has_value());
  EXPECT_EQ(std::get<Inv>(*inv).items, items);  // all forty, in order, in one message
  EXPECT_FALSE(r.read_until(MessageType::kInv, 300ms).has_value());

  // One getdata for all of them and one unknown: each known one comes as a tx message,
  // the unknown one in a notfound.
  Hash256 unknown{};
  unknown[3] = 7;
  std::vector<InvItem> wanted = items;
  wanted.insert(wanted.begin() + 5, InvItem{InvKind::kTx, unknown});
  ASSERT_TRUE(r.send(GetData{wanted}));
  std::set<Hash256> got;
  std::optional<NotFound> notfound;
  while (got.size() < ids.size() || !notfound) {
    const auto m = r.read(2s);
    ASSERT_TRUE(m.has_value()) << got.size() << " of " << ids.size();
    if (const auto* tx = std::get_if<TxMsg>(&*m)) got.insert(primitives::txid(tx->tx));
    if (const auto* nf = std::get_if<NotFound>(&*m)) notfound = *nf;
  }
  EXPECT_EQ(got, std::set<Hash256>(ids.begin(), ids.end()));
  EXPECT_EQ(notfound->items, (std::vector<InvItem>{{InvKind::kTx, unknown}}));
  // The forty tx frames were queued by one handler: the first started a write, the rest
  // went out together in the next.
  // (peers() is a snapshot the network thread refreshes on its tick.)
  std::vector<PeerInfo> peers;
  ASSERT_TRUE(wait_until([&] {
    peers = a.net->peers();
    return peers.size() == 1 && peers[0].frames_sent >= 40;
  }));
  EXPECT_LE(peers[0].writes + 35, peers[0].frames_sent) << peers[0].writes << " writes";
}

// One inv's transactions: those the node has (NodeHooks::has_txs, asked once for the
// inv) and repeats within it are not asked for; the others are, once each, in order.
TEST(Network, AnInvAsksOnlyForTransactionsTheNodeLacksOnceEach) {
  Host a;
  a.start();
  const auto known = make_tx(21);
  a.node.add_tx(known);
  RawPeer r(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(r.handshake());
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 1; }));
  const Hash256 k = primitives::txid(known);
  const Hash256 u1 = primitives::txid(make_tx(22));
  const Hash256 u2 = primitives::txid(make_tx(23));
  ASSERT_TRUE(r.send(Inv{{{InvKind::kTx, u1}, {InvKind::kTx, k}, {InvKind::kTx, u1}, {InvKind::kTx, u2}}}));
  const auto getdata = r.read_until(MessageType::kGetData);
  ASSERT_TRUE(getdata.has_value());
  EXPECT_EQ(std::get<GetData>(*getdata).items, (std::vector<InvItem>{{InvKind::kTx, u1}, {InvKind::kTx, u2}}));
}

// Transactions that arrive together reach the node together (NodeHooks::submit_txs),
// each once; a lone one is not held back.
TEST(Network, TransactionsReceivedTogetherAreSubmittedTogether) {
  Host a;
  a.start();
  RawPeer r(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(r.handshake());
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 1; }));
  std::vector<primitives::Transaction> txs;
  std::vector<InvItem> items;
  for (std::uint8_t i = 1; i <= 100; ++i) {
    txs.push_back(make_tx(i));
    items.push_back({InvKind::kTx, primitives::txid(txs.back())});
  }
  ASSERT_TRUE(r.send(Inv{items}));
  const auto getdata = r.read_until(MessageType::kGetData);
  ASSERT_TRUE(getdata.has_value());
  ASSERT_EQ(std::get<GetData>(*getdata).items.size(), txs.size());
  Bytes frames;  // all hundred in one write
  for (const auto& tx : txs) {
    const Bytes frame = encode_frame(r.magic(), TxMsg{tx});
    frames.insert(frames.end(), frame.begin(), frame.end());
  }
  ASSERT_TRUE(r.send_bytes(frames));
  ASSERT_TRUE(wait_until([&] { return a.node.txs().size() == txs.size(); }));
  const std::vector<std::size_t> batches = a.node.tx_batches();
  EXPECT_EQ(std::accumulate(batches.begin(), batches.end(), std::size_t{0}), txs.size());
  EXPECT_LE(batches.size(), 10U) << "batches of " << ::testing::PrintToString(batches);
  EXPECT_EQ(a.node.wrong_txids(), 0U);  // each handed with its own txid

  // Each verdict of a batch is its own: a transaction refused as invalid scores the
  // peer that sent it, the others of its batch are admitted and relayed.
  RawPeer other(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(other.handshake());
  ASSERT_TRUE(wait_until([&] { return a.ready_peers() == 2; }));
  const std::vector<primitives::Transaction> three = {make_tx(111), make_tx(112), make_tx(113)};
  a.node.refuse_tx(primitives::txid(three[1]));
  std::vector<InvItem> three_items;
  Bytes three_frames;
  for (const auto& tx : three) {
    three_items.push_back({InvKind::kTx, primitives::txid(tx)});
    const Bytes frame = encode_frame(r.magic(), TxMsg{tx});
    three_frames.insert(three_frames.end(), frame.begin(), frame.end());
  }
  ASSERT_TRUE(r.send(Inv{three_items}));
  ASSERT_TRUE(r.read_until(MessageType::kGetData).has_value());
  ASSERT_TRUE(r.send_bytes(three_frames));
  std::set<Hash256> relayed;  // (an inv of the first hundred may come first)
  while (!relayed.contains(three_items[0].hash) || !relayed.contains(three_items[2].hash)) {
    const auto inv = other.read_until(MessageType::kInv);
    ASSERT_TRUE(inv.has_value());
    for (const InvItem& item : std::get<Inv>(*inv).items) relayed.insert(item.hash);
  }
  EXPECT_FALSE(relayed.contains(three_items[1].hash));
  ASSERT_TRUE(wait_until([&] {
    for (const PeerInfo& info : a.net->peers()) {
      if (info.score == misbehaviour_score(P2pError::kInvalidTx)) return true;
    }
    return false;
  }));
  EXPECT_FALSE(a.node.has_tx(three_items[1].hash));

  // A lone transaction goes at once.
  const auto lone = make_tx(101);
  ASSERT_TRUE(r.send(Inv{{{InvKind::kTx, primitives::txid(lone)}}}));
  ASSERT_TRUE(r.read_until(MessageType::kGetData).has_value());
  ASSERT_TRUE(r.send(TxMsg{lone}));
  EXPECT_TRUE(wait_until([&] { return a.node.has_tx(primitives::txid(lone)); }));
  EXPECT_EQ(a.node.tx_batches().back(), 1U);
}

TEST(Network, GetDataForUnknownItemsIsAnsweredNotFound) {
  Host a;
  a.node.add_blocks(make_chain(genesis_block(), 2));
  a.start();
  RawPeer r(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(r.handshake());
  Hash256 unknown{};
  unknown[5] = 9;
  const auto block1 = make_chain(genesis_block(), 1).at(0);
  ASSERT_TRUE(r.send(GetData{{{InvKind::kBlock, unknown}, {InvKind::kBlock, primitives::block_hash(block1.header)}}}));
  bool got_notfound = false;
  bool got_block = false;
  for (int i = 0; i < 2; ++i) {
    const auto m = r.read(2s);
    ASSERT_TRUE(m.has_value());
    if (const auto* nf = std::get_if<NotFound>(&*m)) {
      got_notfound = true;
      EXPECT_EQ(nf->items, (std::vector<InvItem>{{InvKind::kBlock, unknown}}));
    }
    if (const auto* b = std::get_if<BlockMsg>(&*m)) {
      got_block = true;
      EXPECT_EQ(b->block, block1);
    }
  }
  EXPECT_TRUE(got_notfound);
  EXPECT_TRUE(got_block);
  ASSERT_TRUE(r.send(GetData{{{InvKind::kTx, unknown}}}));
  const auto nf = r.read_until(MessageType::kNotFound);
  ASSERT_TRUE(nf.has_value());
  EXPECT_EQ(std::get<NotFound>(*nf).items, (std::vector<InvItem>{{InvKind::kTx, unknown}}));
}

TEST(Network, GetHeadersIsAnsweredFromTheActiveChain) {
  Host a;
  const auto chain = make_chain(genesis_block(), 30);
  a.node.add_blocks(chain);
  a.start();
  RawPeer r(a.net->listen_port(), a.node.genesis_hash());
  ASSERT_TRUE(r.handshake());
  ASSERT_TRUE(r.send(GetHeaders{{primitives::block_hash(chain[9].header)}, {}}));
  const auto h = r.read_until(MessageType::kHeaders);
  ASSERT_TRUE(h.has_value());
  const auto& headers = std::get<Headers>(*h).headers;
  ASSERT_EQ(headers.size(), 20U);
  EXPECT_EQ(headers.front(), chain[10].header);
  EXPECT_EQ(headers.back(), chain[29].header);
}

// A node that dials nothing: the addresses the tests tell it are made up and must not be
// dialled (tests talk only to loopback). Some networks accept a TCP connection to any
// address; the failed handshake then banned the told IP, and getaddr left it out.
NetworkConfig never_dials() {
  NetworkConfig c = test_config();
  c.max_outbound = 0;
  return c;
}

TEST(Network, AddressesAreExchanged) {
  Host a(never_dials());
  a.start();
  RawPeer r(a.net->listen_port(), a.node.genesis_hash());
  r.version().listen_port = 4242;
  ASSERT_TRUE(r.handshake());
  NetAddress n;
  n.ip = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
  n.port = 9000;
  ASSERT_TRUE(r.send(Addr{{n}}));
  ASSERT_TRUE(r.send(GetAddr{}));
  const auto m = r.read_until(MessageType::kAddr);
  ASSERT_TRUE(m.has_value());
  std::set<std::uint32_t> ports;
  for (const auto& x : std::get<Addr>(*m).addrs) ports.insert(x.port);
  // Ours (from its version's listen_port) and the one it told us.
  EXPECT_TRUE(ports.contains(4242));
  EXPECT_TRUE(ports.contains(9000));
}

TEST(Network, UnsolicitedAddressesAreRateLimitedAndFiltered) {
  Host a(never_dials());
  a.start();
  const auto told = [&](const std::vector<NetAddress>& addrs) {
    RawPeer r(a.net->listen_port(), a.node.genesis_hash());
    ASSERT_TRUE(r.handshake());
    ASSERT_TRUE(r.send(Addr{addrs}));
    ASSERT_TRUE(r.send(Ping{1}));
    ASSERT_TRUE(r.read_until(MessageType::kPong).has_value());  // handled
  };
  const auto book = [&] {
    RawPeer r(a.net->listen_port(), a.node.genesis_hash());
    EXPECT_TRUE(r.handshake());
    EXPECT_TRUE(r.send(GetAddr{}));
    const auto m = r.read_until(MessageType::kAddr);
    return m ? std::get<Addr>(*m).addrs : std::vector<NetAddress>{};
  };
  const auto v4 = [](std::uint8_t x, std::uint8_t y, std::uint8_t z, std::uint8_t w) {
    return IpAddress{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, x, y, z, w};
  };
  // An unsolicited flood of 1000: one gets in (the bucket starts with one token).
  std::vector<NetAddress> flood;
  for (std::uint32_t i = 0; i < kMaxAddrs; ++i) {
    flood.push_back(NetAddress{v4(1, 2, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)), 8646, 0});
  }
  told(flood);
  EXPECT_EQ(book().size(), 1U);
  // Unusable addresses never get in; loopback does, told by a loopback peer (devnets).
  told({NetAddress{v4(224, 0, 0, 1), 7001, 0}});
  told({NetAddress{v4(0, 0, 0, 0), 7002, 0}});
  told({NetAddress{v4(127, 0, 0, 2), 7003, 0}});
  std::set<std::uint32_t> ports;
  for (const auto& n : book()) ports.insert(n.port);
  EXPECT_EQ(ports, (std::set<std::uint32_t>{8646, 7003}));
}

}  // namespace
}  // namespace cloudchain::p2p::test
