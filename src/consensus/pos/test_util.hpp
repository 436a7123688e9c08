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
#include "util/temp_dir.hpp"

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

/// A temporary directory for the PoS tests (util::TempDir).
class TempDir : public util::TempDir {
 public:
  TempDir() : util::TempDir("pos") {}
};

}  // namespace cloudchain::consensus::pos::test
