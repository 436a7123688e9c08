// SignatureVerifier (deterministic lowest failure on any thread count) and the undo
// record codec.

#include "chain/verifier.hpp"

#include <gtest/gtest.h>

#include "chain/test_util.hpp"

namespace cloudchain::chain {
namespace {

std::vector<primitives::Transaction> signed_txs(std::size_t n) {
  std::vector<primitives::Transaction> txs;
  for (std::size_t i = 0; i < n; ++i) {
    txs.push_back(test::transfer(1 + static_cast<std::uint32_t>(i % 4), i, test::address(9), 1));
  }
  return txs;
}

std::vector<const primitives::Transaction*> pointers(const std::vector<primitives::Transaction>& txs) {
  std::vector<const primitives::Transaction*> out;
  for (const auto& tx : txs) out.push_back(&tx);
  return out;
}

TEST(SignatureVerifier, AllValidPass) {
  const auto txs = signed_txs(300);
  for (unsigned threads : {1U, 2U, 4U}) {
    SignatureVerifier v(threads);
    EXPECT_EQ(v.threads(), threads);
    EXPECT_FALSE(v.run(pointers(txs), test::kChainId));
  }
}

TEST(SignatureVerifier, LowestFailureWhateverTheScheduling) {
  auto txs = signed_txs(400);
  for (std::size_t i : {399u, 250u, 33u, 34u, 200u}) txs[i].signature[7] ^= 1;
  txs[100].chain_id = 99;  // another rule, not the lowest
  for (unsigned threads : {1U, 2U, 3U, 8U}) {
    SignatureVerifier v(threads);
    for (int run = 0; run < 20; ++run) {
      const auto f = v.run(pointers(txs), test::kChainId);
      ASSERT_TRUE(f);
      EXPECT_EQ(f->index, 33u) << threads << " threads, run " << run;
      EXPECT_EQ(f->error.code, primitives::TxCheckError::kInvalidSignature);
    }
  }
  // Fixing the first two moves the answer to the wrong chain id at 100.
  txs[33].signature[7] ^= 1;
  txs[34].signature[7] ^= 1;
  SignatureVerifier v(4);
  const auto f = v.run(pointers(txs), test::kChainId);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->index, 100u);
  EXPECT_EQ(f->error.code, primitives::TxCheckError::kWrongChain);
}

TEST(SignatureVerifier, NullEntriesAreSkipped) {
  auto txs = signed_txs(64);
  txs[10].signature[7] ^= 1;
  auto ptrs = pointers(txs);
  ptrs[10] = nullptr;  // vouched for by the caller
  SignatureVerifier v(2);
  EXPECT_FALSE(v.run(ptrs, test::kChainId));
  EXPECT_FALSE(v.run({}, test::kChainId));
}

}  // namespace
}  // namespace cloudchain::chain
