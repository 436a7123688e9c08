#pragma once
// Helpers shared by the wallet tests.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "crypto/keys.hpp"
#include "wallet/keystore.hpp"

namespace cloudchain::wallet::test {

inline constexpr std::string_view kHrp = "cctest";
inline constexpr std::string_view kPassword = "correct horse battery staple";

/// The private key whose 32 bytes all equal `b` (b = 1 is "alice" of docs/protocol.md).
inline crypto::PrivateKey key_of(std::uint8_t b) {
  util::ByteArray<32> secret{};
  secret.fill(b);
  return crypto::PrivateKey::from_bytes(secret).value();
}

/// A key file for key_of(b) with the fast test profile.
inline KeystoreFile file_of(std::uint8_t b, std::string_view label = "") {
  return encrypt_key(key_of(b), kPassword, kHrp, KdfProfile::kMinimal, label).value();
}

/// The documented vector (docs/keystore.md): key_of(1), kPassword, salt 00..0f,
/// nonce 10..27, 1 pass over 64 KiB, label "alice", network "cctest".
inline constexpr std::string_view kVectorJson = R"({
  "version": 1,
  "address": "cctest1xjxgsfkfmkv5p3epdtm5gdra6g3e76tq5lrxzg",
  "public_key": "031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f",
  "kdf": {
    "name": "argon2id13",
    "opslimit": 1,
    "memlimit": 65536,
    "salt": "000102030405060708090a0b0c0d0e0f"
  },
  "cipher": {
    "name": "xchacha20poly1305-ietf",
    "nonce": "101112131415161718191a1b1c1d1e1f2021222324252627"
  },
  "ciphertext": "09828814c925a7f96d867df046ec2ea6023ed76edf0bfa1ea708fc4cd0135b1349f0b49eedf81eaf6ae5ce29cd463a91",
  "label": "alice"
}
)";

/// A fresh empty directory under the system temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cloudchain-wallet-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
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

}  // namespace cloudchain::wallet::test
