#pragma once
// How the mempool reads chain state: one account at a time, through a small interface,
// so the pool depends on no storage and tests run it over a real StateOverlay.

#include <absl/container/flat_hash_map.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "state/node_store.hpp"
#include "state/overlay.hpp"
#include "state/records.hpp"
#include "util/error.hpp"

namespace cloudchain::mempool {

using crypto::Address;

/// The accounts as the next block will see them before its first transaction.
///
/// Contract for implementations: `account` returns the zero account for an address with
/// no record, and returns the account with matured unbonding already released (state
/// rule 1 at the next block's height): the mempool checks a sender's balance against
/// what its first transaction in that block could spend. A read failure is an error,
/// never a zero account.
///
/// Thread-safety: used only from the thread that owns the mempool, during one call.
class AccountView {
 public:
  virtual ~AccountView() = default;
  /// Errors: those of the backing state (kMissingNode, kCorruptNode, kCorruptRecord).
  virtual util::Result<state::Account, state::StateError> account(const Address& address) = 0;

 protected:
  AccountView() = default;
  AccountView(const AccountView&) = default;
  AccountView& operator=(const AccountView&) = default;
};

/// The AccountView the chain uses: accounts read from a StateOverlay on the tip, with
/// unbonding released as at `next_height` (the height of the block being built). The
/// overlay must outlive this view; reading caches records in the overlay but writes
/// nothing.
class OverlayAccountView final : public AccountView {
 public:
  OverlayAccountView(state::StateOverlay& overlay, std::uint64_t next_height)
      : m_overlay(overlay), m_next_height(next_height) {}

  util::Result<state::Account, state::StateError> account(const Address& address) override;

 private:
  state::StateOverlay& m_overlay;
  std::uint64_t m_next_height;
};

/// The accounts one state answered, kept for the next readers of the same state: a
/// node's admissions read the sender's account for every transaction at the tip, and
/// under load a few senders send most of them (one state-tree walk per sender per tip
/// instead of one per transaction). Keyed by a hash that names the state (the tip
/// block's: a block fixes its state); a different one forgets everything. Bounded: past
/// kMaxAccounts it stops remembering until the state changes.
///
/// Thread-safety: one thread (the mempool's).
class AccountMemo {
 public:
  static constexpr std::size_t kMaxAccounts = 65'536;

  /// Forgets what it holds unless `state` is the state it holds accounts of.
  void use_state(const util::Hash256& state);
  std::optional<state::Account> find(const Address& address) const;
  void remember(const Address& address, const state::Account& account);
  std::size_t size() const { return m_accounts.size(); }

 private:
  std::optional<util::Hash256> m_state;
  absl::flat_hash_map<Address, state::Account> m_accounts;
};

/// An AccountView that answers from an AccountMemo and asks `inner()` (called at most
/// once, on the first account the memo lacks: a caller can build the view lazily) for
/// the rest, remembering its answers (not its errors). The memo must be on the state
/// `inner` reads.
class MemoAccountView final : public AccountView {
 public:
  MemoAccountView(AccountMemo& memo, std::function<AccountView&()> inner)
      : m_memo(memo), m_make_inner(std::move(inner)) {}

  util::Result<state::Account, state::StateError> account(const Address& address) override;

 private:
  AccountMemo& m_memo;
  std::function<AccountView&()> m_make_inner;
  AccountView* m_inner = nullptr;
};

}  // namespace cloudchain::mempool
