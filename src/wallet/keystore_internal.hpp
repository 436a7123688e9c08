#pragma once
// Internals of the keystore format shared by keystore.cpp, keystore_json.cpp and the
// tests. Not part of the wallet's public API.

#include <string_view>

#include "util/bytes.hpp"
#include "wallet/keystore.hpp"

namespace cloudchain::wallet::internal {

inline constexpr std::string_view kKdfName = "argon2id13";
inline constexpr std::string_view kCipherName = "xchacha20poly1305-ietf";
inline constexpr std::string_view kAadTag = "cloudchain/keystore";

/// aad = "cloudchain/keystore" || version:u8 || public_key[33] || address (ASCII).
/// Everything before the address has a fixed length, so the layout is unambiguous.
util::Bytes associated_data(const KeystoreFile& file);

/// Encrypts `secret` into a file carrying the given public key, address, KDF parameters
/// (salt included), nonce and label, with no check that they belong together. encrypt_key
/// calls it with fresh randomness; tests and the documented vector call it with fixed
/// values, and with mismatched keys to exercise decrypt_key's checks.
/// Errors: kKdfFailed.
util::Result<KeystoreFile, KeystoreError> seal(const ByteArray<32>& secret, const crypto::PublicKey& public_key,
                                               std::string_view address, std::string_view password,
                                               const KdfParams& kdf, const ByteArray<kNonceBytes>& nonce,
                                               std::string_view label);

}  // namespace cloudchain::wallet::internal
