#include "chain/connect.hpp"

#include <string>

#include "primitives/codec.hpp"
#include "util/hex.hpp"

namespace cloudchain::chain {

namespace {

BlockError from_state(state::StateError) { return BlockError::kStateUnavailable; }

}  // namespace

util::Result<void, BlockError> credit_beneficiary(state::StateOverlay& overlay, const crypto::Address& beneficiary,
                                                  std::uint64_t reward, std::uint64_t fees) {
  if (fees > UINT64_MAX - reward) {
    return util::fail(BlockError::kRewardOverflow,
                      "reward " + std::to_string(reward) + " + fees " + std::to_string(fees) + " exceeds 2^64 - 1");
  }
  auto r = state::credit(overlay, beneficiary, reward + fees);
  if (r) return {};
  if (r.error().code == state::TxRuleError::kStateUnavailable) {
    return util::fail(BlockError::kStateUnavailable, "beneficiary: " + r.error().detail);
  }
  return util::fail(BlockError::kRewardOverflow, "beneficiary balance: " + r.error().detail);
}

util::Result<ConnectResult, BlockError> connect_block(const state::NodeStore& store, const Hash256& parent_root,
                                                      const primitives::Block& block, const state::ChainRules& rules,
                                                      std::uint64_t reward) {
  const std::uint64_t height = block.header.height;
  state::StateOverlay overlay(store, parent_root);
  std::uint64_t fees = 0;
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    auto fee = state::apply_transaction(overlay, block.txs[i], rules, height);
    if (!fee) {
      const state::TxRuleError code = fee.error().code;
      std::string detail =
          "tx " + std::to_string(i) + ": " + std::string(state::to_string(code)) + ": " + fee.error().detail;
      if (code == state::TxRuleError::kStateUnavailable) {
        return util::fail(BlockError::kStateUnavailable, std::move(detail));
      }
      return util::fail(BlockError::kTxRule, std::move(detail));
    }
    // Each fee was taken from a balance, so the sum of fees cannot exceed the total
    // supply; still checked, never assumed (CVE-2010-5139 class).
    if (*fee > UINT64_MAX - fees) {
      return util::fail(BlockError::kRewardOverflow, "tx " + std::to_string(i) + ": sum of fees exceeds 2^64 - 1");
    }
    fees += *fee;
  }
  if (auto c = credit_beneficiary(overlay, block.header.beneficiary, reward, fees); !c) {
    return std::unexpected(c.error());
  }
  auto commit = overlay.commit();
  if (!commit) return util::fail(from_state(commit.error().code), "commit: " + commit.error().detail);
  if (commit->root != block.header.state_root) {
    return util::fail(BlockError::kStateRootMismatch, "computed " + util::to_hex(commit->root) + ", header has " +
                                                          util::to_hex(block.header.state_root));
  }
  return ConnectResult{std::move(*commit), reward, fees};
}

util::Bytes encode_undo(const UndoRecord& undo) {
  primitives::Writer w(kUndoSize);
  w.u8(kUndoVersion, "undo.version");
  w.array(undo.parent_state_root, "undo.parent_state_root");
  w.u64(undo.reward, "undo.reward");
  w.u64(undo.fees, "undo.fees");
  return w.take();
}

std::optional<UndoRecord> decode_undo(util::ByteSpan in) {
  primitives::Reader r(in);
  std::uint8_t version = 0;
  UndoRecord undo;
  r.u8(version, "undo.version");
  r.require(version == kUndoVersion, primitives::CodecError::kUnknownVersion, "undo.version");
  r.array(undo.parent_state_root, "undo.parent_state_root");
  r.u64(undo.reward, "undo.reward");
  r.u64(undo.fees, "undo.fees");
  r.finish("undo");
  if (!r.ok()) return std::nullopt;
  return undo;
}

}  // namespace cloudchain::chain
