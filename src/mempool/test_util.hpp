#pragma once
// Helpers shared by the mempool's tests (not part of the library): real keys, really
// signed transactions, and a real StateOverlay behind the AccountView.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "crypto/address.hpp"
#include "crypto/keys.hpp"
#include "mempool/account_view.hpp"
#include "primitives/transaction.hpp"
#include "state/hashing.hpp"
#include "state/node_store.hpp"
#include "state/overlay.hpp"

namespace cloudchain::mempool::test {

inline constexpr std::uint32_t kChainId = 7;

/// A distinct valid key per index (a small scalar, so always in [1, n-1]).
inline crypto::PrivateKey key_of(std::uint32_t index) {
  util::ByteArray<32> secret{};
  secret[0] = 0x01;
  secret[28] = static_cast<std::uint8_t>(index >> 24);
  secret[29] = static_cast<std::uint8_t>(index >> 16);
  secret[30] = static_cast<std::uint8_t>(index >> 8);
  secret[31] = static_cast<std::uint8_t>(index);
  return *crypto::PrivateKey::from_bytes(secret);
}

inline crypto::Address address_of(const crypto::PrivateKey& key) { return crypto::address_of(key.public_key()); }

inline primitives::Transaction signed_tx(const crypto::PrivateKey& key, std::uint64_t nonce, std::uint64_t fee,
                                         primitives::TxBody body, std::uint32_t chain_id = kChainId) {
  primitives::Transaction tx;
  tx.chain_id = chain_id;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.body = std::move(body);
  primitives::sign(tx, key);
  return tx;
}

/// A transfer of `amount` to a fixed recipient: 147 bytes encoded.
inline primitives::Transaction transfer(const crypto::PrivateKey& key, std::uint64_t nonce, std::uint64_t fee,
                                        std::uint64_t amount = 1) {
  crypto::Address to{};
  to.fill(0xB0);
  return signed_tx(key, nonce, fee, primitives::Transfer{to, amount});
}

/// An anchor with a memo of `memo_size` bytes (<= 64): 155 + memo_size bytes encoded.
inline primitives::Transaction anchor(const crypto::PrivateKey& key, std::uint64_t nonce, std::uint64_t fee,
                                      std::size_t memo_size = 0) {
  primitives::Anchor body;
  body.digest.fill(0xAD);
  body.memo.assign(memo_size, 'm');
  return signed_tx(key, nonce, fee, std::move(body));
}

/// A real state: an overlay over an in-memory node store, seen as the next block
/// (height 1) would see it.
class TestState {
 public:
  TestState() = default;
  TestState(const TestState&) = delete;
  TestState& operator=(const TestState&) = delete;

  void set(const crypto::Address& address, std::uint64_t balance, std::uint64_t nonce = 0) {
    state::Account account;
    account.balance = balance;
    account.nonce = nonce;
    overlay.set_account(address, account);
  }
  void set(const crypto::PrivateKey& key, std::uint64_t balance, std::uint64_t nonce = 0) {
    set(address_of(key), balance, nonce);
  }

  state::MemoryNodeStore store;
  state::StateOverlay overlay{store, state::kEmptyHash};
  OverlayAccountView view{overlay, 1};
};

/// A state whose root is not in its store: every read fails with kMissingNode.
class BrokenState {
 public:
  BrokenState() = default;
  BrokenState(const BrokenState&) = delete;
  BrokenState& operator=(const BrokenState&) = delete;

  state::MemoryNodeStore store;
  state::StateOverlay overlay{store, util::Hash256{0x42}};
  OverlayAccountView view{overlay, 1};
};

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : m_path(std::filesystem::temp_directory_path() /
               ("cloudchain-mempool-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

}  // namespace cloudchain::mempool::test
