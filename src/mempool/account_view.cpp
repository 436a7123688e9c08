#include "mempool/account_view.hpp"

#include "state/rules.hpp"

namespace cloudchain::mempool {

util::Result<state::Account, state::StateError> OverlayAccountView::account(const Address& address) {
  auto account = m_overlay.account(address);
  if (!account) return account;
  state::Account released = *account;
  // A release that would overflow the balance fails in the block too (kBalanceOverflow);
  // the unreleased account is then the conservative view of what the sender can spend.
  if (state::release_unbonding(released, m_next_height)) return released;
  return account;
}

}  // namespace cloudchain::mempool
