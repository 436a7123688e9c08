// Chain::submit_block: validation of a new block, storage, fork choice, and the
// connect/disconnect of a tip change; PoS proposals (check_proposal) and finality
// (commit_final, final_height) (docs/chain.md).

#include <algorithm>
#include <optional>
#include <string>

#include "chain/chain.hpp"
#include "chain/connect.hpp"
#include "chain/index_entry.hpp"
#include "util/hex.hpp"
#include "util/thread_cpu.hpp"

namespace cloudchain::chain {

namespace {

BlockError from_body_check(primitives::BlockCheckError e) {
  using E = primitives::BlockCheckError;
  switch (e) {
    case E::kBlockTooLarge: return BlockError::kBlockTooLarge;
    case E::kTooManyTxs: return BlockError::kTooManyTxs;
    case E::kTooManyCommitSigs: return BlockError::kTooManyCommitSigs;
    case E::kMissingLastCommit: return BlockError::kMissingLastCommit;
    case E::kUnexpectedLastCommit: return BlockError::kUnexpectedLastCommit;
    case E::kTxRootMismatch: return BlockError::kTxRootMismatch;
    case E::kDuplicateTx: return BlockError::kDuplicateTx;
    case E::kCommitHashMismatch: return BlockError::kCommitHashMismatch;
    case E::kCommitNotSorted: return BlockError::kCommitNotSorted;
  }
  return BlockError::kTxRootMismatch;
}

std::string block_name(const Hash256& hash, std::uint64_t height) {
  return "block " + util::to_hex(hash) + " at height " + std::to_string(height);
}

// Whether a connect failure proves the block invalid (rather than a local problem).
bool is_rule_failure(BlockError e) { return e != BlockError::kStateUnavailable && e != BlockError::kStorage; }

}  // namespace

util::Result<SubmitOutcome, BlockError> Chain::submit_block(const primitives::Block& block, std::uint64_t now_ms,
                                                            const VerifiedFn& is_verified) {
  const Hash256 hash = primitives::block_hash(block.header);
  auto existing = check_known(hash, block.header.height, false);
  if (!existing) return std::unexpected(existing.error());
  auto checked = check_and_index(block, hash, *existing, now_ms, is_verified);
  if (!checked) return std::unexpected(checked.error());
  Entry& entry = **checked;
  const bool is_new = *existing == nullptr;
  // Fork choice: strictly more work wins; among equals the first seen stays.
  if (entry.work > m_active.back()->work) return activate(entry, block, is_new);
  if (auto sigs = signatures(); !sigs) return reject_signatures(entry, sigs.error());
  return store_side(entry, block, is_new);
}

util::Result<void, BlockError> Chain::check_proposal(const primitives::Block& block, std::uint64_t now_ms,
                                                     const VerifiedFn& is_verified) {
  const primitives::BlockHeader& header = block.header;
  const Hash256 hash = primitives::block_hash(header);
  if (auto known = check_known(hash, header.height, false); !known) return std::unexpected(known.error());
  const Entry& tip = *m_active.back();
  if (header.parent != tip.hash) {
    return util::fail(BlockError::kNotOnTip, "parent " + util::to_hex(header.parent) + " of " +
                                                 block_name(hash, header.height) + " is not the tip " +
                                                 util::to_hex(tip.hash));
  }
  std::vector<Hash256> txids;
  auto work = check_block(block, tip, now_ms, is_verified, &txids);
  if (!work) return std::unexpected(work.error());
  // A dry run on the tip's state: the new nodes are dropped; the leaf cache only
  // remembers values it read under the tip's root, which stay exact.
  auto connected = connect_block(tip_store(), tip.header.state_root, block, m_params.rules,
                                 m_engine.block_reward(header.height), &m_leaves);
  // Collected on every path (the pool must be idle before the next job); a bad
  // signature is reported first, as activate() does. Nothing is marked invalid: the
  // proposal is refused, not remembered.
  if (auto sigs = signatures(); !sigs) return std::unexpected(sigs.error());
  if (!connected) return std::unexpected(connected.error());
  m_checked_proposal = CheckedProposal{hash, std::move(*connected), block, *work, std::move(txids)};
  return {};
}

util::Result<SubmitOutcome, BlockError> Chain::commit_final(const primitives::Block& block, std::uint64_t now_ms,
                                                            const VerifiedFn& is_verified) {
  const primitives::BlockHeader& header = block.header;
  const Hash256 hash = primitives::block_hash(header);
  auto existing = check_known(hash, header.height, true);
  if (!existing) return std::unexpected(existing.error());
  if (conflicts_with_final(hash, header.height)) {
    return util::fail(BlockError::kForkBelowFinal, block_name(hash, header.height) + " conflicts with final height " +
                                                       std::to_string(final_height()));
  }
  if (*existing != nullptr && is_active(**existing)) {
    m_final_height = std::max(m_final_height, header.height);
    SubmitOutcome out;
    out.status = SubmitStatus::kUnchanged;
    out.tip = tip();
    return out;
  }
  const Entry& tip_entry = *m_active.back();
  if (header.parent != tip_entry.hash && (tip_entry.parent == nullptr || header.parent != tip_entry.parent->hash)) {
    return util::fail(BlockError::kNotOnTip, "parent " + util::to_hex(header.parent) + " of " +
                                                 block_name(hash, header.height) + " is neither the tip " +
                                                 util::to_hex(tip_entry.hash) + " nor its parent");
  }

  Entry* entry = *existing;
  std::optional<primitives::Block> stored;
  std::vector<Hash256> txids;  // the kept proposal's
  if (entry != nullptr && entry->has(storage::kStatusHaveBody)) {
    // Stored beside the tip, its signatures checked then: connect the stored body (no
    // check is pending, so activate's signatures() passes at once).
    auto body = load_block(*entry);
    if (!body) return std::unexpected(body.error());
    stored = std::move(*body);
  } else if (m_checked_proposal && m_checked_proposal->hash == hash && header.parent == tip_entry.hash) {
    // The proposal check_proposal passed on this tip: every check ran then, on the body
    // kept then, which is what is connected and stored (not the copy given here: its
    // body was never matched to its header). Nothing is checked or hashed again.
    stored = std::move(m_checked_proposal->block);
    txids = std::move(m_checked_proposal->txids);
    const Uint256 work = m_checked_proposal->work;
    auto checked = check_and_index(*stored, hash, entry, now_ms, is_verified, &work);
    if (!checked) return std::unexpected(checked.error());
    entry = *checked;
  } else {
    auto checked = check_and_index(block, hash, entry, now_ms, is_verified);
    if (!checked) return std::unexpected(checked.error());
    entry = *checked;
  }
  // Decided: it becomes the tip even with no more work than a sibling tip.
  auto out = activate(*entry, stored ? *stored : block, *existing == nullptr, txids);
  if (out) m_final_height = std::max(m_final_height, header.height);
  m_checked_proposal.reset();  // a proposal at this height is decided or never will be
  return out;
}

util::Result<ConnectResult, BlockError> Chain::execute(const Entry& entry, const state::NodeStore& store,
                                                       const primitives::Block& block) {
  if (m_checked_proposal && m_checked_proposal->hash == entry.hash) {
    ConnectResult out = std::move(m_checked_proposal->result);
    m_checked_proposal.reset();
    ++m_timings.proposals_reused;
    return out;
  }
  ++m_timings.blocks_executed;
  return connect_block(store, entry.parent->header.state_root, block, m_params.rules,
                       m_engine.block_reward(entry.height()), &m_leaves);
}

std::uint64_t Chain::final_height() const {
  if (!m_engine.needs_validator_sets()) return 0;
  const std::uint64_t tip_height = m_active.back()->height();
  return std::max(m_final_height, tip_height == 0 ? 0 : tip_height - 1);
}

bool Chain::conflicts_with_final(const Hash256& hash, std::uint64_t height) const {
  if (!m_engine.needs_validator_sets() || height > final_height()) return false;
  return height >= m_active.size() || m_active[height]->hash != hash;
}

util::Result<Chain::Entry*, BlockError> Chain::check_known(const Hash256& hash, std::uint64_t height,
                                                           bool stored_ok) const {
  if (!m_state_loaded) {
    return util::fail(BlockError::kStateUnavailable, "the chain was opened for a reindex that has not completed");
  }
  Entry* existing = find(hash);
  if (existing != nullptr) {
    if (existing->has(storage::kStatusInvalid)) {
      return util::fail(BlockError::kKnownInvalid, block_name(hash, height) + " was found invalid before");
    }
    if (!stored_ok && existing->has(storage::kStatusHaveBody)) {
      return util::fail(BlockError::kDuplicate, block_name(hash, height) + " is already stored");
    }
  }
  return existing;
}

util::Result<Chain::Entry*, BlockError> Chain::check_and_index(const primitives::Block& block, const Hash256& hash,
                                                               Entry* existing, std::uint64_t now_ms,
                                                               const VerifiedFn& is_verified,
                                                               const Uint256* checked_work) {
  const primitives::BlockHeader& header = block.header;
  Entry* parent = find(header.parent);
  if (parent == nullptr) {
    return util::fail(BlockError::kUnknownParent, "parent " + util::to_hex(header.parent) + " of " +
                                                      block_name(hash, header.height) + " is unknown");
  }
  if (parent->has(storage::kStatusInvalid)) {
    return util::fail(BlockError::kInvalidAncestor, "parent " + util::to_hex(header.parent) + " is invalid");
  }
  // PoS: a block at a final height that is not the final block there is a fork below
  // finality. Not remembered as invalid: it may pass every rule, it only conflicts.
  if (conflicts_with_final(hash, header.height)) {
    return util::fail(BlockError::kForkBelowFinal, block_name(hash, header.height) + " conflicts with final height " +
                                                       std::to_string(final_height()));
  }

  // A block with the hash of the proposal check_proposal passed (from a peer, say): once
  // check_block_body has matched this body to the header, the same transactions, whose
  // signatures all passed then. None is looked up or checked again.
  const bool proposal_checked = m_checked_proposal && m_checked_proposal->hash == hash;
  const VerifiedFn all_checked = [](const Hash256&) { return true; };
  auto work = checked_work != nullptr
                  ? util::Result<Uint256, BlockError>(*checked_work)
                  : check_block(block, *parent, now_ms, proposal_checked ? all_checked : is_verified);
  if (!work) return std::unexpected(work.error());

  Entry& entry = existing == nullptr ? insert(hash, {header, {}, 0}) : *existing;
  if (existing == nullptr) {
    entry.parent = parent;
    parent->children.push_back(&entry);
  }
  entry.work = *work;
  return &entry;
}

util::Result<SubmitOutcome, BlockError> Chain::reject_signatures(Entry& entry, util::Error<BlockError> error) {
  // A signature failure proves that the block with this hash is invalid: the header
  // passed its own rules and, through tx_root, commits to the bad transaction. (A body
  // that fails check_block_body may be a malleated copy of a valid block,
  // CVE-2012-2459, and a header rule such as kTimeTooNew may pass later, so those
  // failures are not remembered.)
  storage::WriteBatch batch = m_db.batch();
  mark_invalid(entry, batch);
  write_verdict(std::move(batch));
  return std::unexpected(std::move(error));
}

util::Result<Uint256, BlockError> Chain::check_block(const primitives::Block& block, const Entry& parent,
                                                     std::uint64_t now_ms, const VerifiedFn& is_verified,
                                                     std::vector<Hash256>* txids_out) {
  const primitives::BlockHeader& header = block.header;
  // Context-free body: the chain's limits first (they bound every later cost), then the
  // structure (tx root, duplicate txids, commit).
  if (block.txs.size() > m_params.max_block_txs) {
    return util::fail(BlockError::kTooManyTxs, std::to_string(block.txs.size()) + " transactions, limit " +
                                                   std::to_string(m_params.max_block_txs));
  }
  if (const std::size_t size = primitives::encoded_size(block); size > m_params.max_block_bytes) {
    return util::fail(BlockError::kBlockTooLarge,
                      std::to_string(size) + " bytes, limit " + std::to_string(m_params.max_block_bytes));
  }
  auto body = primitives::check_block_body(block);
  if (!body) return util::fail(from_body_check(body.error().code), body.error().detail);
  const std::vector<Hash256>& ids = *body;

  // The header in its context.
  if (header.version != primitives::kHeaderVersion) {
    return util::fail(BlockError::kBadVersion, "version " + std::to_string(header.version));
  }
  if (header.chain_id != m_params.chain_id) {
    return util::fail(BlockError::kWrongChain, "chain id " + std::to_string(header.chain_id) + ", expected " +
                                                   std::to_string(m_params.chain_id));
  }
  if (header.height != parent.height() + 1) {
    return util::fail(BlockError::kBadHeight,
                      "height " + std::to_string(header.height) + ", parent height " + std::to_string(parent.height()));
  }
  auto ctx = header_context(parent, now_ms);
  if (!ctx) return std::unexpected(ctx.error());
  if (auto h = m_engine.check_header(header, *ctx); !h) return std::unexpected(h.error());
  if (auto c = m_engine.check_last_commit(block, *ctx); !c) return std::unexpected(c.error());
  auto work = m_engine.work(header);
  if (!work) return std::unexpected(work.error());
  auto total = Uint256::checked_add(parent.work, *work);
  if (!total) return util::fail(BlockError::kWorkOverflow, "cumulative work reaches 2^256");

  // Signatures last: the most expensive check, started only for a block whose proof of
  // work is known good. They run on the pool while the caller goes on with the state
  // (Chain::signatures() collects the verdict before anything is written).
  std::vector<const primitives::Transaction*> to_check(block.txs.size());
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    if (!is_verified || !is_verified(ids[i])) to_check[i] = &block.txs[i];
  }
  m_verifier->start(std::move(to_check), m_params.chain_id);
  if (txids_out != nullptr) *txids_out = std::move(*body);
  return *total;
}

util::Result<void, BlockError> Chain::signatures() {
  if (auto failure = m_verifier->finish()) {
    return util::fail(BlockError::kTxInvalid, "tx " + std::to_string(failure->index) + ": " +
                                                  std::string(primitives::to_string(failure->error.code)) + ": " +
                                                  failure->error.detail);
  }
  return {};
}

util::Result<SubmitOutcome, BlockError> Chain::store_side(Entry& entry, const primitives::Block& block, bool is_new) {
  const std::uint8_t status = storage::kStatusHaveBody;
  storage::WriteBatch batch = m_db.batch();
  batch.put_block(entry.hash, block);
  batch.put_block_index(entry.hash, {entry.header, entry.work.to_be(), status});
  if (auto w = m_db.write(std::move(batch)); !w) {
    if (is_new) erase_new(entry);
    return util::fail(BlockError::kStorage,
                      "storing " + block_name(entry.hash, entry.height()) + ": " + w.error().detail);
  }
  entry.status = status;
  SubmitOutcome out;
  out.status = SubmitStatus::kSideChain;
  out.tip = tip();
  return out;
}

void Chain::write_verdict(storage::WriteBatch&& batch) {
  // Best effort: the verdict only saves validating the same blocks again, and a write
  // that fails here fails for the next block too, which reports it.
  if (auto w = m_db.write(std::move(batch)); !w) return;
}

void Chain::mark_invalid(Entry& bad, storage::WriteBatch& batch) {
  std::vector<Entry*> stack{&bad};
  while (!stack.empty()) {
    Entry* e = stack.back();
    stack.pop_back();
    e->status = static_cast<std::uint8_t>((e->status & ~storage::kStatusValid) | storage::kStatusInvalid);
    batch.put_block_index(e->hash, e->stored());
    stack.insert(stack.end(), e->children.begin(), e->children.end());
  }
}

util::Result<SubmitOutcome, BlockError> Chain::activate(Entry& candidate, const primitives::Block& submitted,
                                                        bool is_new, std::span<const Hash256> candidate_txids) {
  // The candidate's signatures are being checked on the pool meanwhile (check_block
  // started them); every path below collects them before it writes or returns. A bad
  // signature makes the candidate invalid whatever else happens, unless an ancestor on
  // the branch is invalid already (then that is the reason).

  // The branch: the candidate and its ancestors down to (excluding) the active chain.
  std::vector<Entry*> branch;
  for (Entry* e = &candidate; !is_active(*e); e = e->parent) branch.push_back(e);
  std::reverse(branch.begin(), branch.end());
  const Entry& fork = *branch.front()->parent;

  // A local failure (storage, unreadable state): nothing is written, the block is
  // forgotten unless its signatures already prove it invalid.
  auto fail_local = [&](util::Error<BlockError> error) -> util::Result<SubmitOutcome, BlockError> {
    if (auto sigs = signatures(); !sigs) return reject_signatures(candidate, sigs.error());
    if (is_new) erase_new(candidate);
    return std::unexpected(std::move(error));
  };

  for (const Entry* e : branch) {
    // Without every body the branch cannot be connected yet; it waits as a side chain.
    if (e != &candidate && !e->has(storage::kStatusHaveBody)) {
      if (auto sigs = signatures(); !sigs) return reject_signatures(candidate, sigs.error());
      return store_side(candidate, submitted, is_new);
    }
  }

  storage::WriteBatch batch = m_db.batch();
  SubmitOutcome out;

  // Disconnect, tip first. The index records go before the new branch's (unindex_block
  // erases tx_index entries whatever block they name).
  std::vector<primitives::Block> old_blocks;
  for (std::uint64_t h = m_active.back()->height(); h > fork.height(); --h) {
    const Entry& e = *m_active[h];
    auto block = load_block(e);
    if (!block) return fail_local(block.error());
    batch.unindex_block(*block, h, e.hash);
    batch.erase_height(h);
    old_blocks.push_back(std::move(*block));
  }

  // The state at the fork. At or above the checkpoint it is the active chain's layers up
  // to the fork over the database; below it, it is derived from the checkpoint's tree by
  // undoing the blocks down to the fork with their stored diffs (and this tip change then
  // writes a checkpoint: the old one leaves the active chain).
  std::uint64_t t0 = util::thread_cpu_ns();
  const std::uint64_t checkpoint_height = m_checkpoint->height();
  const bool below_checkpoint = fork.height() < checkpoint_height;
  Layers layers;
  std::vector<std::size_t> layer_bytes;
  if (below_checkpoint) {
    for (std::uint64_t h = checkpoint_height; h > fork.height(); --h) {
      auto s = step(*m_active[h], state::LayeredNodeStore(m_nodes, layers), false);
      if (!s) return fail_local(s.error());
      layer_bytes.push_back(state::node_memory(*s->nodes));
      layers.push_back(std::move(s->nodes));
    }
  } else {
    const auto keep = static_cast<std::ptrdiff_t>(fork.height() - checkpoint_height);
    layers.assign(m_layers.begin(), m_layers.begin() + keep);
    layer_bytes.assign(m_layer_bytes.begin(), m_layer_bytes.begin() + keep);
  }

  // Connect, oldest first, all in memory: each block's new nodes become a layer that the
  // next block reads, and nothing is written unless the whole branch connects. A block
  // connected before is not executed again: its stored diff is replayed (and its root
  // checked against its header).
  std::vector<primitives::Block> new_blocks;
  std::vector<std::optional<UndoRecord>> executed(branch.size());  // new diffs to store
  std::vector<std::vector<StateChange>> replayed(branch.size());

  // The verdict on a branch whose block `bad` (at index i) broke a rule: it and its
  // descendants are invalid; the branch blocks before it passed every rule, so they are
  // stored as valid with their diffs. The active chain stays: it had at least as much
  // work as any of them.
  auto reject = [&](std::size_t i, util::Error<BlockError> error) -> util::Result<SubmitOutcome, BlockError> {
    storage::WriteBatch verdict = m_db.batch();
    for (std::size_t j = 0; j < i; ++j) {
      const std::optional<UndoRecord>& run = executed[j];
      if (!run) continue;
      verdict.put_undo(branch[j]->hash, encode_undo(*run));
      branch[j]->status |= storage::kStatusValid;
      verdict.put_block_index(branch[j]->hash, branch[j]->stored());
    }
    mark_invalid(*branch[i], verdict);
    write_verdict(std::move(verdict));
    return std::unexpected(std::move(error));
  };

  for (std::size_t i = 0; i < branch.size(); ++i) {
    Entry& e = *branch[i];
    util::Result<primitives::Block, BlockError> block =
        &e == &candidate ? util::Result<primitives::Block, BlockError>(submitted) : load_block(e);
    if (!block) return fail_local(block.error());
    const state::LayeredNodeStore store(m_nodes, layers);
    std::optional<Step> redone;
    if (e.has(storage::kStatusValid)) {
      auto s = step(e, store, true);
      // A damaged or missing diff (kStorage) does not stop the reorg: the block passed
      // every rule before, so it is executed again below, which also rewrites its diff.
      if (!s && s.error().code != BlockError::kStorage) return fail_local(s.error());
      if (s) redone = std::move(*s);
    }
    if (redone) {
      layer_bytes.push_back(state::node_memory(*redone->nodes));
      layers.push_back(std::move(redone->nodes));
      replayed[i] = std::move(redone->changes);
    } else {
      const Hash256& parent_root = e.parent->header.state_root;
      auto r = execute(e, store, *block);
      if (!r) {
        util::Error<BlockError> error = r.error();
        if (!is_rule_failure(error.code)) return fail_local(std::move(error));
        if (&e != &candidate) {
          (void)m_verifier->finish();  // the ancestor's failure is the reason
          error.detail = block_name(e.hash, e.height()) + ": " + error.detail;
        } else if (auto sigs = signatures(); !sigs) {
          error = sigs.error();  // signatures come first in the order of checks
        }
        return reject(i, std::move(error));
      }
      layer_bytes.push_back(state::node_memory(r->nodes));
      layers.push_back(std::make_shared<const state::NodeMap>(std::move(r->nodes)));
      executed[i] = UndoRecord{parent_root, r->reward, r->fees, std::move(r->changes)};
    }
    new_blocks.push_back(std::move(*block));
  }
  std::uint64_t t1 = util::thread_cpu_ns();
  ChainTimings timings;
  timings.state_ns = t1 - t0;
  if (auto sigs = signatures(); !sigs) return reject(branch.size() - 1, sigs.error());
  t0 = util::thread_cpu_ns();
  timings.signatures_ns = t0 - t1;
  t1 = t0;

  for (std::size_t i = 0; i < branch.size(); ++i) {
    const Entry& e = *branch[i];
    const primitives::Block& block = new_blocks[i];
    if (&e == &candidate) batch.put_block(e.hash, block);
    if (const std::optional<UndoRecord>& run = executed[i]) batch.put_undo(e.hash, encode_undo(*run));
    batch.index_block(block, e.height(), e.hash, &e == &candidate ? candidate_txids : std::span<const Hash256>{});
    batch.put_height(e.height(), e.hash);
    storage::BlockIndexEntry stored = e.stored();
    stored.status |= storage::kStatusHaveBody | storage::kStatusValid;
    batch.put_block_index(e.hash, stored);
  }
  batch.put_tip({candidate.hash, candidate.height()});
  std::size_t unflushed = 0;
  for (std::size_t b : layer_bytes) unflushed += b;
  const bool checkpoint = below_checkpoint ||
                          layers.size() >= std::max<std::uint32_t>(1, m_options.checkpoint_interval) ||
                          unflushed > m_options.unflushed_bytes;
  t0 = util::thread_cpu_ns();
  timings.batch_ns = t0 - t1;
  std::vector<std::pair<Hash256, const state::Node*>> written;
  if (checkpoint) written = add_checkpoint(batch, candidate, state::LayeredNodeStore(m_nodes, layers));
  t1 = util::thread_cpu_ns();
  timings.checkpoint_ns = t1 - t0;
  if (auto w = m_db.write(std::move(batch)); !w) {
    return fail_local({BlockError::kStorage,
                       "connecting " + block_name(candidate.hash, candidate.height()) + ": " + w.error().detail});
  }

  t0 = util::thread_cpu_ns();
  timings.write_ns = t0 - t1;
  // Committed: bring memory in line.
  if (old_blocks.empty()) {
    for (std::size_t i = 0; i < branch.size(); ++i) {
      const std::optional<UndoRecord>& run = executed[i];
      m_leaves.apply(branch[i]->header.state_root, run.has_value() ? run->changes : replayed[i]);
    }
  } else {
    m_leaves.reset(candidate.header.state_root);
  }
  if (checkpoint) {
    checkpointed(candidate, written);
  } else {
    m_layers = std::move(layers);
    m_layer_bytes = std::move(layer_bytes);
  }
  for (Entry* e : branch) e->status |= storage::kStatusHaveBody | storage::kStatusValid;
  m_active.resize(fork.height() + 1);
  m_active.insert(m_active.end(), branch.begin(), branch.end());
  publish_tip();
  timings.commit_ns = util::thread_cpu_ns() - t0;
  m_timings.tip_changes += 1;
  m_timings.checkpoints += checkpoint ? 1 : 0;
  m_timings.nodes_written += written.size();
  m_timings.state_ns += timings.state_ns;
  m_timings.signatures_ns += timings.signatures_ns;
  m_timings.batch_ns += timings.batch_ns;
  m_timings.checkpoint_ns += timings.checkpoint_ns;
  m_timings.write_ns += timings.write_ns;
  m_timings.commit_ns += timings.commit_ns;

  out.status = old_blocks.empty() ? SubmitStatus::kConnected : SubmitStatus::kReorg;
  out.tip = tip();
  for (auto it = old_blocks.rbegin(); it != old_blocks.rend(); ++it) {
    out.disconnected.push_back(primitives::block_hash(it->header));
    out.disconnected_txs.insert(out.disconnected_txs.end(), std::make_move_iterator(it->txs.begin()),
                                std::make_move_iterator(it->txs.end()));
  }
  out.connected = std::move(new_blocks);
  return out;
}

}  // namespace cloudchain::chain
