// Chain::build_block_template: the block a miner works on.

#include <string>

#include "chain/chain.hpp"
#include "chain/connect.hpp"
#include "chain/index_entry.hpp"
#include "state/overlay.hpp"

namespace cloudchain::chain {

util::Result<TemplateResult, ChainError> Chain::build_block_template(
    const crypto::Address& beneficiary, std::span<const primitives::Transaction* const> candidates,
    std::uint64_t now_ms) const {
  if (!m_state_loaded) {
    return util::fail(ChainError::kStateUnavailable, "the chain was opened for a reindex that has not completed");
  }
  const Entry& tip = *m_active.back();
  auto ctx = header_context(tip, now_ms);
  if (!ctx) {
    return util::fail(ctx.error().code == BlockError::kStorage ? ChainError::kStorage : ChainError::kStateUnavailable,
                      ctx.error().detail);
  }
  auto engine_header = m_engine.next_header_template(*ctx);
  if (!engine_header) return util::fail(ChainError::kEngineFailure, engine_header.error().detail);

  TemplateResult out;
  primitives::Block& block = out.block;
  block.header = *engine_header;
  primitives::BlockHeader& h = block.header;
  h.version = primitives::kHeaderVersion;
  h.chain_id = m_params.chain_id;
  h.height = tip.height() + 1;
  h.parent = tip.hash;
  h.beneficiary = beneficiary;

  const state::LayeredNodeStore store = tip_store();
  state::StateOverlay overlay(store, tip.header.state_root, &m_leaves);
  std::size_t size = primitives::encoded_size(block);  // header and an empty tx list
  std::uint64_t fees = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const primitives::Transaction& tx = *candidates[i];
    if (block.txs.size() >= m_params.max_block_txs) break;
    const std::size_t tx_size = primitives::encoded_size(tx);
    if (size > m_params.max_block_bytes || tx_size > m_params.max_block_bytes - size) break;
    const std::size_t mark = overlay.checkpoint();
    auto fee = state::apply_transaction(overlay, tx, m_params.rules, h.height);
    if (!fee) {
      if (fee.error().code == state::TxRuleError::kStateUnavailable) {
        return util::fail(ChainError::kStateUnavailable, fee.error().detail);
      }
      out.skipped.push_back({i, primitives::txid(tx), fee.error()});
      continue;
    }
    // Fees come out of balances, so their sum stays within the supply; a template that
    // would still overflow stops here rather than fail.
    if (*fee > UINT64_MAX - fees) {
      overlay.rollback(mark);
      break;
    }
    fees += *fee;
    size += tx_size;
    block.txs.push_back(tx);
  }

  out.reward = m_engine.block_reward(h.height);
  out.fees = fees;
  if (auto c = credit_beneficiary(overlay, beneficiary, out.reward, fees); !c) {
    return util::fail(
        c.error().code == BlockError::kStateUnavailable ? ChainError::kStateUnavailable : ChainError::kRewardOverflow,
        c.error().detail);
  }
  if (auto e = apply_epoch_step(overlay, m_params.rules, h.height); !e) {
    return util::fail(ChainError::kStateUnavailable, e.error().detail);
  }
  auto commit = overlay.commit();
  if (!commit) return util::fail(ChainError::kStateUnavailable, commit.error().detail);
  h.state_root = commit->root;
  h.tx_root = primitives::tx_root(block);
  return out;
}

}  // namespace cloudchain::chain
