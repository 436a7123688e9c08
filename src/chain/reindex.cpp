// Chain::reindex: rebuild the best chain's state and indexes from the stored blocks.

#include <algorithm>
#include <string>

#include "chain/chain.hpp"
#include "chain/connect.hpp"
#include "chain/index_entry.hpp"
#include "util/hex.hpp"

namespace cloudchain::chain {

util::Result<std::uint64_t, ChainError> Chain::reindex(const ReindexProgress& progress) {
  // The best chain: most work among blocks whose body is stored and which, with all
  // their ancestors, are not known invalid. Visiting by height lets each block inherit
  // its parent's verdict. Among equals the active chain's block wins, then the first
  // by (height, hash): every run picks the same one.
  std::vector<Entry*> by_height;
  by_height.reserve(m_index.size());
  for (auto& [hash, entry] : m_index) by_height.push_back(entry.get());
  std::sort(by_height.begin(), by_height.end(), [](const Entry* a, const Entry* b) {
    return a->height() != b->height() ? a->height() < b->height() : a->hash < b->hash;
  });
  std::unordered_map<const Entry*, bool> usable;
  Entry* best = m_active.front();
  usable[best] = true;
  for (Entry* e : by_height) {
    if (e->parent == nullptr) continue;
    const bool ok = usable[e->parent] && e->has(storage::kStatusHaveBody) && !e->has(storage::kStatusInvalid);
    usable[e] = ok;
    if (ok && (e->work > best->work || (e->work == best->work && is_active(*e) && !is_active(*best)))) best = e;
  }
  std::vector<Entry*> target(best->height() + 1);
  for (Entry* e = best; e != nullptr; e = e->parent) target[e->height()] = e;
  std::uint64_t fork = 0;
  while (fork + 1 < target.size() && fork + 1 < m_active.size() && target[fork + 1] == m_active[fork + 1]) ++fork;

  // First batch: the genesis state (and the state checkpoint moved to it), and the active
  // blocks above the fork taken off (indexes and heights), the tip moved to the fork.
  // Every later batch re-applies one block (its diff, indexes, status) and, above the
  // fork, advances the tip to it; every checkpoint_interval blocks and at the end it also
  // writes a checkpoint. So an interrupted reindex leaves a consistent database (tip and
  // checkpoint on one chain) that open() replays and a new reindex completes.
  Entry& genesis = *m_active.front();
  storage::WriteBatch first = m_db.batch();
  first.put_state_nodes(m_params.genesis.state_nodes);
  first.put_state_checkpoint({genesis.hash, 0, genesis.header.state_root});
  for (std::uint64_t h = m_active.back()->height(); h > fork; --h) {
    auto block = load_block(*m_active[h]);
    if (!block) return util::fail(ChainError::kStorage, block.error().detail);
    first.unindex_block(*block, h, m_active[h]->hash);
    first.erase_height(h);
  }
  first.put_tip({target[fork]->hash, fork});
  if (auto w = m_db.write(std::move(first)); !w) return util::fail(ChainError::kStorage, w.error().detail);
  m_active.resize(fork + 1);
  m_checkpoint = &genesis;
  m_layers.clear();
  m_layer_bytes.clear();
  publish_tip();

  // Reads go to the database, not the node cache, so a node missing from disk is not
  // hidden by a cached copy; the layers hold what this reindex computed since the last
  // checkpoint.
  const std::uint32_t interval = std::max<std::uint32_t>(1, m_options.checkpoint_interval);
  for (std::uint64_t h = 1; h < target.size(); ++h) {
    Entry& e = *target[h];
    auto block = load_block(e);
    if (!block) return util::fail(ChainError::kStorage, block.error().detail);
    const Hash256& parent_root = e.parent->header.state_root;
    const state::LayeredNodeStore store(m_db.state_nodes(), m_layers);
    auto r = connect_block(store, parent_root, *block, m_params.rules, m_engine.block_reward(h));
    if (!r) {
      const std::string where = "reindex of block " + util::to_hex(e.hash) + " at height " + std::to_string(h) + ": ";
      if (r.error().code == BlockError::kStateUnavailable) {
        return util::fail(ChainError::kStateUnavailable, where + r.error().detail);
      }
      return util::fail(ChainError::kCorrupt, where + std::string(to_string(r.error().code)) + ": " + r.error().detail);
    }
    storage::WriteBatch batch = m_db.batch();
    batch.put_undo(e.hash, encode_undo({parent_root, r->reward, r->fees, std::move(r->changes)}));
    // Records of a block already indexed are overwritten with the same bytes.
    batch.index_block(*block, h, e.hash);
    batch.put_height(h, e.hash);
    storage::BlockIndexEntry stored = e.stored();
    stored.status |= storage::kStatusValid;
    batch.put_block_index(e.hash, stored);
    if (h > fork) batch.put_tip({e.hash, h});
    m_layer_bytes.push_back(state::node_memory(r->nodes));
    m_layers.push_back(std::make_shared<const state::NodeMap>(std::move(r->nodes)));
    std::size_t unflushed = 0;
    for (std::size_t b : m_layer_bytes) unflushed += b;
    const bool checkpoint =
        m_layers.size() >= interval || unflushed > m_options.unflushed_bytes || h + 1 == target.size();
    std::vector<std::pair<Hash256, const state::Node*>> written;
    if (checkpoint) written = add_checkpoint(batch, e, state::LayeredNodeStore(m_db.state_nodes(), m_layers));
    if (auto w = m_db.write(std::move(batch)); !w) return util::fail(ChainError::kStorage, w.error().detail);
    e.status |= storage::kStatusValid;
    if (checkpoint) checkpointed(e, written);
    if (h > fork) {
      m_active.push_back(&e);
      publish_tip();
    }
    if (progress) progress(h, target.size() - 1);
  }
  m_leaves.reset(m_active.back()->header.state_root);
  m_state_loaded = true;
  publish_tip();
  return m_active.back()->height();
}

}  // namespace cloudchain::chain
