// Chain: opening, the in-memory block index, the published tip. Block submission is in
// submit.cpp, templates in template.cpp, reindex in reindex.cpp.

#include "chain/chain.hpp"

#include <algorithm>
#include <string>

#include "chain/index_entry.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"
#include "util/hex.hpp"

namespace cloudchain::chain {

namespace {

constexpr std::size_t kMedianSpan = 11;  // timestamps the median time past looks at

std::string storage_detail(std::string_view what, const util::Error<storage::StorageError>& e) {
  return std::string(what) + ": " + std::string(storage::to_string(e.code)) + ": " + e.detail;
}

}  // namespace

std::string_view to_string(SubmitStatus s) {
  switch (s) {
    case SubmitStatus::kConnected: return "connected";
    case SubmitStatus::kSideChain: return "side_chain";
    case SubmitStatus::kReorg: return "reorg";
    case SubmitStatus::kUnchanged: return "unchanged";
  }
  return "unknown";
}

Chain::Chain(storage::Database& db, ChainParams params, const ConsensusEngine& engine, const ChainOptions& options)
    : m_db(db),
      m_params(std::move(params)),
      m_engine(engine),
      m_verifier(std::make_unique<SignatureVerifier>(options.verify_threads, options.key_cache)),
      m_nodes(db.state_nodes(), options.node_cache_bytes),
      m_options(options),
      m_leaves(options.leaf_cache_bytes) {}

Chain::~Chain() {
  // Best effort: a checkpoint that fails here leaves the blocks since the last one to be
  // replayed from their diffs at the next open, as after a crash.
  if (m_options.checkpoint_on_close && !m_active.empty()) {
    [[maybe_unused]] const auto written = checkpoint();
  }
}

util::Result<std::unique_ptr<Chain>, ChainError> Chain::open(storage::Database& db, ChainParams params,
                                                             const ConsensusEngine& engine,
                                                             const ChainOptions& options) {
  if (auto ok = check_params(params); !ok) return std::unexpected(ok.error());
  std::unique_ptr<Chain> chain(new Chain(db, std::move(params), engine, options));

  auto chain_id = db.chain_id();
  auto genesis_hash = db.genesis_hash();
  auto tip = db.tip();
  if (!chain_id) return util::fail(ChainError::kStorage, storage_detail("chain id", chain_id.error()));
  if (!genesis_hash) return util::fail(ChainError::kStorage, storage_detail("genesis hash", genesis_hash.error()));
  if (!tip) return util::fail(ChainError::kStorage, storage_detail("tip", tip.error()));

  const std::optional<std::uint32_t>& stored_id = *chain_id;
  const std::optional<Hash256>& stored_genesis = *genesis_hash;
  if (!stored_id && !stored_genesis && !*tip) {
    if (auto w = chain->write_genesis(); !w) return std::unexpected(w.error());
  } else {
    if (!stored_id || !stored_genesis || !*tip) {
      return util::fail(ChainError::kCorrupt, "the database lacks one of chain id, genesis hash and tip");
    }
    if (*stored_id != chain->m_params.chain_id) {
      return util::fail(ChainError::kChainIdMismatch, "database chain id " + std::to_string(*stored_id) +
                                                          ", genesis file chain id " +
                                                          std::to_string(chain->m_params.chain_id));
    }
    if (*stored_genesis != chain->genesis_hash()) {
      return util::fail(ChainError::kGenesisMismatch, "database genesis " + util::to_hex(*stored_genesis) +
                                                          ", genesis file gives " +
                                                          util::to_hex(chain->genesis_hash()));
    }
  }
  if (auto l = chain->load(); !l) return std::unexpected(l.error());
  return chain;
}

util::Result<void, ChainError> Chain::write_genesis() {
  const GenesisBlock& g = m_params.genesis;
  storage::BlockIndexEntry entry{g.block.header, {}, storage::kStatusHaveBody | storage::kStatusValid};
  // The genesis block is exempt from the seal rules but its work still counts, so that
  // cumulative work is the same sum of work() over every block on every node.
  if (auto w = m_engine.work(g.block.header)) entry.cumulative_work = w->to_be();
  storage::WriteBatch batch = m_db.batch();
  batch.put_block(g.hash, g.block);
  batch.put_block_index(g.hash, entry);
  batch.put_state_nodes(g.state_nodes);
  batch.put_height(0, g.hash);
  batch.put_tip({g.hash, 0});
  batch.put_state_checkpoint({g.hash, 0, g.block.header.state_root});
  batch.put_chain_id(m_params.chain_id);
  batch.put_genesis_hash(g.hash);
  if (auto w = m_db.write(std::move(batch)); !w) {
    return util::fail(ChainError::kStorage, storage_detail("writing genesis", w.error()));
  }
  return {};
}

util::Result<void, ChainError> Chain::load() {
  auto visited = m_db.for_each_block_index(
      [this](const Hash256& hash, const storage::BlockIndexEntry& stored) { insert(hash, stored); });
  if (!visited) {
    if (visited.error().code == storage::StorageError::kCorrupt) {
      return util::fail(ChainError::kCorrupt, storage_detail("block index", visited.error()));
    }
    return util::fail(ChainError::kStorage, storage_detail("block index", visited.error()));
  }
  // Link parents now that every entry exists (the visit is in hash order, not height order).
  for (auto& [hash, entry] : m_index) {
    if (hash == genesis_hash()) continue;
    Entry* parent = find(entry->header.parent);
    if (parent == nullptr || parent->height() + 1 != entry->height()) {
      return util::fail(ChainError::kCorrupt, "block index entry " + util::to_hex(hash) + " has no parent entry");
    }
    entry->parent = parent;
    parent->children.push_back(entry.get());
  }
  Entry* genesis = find(genesis_hash());
  if (genesis == nullptr || genesis->header != m_params.genesis.block.header) {
    return util::fail(ChainError::kCorrupt, "the genesis block is not in the block index");
  }

  auto tip = m_db.tip();
  if (!tip) return util::fail(ChainError::kStorage, storage_detail("tip", tip.error()));
  const std::optional<storage::Tip>& stored_tip = *tip;
  if (!stored_tip) return util::fail(ChainError::kCorrupt, "the database has no tip");
  Entry* tip_entry = find(stored_tip->hash);
  if (tip_entry == nullptr || tip_entry->height() != stored_tip->height || !tip_entry->has(storage::kStatusValid)) {
    return util::fail(ChainError::kCorrupt, "the tip is not a valid block of the index");
  }
  m_active.assign(tip_entry->height() + 1, nullptr);
  for (Entry* e = tip_entry; e != nullptr; e = e->parent) m_active[e->height()] = e;
  if (m_active[0] != genesis) return util::fail(ChainError::kCorrupt, "the tip does not descend from genesis");

  if (!m_options.load_state) {
    // For a reindex: it rebuilds the state from genesis and moves the checkpoint there.
    m_state_loaded = false;
    m_checkpoint = genesis;
    publish_tip();
    return {};
  }
  if (auto r = replay_from_checkpoint(); !r) return r;
  m_leaves.reset(tip_entry->header.state_root);
  publish_tip();
  return {};
}

Chain::Entry* Chain::find(const Hash256& hash) const {
  auto it = m_index.find(hash);
  return it == m_index.end() ? nullptr : it->second.get();
}

Chain::Entry& Chain::insert(const Hash256& hash, const storage::BlockIndexEntry& stored) {
  auto entry = std::make_unique<Entry>();
  entry->hash = hash;
  entry->header = stored.header;
  entry->work = Uint256::from_be(stored.cumulative_work);
  entry->status = stored.status;
  Entry& ref = *entry;
  m_index.insert_or_assign(hash, std::move(entry));
  return ref;
}

void Chain::erase_new(Entry& entry) {
  if (entry.parent != nullptr) std::erase(entry.parent->children, &entry);
  m_index.erase(entry.hash);
}

bool Chain::is_active(const Entry& entry) const {
  return entry.height() < m_active.size() && m_active[entry.height()] == &entry;
}

util::Result<HeaderContext, BlockError> Chain::header_context(const Entry& parent, std::uint64_t now_ms) const {
  HeaderContext ctx;
  ctx.parent = parent.header;
  ctx.parent_hash = parent.hash;
  const Entry* e = &parent;
  for (std::size_t i = 0; i < kMedianSpan && e != nullptr; ++i, e = e->parent) {
    ctx.recent_timestamps_ms.push_back(e->header.timestamp_ms);
  }
  std::reverse(ctx.recent_timestamps_ms.begin(), ctx.recent_timestamps_ms.end());
  ctx.genesis = m_params.genesis.block.header;
  ctx.now_ms = now_ms;
  if (m_engine.needs_validator_sets()) {
    auto set = active_set_after(parent);
    if (!set) return std::unexpected(set.error());
    ctx.validators = std::move(*set);
    if (parent.parent != nullptr) {
      auto before = active_set_after(*parent.parent);
      if (!before) return std::unexpected(before.error());
      ctx.parent_validators = std::move(*before);
    }
  }
  return ctx;
}

util::Result<state::ActiveSet, BlockError> Chain::active_set_after(const Entry& block) const {
  const std::string name = "block " + util::to_hex(block.hash) + " at height " + std::to_string(block.height());
  if (!is_active(block)) {
    return util::fail(BlockError::kStateUnavailable,
                      "the validator set after " + name + " is not known: the block is off the active chain");
  }
  const Entry& tip = *m_active.back();
  // The record changes only at epoch boundaries (state::apply_epoch), and each change is
  // in that block's stored diff: the first boundary above `block` whose diff changed the
  // record holds the value after `block` as its old value; without one the tip's record
  // is still the one after `block`.
  const std::uint64_t epoch = m_params.rules.pos ? m_params.rules.pos->epoch_blocks : 0;
  if (epoch > 0) {
    for (std::uint64_t b = (block.height() / epoch + 1) * epoch; b <= tip.height(); b += epoch) {
      auto undo = load_undo(*m_active[b]);
      if (!undo) return std::unexpected(undo.error());
      const Hash256 key = state::active_set_key();
      auto it = std::ranges::find_if(undo->changes, [&key](const StateChange& c) { return c.key == key; });
      if (it == undo->changes.end()) continue;
      const std::optional<state::TreeValue>& old = it->old_value;
      if (!old) return util::fail(BlockError::kStateUnavailable, "the state after " + name + " has no active set");
      auto set = state::decode_active_set(old->value);
      if (!set) {
        return util::fail(BlockError::kStateUnavailable,
                          "the active set after " + name + ": " + std::string(state::to_string(set.error().code)));
      }
      return std::move(*set);
    }
  }
  const state::LayeredNodeStore store = tip_store();
  auto value = state::tree_get(store, tip.header.state_root, state::active_set_key());
  if (!value) {
    return util::fail(BlockError::kStateUnavailable,
                      "the active set at the tip: " + std::string(state::to_string(value.error().code)));
  }
  const std::optional<state::TreeValue>& found = *value;
  if (!found) return util::fail(BlockError::kStateUnavailable, "the state after " + name + " has no active set");
  auto set = state::decode_active_set(found->value);
  if (!set) {
    return util::fail(BlockError::kStateUnavailable,
                      "the active set at the tip: " + std::string(state::to_string(set.error().code)));
  }
  return std::move(*set);
}

std::optional<BlockView> Chain::lookup(const Hash256& hash) const {
  const Entry* e = find(hash);
  if (e == nullptr) return std::nullopt;
  return BlockView{e->hash, e->header, e->work, e->status, is_active(*e)};
}

std::optional<Hash256> Chain::active_hash_at(std::uint64_t height) const {
  if (height >= m_active.size()) return std::nullopt;
  return m_active[height]->hash;
}

util::Result<primitives::Block, BlockError> Chain::load_block(const Entry& entry) const {
  auto block = m_db.block(entry.hash);
  if (!block)
    return util::fail(BlockError::kStorage, storage_detail("block " + util::to_hex(entry.hash), block.error()));
  std::optional<primitives::Block>& body = *block;
  if (!body) return util::fail(BlockError::kStorage, "block " + util::to_hex(entry.hash) + " has no stored body");
  return std::move(*body);
}

void Chain::publish_tip() {
  const Entry& t = *m_active.back();
  std::shared_ptr<const TipInfo> info =
      std::make_shared<TipInfo>(TipInfo{t.hash, t.height(), t.header.timestamp_ms, t.work, t.header,
                                        std::make_shared<const state::LayeredNodeStore>(m_db.state_nodes(), m_layers)});
  {
    std::lock_guard lock(m_tip_mutex);
    m_tip.swap(info);
  }
  // `info` holds the previous snapshot now; if this was its last reference it is freed
  // here, outside the lock.
}

std::shared_ptr<const TipInfo> Chain::tip() const {
  std::lock_guard lock(m_tip_mutex);
  return m_tip;
}

}  // namespace cloudchain::chain
