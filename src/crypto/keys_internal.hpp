#pragma once
// Signature verification in two steps, for crypto/ only (keys.cpp, key_cache.cpp): a
// public key decoded once (a field square root, ~10 % of a verification) can check
// many signatures. libsecp256k1's header stays out of it: a decoded key is the bytes of
// its opaque secp256k1_pubkey, which the library allows to be copied.

#include "crypto/keys.hpp"

namespace cloudchain::crypto::detail {

/// A secp256k1_pubkey's bytes (only meaningful in this process).
using DecodedKey = ByteArray<64>;

/// Decodes a 33-byte compressed key. Errors: kBadPublicKey (the rules in keys.hpp).
util::Result<DecodedKey, SigError> decode_public_key(const PublicKey& key);

/// verify() for a key decode_public_key accepted: the signature rules in keys.hpp, in the
/// same order (kBadSignature, kHighS, then kInvalidSignature).
util::Result<void, SigError> verify_decoded(const DecodedKey& key, const Hash256& digest, const Signature& sig);

}  // namespace cloudchain::crypto::detail
