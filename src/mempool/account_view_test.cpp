// AccountMemo and MemoAccountView: the tip's accounts read once per state.
#include <gtest/gtest.h>

#include "mempool/account_view.hpp"

namespace cloudchain::mempool {
namespace {

// Answers address[0] as the balance and counts the reads; fails while `broken`.
class CountingView final : public AccountView {
 public:
  util::Result<state::Account, state::StateError> account(const Address& address) override {
    ++reads;
    if (broken) return util::fail(state::StateError::kMissingNode, "test");
    state::Account out;
    out.balance = address[0];
    return out;
  }
  int reads = 0;
  bool broken = false;
};

Address address_of(std::uint8_t n) {
  Address a{};
  a.fill(n);
  return a;
}

util::Hash256 state_of(std::uint8_t n) {
  util::Hash256 h{};
  h[0] = n;
  return h;
}

TEST(AccountMemo, ReadsEachAccountOncePerState) {
  AccountMemo memo;
  CountingView inner;
  int opened = 0;
  const auto view = [&] {
    return MemoAccountView(memo, [&]() -> AccountView& {
      ++opened;
      return inner;
    });
  };
  memo.use_state(state_of(1));
  {
    auto v = view();
    EXPECT_EQ(v.account(address_of(7))->balance, 7U);
    EXPECT_EQ(v.account(address_of(7))->balance, 7U);
    EXPECT_EQ(v.account(address_of(9))->balance, 9U);
  }
  EXPECT_EQ(inner.reads, 2);
  EXPECT_EQ(opened, 1);  // the inner view is made once, on the first miss

  // The same state later: answered without opening it at all.
  memo.use_state(state_of(1));
  EXPECT_EQ(view().account(address_of(9))->balance, 9U);
  EXPECT_EQ(inner.reads, 2);
  EXPECT_EQ(opened, 1);

  // Another state: read again.
  memo.use_state(state_of(2));
  EXPECT_EQ(memo.size(), 0U);
  EXPECT_EQ(view().account(address_of(9))->balance, 9U);
  EXPECT_EQ(inner.reads, 3);
}

TEST(AccountMemo, KeepsNoErrorsAndStaysBounded) {
  AccountMemo memo;
  CountingView inner;
  memo.use_state(state_of(1));
  MemoAccountView v(memo, [&]() -> AccountView& { return inner; });
  inner.broken = true;
  EXPECT_FALSE(v.account(address_of(3)));
  inner.broken = false;
  EXPECT_EQ(v.account(address_of(3))->balance, 3U);  // asked again, not a remembered error
  EXPECT_EQ(inner.reads, 2);

  for (std::size_t i = 0; i < AccountMemo::kMaxAccounts + 10; ++i) {
    Address a{};
    for (std::size_t b = 0; b < 8; ++b) a[b] = static_cast<std::uint8_t>(i >> (8 * b));
    memo.remember(a, state::Account{});
  }
  EXPECT_EQ(memo.size(), AccountMemo::kMaxAccounts);
}

}  // namespace
}  // namespace cloudchain::mempool
