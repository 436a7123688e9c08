#pragma once
// Connecting a block's transactions to its parent's state (docs/chain.md): the state
// half of block validation, as pure functions over a NodeStore.
//
//   1. an overlay on the parent's state root;
//   2. each transaction applied in block order (state::apply_transaction); the first that
//      fails makes the block invalid (kTxRule, "tx <index>: <rule>: <detail>");
//   3. reward + the sum of fees, overflow-checked (kRewardOverflow), credited to the
//      beneficiary (kRewardOverflow if the balance would overflow);
//   3b. PoS chains only (rules.pos set): the epoch step (state::apply_epoch), which at a
//      height that is a multiple of epoch_blocks replaces the active validator set; a
//      PoW chain skips it, so its state roots are unchanged by it;
//   4. commit: the new root must equal header.state_root (kStateRootMismatch).
// A state read failure is kStateUnavailable (local, not the block's fault).
//
// Undo record (storage's `undo` column family, written when the block is connected; it
// is the block's state diff, both ways: the redo that replays the block onto its parent's
// state and the undo that takes it back off):
//
//   undo   = version:u8 parent_state_root:hash reward:u64 fees:u64 count:u32 change*count
//                                                                       version = 2
//   change = key:hash old:slot new:slot          keys strictly ascending, old != new
//   slot   = 0:u8                                the key is absent
//          | 1:u8 value_hash:hash len:u32 value:bytes(len)   len <= state::kMaxValueSize
//
// Only the state tree's new nodes are not written with each block (docs/chain.md,
// "State checkpoints"): the diff lets the chain rebuild them after a restart (redo from
// the last checkpoint) and derive an older state for a reorg (undo down to the fork).
// Pure; thread-safe for distinct arguments (the store is only read).

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "chain/error.hpp"
#include "primitives/block.hpp"
#include "state/node_map.hpp"
#include "state/overlay.hpp"
#include "state/rules.hpp"
#include "util/error.hpp"

namespace cloudchain::chain {

using util::Hash256;

enum class UndoError {
  kTruncated,        // the input ends inside a field
  kTrailingBytes,    // nothing follows the last change
  kUnknownVersion,   // version = 2
  kLengthTooLarge,   // a value is at most state::kMaxValueSize bytes
  kBadSlot,          // a slot tag is 0 (absent) or 1 (present)
  kUnsortedChanges,  // change keys strictly ascending
  kNoChange,         // a change's old and new values differ
};
std::string_view to_string(UndoError e);

/// One key the block changed: its value before and after (nullopt: absent).
struct StateChange {
  Hash256 key{};
  std::optional<state::TreeValue> old_value;
  std::optional<state::TreeValue> new_value;
  friend bool operator==(const StateChange&, const StateChange&) = default;
};

struct ConnectResult {
  Hash256 root{};                    // == header.state_root
  state::NodeMap nodes;              // the new tree nodes (decoded)
  std::vector<StateChange> changes;  // keys ascending, each with old != new
  std::uint64_t reward = 0;
  std::uint64_t fees = 0;
};

/// Steps 1-4 above for `block` on the state `parent_root` in `store`, minting `reward`,
/// reading records through `cache` when given (state::ValueCache; it must hold
/// `parent_root`'s values to be used). Errors: kTxRule, kRewardOverflow,
/// kStateRootMismatch, kStateUnavailable.
util::Result<ConnectResult, BlockError> connect_block(const state::NodeStore& store, const Hash256& parent_root,
                                                      const primitives::Block& block, const state::ChainRules& rules,
                                                      std::uint64_t reward, state::ValueCache* cache = nullptr);

/// The tree updates that replay `changes` (their new values) or take them back (their
/// old values), keys ascending.
std::vector<state::TreeUpdate> redo_updates(const std::vector<StateChange>& changes);
std::vector<state::TreeUpdate> undo_updates(const std::vector<StateChange>& changes);

/// Applies `updates` to the state `root` in `store`; the result must be `expected_root`.
/// Returns the new nodes. Errors (detail says which): the tree's (a missing or corrupt
/// node), or a root other than `expected_root`.
util::Result<state::NodeMap, state::StateError> apply_updates(const state::NodeStore& store, const Hash256& root,
                                                              std::span<const state::TreeUpdate> updates,
                                                              const Hash256& expected_root);

/// reward + fees credited to `beneficiary` in `overlay` (steps 3 of connect_block, shared
/// with the block template). Errors: kRewardOverflow, kStateUnavailable.
util::Result<void, BlockError> credit_beneficiary(state::StateOverlay& overlay, const crypto::Address& beneficiary,
                                                  std::uint64_t reward, std::uint64_t fees);

/// Step 3b of connect_block (shared with the block template): the epoch step when
/// rules.pos is set, nothing otherwise. Errors: kStateUnavailable.
util::Result<void, BlockError> apply_epoch_step(state::StateOverlay& overlay, const state::ChainRules& rules,
                                                std::uint64_t height);

struct UndoRecord {
  Hash256 parent_state_root{};
  std::uint64_t reward = 0;
  std::uint64_t fees = 0;
  std::vector<StateChange> changes;  // keys strictly ascending, old != new
  friend bool operator==(const UndoRecord&, const UndoRecord&) = default;
};

inline constexpr std::uint8_t kUndoVersion = 2;
inline constexpr std::size_t kUndoFixedSize = 1 + 32 + 8 + 8 + 4;  // an undo record without changes

util::Bytes encode_undo(const UndoRecord& undo);
/// Strict decode of the layout above. Errors (detail: the field): kTruncated,
/// kTrailingBytes, kUnknownVersion (version != 2), kLengthTooLarge (a value above
/// state::kMaxValueSize), kBadSlot (a slot tag other than 0 or 1), kUnsortedChanges
/// (keys not strictly ascending), kNoChange (old == new).
util::Result<UndoRecord, UndoError> decode_undo(util::ByteSpan in);

}  // namespace cloudchain::chain
