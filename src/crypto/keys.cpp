#include "crypto/keys.hpp"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "crypto/keys_internal.hpp"

namespace cloudchain::crypto {

namespace {

// Parsing, verification and scalar checks need no precomputed tables, so they use the
// static context (no allocation, safe from any thread). Signing and public key creation
// need a context that is not the static one; it is randomized once (blinding against
// side channels) and then only read, which libsecp256k1 allows from many threads.
struct ContextDeleter {
  void operator()(secp256k1_context* ctx) const { secp256k1_context_destroy(ctx); }
};
using ContextPtr = std::unique_ptr<secp256k1_context, ContextDeleter>;

/// Fills `out` from the OS RNG; getrandom may return short reads or EINTR.
void fill_random(std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = getrandom(out + done, size - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed");
    }
    done += static_cast<std::size_t>(n);
  }
}

ContextPtr make_signing_context() {
  ContextPtr ctx(secp256k1_context_create(SECP256K1_CONTEXT_NONE));
  if (!ctx) std::abort();
  ByteArray<32> seed{};
  fill_random(seed.data(), seed.size());
  // Only fails on an invalid context, which would be a libsecp256k1 bug.
  if (secp256k1_context_randomize(ctx.get(), seed.data()) != 1) std::abort();
  OPENSSL_cleanse(seed.data(), seed.size());
  return ctx;
}

const secp256k1_context* signing_context() {
  static const ContextPtr ctx = make_signing_context();
  return ctx.get();
}

const secp256k1_context* static_context() { return secp256k1_context_static; }

bool is_zero(const std::uint8_t* p, std::size_t size) {
  std::uint8_t acc = 0;
  for (std::size_t i = 0; i < size; ++i) acc = static_cast<std::uint8_t>(acc | p[i]);
  return acc == 0;
}

bool parse_public_key(const PublicKey& key, secp256k1_pubkey& out) {
  // A 33-byte input can only be compressed for libsecp256k1, but the prefix is checked
  // here too so the rule does not depend on the library's length dispatch.
  if (key[0] != 0x02 && key[0] != 0x03) return false;
  return secp256k1_ec_pubkey_parse(static_context(), &out, key.data(), key.size()) == 1;
}

}  // namespace

std::string_view to_string(SigError e) {
  switch (e) {
    case SigError::kBadPrivateKey: return "sig_bad_private_key";
    case SigError::kBadPublicKey: return "sig_bad_public_key";
    case SigError::kBadSignature: return "sig_bad_signature";
    case SigError::kHighS: return "sig_high_s";
    case SigError::kInvalidSignature: return "sig_invalid_signature";
  }
  return "sig_unknown";
}

PrivateKey PrivateKey::generate() {
  ByteArray<32> secret{};
  // A uniformly random 256-bit value is >= n with probability ~2^-128; retry then.
  do {
    fill_random(secret.data(), secret.size());
  } while (secp256k1_ec_seckey_verify(static_context(), secret.data()) != 1);
  PrivateKey key(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  return key;
}

util::Result<PrivateKey, SigError> PrivateKey::from_bytes(const ByteArray<32>& secret) {
  if (secp256k1_ec_seckey_verify(static_context(), secret.data()) != 1) {
    return util::fail(SigError::kBadPrivateKey, "scalar is zero or >= n");
  }
  return PrivateKey(secret);
}

PrivateKey::~PrivateKey() { OPENSSL_cleanse(m_secret.data(), m_secret.size()); }

PublicKey PrivateKey::public_key() const {
  secp256k1_pubkey pk;
  // Cannot fail: the scalar was checked when the key was made.
  if (secp256k1_ec_pubkey_create(signing_context(), &pk, m_secret.data()) != 1) std::abort();
  PublicKey out{};
  std::size_t len = out.size();
  secp256k1_ec_pubkey_serialize(static_context(), out.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
  return out;
}

Signature PrivateKey::sign(const Hash256& digest) const {
  secp256k1_ecdsa_signature sig;
  // Default nonce function is RFC 6979; the output is always low-S.
  if (secp256k1_ecdsa_sign(signing_context(), &sig, digest.data(), m_secret.data(), nullptr, nullptr) != 1) {
    std::abort();
  }
  Signature out{};
  secp256k1_ecdsa_signature_serialize_compact(static_context(), out.data(), &sig);
  return out;
}

namespace detail {

static_assert(sizeof(secp256k1_pubkey) == sizeof(DecodedKey));

util::Result<DecodedKey, SigError> decode_public_key(const PublicKey& key) {
  secp256k1_pubkey pk;
  if (!parse_public_key(key, pk)) return util::fail(SigError::kBadPublicKey, "not a compressed curve point");
  DecodedKey out;
  std::memcpy(out.data(), &pk, sizeof pk);
  return out;
}

util::Result<void, SigError> verify_decoded(const DecodedKey& key, const Hash256& digest, const Signature& sig) {
  // parse_compact rejects r or s >= n but accepts zero, which ECDSA forbids.
  secp256k1_ecdsa_signature parsed;
  if (secp256k1_ecdsa_signature_parse_compact(static_context(), &parsed, sig.data()) != 1) {
    return util::fail(SigError::kBadSignature, "r or s >= n");
  }
  if (is_zero(sig.data(), 32) || is_zero(sig.data() + 32, 32)) {
    return util::fail(SigError::kBadSignature, "r or s is zero");
  }
  // normalize returns 1 exactly when s > n/2.
  if (secp256k1_ecdsa_signature_normalize(static_context(), nullptr, &parsed) == 1) {
    return util::fail(SigError::kHighS, "s > n/2");
  }
  secp256k1_pubkey pk;
  std::memcpy(&pk, key.data(), sizeof pk);
  if (secp256k1_ecdsa_verify(static_context(), &parsed, digest.data(), &pk) != 1) {
    return util::fail(SigError::kInvalidSignature);
  }
  return {};
}

}  // namespace detail

util::Result<void, SigError> verify(const PublicKey& key, const Hash256& digest, const Signature& sig) {
  auto decoded = detail::decode_public_key(key);
  if (!decoded) return std::unexpected(std::move(decoded.error()));
  return detail::verify_decoded(*decoded, digest, sig);
}

bool is_valid_public_key(const PublicKey& key) {
  secp256k1_pubkey pk;
  return parse_public_key(key, pk);
}

}  // namespace cloudchain::crypto
