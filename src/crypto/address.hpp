#pragma once
// Addresses: 20 bytes derived from a compressed public key,
//   address = first 20 bytes of tagged_hash("cloudchain/address", pubkey33)
// shown as bech32m with the network's prefix (HRP), e.g. "cc1..." on the main network,
// "cctest1..." on test networks. See docs/protocol.md.

#include <string>
#include <string_view>

#include "crypto/keys.hpp"
#include "util/bech32m.hpp"

namespace cloudchain::crypto {

using Address = util::ByteArray<20>;

Address address_of(const PublicKey& key);

std::string encode_address(std::string_view hrp, const Address& address);
/// Errors: any bech32m error, kWrongPrefix for another network's address,
/// kWrongDataLength when the payload is not 20 bytes.
util::Result<Address, util::Bech32Error> decode_address(std::string_view text, std::string_view hrp);

}  // namespace cloudchain::crypto
