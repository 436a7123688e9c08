#include "chain/connect.hpp"

#include <string>
#include <utility>

#include "state/epoch.hpp"
#include "state/tree.hpp"

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

util::Result<void, BlockError> apply_epoch_step(state::StateOverlay& overlay, const state::ChainRules& rules,
                                                std::uint64_t height) {
  if (!rules.pos) return {};
  auto r = state::apply_epoch(overlay, *rules.pos, height);
  if (!r) return util::fail(BlockError::kStateUnavailable, "epoch step: " + r.error().detail);
  return {};
}

util::Result<ConnectResult, BlockError> connect_block(const state::NodeStore& store, const Hash256& parent_root,
                                                      const primitives::Block& block, const state::ChainRules& rules,
                                                      std::uint64_t reward, state::ValueCache* cache) {
  const std::uint64_t height = block.header.height;
  state::StateOverlay overlay(store, parent_root, cache);
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
  if (auto e = apply_epoch_step(overlay, rules, height); !e) return std::unexpected(e.error());
  std::vector<state::TreeUpdate> updates = overlay.changes();
  state::NodeBuffer buffer(store);
  state::StateTree tree(buffer);
  std::vector<std::optional<state::TreeValue>> old_values;
  auto root = tree.update(parent_root, updates, &old_values);
  if (!root) return util::fail(from_state(root.error().code), "commit: " + root.error().detail);
  if (*root != block.header.state_root) {
    return util::fail(BlockError::kStateRootMismatch,
                      "computed " + util::to_hex(*root) + ", header has " + util::to_hex(block.header.state_root));
  }
  ConnectResult out{*root, buffer.take(), {}, reward, fees};
  out.changes.reserve(updates.size());
  for (std::size_t i = 0; i < updates.size(); ++i) {
    // A write that restored the old value changes nothing: no entry, so that redo and
    // undo are exact inverses and the record stays canonical.
    if (old_values[i] == updates[i].value) continue;
    out.changes.push_back({updates[i].key, std::move(old_values[i]), std::move(updates[i].value)});
  }
  return out;
}

namespace {

std::vector<state::TreeUpdate> updates_of(const std::vector<StateChange>& changes, bool redo) {
  std::vector<state::TreeUpdate> out;
  out.reserve(changes.size());
  for (const StateChange& c : changes) out.push_back({c.key, redo ? c.new_value : c.old_value});
  return out;
}

}  // namespace

std::vector<state::TreeUpdate> redo_updates(const std::vector<StateChange>& changes) {
  return updates_of(changes, true);
}

std::vector<state::TreeUpdate> undo_updates(const std::vector<StateChange>& changes) {
  return updates_of(changes, false);
}

util::Result<state::NodeMap, state::StateError> apply_updates(const state::NodeStore& store, const Hash256& root,
                                                              std::span<const state::TreeUpdate> updates,
                                                              const Hash256& expected_root) {
  state::NodeBuffer buffer(store);
  state::StateTree tree(buffer);
  auto result = tree.update(root, updates);
  if (!result) return std::unexpected(result.error());
  if (*result != expected_root) {
    return util::fail(state::StateError::kCorruptRecord, "the state diff gives root " + util::to_hex(*result) +
                                                             ", expected " + util::to_hex(expected_root));
  }
  return buffer.take();
}

std::string_view to_string(UndoError e) {
  switch (e) {
    case UndoError::kTruncated: return "undo_truncated";
    case UndoError::kTrailingBytes: return "undo_trailing_bytes";
    case UndoError::kUnknownVersion: return "undo_unknown_version";
    case UndoError::kLengthTooLarge: return "undo_length_too_large";
    case UndoError::kBadSlot: return "undo_bad_slot";
    case UndoError::kUnsortedChanges: return "undo_unsorted_changes";
    case UndoError::kNoChange: return "undo_no_change";
  }
  return "undo_unknown";
}

namespace {

constexpr std::uint8_t kSlotAbsent = 0;
constexpr std::uint8_t kSlotPresent = 1;
constexpr std::size_t kMinChangeSize = 32 + 1 + 1;

std::size_t slot_size(const std::optional<state::TreeValue>& v) { return v ? 1 + 32 + 4 + v->value.size() : 1; }

void write_slot(primitives::Writer& w, const std::optional<state::TreeValue>& v, std::string_view field) {
  if (!v) {
    w.u8(kSlotAbsent, field);
    return;
  }
  w.u8(kSlotPresent, field);
  w.array(v->value_hash, field);
  w.bytes(v->value, state::kMaxValueSize, field);
}

// Reads one slot; a bad tag is reported through `bad_slot` (the Reader has no code for it).
std::optional<state::TreeValue> read_slot(primitives::Reader& r, bool& bad_slot, std::string_view field) {
  std::uint8_t tag = 0;
  r.u8(tag, field);
  if (!r.ok() || tag == kSlotAbsent) return std::nullopt;
  if (tag != kSlotPresent) {
    bad_slot = true;
    return std::nullopt;
  }
  state::TreeValue v;
  r.array(v.value_hash, field);
  r.bytes(v.value, state::kMaxValueSize, field);
  return v;
}

UndoError from_codec(primitives::CodecError e) {
  switch (e) {
    case primitives::CodecError::kTrailingBytes: return UndoError::kTrailingBytes;
    case primitives::CodecError::kLengthTooLarge: return UndoError::kLengthTooLarge;
    case primitives::CodecError::kUnknownVersion: return UndoError::kUnknownVersion;
    default: return UndoError::kTruncated;
  }
}

}  // namespace

util::Bytes encode_undo(const UndoRecord& undo) {
  std::size_t size = kUndoFixedSize;
  for (const StateChange& c : undo.changes) size += 32 + slot_size(c.old_value) + slot_size(c.new_value);
  primitives::Writer w(size);
  w.u8(kUndoVersion, "undo.version");
  w.array(undo.parent_state_root, "undo.parent_state_root");
  w.u64(undo.reward, "undo.reward");
  w.u64(undo.fees, "undo.fees");
  w.count(undo.changes.size(), UINT32_MAX, kMinChangeSize, "undo.changes");
  for (const StateChange& c : undo.changes) {
    w.array(c.key, "undo.change.key");
    write_slot(w, c.old_value, "undo.change.old");
    write_slot(w, c.new_value, "undo.change.new");
  }
  return w.take();
}

util::Result<UndoRecord, UndoError> decode_undo(util::ByteSpan in) {
  primitives::Reader r(in);
  std::uint8_t version = 0;
  UndoRecord undo;
  r.u8(version, "undo.version");
  r.require(version == kUndoVersion, primitives::CodecError::kUnknownVersion, "undo.version");
  r.array(undo.parent_state_root, "undo.parent_state_root");
  r.u64(undo.reward, "undo.reward");
  r.u64(undo.fees, "undo.fees");
  std::size_t count = 0;
  r.count(count, UINT32_MAX, kMinChangeSize, "undo.changes");
  if (r.ok()) undo.changes.reserve(count);
  for (std::size_t i = 0; i < count && r.ok(); ++i) {
    StateChange c;
    bool bad_slot = false;
    r.array(c.key, "undo.change.key");
    c.old_value = read_slot(r, bad_slot, "undo.change.old");
    if (!bad_slot) c.new_value = read_slot(r, bad_slot, "undo.change.new");
    const auto where = [i] { return "change " + std::to_string(i); };
    if (bad_slot) return util::fail(UndoError::kBadSlot, where());
    if (!r.ok()) break;
    if (!undo.changes.empty() && !(undo.changes.back().key < c.key)) {
      return util::fail(UndoError::kUnsortedChanges, where());
    }
    if (c.old_value == c.new_value) return util::fail(UndoError::kNoChange, where());
    undo.changes.push_back(std::move(c));
  }
  r.finish("undo");
  if (auto st = r.status(); !st) return util::fail(from_codec(st.error().code), st.error().detail);
  return undo;
}

}  // namespace cloudchain::chain
