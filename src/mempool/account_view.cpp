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

void AccountMemo::use_state(const util::Hash256& state) {
  if (m_state == state) return;
  m_state = state;
  m_accounts.clear();
}

std::optional<state::Account> AccountMemo::find(const Address& address) const {
  const auto it = m_accounts.find(address);
  if (it == m_accounts.end()) return std::nullopt;
  return it->second;
}

void AccountMemo::remember(const Address& address, const state::Account& account) {
  if (m_accounts.size() < kMaxAccounts) m_accounts.insert_or_assign(address, account);
}

util::Result<state::Account, state::StateError> MemoAccountView::account(const Address& address) {
  if (auto known = m_memo.find(address)) return *known;
  if (m_inner == nullptr) m_inner = &m_make_inner();
  auto read = m_inner->account(address);
  if (read) m_memo.remember(address, *read);
  return read;
}

}  // namespace cloudchain::mempool
