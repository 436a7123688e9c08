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
      for (const auto& h : r.hashes)
        ASSERT_TRUE(sync->on_block(r.peer, block_of(header_at(height_of(h))), now).has_value());
    }
  }

  /// Submits what is ready, as the node would, connecting each block at once.
  std::vector<std::uint64_t> submit_ready() {
    std::vector<std::uint64_t> heights;
    for (const ReadyBlock& r : sync->take_ready()) {
      const Block& b = r.block;
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
        ASSERT_TRUE(sync->on_block(r->peer, block_of(header_at(height_of(*h))), now).has_value());
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
  ASSERT_TRUE(sync->on_block(1, block_of(header_at(2)), now).has_value());
  ASSERT_TRUE(sync->on_block(1, block_of(header_at(3)), now).has_value());
  EXPECT_TRUE(sync->take_ready().empty());
  ASSERT_TRUE(sync->on_block(1, block_of(header_at(1)), now).has_value());
  const auto ready_blocks = sync->take_ready();
  ASSERT_EQ(ready_blocks.size(), 3u);
  EXPECT_EQ(ready_blocks[0].block.header.height, 1u);
  EXPECT_EQ(ready_blocks[2].block.header.height, 3u);
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
        ASSERT_TRUE(sync->on_block(r.peer, block_of(header_at(height_of(h))), now).has_value());
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
  for (const auto& h : two.hashes) ASSERT_TRUE(sync->on_block(2, block_of(header_at(height_of(h))), now).has_value());
  t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 1u);
  EXPECT_EQ(t.getdata[0].peer, 2u);
  for (const auto& h : gone.hashes) {
    EXPECT_NE(std::ranges::find(t.getdata[0].hashes, h), t.getdata[0].hashes.end()) << height_of(h);
  }
  // A late block from the departed peer is unrequested (it is unknown now).
  const auto late = sync->on_block(1, block_of(header_at(height_of(gone.hashes[0]))), now);
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
  for (const auto& h : fast.hashes) ASSERT_TRUE(sync->on_block(2, block_of(header_at(height_of(h))), now).has_value());

  t = sync->tick(t0 + 4'999);
  EXPECT_TRUE(t.stalled.empty());
  EXPECT_TRUE(t.getdata.empty());
  t = sync->tick(t0 + 5'000);
  EXPECT_EQ(t.stalled, (std::vector<PeerId>{1}));
  ASSERT_EQ(t.getdata.size(), 1u);
  EXPECT_EQ(t.getdata[0].peer, 2u);
  EXPECT_EQ(t.getdata[0].hashes, slow.hashes);
  // The slow peer's late answer is accepted (it was asked) and dropped once delivered.
  EXPECT_TRUE(sync->on_block(1, block_of(header_at(height_of(slow.hashes[0]))), now).has_value());
  for (const auto& h : slow.hashes) EXPECT_TRUE(sync->on_block(2, block_of(header_at(height_of(h))), now).has_value());
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
  for (const auto& h : two.hashes) ASSERT_TRUE(sync->on_block(2, block_of(header_at(height_of(h))), now).has_value());
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
  const auto r = sync->on_block(1, block_of(header_at(50)), now);  // never asked for
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, P2pError::kUnrequestedData);
  EXPECT_EQ(sync->on_block(9, block_of(header_at(1)), now).error().code, P2pError::kUnrequestedData);  // unknown peer
  const Tick t = sync->tick(now);
  const Hash256 asked = t.getdata.at(0).hashes.at(0);
  EXPECT_TRUE(sync->on_block(1, block_of(header_at(height_of(asked))), now).has_value());
  EXPECT_EQ(sync->on_block(1, block_of(header_at(height_of(asked))), now).error().code,
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
  r = sync->on_headers(1, {chain[0], chain[2]}, work_of(2));  // gap inside the batch: no race explains it
  EXPECT_EQ(r.error().code, P2pError::kInvalidHeaders);
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
  ready(1, 0);  // claims genesis, which we know: not asked
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
  for (const auto& h : branch) ASSERT_TRUE(sync->on_block(1, block_of(h), now).has_value());
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
  const Tick t = sync->tick(now + 1'000);
  EXPECT_EQ(t.stalled_headers, (std::vector<PeerId>{1}));
  EXPECT_TRUE(t.stalled.empty());
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

// ---- review fixes ------------------------------------------------------------------

// Blocks in flight, by peer; `t` the tick that asked for them.
std::map<PeerId, std::vector<Hash256>> asked_by_peer(const Tick& t) {
  std::map<PeerId, std::vector<Hash256>> out;
  for (const auto& r : t.getdata) out[r.peer] = r.hashes;
  return out;
}

PeerId asked_of(const Tick& t, const Hash256& hash) {
  for (const auto& r : t.getdata) {
    if (std::ranges::find(r.hashes, hash) != r.hashes.end()) return r.peer;
  }
  return 0;
}

TEST_F(SyncTest, ABodyThatFailedIsFetchedFromAnotherPeerAndItsHeaderStaysValid) {
  start();
  ready(1);
  ready(2);
  answer_headers(sync->tick(now));
  const Tick t = sync->tick(now);
  deliver(t);
  const auto handed = sync->take_ready();
  ASSERT_EQ(handed.size(), 32u);
  const Hash256 h3 = hash_of(header_at(3));
  const PeerId liar = asked_of(t, h3);
  const PeerId other = liar == 1 ? 2 : 1;
  EXPECT_EQ(handed[2].source, liar);
  // The node stored 1 and 2, block 3's body failed on its own, 4.. had no parent.
  sync->on_stored(hash_of(header_at(1)));
  sync->on_stored(hash_of(header_at(2)));
  sync->on_not_stored(h3, now, liar);
  for (std::uint64_t h = 4; h <= 32; ++h) sync->on_not_stored(hash_of(header_at(h)), now, std::nullopt);
  const Tick again = sync->tick(now);
  EXPECT_EQ(asked_of(again, h3), other);  // never from the peer whose copy was bad
  // Its header is not invalid: the branch above it stays.
  EXPECT_EQ(sync->best_header().height, 100u);
  EXPECT_EQ(sync->header_count(), 100u);
  // Whereas a hash the node found invalid goes with everything above it.
  sync->on_rejected(h3);
  EXPECT_EQ(sync->best_header().height, 2u);
}

TEST_F(SyncTest, BlocksTheNodeDidNotStoreAreFetchedAgainInOrder) {
  SyncLimits limits;
  limits.retry_delay_ms = 1'000;
  start(limits);
  chain.resize(10);
  ready(1, 10);
  answer_headers(sync->tick(now), 10);
  Tick t = sync->tick(now);
  deliver(t);
  ASSERT_EQ(sync->take_ready().size(), 10u);
  // Block 5 failed locally (disk, clock); 6..10 then had no parent.
  for (std::uint64_t h = 1; h <= 4; ++h) {
    sync->on_stored(hash_of(header_at(h)));
    sync->on_connected(ChainPoint{hash_of(header_at(h)), h, work_of(h)}, now);
  }
  for (std::uint64_t h = 5; h <= 10; ++h) sync->on_not_stored(hash_of(header_at(h)), now, std::nullopt);
  t = sync->tick(now);  // the first retry is at once
  ASSERT_EQ(t.getdata.size(), 1u);
  EXPECT_EQ(t.getdata[0].hashes.size(), 6u);
  deliver(t);
  const auto handed = sync->take_ready();
  ASSERT_EQ(handed.size(), 6u);
  for (std::size_t i = 0; i < handed.size(); ++i) EXPECT_EQ(handed[i].block.header.height, 5 + i);
  // Failing again: the next try waits retry_delay_ms.
  sync->on_not_stored(hash_of(header_at(5)), now, std::nullopt);
  EXPECT_TRUE(sync->tick(now + 999).getdata.empty());
  EXPECT_EQ(sync->tick(now + 1'000).getdata.size(), 1u);
}

TEST_F(SyncTest, BlocksStoredOnASideBranchMoveTheWindow) {
  // Our chain: 20 blocks of another branch (work 20). The peers' branch from genesis is
  // 30 long: it overtakes only at its block 21, far beyond a window of 8.
  SyncLimits limits;
  limits.window = 8;
  start(limits);
  const auto ours = make_chain(kGenesisPoint.hash, 0, 20, 7);
  sync->on_connected(ChainPoint{hash_of(ours.back()), 20, work_of(20)}, now);
  chain.resize(30);
  ready(1, 30);
  answer_headers(sync->tick(now), 30);
  ASSERT_EQ(sync->best_header().height, 30u);
  for (int round = 0; round < 10 && sync->tip().height < 30; ++round) {
    const Tick t = sync->tick(now);
    ASSERT_FALSE(t.getdata.empty()) << "stuck at round " << round;
    deliver(t);
    for (const ReadyBlock& r : sync->take_ready()) {
      const std::uint64_t h = r.block.header.height;
      if (h <= 20) {
        sync->on_stored(hash_of(r.block.header));  // a side branch: stored, not connected
      } else {
        sync->on_connected(ChainPoint{hash_of(r.block.header), h, work_of(h)}, now);
      }
    }
  }
  EXPECT_EQ(sync->tip().height, 30u);
  EXPECT_FALSE(sync->progress(now).syncing);
}

TEST_F(SyncTest, AHeadersReplyThatCrossesItsBlockConnectingIsNotLowWork) {
  // A block is announced by a peer, then arrives from elsewhere and connects before the
  // peer's headers answer: its header is known (connected), not low-work spam.
  chain = make_chain(kGenesisPoint.hash, 0, 150);
  start();
  ready(1, 0);
  for (std::uint64_t h = 1; h <= 150; ++h) {
    sync->on_block_announced(1, hash_of(header_at(h)));
    ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1})) << h;
    sync->on_connected(ChainPoint{hash_of(header_at(h)), h, work_of(h)}, now);
    const auto r = sync->on_headers(1, {header_at(h)}, work_of(1));
    ASSERT_TRUE(r.has_value()) << "at height " << h << ": " << r.error().detail;
  }
}

TEST_F(SyncTest, UsefulHeadersResetTheLowWorkCount) {
  start();
  sync->on_connected(ChainPoint{hash_of(chain[49]), 50, work_of(50)}, now);
  ready(1, 10);
  const auto low_work = [&](std::uint8_t branch) {
    const auto fork = make_chain(kGenesisPoint.hash, 0, 10, branch);
    sync->on_block_announced(1, hash_of(fork.back()));
    EXPECT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
    return sync->on_headers(1, fork, work_of(10));
  };
  for (std::uint8_t b = 1; b <= 10; ++b) ASSERT_TRUE(low_work(b).has_value());  // 100 headers: the grace
  // Then headers that beat our tip...
  sync->on_block_announced(1, hash_of(chain[59]));
  ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
  const std::vector<BlockHeader> better(chain.begin() + 50, chain.begin() + 60);
  ASSERT_TRUE(sync->on_headers(1, better, work_of(10)).has_value());
  // ... and the count starts again.
  EXPECT_TRUE(low_work(11).has_value());
}

TEST_F(SyncTest, FullBatchesThatStayBehindArePunished) {
  SyncLimits limits;
  limits.headers_per_batch = 10;
  start(limits);
  sync->on_connected(ChainPoint{hash_of(chain[49]), 50, work_of(50)}, now);
  ready(1, 10);
  // A branch from genesis whose every batch is full and behind our tip (work 50):
  // allowed for 50 (the fork's depth) + 10 (a batch) headers, punished after.
  const auto spam = make_chain(kGenesisPoint.hash, 0, 100, 5);
  sync->on_block_announced(1, hash_of(spam.back()));
  int punished_at = 0;
  for (int batch = 0; batch < 10 && punished_at == 0; ++batch) {
    ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1})) << batch;
    const std::vector<BlockHeader> part(spam.begin() + batch * 10, spam.begin() + batch * 10 + 10);
    // Work 1/2 per header: 50 headers of it are only work 25 (still behind at 100).
    if (const auto r = sync->on_headers(1, part, Uint256(5)); !r) {
      EXPECT_EQ(r.error().code, P2pError::kLowWorkHeaders);
      punished_at = batch + 1;
    }
  }
  EXPECT_EQ(punished_at, 7);  // 70 > 60
}

TEST_F(SyncTest, AFullBatchBehindUsOnABranchThatOvertakesIsFine) {
  // Our tip: 50 blocks. The peer's branch leaves ours at 40 and overtakes after 11.
  SyncLimits limits;
  limits.headers_per_batch = 10;
  start(limits);
  const auto ours = make_chain(hash_of(chain[39]), 40, 10, 3);
  for (std::uint64_t h = 1; h <= 40; ++h) sync->on_connected(ChainPoint{hash_of(header_at(h)), h, work_of(h)}, now);
  sync->on_connected(ChainPoint{hash_of(ours.back()), 50, work_of(50)}, now);
  ready(1, 100);
  for (int batch = 0; batch < 3; ++batch) {
    ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1})) << batch;
    const std::vector<BlockHeader> part(chain.begin() + 40 + batch * 10, chain.begin() + 50 + batch * 10);
    ASSERT_TRUE(sync->on_headers(1, part, work_of(10)).has_value()) << batch;
  }
  EXPECT_EQ(sync->best_header().height, 70u);
}

TEST_F(SyncTest, PrecheckRefusesUnrequestedAndUnlinkedHeadersBeforeTheirProofOfWork) {
  start();
  ready(1);
  EXPECT_EQ(sync->precheck_headers(2, {chain[0]}).error().code, P2pError::kUnrequestedData);  // unknown peer
  ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
  EXPECT_TRUE(sync->precheck_headers(1, {chain[0], chain[1]}).has_value());
  EXPECT_TRUE(sync->precheck_headers(1, {}).has_value());
  EXPECT_EQ(sync->precheck_headers(1, {chain[0], chain[2]}).error().code, P2pError::kInvalidHeaders);
  // That answered the request: the next reply is unrequested.
  EXPECT_EQ(sync->precheck_headers(1, {chain[0]}).error().code, P2pError::kUnrequestedData);
  sync->on_block_announced(1, hash_of(header_at(100)));
  ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
  EXPECT_EQ(sync->precheck_headers(1, {chain[4]}).error().code, P2pError::kHeadersNotConnecting);
  EXPECT_EQ(sync->header_count(), 0u);
}

TEST_F(SyncTest, HeldBlocksAreBoundedInBytes) {
  SyncLimits limits;
  limits.max_held_bytes = 3 * primitives::encoded_size(block_of(header_at(1)));
  limits.block_timeout_ms = 1'000;
  start(limits);
  ready(1);
  ready(2);
  answer_headers(sync->tick(now));
  Tick t = sync->tick(now);
  // Everything but block 1 arrives: three blocks fill the budget.
  const Hash256 first = hash_of(header_at(1));
  const PeerId slow = asked_of(t, first);
  for (const auto& [peer, hashes] : asked_by_peer(t)) {
    for (const auto& h : hashes) {
      if (h == first) continue;
      ASSERT_TRUE(sync->on_block(peer, block_of(header_at(height_of(h))), now).has_value());
    }
  }
  EXPECT_GE(sync->held_bytes(), limits.max_held_bytes);
  EXPECT_TRUE(sync->tick(now).getdata.empty());  // no more while block 1 is late
  // Block 1 times out: it alone is asked of the other peer.
  t = sync->tick(now + 1'000);
  ASSERT_EQ(t.getdata.size(), 1u);
  EXPECT_NE(t.getdata[0].peer, slow);
  EXPECT_EQ(t.getdata[0].hashes, (std::vector<Hash256>{first}));
  ASSERT_TRUE(sync->on_block(t.getdata[0].peer, block_of(header_at(1)), now + 1'000).has_value());
  EXPECT_FALSE(sync->take_ready().empty());
  EXPECT_EQ(sync->held_bytes(), 0u);
  EXPECT_FALSE(sync->tick(now + 1'000).getdata.empty());  // room again
}

TEST_F(SyncTest, TheCopyKeptIsTheOneWhoseSenderIsBlamed) {
  SyncLimits limits;
  limits.block_timeout_ms = 1'000;
  start(limits);
  chain.resize(1);
  ready(1, 1);
  answer_headers(sync->tick(now), 1);
  ASSERT_EQ(sync->tick(now).getdata.at(0).peer, 1u);
  ready(2, 1);
  const Tick t = sync->tick(now + 1'000);  // peer 1 timed out; peer 2 is asked
  ASSERT_EQ(t.getdata.at(0).peer, 2u);
  // Peer 1's late copy arrives first and is kept; peer 2's is dropped.
  EXPECT_EQ(sync->on_block(1, block_of(chain[0]), now + 1'001), true);
  EXPECT_EQ(sync->on_block(2, block_of(chain[0]), now + 1'002), false);
  const auto handed = sync->take_ready();
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_EQ(handed[0].source, 1u);
}

TEST_F(SyncTest, APeerThatKeepsDeliveringKeepsItsRequests) {
  SyncLimits limits;
  limits.block_timeout_ms = 30'000;
  start(limits);
  ready(1);
  answer_headers(sync->tick(now));
  Tick t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 1u);
  std::vector<Hash256> pending = t.getdata[0].hashes;
  ASSERT_EQ(pending.size(), 16u);
  // One block every 20 s: slow, but never 30 s without a delivery.
  std::uint64_t at = now;
  for (int i = 0; i < 5; ++i) {
    at += 20'000;
    const Tick mid = sync->tick(at);
    EXPECT_TRUE(mid.stalled.empty()) << i;
    ASSERT_TRUE(sync->on_block(1, block_of(header_at(height_of(pending.front()))), at).has_value());
    pending.erase(pending.begin());
  }
  // Silent for 30 s: then it stalls.
  EXPECT_EQ(sync->tick(at + 30'000).stalled, (std::vector<PeerId>{1}));
}

TEST_F(SyncTest, APeerThatDeliveredIsPreferred) {
  start();
  chain.resize(40);
  ready(1, 40);
  answer_headers(sync->tick(now), 40);
  Tick t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 1u);
  deliver(t);    // peer 1 delivered 16
  ready(2, 40);  // a new peer that claims the chain and has delivered nothing
  t = sync->tick(now);
  ASSERT_EQ(t.getdata.size(), 2u);
  const auto by_peer = asked_by_peer(t);
  EXPECT_EQ(by_peer.at(1).size(), 16u);  // the proven peer is filled first
  EXPECT_EQ(by_peer.at(2).size(), 8u);   // the newcomer gets the rest
  EXPECT_EQ(height_of(by_peer.at(1).front()), 17u);
}

TEST_F(SyncTest, APeerAtOurHeightOnAnUnknownTipIsAskedAndMayBeHeavier) {
  // Two sides of a healed partition, both at height 10: the peer's branch has more work.
  start();
  sync->on_connected(ChainPoint{hash_of(chain[9]), 10, work_of(10)}, now);
  const auto theirs = make_chain(kGenesisPoint.hash, 0, 10, 4);
  sync->peer_ready(1, 10, hash_of(theirs.back()));
  ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
  ASSERT_TRUE(sync->on_headers(1, theirs, Uint256(20)).has_value());
  EXPECT_EQ(sync->best_header().hash, hash_of(theirs.back()));
  EXPECT_EQ(sync->tick(now).getdata.size(), 1u);
  // A peer on our own tip is not asked.
  sync->peer_ready(2, 10, hash_of(chain[9]));
  EXPECT_TRUE(sync->tick(now).getheaders.empty());
}

TEST_F(SyncTest, TheBlockTheHandOffWaitsForIsAlsoAskedOfASecondPeer) {
  SyncLimits limits;
  limits.second_ask_ms = 5'000;
  start(limits);
  ready(1);
  ready(2);
  answer_headers(sync->tick(now));
  const Tick t = sync->tick(now);
  const Hash256 first = hash_of(header_at(1));
  const PeerId slow = asked_of(t, first);
  const PeerId other = slow == 1 ? 2 : 1;
  // Everything but block 1 arrives: the hand-off waits for it.
  for (const auto& [peer, hashes] : asked_by_peer(t)) {
    for (const auto& h : hashes) {
      if (h == first) continue;
      ASSERT_TRUE(sync->on_block(peer, block_of(header_at(height_of(h))), now).has_value());
    }
  }
  EXPECT_EQ(asked_of(sync->tick(now + 4'999), first), 0u);  // not yet
  const Tick later = sync->tick(now + 5'000);
  EXPECT_EQ(asked_of(later, first), other);
  EXPECT_EQ(sync->on_block(other, block_of(header_at(1)), now + 5'001), true);
  EXPECT_EQ(sync->take_ready().size(), 32u);
  EXPECT_EQ(sync->on_block(slow, block_of(header_at(1)), now + 5'002), false);  // the duplicate
}

TEST_F(SyncTest, TheOldestRejectedHashIsForgottenFirst) {
  start();
  // A header whose hash does not start with a zero byte; 1000 later rejections that all
  // sort below it.
  std::size_t pick = 0;
  while (hash_of(chain[pick])[0] == 0) ++pick;
  const Hash256 first = hash_of(chain[pick]);
  sync->on_rejected(first);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    Hash256 h{};
    h[28] = static_cast<std::uint8_t>(i >> 24);
    h[29] = static_cast<std::uint8_t>(i >> 16);
    h[30] = static_cast<std::uint8_t>(i >> 8);
    h[31] = static_cast<std::uint8_t>(i);
    sync->on_rejected(h);
  }
  // `first` was the oldest: forgotten, so headers building on it are not refused.
  ready(1);
  ASSERT_EQ(sync->tick(now).getheaders, (std::vector<PeerId>{1}));
  const std::vector<BlockHeader> upto(chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(pick) + 2);
  EXPECT_TRUE(sync->on_headers(1, upto, work_of(upto.size())).has_value());
}

}  // namespace
}  // namespace cloudchain::p2p
