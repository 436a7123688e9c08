#pragma once
// secp256k1 keys and ECDSA signatures (libsecp256k1).
//
// Rules (consensus-critical, see docs/protocol.md):
// - Public keys are 33-byte compressed SEC1 points (0x02/0x03 || X). Uncompressed
//   (0x04...) and hybrid encodings, and X not on the curve, are rejected.
// - Signatures are 64 bytes compact: r (32, big-endian) || s (32, big-endian).
//   r and s must be in [1, n-1]; s must be in the lower half (s <= n/2): a high-S
//   signature is rejected, so no third party can change a transaction id by
//   negating s.
// - Signing is deterministic (RFC 6979 nonce, as libsecp256k1 does) over a 32-byte
//   digest the caller computed with a domain-separated tagged hash.
//
// Thread-safety: every function may be called from any thread concurrently.
// Private key bytes are wiped when a PrivateKey is destroyed.

#include <string_view>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::crypto {

using util::ByteArray;
using util::Hash256;

using PublicKey = ByteArray<33>;
using Signature = ByteArray<64>;

enum class SigError {
  kBadPrivateKey,     // secret key must be in [1, n-1]
  kBadPublicKey,      // 33-byte compressed point on the curve
  kBadSignature,      // r and s in [1, n-1] (compact encoding)
  kHighS,             // s <= n/2 (low-S rule against malleability)
  kInvalidSignature,  // does not verify for this key and digest
};
std::string_view to_string(SigError e);

class PrivateKey {
 public:
  /// A fresh key from the OS random number generator (getrandom). Throws
  /// std::runtime_error only if the OS RNG fails.
  static PrivateKey generate();
  /// Errors: kBadPrivateKey when the scalar is zero or >= n.
  static util::Result<PrivateKey, SigError> from_bytes(const ByteArray<32>& secret);

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();

  const ByteArray<32>& bytes() const { return m_secret; }
  PublicKey public_key() const;
  /// RFC 6979 deterministic, low-S compact signature of `digest`.
  Signature sign(const Hash256& digest) const;

 private:
  explicit PrivateKey(const ByteArray<32>& secret) : m_secret(secret) {}
  ByteArray<32> m_secret;
};

/// Checks the encoding rules above and the signature itself. Returns the first rule
/// broken: kBadPublicKey, kBadSignature, kHighS, then kInvalidSignature.
util::Result<void, SigError> verify(const PublicKey& key, const Hash256& digest, const Signature& sig);

/// True when `key` is a valid compressed point.
bool is_valid_public_key(const PublicKey& key);

}  // namespace cloudchain::crypto
