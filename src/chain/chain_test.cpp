// Genesis, open, connecting a chain, restart, templates, reindex, the published tip.

#include "chain/chain.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "chain/connect.hpp"
#include "chain/test_util.hpp"
#include "crypto/sha256.hpp"
#include "state/overlay.hpp"
#include "state/tree.hpp"

namespace cloudchain::chain {
namespace {

using test::address;
using test::Harness;
using test::transfer;

// --- Genesis and parameters -----------------------------------------------------------

TEST(Genesis, IsDeterministicAndHoldsTheAllocations) {
  const auto spec = test::genesis_spec();
  const auto a = make_genesis(spec);
  const auto b = make_genesis(spec);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->hash, b->hash);
  EXPECT_EQ(a->hash, primitives::block_hash(a->block.header));
  const auto& h = a->block.header;
  EXPECT_EQ(h.height, 0u);
  EXPECT_EQ(h.parent, Hash256{});
  EXPECT_EQ(h.timestamp_ms, test::kGenesisTime);
  EXPECT_EQ(h.beneficiary, crypto::Address{});
  EXPECT_EQ(h.tx_root, crypto::sha256(util::ByteSpan{}));  // RFC 6962 root of no leaves
  EXPECT_EQ(std::get<primitives::PowSeal>(h.seal), (primitives::PowSeal{test::kEasyBits, 0}));
  // The state root commits to exactly these balances, readable from the returned nodes.
  state::MemoryNodeStore nodes;
  nodes.put_all(a->state_nodes);
  state::StateOverlay overlay(nodes, h.state_root);
  EXPECT_EQ(overlay.account(address(1))->balance, test::kFunds);
  EXPECT_EQ(overlay.account(address(99))->balance, 0u);
  // Another allocation, another genesis.
  auto other = spec;
  other.allocations[0].balance += 1;
  EXPECT_NE(make_genesis(other)->hash, a->hash);
}

TEST(Genesis, BadSpecsAreRejected) {
  auto expect_bad = [](const GenesisSpec& spec, const char* why) {
    const auto g = make_genesis(spec);
    ASSERT_FALSE(g) << why;
    EXPECT_EQ(g.error().code, ChainError::kBadParams) << why;
  };
  auto spec = test::genesis_spec();
  spec.chain_id = 0;
  expect_bad(spec, "chain id 0");
  spec = test::genesis_spec();
  spec.allocations[2].balance = 0;
  expect_bad(spec, "zero balance");
  spec = test::genesis_spec();
  spec.allocations.push_back(spec.allocations[0]);
  spec.allocations.back().balance = 5;
  expect_bad(spec, "address twice");
  spec = test::genesis_spec();
  spec.allocations.push_back({address(50), UINT64_MAX - spec.allocations.size() * test::kFunds + 1});
  expect_bad(spec, "sum above 2^64 - 1");
  spec.allocations.back().balance -= 1;  // exactly 2^64 - 1 in total is fine
  EXPECT_TRUE(make_genesis(spec));
}

TEST(ChainParams, InconsistentParamsAreRejected) {
  const ChainParams good = test::chain_params(test::genesis_spec());
  EXPECT_TRUE(check_params(good));
  auto expect_bad = [](const ChainParams& p, const char* why) {
    const auto r = check_params(p);
    ASSERT_FALSE(r) << why;
    EXPECT_EQ(r.error().code, ChainError::kBadParams) << why;
  };
  ChainParams p = good;
  p.rules.chain_id = 8;
  expect_bad(p, "rules chain id");
  p = good;
  p.chain_id = 8;
  p.rules.chain_id = 8;
  expect_bad(p, "genesis chain id");
  p = good;
  p.genesis.hash[0] ^= 1;
  expect_bad(p, "genesis hash");
  p = good;
  p.max_block_txs = 0;
  expect_bad(p, "zero max txs");
  p = good;
  p.max_block_txs = primitives::kMaxBlockTxs + 1;
  expect_bad(p, "max txs above the protocol");
  p = good;
  p.max_block_bytes = primitives::kMaxBlockSize + 1;
  expect_bad(p, "max bytes above the protocol");
  p = good;
  p.genesis.block.txs.push_back(test::transfer(1, 0, address(2), 1));
  expect_bad(p, "genesis with transactions");
}

// --- Open -------------------------------------------------------------------------------

TEST(ChainOpen, EmptyDatabaseGetsGenesis) {
  Harness h;
  const auto tip = h->tip();
  EXPECT_EQ(tip->height, 0u);
  EXPECT_EQ(tip->hash, h.params.genesis.hash);
  EXPECT_EQ(tip->cumulative_work, Uint256(2));  // genesis bits 0x207fffff: work 2
  EXPECT_EQ(*h.db->chain_id(), test::kChainId);
  EXPECT_EQ(*h.db->genesis_hash(), h.params.genesis.hash);
  EXPECT_EQ(*h.db->hash_at(0), h.params.genesis.hash);
  EXPECT_EQ((*h.db->tip())->hash, h.params.genesis.hash);
  const auto entry = *h.db->block_index(h.params.genesis.hash);
  ASSERT_TRUE(entry);
  EXPECT_TRUE(entry->has(storage::kStatusValid));
  EXPECT_EQ(h.account(address(3)).balance, test::kFunds);
  EXPECT_EQ(h->index_size(), 1u);
}

TEST(ChainOpen, OtherChainIdOrGenesisIsRefused) {
  Harness h;
  h.chain.reset();
  // Same database, another chain id.
  auto spec = test::genesis_spec();
  spec.chain_id = 8;
  ChainParams other = test::chain_params(spec);
  auto c = Chain::open(*h.db, other, h.engine);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ChainError::kChainIdMismatch);
  // Same chain id, another allocation: another genesis.
  spec = test::genesis_spec();
  spec.allocations[0].balance = 1;
  c = Chain::open(*h.db, test::chain_params(spec), h.engine);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ChainError::kGenesisMismatch);
  // Inconsistent params are refused before the database is looked at.
  ChainParams bad = h.params;
  bad.rules.chain_id = 9;
  c = Chain::open(*h.db, bad, h.engine);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ChainError::kBadParams);
  // The right ones still open.
  EXPECT_TRUE(Chain::open(*h.db, h.params, h.engine));
}

TEST(ChainOpen, PartialMetadataIsCorrupt) {
  test::TempDir dir;
  auto db = storage::Database::open(dir.path() / "db");
  ASSERT_TRUE(db);
  auto batch = (*db)->batch();
  batch.put_chain_id(test::kChainId);  // a chain id but no genesis or tip
  ASSERT_TRUE((*db)->write(std::move(batch)));
  Harness h;  // only for params and engine
  const auto c = Chain::open(**db, h.params, h.engine);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ChainError::kCorrupt);
}

// --- Connecting blocks ---------------------------------------------------------------------

TEST(ChainConnect, ChainOfTransfersUpdatesStateAndIndexes) {
  Harness h;
  const auto bob = address(20);
  const auto carol = address(21);
  const auto miner = address(100);
  Hash256 parent = h.params.genesis.hash;
  std::vector<primitives::Block> blocks;
  for (std::uint64_t i = 0; i < 5; ++i) {
    std::vector<primitives::Transaction> txs = {transfer(1, i, bob, 1000, 10), transfer(2, i, carol, 500, 20)};
    primitives::Block b = h.maker.make(parent, txs);
    auto r = h.submit(b);
    ASSERT_TRUE(r) << to_string(r.error().code) << ": " << r.error().detail;
    EXPECT_EQ(r->status, SubmitStatus::kConnected);
    ASSERT_EQ(r->connected.size(), 1u);
    EXPECT_EQ(r->connected[0], b);
    EXPECT_TRUE(r->disconnected_txs.empty());
    parent = primitives::block_hash(b.header);
    EXPECT_EQ(r->tip->hash, parent);
    EXPECT_EQ(r->tip->height, i + 1);
    blocks.push_back(b);
  }
  EXPECT_EQ(h->tip()->cumulative_work, Uint256(12));  // 6 blocks of work 2
  EXPECT_EQ(h->final_height(), 0u);                   // PoW: nothing is final
  EXPECT_EQ(h.account(bob).balance, 5000u);
  EXPECT_EQ(h.account(carol).balance, 2500u);
  EXPECT_EQ(h.account(address(1)).balance, test::kFunds - 5 * 1010);
  EXPECT_EQ(h.account(address(1)).nonce, 5u);
  EXPECT_EQ(h.account(address(2)).balance, test::kFunds - 5 * 520);
  EXPECT_EQ(h.account(miner).balance, 5 * (test::kReward + 30));
  // Indexes: heights, tx locations, account history, undo records.
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Hash256 hash = primitives::block_hash(blocks[i].header);
    EXPECT_EQ(*h.db->hash_at(i + 1), hash);
    EXPECT_EQ(h->active_hash_at(i + 1), hash);
    const auto loc = *h.db->tx_location(primitives::txid(blocks[i].txs[1]));
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->block_hash, hash);
    EXPECT_EQ(loc->position, 1u);
    const auto undo = *h.db->undo(hash);
    ASSERT_TRUE(undo);
    const auto record = decode_undo(*undo);
    ASSERT_TRUE(record);
    EXPECT_EQ(record->reward, test::kReward);
    EXPECT_EQ(record->fees, 30u);
    EXPECT_EQ(record->parent_state_root, h.maker.header(blocks[i].header.parent).state_root);
    const auto view = h->lookup(hash);
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->active);
    EXPECT_EQ(view->status, storage::kStatusHaveBody | storage::kStatusValid);
  }
  EXPECT_FALSE(*h.db->hash_at(6));
  const auto page = h.db->account_txs(bob, std::nullopt, 100);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->txs.size(), 5u);
}

TEST(ChainConnect, RestartKeepsTipAndState) {
  Harness h;
  Hash256 tip = h.params.genesis.hash;
  for (std::uint64_t i = 0; i < 3; ++i) {
    tip = primitives::block_hash(h.extend(tip, {transfer(1, i, address(30), 77)}).header);
  }
  const auto before = *h->tip();
  h.reopen();
  const auto after = *h->tip();
  EXPECT_EQ(after.hash, before.hash);
  EXPECT_EQ(after.height, 3u);
  EXPECT_EQ(after.cumulative_work, before.cumulative_work);
  EXPECT_EQ(h.account(address(30)).balance, 3 * 77u);
  EXPECT_EQ(h->index_size(), 4u);
  // And the chain goes on from there.
  h.extend(tip, {transfer(1, 3, address(30), 1)});
  EXPECT_EQ(h.account(address(30)).balance, 3 * 77u + 1);
}

TEST(ChainConnect, VerifiedTransactionsSkipTheSignatureCheck) {
  Harness h;
  primitives::Block b = h.maker.make(h.params.genesis.hash, {transfer(1, 0, address(20), 5)});
  // A signature that does not verify, for a transaction the caller vouches for: the
  // chain trusts the predicate (it is the mempool's record of a check already done).
  b.txs[0].signature[10] ^= 1;
  b.header.tx_root = primitives::tx_root(b);
  test::mine(b.header);
  const Hash256 bad_txid = primitives::txid(b.txs[0]);
  std::size_t asked = 0;
  auto r = h->submit_block(b, b.header.timestamp_ms, [&](const Hash256& txid) {
    ++asked;
    return txid == bad_txid;
  });
  EXPECT_TRUE(r) << r.error().detail;
  EXPECT_EQ(asked, 1u);
}

// --- Templates ------------------------------------------------------------------------------

TEST(ChainTemplate, MinedTemplateIsAccepted) {
  Harness h;
  const auto tx0 = transfer(1, 0, address(40), 100, 7);
  const auto gap = transfer(2, 5, address(40), 100, 9);  // nonce gap: skipped
  const auto tx1 = transfer(1, 1, address(40), 100, 8);
  const auto poor = transfer(3, 0, address(40), test::kFunds, 1);  // fee + amount > balance: skipped
  std::vector<const primitives::Transaction*> candidates = {&tx0, &gap, &tx1, &poor};
  const std::uint64_t now = test::kGenesisTime + 5000;
  auto t = h->build_block_template(address(41), candidates, now);
  ASSERT_TRUE(t) << t.error().detail;
  ASSERT_EQ(t->block.txs.size(), 2u);
  EXPECT_EQ(t->block.txs[0], tx0);
  EXPECT_EQ(t->block.txs[1], tx1);
  ASSERT_EQ(t->skipped.size(), 2u);
  EXPECT_EQ(t->skipped[0].index, 1u);
  EXPECT_EQ(t->skipped[0].reason.code, state::TxRuleError::kNonceGap);
  EXPECT_EQ(t->skipped[1].index, 3u);
  EXPECT_EQ(t->skipped[1].txid, primitives::txid(poor));
  EXPECT_EQ(t->skipped[1].reason.code, state::TxRuleError::kInsufficientBalance);
  EXPECT_EQ(t->reward, test::kReward);
  EXPECT_EQ(t->fees, 15u);
  const auto& hdr = t->block.header;
  EXPECT_EQ(hdr.height, 1u);
  EXPECT_EQ(hdr.parent, h.params.genesis.hash);
  EXPECT_EQ(hdr.timestamp_ms, now);
  EXPECT_EQ(hdr.beneficiary, address(41));
  EXPECT_EQ(std::get<primitives::PowSeal>(hdr.seal).nonce, 0u);

  primitives::Block block = t->block;
  test::mine(block.header);
  auto r = h->submit_block(block, now);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->status, SubmitStatus::kConnected);
  EXPECT_EQ(h.account(address(41)).balance, test::kReward + 15);
  EXPECT_EQ(h.account(address(40)).balance, 200u);
}

TEST(ChainTemplate, TimestampIsAboveMedianTimePastWhenTheClockLags) {
  Harness h;
  Hash256 tip = h.params.genesis.hash;
  for (int i = 0; i < 3; ++i) tip = primitives::block_hash(h.extend(tip).header);
  // Timestamps so far: G, G+1000, G+2000, G+3000: the median of four is the upper one, G+2000.
  auto t = h->build_block_template(address(41), {}, test::kGenesisTime);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->block.header.timestamp_ms, test::kGenesisTime + 2001);
  test::mine(t->block.header);
  EXPECT_TRUE(h->submit_block(t->block, test::kGenesisTime));
}

TEST(ChainTemplate, StopsAtTheBlockLimits) {
  Harness by_count(test::genesis_spec(), 2);
  std::vector<primitives::Transaction> txs;
  for (std::uint64_t i = 0; i < 4; ++i) txs.push_back(transfer(1, i, address(40), 1));
  std::vector<const primitives::Transaction*> candidates;
  for (const auto& tx : txs) candidates.push_back(&tx);
  auto t = by_count->build_block_template(address(41), candidates, test::kGenesisTime + 1000);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->block.txs.size(), 2u);
  EXPECT_TRUE(t->skipped.empty());

  // Room for the header and exactly one transfer.
  primitives::Block empty;
  empty.header.seal = primitives::PowSeal{};
  const std::size_t one = primitives::encoded_size(empty) + primitives::encoded_size(txs[0]);
  Harness by_size(test::genesis_spec(), primitives::kMaxBlockTxs, one);
  t = by_size->build_block_template(address(41), candidates, test::kGenesisTime + 1000);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->block.txs.size(), 1u);
  EXPECT_EQ(primitives::encoded_size(t->block), one);
  test::mine(t->block.header);
  EXPECT_TRUE(by_size->submit_block(t->block, test::kGenesisTime + 1000));
}

// --- Reindex -------------------------------------------------------------------------------

TEST(ChainReindex, ReachesTheSameRootInPlace) {
  Harness h;
  Hash256 tip = h.params.genesis.hash;
  for (std::uint64_t i = 0; i < 4; ++i) {
    tip = primitives::block_hash(
        h.extend(tip, {transfer(1, i, address(50), 10), transfer(2, i, address(51), 20)}).header);
  }
  const TipInfo before = *h->tip();
  auto r = h->reindex();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, 4u);
  EXPECT_EQ(h->tip()->hash, before.hash);
  EXPECT_EQ(h->tip()->header.state_root, before.header.state_root);
  EXPECT_EQ(h.account(address(51)).balance, 80u);
  h.reopen();
  EXPECT_EQ(h->tip()->hash, before.hash);
}

// A second database holding only genesis and the stored blocks (no state beyond genesis,
// no heights or transaction indexes, no valid flags): reindex rebuilds all of it.
TEST(ChainReindex, RebuildsStateAndIndexesFromStoredBlocks) {
  Harness h;
  std::vector<primitives::Block> blocks;
  Hash256 tip = h.params.genesis.hash;
  for (std::uint64_t i = 0; i < 5; ++i) {
    blocks.push_back(h.extend(tip, {transfer(1, i, address(60), 10), transfer(3, i, address(61), 30)}));
    tip = primitives::block_hash(blocks.back().header);
  }
  const TipInfo expected = *h->tip();

  test::TempDir dir;
  auto db = storage::Database::open(dir.path() / "db");
  ASSERT_TRUE(db);
  {
    auto fresh = Chain::open(**db, h.params, h.engine);
    ASSERT_TRUE(fresh);
  }
  auto batch = (*db)->batch();
  for (const auto& b : blocks) {
    const Hash256 hash = primitives::block_hash(b.header);
    const auto view = h->lookup(hash);
    batch.put_block(hash, b);
    batch.put_block_index(hash, {b.header, view->cumulative_work.to_be(), storage::kStatusHaveBody});
  }
  ASSERT_TRUE((*db)->write(std::move(batch)));
  auto chain = Chain::open(**db, h.params, h.engine);
  ASSERT_TRUE(chain);
  EXPECT_EQ((*chain)->tip()->height, 0u);
  auto r = (*chain)->reindex();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, 5u);
  EXPECT_EQ((*chain)->tip()->hash, expected.hash);
  EXPECT_EQ((*chain)->tip()->header.state_root, expected.header.state_root);
  state::StateOverlay overlay((*db)->state_nodes(), expected.header.state_root);
  EXPECT_EQ(overlay.account(address(61))->balance, 150u);
  EXPECT_EQ(*(*db)->hash_at(3), primitives::block_hash(blocks[2].header));
  EXPECT_TRUE(*(*db)->tx_location(primitives::txid(blocks[4].txs[1])));
  // It reopens on the rebuilt tip.
  chain->reset();
  chain = Chain::open(**db, h.params, h.engine);
  ASSERT_TRUE(chain);
  EXPECT_EQ((*chain)->tip()->hash, expected.hash);
}

// --- The published tip ------------------------------------------------------------------------

TEST(ChainTip, ReadersOnOtherThreadsSeeWholeSnapshots) {
  Harness h;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<bool> consistent{true};
  std::thread reader([&] {
    std::uint64_t last = 0;
    while (!stop.load()) {
      const auto t = h->tip();
      if (t->height < last || t->header.height != t->height || primitives::block_hash(t->header) != t->hash) {
        consistent = false;
      }
      last = t->height;
      ++reads;
    }
  });
  Hash256 tip = h.params.genesis.hash;
  for (int i = 0; i < 20; ++i) tip = primitives::block_hash(h.extend(tip).header);
  stop = true;
  reader.join();
  EXPECT_TRUE(consistent);
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(h->tip()->height, 20u);
}

}  // namespace
}  // namespace cloudchain::chain
