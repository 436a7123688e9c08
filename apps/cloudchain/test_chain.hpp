#pragma once
// Test support: chain data built from the real lower layers (state tree, primitives), for
// tests that check the CLI verifies what a node sends. Nothing here is a stand-in for
// consensus code: roots, proofs, hashes and signatures are computed by the real
// functions.

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/keys.hpp"
#include "primitives/header.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"

namespace cloudchain::cli::test {

/// The private key whose 32 bytes all equal `b`.
crypto::PrivateKey key_of(std::uint8_t b);

/// A state tree with some accounts, and the node's account answer (api.md "Account")
/// for any address, proof included.
class StateFixture {
 public:
  /// Sets (or, with the zero account, deletes) an account and updates the root.
  void set(const crypto::Address& address, const state::Account& account);
  const util::Hash256& root() const { return m_root; }
  /// The /v1/accounts/{address} answer at a block of `height` and `block_hash`.
  nlohmann::json answer(const crypto::Address& address, const std::string& hrp, std::uint64_t height,
                        const util::Hash256& block_hash, std::uint64_t next_nonce) const;

 private:
  state::MemoryNodeStore m_store;
  util::Hash256 m_root{};
  std::map<crypto::Address, state::Account> m_accounts;
};

/// A PoW header (bits 0x207fffff, mined) at `height` with the given roots.
primitives::BlockHeader make_header(std::uint32_t chain_id, std::uint64_t height, const util::Hash256& tx_root,
                                    const util::Hash256& state_root);

}  // namespace cloudchain::cli::test
