#include "crypto/address.hpp"

#include <algorithm>

#include "crypto/sha256.hpp"

namespace cloudchain::crypto {

Address address_of(const PublicKey& key) {
  // The tag prefix is one compression; computing it once saves it on every call.
  static const TaggedHasher kHasher("cloudchain/address");
  const Hash256 digest = kHasher.hash(key);
  Address out{};
  std::copy_n(digest.begin(), out.size(), out.begin());
  return out;
}

std::string encode_address(std::string_view hrp, const Address& address) {
  return util::bech32m_encode_bytes(hrp, address);
}

util::Result<Address, util::Bech32Error> decode_address(std::string_view text, std::string_view hrp) {
  auto bytes = util::bech32m_decode_bytes(text, hrp);
  if (!bytes) return std::unexpected(bytes.error());
  Address out{};
  if (bytes->size() != out.size()) {
    return util::fail(util::Bech32Error::kWrongDataLength, std::to_string(bytes->size()) + " bytes, expected 20");
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

}  // namespace cloudchain::crypto
