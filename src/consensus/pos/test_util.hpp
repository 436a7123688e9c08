#pragma once
// Shared fixtures for the PoS tests (not part of the library).

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "consensus/pos/validator_set.hpp"
#include "crypto/keys.hpp"

namespace cloudchain::consensus::pos::test {

/// A real secp256k1 key with secret (i + 1, i + 1, ...). REQUIRES: i < 255.
inline crypto::PrivateKey key(std::size_t i) {
  util::ByteArray<32> secret{};
  secret.fill(static_cast<std::uint8_t>(i + 1));
  auto k = crypto::PrivateKey::from_bytes(secret);
  if (!k) std::abort();
  return *k;
}

/// A set of validators key(0), key(1), ... with these powers. REQUIRES: a valid set.
inline ValidatorSet make_set(const std::vector<std::uint64_t>& powers, std::uint64_t first_height = 1) {
  std::vector<Validator> vals;
  for (std::size_t i = 0; i < powers.size(); ++i) vals.push_back({key(i).public_key(), powers[i]});
  auto set = ValidatorSet::create(std::move(vals), first_height);
  if (!set) std::abort();
  return *set;
}

/// A fresh empty directory under the system temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cloudchain-pos-XXXXXX").string();
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

}  // namespace cloudchain::consensus::pos::test
