#include "chain/params.hpp"

#include <set>
#include <string>

#include "primitives/header.hpp"
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
