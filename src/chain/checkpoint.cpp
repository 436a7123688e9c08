// State checkpoints: the chain writes each block's state diff (its undo record) with the
// block, but the tree nodes of its new state only every few blocks, at a checkpoint
// (docs/chain.md, "State checkpoints"). In between the nodes stay in memory, one
// immutable layer per block above the checkpoint; open() rebuilds those layers from the
// diffs, and a reorg below the checkpoint derives the fork's state with the undo diffs.

#include <algorithm>
#include <string>

#include "chain/chain.hpp"
#include "chain/index_entry.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"
#include "util/hex.hpp"

namespace cloudchain::chain {

namespace {

std::string name_of(const Hash256& hash, std::uint64_t height) {
  return "block " + util::to_hex(hash) + " at height " + std::to_string(height);
}

}  // namespace

std::uint64_t Chain::checkpoint_height() const { return m_checkpoint->height(); }

util::Result<UndoRecord, BlockError> Chain::load_undo(const Entry& entry) const {
  auto stored = m_db.undo(entry.hash);
  if (!stored) {
    return util::fail(BlockError::kStorage, name_of(entry.hash, entry.height()) + ": state diff: " +
                                                std::string(storage::to_string(stored.error().code)) + ": " +
                                                stored.error().detail);
  }
  const std::optional<util::Bytes>& bytes = *stored;
  if (!bytes) return util::fail(BlockError::kStorage, name_of(entry.hash, entry.height()) + " has no state diff");
  auto undo = decode_undo(*bytes);
  if (!undo) {
    return util::fail(BlockError::kStorage, name_of(entry.hash, entry.height()) + ": state diff: " +
                                                std::string(to_string(undo.error().code)) + ": " + undo.error().detail);
  }
  if (undo->parent_state_root != entry.parent->header.state_root) {
    return util::fail(BlockError::kStorage,
                      name_of(entry.hash, entry.height()) + ": the state diff names another parent state");
  }
  return std::move(*undo);
}

util::Result<Chain::Step, BlockError> Chain::step(const Entry& entry, const state::NodeStore& base, bool redo) const {
  auto undo = load_undo(entry);
  if (!undo) return std::unexpected(undo.error());
  const Hash256& before = entry.parent->header.state_root;
  const Hash256& after = entry.header.state_root;
  auto nodes = redo ? apply_updates(base, before, redo_updates(undo->changes), after)
                    : apply_updates(base, after, undo_updates(undo->changes), before);
  if (!nodes) {
    // A missing node is a local problem the caller may report as such; a diff that does
    // not lead to the header's root is a damaged record.
    const BlockError code =
        nodes.error().code == state::StateError::kMissingNode ? BlockError::kStateUnavailable : BlockError::kStorage;
    return util::fail(code, name_of(entry.hash, entry.height()) + (redo ? ": replaying" : ": undoing") +
                                " its state diff: " + std::string(state::to_string(nodes.error().code)) + ": " +
                                nodes.error().detail);
  }
  return Step{std::make_shared<const state::NodeMap>(std::move(*nodes)), std::move(undo->changes)};
}

std::vector<std::pair<Hash256, const state::Node*>> Chain::add_checkpoint(storage::WriteBatch& batch, const Entry& at,
                                                                          const state::LayeredNodeStore& store) const {
  // Walk down from the root through the nodes only the layers hold. A node that no
  // layer holds is in the database already, and so is its whole subtree (every node a
  // checkpointed root reaches was written with it or before), so the walk stops there.
  // Nodes of roots that were replaced meanwhile are never reached, never written.
  std::vector<std::pair<Hash256, const state::Node*>> written;
  std::vector<Hash256> stack{at.header.state_root};
  while (!stack.empty()) {
    const Hash256 hash = stack.back();
    stack.pop_back();
    if (hash == state::kEmptyHash) continue;
    const state::Node* node = store.find_in_layers(hash);
    if (node == nullptr) continue;
    written.emplace_back(hash, node);
    if (const auto* inner = std::get_if<state::InnerNode>(node)) {
      stack.push_back(inner->left);
      stack.push_back(inner->right);
    }
  }
  // In key order: RocksDB's memtable inserts a key next to the one before it cheaply.
  std::sort(written.begin(), written.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [hash, node] : written) batch.put_state_node(hash, *node);
  batch.put_state_checkpoint({at.hash, at.height(), at.header.state_root});
  return written;
}

void Chain::checkpointed(Entry& at, const std::vector<std::pair<Hash256, const state::Node*>>& written) {
  // The next block reads the nodes it replaces from memory, as it did from the layers.
  for (const auto& [hash, node] : written) m_nodes.put_node(hash, *node);
  m_layers.clear();
  m_layer_bytes.clear();
  m_checkpoint = &at;
}

util::Result<void, ChainError> Chain::checkpoint() {
  if (m_layers.empty() || !m_state_loaded) return {};
  if (auto c = checkpoint_at(*m_active.back()); !c) return c;
  publish_tip();
  return {};
}

util::Result<void, ChainError> Chain::checkpoint_at(Entry& at) {
  // REQUIRES: `at` is active and the newest layer is its block's (its root is the
  // layered store's tip).
  const state::LayeredNodeStore store = tip_store();
  storage::WriteBatch batch = m_db.batch();
  const auto written = add_checkpoint(batch, at, store);
  if (auto w = m_db.write(std::move(batch)); !w) {
    return util::fail(ChainError::kStorage,
                      "state checkpoint at " + name_of(at.hash, at.height()) + ": " + w.error().detail);
  }
  checkpointed(at, written);
  return {};
}

bool Chain::layers_over_budget() const {
  std::size_t bytes = 0;
  for (const std::size_t b : m_layer_bytes) bytes += b;
  return m_layers.size() >= std::max<std::uint32_t>(1, m_options.checkpoint_interval) ||
         bytes > m_options.unflushed_bytes;
}

util::Result<void, ChainError> Chain::replay_from_checkpoint() {
  auto stored = m_db.state_checkpoint();
  if (!stored) {
    return util::fail(
        ChainError::kStorage,
        "state checkpoint: " + std::string(storage::to_string(stored.error().code)) + ": " + stored.error().detail);
  }
  const std::optional<storage::StateCheckpoint>& cp = *stored;
  if (!cp) return util::fail(ChainError::kCorrupt, "the database has no state checkpoint");
  Entry* at = find(cp->hash);
  if (at == nullptr || at->height() != cp->height || !is_active(*at) || at->header.state_root != cp->state_root) {
    return util::fail(ChainError::kCorrupt, "the state checkpoint " + name_of(cp->hash, cp->height) +
                                                " is not a block of the active chain with that state root");
  }
  // The checkpoint's tree must be readable from the database alone: reading any key
  // walks from the root node.
  if (auto r = state::tree_get(m_db.state_nodes(), cp->state_root, state::account_key(crypto::Address{})); !r) {
    return util::fail(ChainError::kStateUnavailable, "checkpoint state root " + util::to_hex(cp->state_root) + ": " +
                                                         std::string(state::to_string(r.error().code)) +
                                                         " (run reindex)");
  }
  m_checkpoint = at;
  m_layers.clear();
  m_layer_bytes.clear();
  // Redo the blocks above it: tree updates from their stored diffs, no transaction rules
  // or signatures (they passed when connected), each root checked against its header.
  for (std::uint64_t h = at->height() + 1; h < m_active.size(); ++h) {
    const Entry& e = *m_active[h];
    auto s = step(e, tip_store(), true);
    if (!s) {
      return util::fail(
          s.error().code == BlockError::kStateUnavailable ? ChainError::kStateUnavailable : ChainError::kCorrupt,
          "replay after the state checkpoint: " + s.error().detail +
              " (a reindex rebuilds the state from the stored blocks: cloudchaind --reindex)");
    }
    m_layer_bytes.push_back(state::node_memory(*s->nodes));
    m_layers.push_back(std::move(s->nodes));
    // A long gap (a reindex killed half way leaves the checkpoint at genesis and the tip
    // at the fork) is checkpointed on the way, as connecting blocks is, so the layers
    // never outgrow the interval or the memory budget.
    if (h + 1 < m_active.size() && layers_over_budget()) {
      if (auto c = checkpoint_at(*m_active[h]); !c) return c;
    }
  }
  return {};
}

}  // namespace cloudchain::chain
