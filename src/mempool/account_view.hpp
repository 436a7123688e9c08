#pragma once
// How the mempool reads chain state: one account at a time, through a small interface,
// so the pool depends on no storage and tests run it over a real StateOverlay.

#include <cstdint>

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

}  // namespace cloudchain::mempool
