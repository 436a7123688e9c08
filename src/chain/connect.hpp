#pragma once
// Connecting a block's transactions to its parent's state (docs/chain.md): the state
// half of block validation, as pure functions over a NodeStore.
//
//   1. an overlay on the parent's state root;
//   2. each transaction applied in block order (state::apply_transaction); the first that
//      fails makes the block invalid (kTxRule, "tx <index>: <rule>: <detail>");
//   3. reward + the sum of fees, overflow-checked (kRewardOverflow), credited to the
//      beneficiary (kRewardOverflow if the balance would overflow);
//   4. commit: the new root must equal header.state_root (kStateRootMismatch).
// A state read failure is kStateUnavailable (local, not the block's fault).
//
// Undo record (storage's `undo` column family, written when the block is connected):
//
//   undo = version:u8 parent_state_root:hash reward:u64 fees:u64      version = 1
//
// The state tree is content-addressed and never pruned, so disconnecting a block needs
// no per-account undo: the state after the parent is the parent's state_root. The
// record keeps what the block minted and collected, and the root it was applied to,
// which disconnect checks against the parent's header.
//
// Pure; thread-safe for distinct arguments (the store is only read).

#include <cstdint>
#include <optional>

#include "chain/error.hpp"
#include "primitives/block.hpp"
#include "state/node_store.hpp"
#include "state/overlay.hpp"
#include "state/rules.hpp"
#include "util/error.hpp"

namespace cloudchain::chain {

using util::Hash256;

struct ConnectResult {
  state::CommitResult commit;  // root == header.state_root, and the nodes to store
  std::uint64_t reward = 0;
  std::uint64_t fees = 0;
};

/// Steps 1-4 above for `block` on the state `parent_root` in `store`, minting `reward`.
/// Errors: kTxRule, kRewardOverflow, kStateRootMismatch, kStateUnavailable.
util::Result<ConnectResult, BlockError> connect_block(const state::NodeStore& store, const Hash256& parent_root,
                                                      const primitives::Block& block, const state::ChainRules& rules,
                                                      std::uint64_t reward);

/// reward + fees credited to `beneficiary` in `overlay` (steps 3 of connect_block, shared
/// with the block template). Errors: kRewardOverflow, kStateUnavailable.
util::Result<void, BlockError> credit_beneficiary(state::StateOverlay& overlay, const crypto::Address& beneficiary,
                                                  std::uint64_t reward, std::uint64_t fees);

struct UndoRecord {
  Hash256 parent_state_root{};
  std::uint64_t reward = 0;
  std::uint64_t fees = 0;
  friend bool operator==(const UndoRecord&, const UndoRecord&) = default;
};

inline constexpr std::uint8_t kUndoVersion = 1;
inline constexpr std::size_t kUndoSize = 1 + 32 + 8 + 8;

util::Bytes encode_undo(const UndoRecord& undo);
/// Strict: exactly kUndoSize bytes, version 1; nullopt otherwise.
std::optional<UndoRecord> decode_undo(util::ByteSpan in);

}  // namespace cloudchain::chain
