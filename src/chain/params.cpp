#include "chain/params.hpp"

#include <set>
#include <string>

#include "primitives/block.hpp"
#include "primitives/header.hpp"
#include "state/epoch.hpp"
#include "state/overlay.hpp"
#include "util/hex.hpp"

namespace cloudchain::chain {

util::Result<GenesisBlock, ChainError> make_genesis(const GenesisSpec& spec) {
  if (spec.chain_id == 0) return util::fail(ChainError::kBadParams, "genesis: chain id 0");
  // The allocations go through the same overlay and tree as every block, so the genesis
  // root is what any later state computation would give for these balances.
  const state::MemoryNodeStore empty;
  state::StateOverlay overlay(empty, Hash256{});
  std::set<crypto::Address> seen;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < spec.allocations.size(); ++i) {
    const GenesisAllocation& a = spec.allocations[i];
    const std::string where = "genesis allocation " + std::to_string(i) + " (" + util::to_hex(a.address) + ")";
    if (a.balance == 0) return util::fail(ChainError::kBadParams, where + ": zero balance");
    if (!seen.insert(a.address).second) return util::fail(ChainError::kBadParams, where + ": address allocated twice");
    if (a.balance > UINT64_MAX - total) return util::fail(ChainError::kBadParams, where + ": total above 2^64 - 1");
    total += a.balance;
    state::Account account;
    account.balance = a.balance;
    overlay.set_account(a.address, account);
  }
  if (spec.pos.has_value() != !spec.validators.empty()) {
    return util::fail(ChainError::kBadParams, "genesis: validators are listed exactly on a PoS chain");
  }
  if (spec.pos.has_value() != std::holds_alternative<primitives::PosSeal>(spec.seal)) {
    return util::fail(ChainError::kBadParams, "genesis: the seal is not the consensus's");
  }
  if (spec.validators.size() > state::kMaxCandidates) {
    return util::fail(ChainError::kBadParams,
                      "genesis: more than " + std::to_string(state::kMaxCandidates) + " validators");
  }
  std::set<crypto::PublicKey> keys;
  std::set<crypto::Address> payouts;
  for (std::size_t i = 0; i < spec.validators.size(); ++i) {
    const GenesisValidator& v = spec.validators[i];
    const std::string where = "genesis validator " + std::to_string(i) + " (" + util::to_hex(v.key) + ")";
    if (!crypto::is_valid_public_key(v.key)) return util::fail(ChainError::kBadParams, where + ": invalid key");
    if (!keys.insert(v.key).second) return util::fail(ChainError::kBadParams, where + ": key listed twice");
    if (!payouts.insert(v.payout).second) {
      return util::fail(ChainError::kBadParams, where + ": payout account listed twice");
    }
    if (v.stake == 0) return util::fail(ChainError::kBadParams, where + ": zero stake");
    if (v.stake > UINT64_MAX - total) return util::fail(ChainError::kBadParams, where + ": total above 2^64 - 1");
    total += v.stake;
    auto account = overlay.account(v.payout);
    if (!account) return util::fail(ChainError::kBadParams, "genesis state: " + account.error().detail);
    account->stake = v.stake;
    account->validator = v.key;
    overlay.set_account(v.payout, *account);
    overlay.set_validator(v.key, state::ValidatorRecord{v.payout, 0});
    if (auto added = overlay.add_candidate(v.key); !added) {
      return util::fail(ChainError::kBadParams, "genesis state: " + added.error().detail);
    }
  }
  if (spec.pos) {
    auto selected = state::apply_epoch(overlay, *spec.pos, 0);
    if (!selected) return util::fail(ChainError::kBadParams, "genesis state: " + selected.error().detail);
    if (!*selected) return util::fail(ChainError::kBadParams, "genesis: no validator qualifies for the active set");
  }
  auto commit = overlay.commit();
  // An empty base store cannot be missing a node; anything else is a bug in state/.
  if (!commit) return util::fail(ChainError::kBadParams, "genesis state: " + commit.error().detail);

  GenesisBlock g;
  primitives::BlockHeader& h = g.block.header;
  h.chain_id = spec.chain_id;
  h.height = 0;
  h.timestamp_ms = spec.timestamp_ms;
  h.tx_root = primitives::tx_root(g.block);
  h.state_root = commit->root;
  h.seal = spec.seal;
  if (auto* pos = std::get_if<primitives::PosSeal>(&h.seal)) {
    // A PoS block carries the commit of its parent; the genesis block has none to carry.
    g.block.last_commit = primitives::LastCommit{};
    pos->last_commit_hash = primitives::commit_hash(*g.block.last_commit);
  }
  g.state_nodes = std::move(commit->new_nodes);
  g.hash = primitives::block_hash(h);
  return g;
}

util::Result<void, ChainError> check_params(const ChainParams& p) {
  const primitives::BlockHeader& g = p.genesis.block.header;
  if (p.chain_id == 0) return util::fail(ChainError::kBadParams, "chain id 0");
  if (p.rules.chain_id != p.chain_id) return util::fail(ChainError::kBadParams, "rules.chain_id != chain_id");
  if (g.chain_id != p.chain_id) return util::fail(ChainError::kBadParams, "genesis chain id != chain_id");
  if (g.height != 0) return util::fail(ChainError::kBadParams, "genesis height != 0");
  if (g.parent != Hash256{}) return util::fail(ChainError::kBadParams, "genesis parent is not zero");
  if (!p.genesis.block.txs.empty()) return util::fail(ChainError::kBadParams, "genesis has transactions");
  if (primitives::block_hash(g) != p.genesis.hash) {
    return util::fail(ChainError::kBadParams, "genesis.hash is not the genesis block hash");
  }
  if (p.max_block_txs < 1 || p.max_block_txs > primitives::kMaxBlockTxs) {
    return util::fail(ChainError::kBadParams, "max_block_txs outside 1..20000");
  }
  if (p.max_block_bytes < 1 || p.max_block_bytes > primitives::kMaxBlockSize) {
    return util::fail(ChainError::kBadParams, "max_block_bytes outside 1..4 MiB");
  }
  return {};
}

}  // namespace cloudchain::chain
