#include "p2p/sync.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace cloudchain::p2p {
namespace {

using primitives::Block;
using primitives::BlockHeader;
using util::Hash256;
using util::Uint256;

BlockHeader make_header(const Hash256& parent, std::uint64_t height, std::uint8_t branch) {
  BlockHeader h;
  h.chain_id = 1;
  h.height = height;
  h.parent = parent;
  h.timestamp_ms = 1'700'000'000'000 + height * 1000 + branch;  // branches differ
  h.seal = primitives::PowSeal{0x207fffff, branch};
  return h;
}

/// `n` headers on top of `parent` (at `parent_height`).
std::vector<BlockHeader> make_chain(const Hash256& parent, std::uint64_t parent_height, std::size_t n,
                                    std::uint8_t branch = 0) {
  std::vector<BlockHeader> out;
  Hash256 prev = parent;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(make_header(prev, parent_height + 1 + i, branch));
    prev = primitives::block_hash(out.back());
  }
  return out;
}

Hash256 hash_of(const BlockHeader& h) { return primitives::block_hash(h); }
Block block_of(const BlockHeader& h) { return Block{h, {}, std::nullopt}; }

const BlockHeader kGenesis = make_header(Hash256{}, 0, 0);
const ChainPoint kGenesisPoint{hash_of(kGenesis), 0, Uint256(0)};

/// Every header carries work 1, so cumulative work = height.
Uint256 work_of(std::size_t n) { return Uint256(n); }

/// A planner at genesis and the chain the peers have; helpers that play the network's part.
class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override { chain = make_chain(kGenesisPoint.hash, 0, 100); }

  void start(SyncLimits limits = {}) {
    m_limits = limits;
    sync.emplace(kGenesisPoint, now, limits);
  }

  std::size_t height_of(const Hash256& hash) const {
    for (const auto& h : chain) {
      if (hash_of(h) == hash) return h.height;
    }
    ADD_FAILURE() << "unknown hash";
    return 0;
  }
  const BlockHeader& header_at(std::uint64_t height) const { return chain.at(height - 1); }

  void ready(PeerId peer, std::uint64_t height = 100) {
    sync->peer_ready(peer, height, height == 0 ? kGenesisPoint.hash : hash_of(header_at(height)));
  }

  /// Answers every getheaders in `t` with the peers' chain after the locator.
  void answer_headers(const Tick& t, std::size_t upto = 100) {
    for (const PeerId peer : t.getheaders) {
      const auto loc = sync->locator(peer);
      const std::size_t from = loc.empty() ? 0 : height_of(loc.front());
      const std::size_t to = std::min(upto, from + m_limits.headers_per_batch);
      const std::vector<BlockHeader> batch(chain.begin() + static_cast<std::ptrdiff_t>(from),
                                           chain.begin() + static_cast<std::ptrdiff_t>(to));
      ASSERT_TRUE(sync->on_headers(peer, batch, work_of(batch.size())).has_value());
    }
  }

  /// Delivers every block `t` asked for.
  void deliver(const Tick& t) {
    for (const auto& r : t.getdata) {
      for (const auto& h : r.hashes) ASSERT_TRUE(sync->on_block(r.peer, block_of(header_at(height_of(h)))).has_value());
    }
  }

  /// Submits what is ready, as the node would, connecting each block at once.
  std::vector<std::uint64_t> submit_ready() {
    std::vector<std::uint64_t> heights;
    for (const Block& b : sync->take_ready()) {
      heights.push_back(b.header.height);
      sync->on_connected(ChainPoint{hash_of(b.header), b.header.height, work_of(b.header.height)}, now);
    }
    return heights;
  }

  std::vector<BlockHeader> chain;
  std::uint64_t now = 1'000'000;
  std::optional<SyncPlanner> sync;
  SyncLimits m_limits;
};

TEST_F(SyncTest, ThreePeersDownloadInParallelAndBlocksLeaveInHeightOrder) {
  start();
  for (PeerId p : {1, 2, 3}) ready(p);
  Tick t = sync->tick(now);
  EXPECT_EQ(t.getheaders, (std::vector<PeerId>{1, 2, 3}));
  answer_headers(t);
  EXPECT_EQ(sync->best_header().height, 100u);
  EXPECT_EQ(sync->header_count(), 100u);

  std::vector<std::uint64_t> submitted;
  std::map<PeerId, std::size_t> served;
  for (int round = 0; round < 20 && submitted.size() < 100; ++round) {
    t = sync->tick(now);
    std::set<Hash256> asked;
    for (const auto& r : t.getdata) {
      EXPECT_LE(sync->in_flight(r.peer), 16u);
      for (const auto& h : r.hashes) EXPECT_TRUE(asked.insert(h).second) << "asked twice";
    }
    // Deliver in reverse order: early blocks must wait for their parents.
    for (auto r = t.getdata.rbegin(); r != t.getdata.rend(); ++r) {
      for (auto h = r->hashes.rbegin(); h != r->hashes.rend(); ++h) {
        ASSERT_TRUE(sync->on_block(r->peer, block_of(header_at(height_of(*h)))).has_value());
        ++served[r->peer];
      }
    }
    for (const auto h : submit_ready()) submitted.push_back(h);
    now += 100;
  }
  ASSERT_EQ(submitted.size(), 100u);
  for (std::size_t i = 0; i < submitted.size(); ++i) EXPECT_EQ(submitted[i], i + 1);
  EXPECT_EQ(served.size(), 3u);  // all three peers served blocks
  for (const auto& [peer, n] : served) EXPECT_GE(n, 16u) << peer;
  EXPECT_FALSE(sync->progress(now).syncing);
  EXPECT_EQ(sync->header_count(), 0u);
}

TEST_F(SyncTest, FirstRoundSpreadsSixteenPerPeer) {
  start();
  for (PeerId p : {1, 2, 3}) ready(p);
  answer_headers(sync->tick(now));
  const Tick t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 3u);
  for (const auto& r : t.getdata) {
    EXPECT_EQ(r.hashes.size(), 16u);
    EXPECT_EQ(sync->in_flight(r.peer), 16u);
  }
  EXPECT_TRUE(sync->tick(now).getdata.empty());  // every peer is at its limit
}

TEST_F(SyncTest, EarlyBlocksWaitForTheirParent) {
  start();
  ready(1);
  answer_headers(sync->tick(now));
  const Tick t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 1u);
  ASSERT_TRUE(sync->on_block(1, block_of(header_at(2))).has_value());
  ASSERT_TRUE(sync->on_block(1, block_of(header_at(3))).has_value());
  EXPECT_TRUE(sync->take_ready().empty());
  ASSERT_TRUE(sync->on_block(1, block_of(header_at(1))).has_value());
  const auto ready_blocks = sync->take_ready();
  ASSERT_EQ(ready_blocks.size(), 3u);
  EXPECT_EQ(ready_blocks[0].header.height, 1u);
  EXPECT_EQ(ready_blocks[2].header.height, 3u);
  EXPECT_TRUE(sync->take_ready().empty());  // each block once
}

TEST_F(SyncTest, WindowBoundsRequestsAndHeldBlocks) {
  SyncLimits limits;
  limits.window = 8;
  start(limits);
  for (PeerId p : {1, 2, 3}) ready(p);
  answer_headers(sync->tick(now));
  Tick t = sync->tick(now);
  std::size_t requested = 0;
  for (const auto& r : t.getdata) {
    requested += r.hashes.size();
    for (const auto& h : r.hashes) EXPECT_LE(height_of(h), 8u);
  }
  EXPECT_EQ(requested, 8u);
  // Blocks 2..8 arrive, 1 does not: nothing more is requested while they wait.
  for (const auto& r : t.getdata) {
    for (const auto& h : r.hashes) {
      if (height_of(h) != 1) {
        ASSERT_TRUE(sync->on_block(r.peer, block_of(header_at(height_of(h)))).has_value());
      }
    }
  }
  EXPECT_TRUE(sync->take_ready().empty());
  EXPECT_TRUE(sync->tick(now).getdata.empty());
}

TEST_F(SyncTest, PeerGoneMidDownloadHandsItsRequestsToAnother) {
  start();
  ready(1);
  ready(2);
  answer_headers(sync->tick(now));
  Tick t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 2u);
  const BlockRequest gone = t.getdata[0].peer == 1 ? t.getdata[0] : t.getdata[1];
  sync->peer_gone(1);
  EXPECT_EQ(sync->in_flight(1), 0u);
  // Peer 2 is at its limit: deliver its blocks, then it gets peer 1's.
  const BlockRequest two = t.getdata[0].peer == 2 ? t.getdata[0] : t.getdata[1];
  for (const auto& h : two.hashes) ASSERT_TRUE(sync->on_block(2, block_of(header_at(height_of(h)))).has_value());
  t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 1u);
  EXPECT_EQ(t.getdata[0].peer, 2u);
  for (const auto& h : gone.hashes) {
    EXPECT_NE(std::ranges::find(t.getdata[0].hashes, h), t.getdata[0].hashes.end()) << height_of(h);
  }
  // A late block from the departed peer is unrequested (it is unknown now).
  const auto late = sync->on_block(1, block_of(header_at(height_of(gone.hashes[0]))));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, P2pError::kUnrequestedData);
}

TEST_F(SyncTest, TimedOutRequestsGoToAnotherPeer) {
  SyncLimits limits;
  limits.block_timeout_ms = 5'000;
  start(limits);
  chain.resize(20);
  ready(1, 20);
  ready(2, 20);
  answer_headers(sync->tick(now), 20);
  const std::uint64_t t0 = now;
  Tick t = sync->tick(t0);
  ASSERT_EQ(t.getdata.size(), 2u);
  EXPECT_EQ(t.getdata[0].hashes.size() + t.getdata[1].hashes.size(), 20u);
  const BlockRequest slow = t.getdata[0].peer == 1 ? t.getdata[0] : t.getdata[1];
  const BlockRequest fast = t.getdata[0].peer == 2 ? t.getdata[0] : t.getdata[1];
  for (const auto& h : fast.hashes) ASSERT_TRUE(sync->on_block(2, block_of(header_at(height_of(h)))).has_value());

  t = sync->tick(t0 + 4'999);
  EXPECT_TRUE(t.stalled.empty());
  EXPECT_TRUE(t.getdata.empty());
  t = sync->tick(t0 + 5'000);
  EXPECT_EQ(t.stalled, (std::vector<PeerId>{1}));
  ASSERT_EQ(t.getdata.size(), 1u);
  EXPECT_EQ(t.getdata[0].peer, 2u);
  EXPECT_EQ(t.getdata[0].hashes, slow.hashes);
  // The slow peer's late answer is accepted (it was asked) and dropped once delivered.
  EXPECT_TRUE(sync->on_block(1, block_of(header_at(height_of(slow.hashes[0])))).has_value());
  for (const auto& h : slow.hashes) EXPECT_TRUE(sync->on_block(2, block_of(header_at(height_of(h)))).has_value());
  EXPECT_EQ(submit_ready().size(), 20u);
  EXPECT_TRUE(sync->tick(t0 + 10'000).stalled.empty());  // reported once
}

TEST_F(SyncTest, NotFoundAsksAnotherPeer) {
  start();
  ready(1);
  ready(2);
  answer_headers(sync->tick(now));
  Tick t = sync->tick(now);
  const BlockRequest one = t.getdata[0].peer == 1 ? t.getdata[0] : t.getdata[1];
  const BlockRequest two = t.getdata[0].peer == 2 ? t.getdata[0] : t.getdata[1];
  for (const auto& h : two.hashes) ASSERT_TRUE(sync->on_block(2, block_of(header_at(height_of(h)))).has_value());
  sync->on_notfound(1, one.hashes[0]);
  t = sync->tick(now);
  bool reasked_from_two = false;
  for (const auto& r : t.getdata) {
    const bool has = std::ranges::find(r.hashes, one.hashes[0]) != r.hashes.end();
    EXPECT_FALSE(has && r.peer == 1);
    reasked_from_two = reasked_from_two || (has && r.peer == 2);
  }
  EXPECT_TRUE(reasked_from_two);
}

TEST_F(SyncTest, UnrequestedBlocksAreRefused) {
  start();
  ready(1);
  answer_headers(sync->tick(now));
  const auto r = sync->on_block(1, block_of(header_at(50)));  // never asked for
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, P2pError::kUnrequestedData);
  EXPECT_EQ(sync->on_block(9, block_of(header_at(1))).error().code, P2pError::kUnrequestedData);  // unknown peer
  const Tick t = sync->tick(now);
  const Hash256 asked = t.getdata.at(0).hashes.at(0);
  EXPECT_TRUE(sync->on_block(1, block_of(header_at(height_of(asked)))).has_value());
  EXPECT_EQ(sync->on_block(1, block_of(header_at(height_of(asked)))).error().code,
            P2pError::kUnrequestedData);  // twice
}

TEST_F(SyncTest, UnrequestedHeadersAreRefused) {
  start();
  ready(1);
  const auto r = sync->on_headers(1, {chain[0]}, work_of(1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, P2pError::kUnrequestedData);
  EXPECT_EQ(sync->header_count(), 0u);
}

TEST_F(SyncTest, HeadersThatDoNotConnectAreRefused) {
  start();
  ready(1);
  const auto ask = [&] {
    sync->on_block_announced(1, hash_of(chain.back()));
    ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
  };
  ask();
  auto r = sync->on_headers(1, {chain[5], chain[6]}, work_of(2));  // parent (height 5) unknown
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, P2pError::kHeadersNotConnecting);
  ask();
  r = sync->on_headers(1, {chain[0], chain[2]}, work_of(2));  // gap inside the batch
  EXPECT_EQ(r.error().code, P2pError::kHeadersNotConnecting);
  ask();
  BlockHeader wrong_height = make_header(kGenesisPoint.hash, 7, 0);
  r = sync->on_headers(1, {wrong_height}, work_of(1));
  EXPECT_EQ(r.error().code, P2pError::kHeadersNotConnecting);
  EXPECT_EQ(sync->header_count(), 0u);
  ask();
  EXPECT_TRUE(sync->on_headers(1, {chain[0], chain[1]}, work_of(2)).has_value());
  EXPECT_EQ(sync->header_count(), 2u);
}

TEST_F(SyncTest, FullBatchAsksAgainFromItsLastHeader) {
  SyncLimits limits;
  limits.headers_per_batch = 40;
  start(limits);
  ready(1);
  Tick t = sync->tick(now);
  ASSERT_EQ(t.getheaders, (std::vector<PeerId>{1}));
  EXPECT_TRUE(sync->locator(1).empty());  // nothing in the tree: the chain's locator alone
  const std::vector<BlockHeader> first(chain.begin(), chain.begin() + 40);
  ASSERT_TRUE(sync->on_headers(1, first, work_of(40)).has_value());
  t = sync->tick(now);
  EXPECT_EQ(t.getheaders, (std::vector<PeerId>{1}));
  const auto loc = sync->locator(1);
  ASSERT_FALSE(loc.empty());
  EXPECT_EQ(loc[0], hash_of(chain[39]));
  // Newest first, then back 1, 2, 4, 8, 16, 32 within the tree.
  std::vector<std::size_t> heights;
  for (const auto& h : loc) heights.push_back(height_of(h));
  EXPECT_EQ(heights, (std::vector<std::size_t>{40, 39, 38, 36, 32, 24, 8}));
  const std::vector<BlockHeader> rest(chain.begin() + 40, chain.begin() + 70);
  ASSERT_TRUE(sync->on_headers(1, rest, work_of(30)).has_value());
  EXPECT_TRUE(sync->tick(now).getheaders.empty());  // a short batch: the peer has no more
  EXPECT_EQ(sync->best_header().height, 70u);
}

TEST_F(SyncTest, LowWorkFinishedChainsAreDroppedAndAFloodIsPunished) {
  // Our chain: 50 blocks (work 50); the peer's: a 10-block branch from genesis.
  start();
  sync->on_connected(ChainPoint{hash_of(chain[49]), 50, work_of(50)}, now);
  ready(1, 10);  // claims less: not asked
  EXPECT_TRUE(sync->tick(now).getheaders.empty());
  int punished_at = 0;
  for (int round = 1; round <= 20 && punished_at == 0; ++round) {
    const auto branch = make_chain(kGenesisPoint.hash, 0, 10, static_cast<std::uint8_t>(round));
    sync->on_block_announced(1, hash_of(branch.back()));
    ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
    const auto r = sync->on_headers(1, branch, work_of(10));
    EXPECT_EQ(sync->header_count(), 0u);  // never kept
    if (!r) {
      EXPECT_EQ(r.error().code, P2pError::kLowWorkHeaders);
      punished_at = round;
    }
  }
  EXPECT_EQ(punished_at, 11);  // more than kLowWorkGrace (100) headers
}

TEST_F(SyncTest, AHeavierForkBelowOurTipIsDownloaded) {
  // We are at height 5 of `chain`; a peer has a branch leaving it at height 3 that is
  // heavier (each of its headers carries work 2).
  std::map<Hash256, ChainPoint> stored;
  for (std::uint64_t h = 1; h <= 5; ++h) stored[hash_of(header_at(h))] = {hash_of(header_at(h)), h, work_of(h)};
  sync.emplace(stored.at(hash_of(header_at(5))), now, SyncLimits{},
               [&stored](const Hash256& hash) -> std::optional<ChainPoint> {
                 auto it = stored.find(hash);
                 return it == stored.end() ? std::nullopt : std::optional(it->second);
               });
  const auto branch = make_chain(hash_of(header_at(3)), 3, 4, 9);  // heights 4..7, work 3 + 8 = 11
  sync->peer_ready(1, 7, hash_of(branch.back()));
  ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
  ASSERT_TRUE(sync->on_headers(1, branch, Uint256(8)).has_value());
  EXPECT_EQ(sync->best_header().work, Uint256(11));
  const Tick t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 1u);
  std::vector<Hash256> want;
  for (const auto& h : branch) want.push_back(hash_of(h));
  EXPECT_EQ(t.getdata[0].hashes, want);
  for (const auto& h : branch) ASSERT_TRUE(sync->on_block(1, block_of(h)).has_value());
  EXPECT_EQ(sync->take_ready().size(), 4u);
  EXPECT_TRUE(sync->progress(now).syncing);
  sync->on_connected(ChainPoint{hash_of(branch.back()), 7, Uint256(11)}, now);  // the reorg
  EXPECT_FALSE(sync->progress(now).syncing);
  EXPECT_EQ(sync->header_count(), 0u);
}

TEST_F(SyncTest, RejectedBlockCutsItsBranch) {
  start();
  ready(1);
  answer_headers(sync->tick(now));
  sync->on_rejected(hash_of(header_at(10)));
  EXPECT_EQ(sync->best_header().height, 9u);
  EXPECT_EQ(sync->header_count(), 9u);
  // Headers building on it are invalid from now on.
  sync->on_block_announced(1, hash_of(header_at(100)));
  ASSERT_EQ(sync->tick(now).getheaders.size(), 1u);
  const std::vector<BlockHeader> again(chain.begin() + 9, chain.begin() + 20);
  const auto r = sync->on_headers(1, again, work_of(11));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, P2pError::kInvalidHeaders);
}

TEST_F(SyncTest, HeadersTimeoutStallsThePeer) {
  SyncLimits limits;
  limits.headers_timeout_ms = 1'000;
  start(limits);
  ready(1);
  ASSERT_EQ(sync->tick(now).getheaders.size(), 1u);
  EXPECT_TRUE(sync->tick(now + 999).stalled.empty());
  EXPECT_EQ(sync->tick(now + 1'000).stalled, (std::vector<PeerId>{1}));
  EXPECT_EQ(sync->on_headers(1, {chain[0]}, work_of(1)).error().code, P2pError::kUnrequestedData);
}

TEST_F(SyncTest, AnnouncedBlockTriggersHeadersAndMakesThePeerASource) {
  start();
  ready(1, 0);  // claims nothing
  EXPECT_TRUE(sync->tick(now).getheaders.empty());
  ready(2);
  answer_headers(sync->tick(now));
  // Peer 1 announces block 100: known now, so it can serve the path too.
  sync->on_block_announced(1, hash_of(header_at(100)));
  const Tick t = sync->tick(now);
  EXPECT_TRUE(t.getheaders.empty());
  EXPECT_EQ(t.getdata.size(), 2u);
}

TEST_F(SyncTest, PeersAreUsedOnceTheirClaimedTipIsKnown) {
  start();
  ready(1);
  ready(2, 60);
  Tick t = sync->tick(now);
  ASSERT_EQ(t.getheaders.size(), 2u);
  ASSERT_TRUE(sync->on_headers(1, chain, work_of(100)).has_value());
  // Peer 2's answer has not come, but its version's best hash (block 60) is now in the
  // tree: it serves blocks up to 60 only.
  t = sync->tick(now);
  for (const auto& r : t.getdata) {
    if (r.peer != 2) continue;
    for (const auto& h : r.hashes) EXPECT_LE(height_of(h), 60u);
  }
  EXPECT_EQ(t.getdata.size(), 2u);
}

TEST_F(SyncTest, HeaderTreeIsBoundedAndSyncStillCompletes) {
  SyncLimits limits;
  limits.max_headers = 50;
  limits.headers_per_batch = 20;
  start(limits);
  ready(1);
  std::vector<Tick> pending;
  for (int i = 0; i < 3; ++i) {
    pending.push_back(sync->tick(now));
    answer_headers(pending.back());
  }
  EXPECT_EQ(pending[2].getheaders.size(), 0u);  // a third batch would not fit
  EXPECT_EQ(sync->header_count(), 40u);
  // Connecting blocks frees room: headers are asked for again, until all 100 are in.
  for (int round = 0; round < 30 && sync->tip().height < 100; ++round) {
    for (const Tick& t : pending) deliver(t);
    submit_ready();
    pending = {sync->tick(now)};
    answer_headers(pending.back());
    ASSERT_LE(sync->header_count(), 50u);
  }
  EXPECT_EQ(sync->tip().height, 100u);
  EXPECT_FALSE(sync->progress(now).syncing);
}

TEST_F(SyncTest, ProgressFigures) {
  start();
  SyncProgress p = sync->progress(now);
  EXPECT_FALSE(p.syncing);
  EXPECT_EQ(p.percent, 100.0);
  EXPECT_FALSE(p.eta_seconds.has_value());
  ready(1);
  answer_headers(sync->tick(now));
  p = sync->progress(now);
  EXPECT_TRUE(p.syncing);
  EXPECT_EQ(p.target_height, 100u);
  EXPECT_EQ(p.percent, 0.0);
  EXPECT_EQ(p.blocks_per_second, 0.0);
  EXPECT_FALSE(p.eta_seconds.has_value());
  const std::uint64_t t0 = now;
  // 10 blocks in the first 5 s: 2 blocks/s since the start.
  for (std::uint64_t h = 1; h <= 10; ++h) {
    sync->on_connected(ChainPoint{hash_of(header_at(h)), h, work_of(h)}, t0 + h * 500);
  }
  p = sync->progress(t0 + 5'000);
  EXPECT_EQ(p.height, 10u);
  EXPECT_DOUBLE_EQ(p.percent, 10.0);
  EXPECT_DOUBLE_EQ(p.blocks_per_second, 2.0);
  EXPECT_EQ(p.eta_seconds, 45u);
  // 30 more by t0 + 20 s: the rate is over the last 10 s (blocks 10..40 -> from the
  // sample at or before t0 + 10 s).
  for (std::uint64_t h = 11; h <= 40; ++h) {
    sync->on_connected(ChainPoint{hash_of(header_at(h)), h, work_of(h)}, t0 + 10'000 + (h - 10) * 333);
  }
  p = sync->progress(t0 + 20'000);
  EXPECT_NEAR(p.blocks_per_second, 30.0 / 15.0, 1e-9);  // base: block 10 at t0 + 5 s
  EXPECT_EQ(p.eta_seconds, 30u);
  // Idle: the rate falls to zero once the window passes.
  p = sync->progress(t0 + 60'000);
  EXPECT_EQ(p.blocks_per_second, 0.0);
  EXPECT_FALSE(p.eta_seconds.has_value());
}

}  // namespace
}  // namespace cloudchain::p2p
