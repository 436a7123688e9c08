#include "wallet/keystore.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "crypto/address.hpp"
#include "util/bech32m.hpp"
#include "util/hex.hpp"
#include "wallet/keystore_internal.hpp"

namespace cloudchain::wallet {

namespace {

using util::fail;

// sodium_init picks the fastest Argon2 and ChaCha20 code for this CPU and seeds the RNG;
// it must run before any other libsodium call. A function-local static runs it once,
// thread-safely.
void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium: sodium_init failed");
}

/// A fixed-size secret buffer that is wiped when it goes out of scope, on every path.
template <std::size_t N>
struct Wiped {
  ByteArray<N> bytes{};
  Wiped() = default;
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  ~Wiped() { sodium_memzero(bytes.data(), bytes.size()); }
};

util::Result<void, KeystoreError> derive_key(std::string_view password, const KdfParams& kdf,
                                             ByteArray<crypto_aead_xchacha20poly1305_ietf_KEYBYTES>& out) {
  static_assert(kSaltBytes == crypto_pwhash_SALTBYTES);
  // An empty string_view may carry a null pointer; libsodium wants a valid one.
  const char* pw = password.empty() ? "" : password.data();
  if (crypto_pwhash(out.data(), out.size(), pw, password.size(), kdf.salt.data(), kdf.opslimit,
                    static_cast<std::size_t>(kdf.memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(KeystoreError::kKdfFailed, "argon2id could not allocate " + std::to_string(kdf.memlimit) + " bytes");
  }
  return {};
}

/// One UTF-8 code point starting at s[i] (which is >= 0x80): its length, or 0 when the
/// sequence is invalid (truncated, overlong, a surrogate, above U+10FFFF) or is a C1
/// control character (U+0080..U+009F, which terminals treat as escape sequences).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1Fu, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0Fu, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  if (cp <= 0x9F) return 0;
  return len;
}

}  // namespace

std::string_view to_string(KeystoreError e) {
  switch (e) {
    case KeystoreError::kMalformedJson: return "keystore_malformed_json";
    case KeystoreError::kMissingField: return "keystore_missing_field";
    case KeystoreError::kBadField: return "keystore_bad_field";
    case KeystoreError::kUnsupportedVersion: return "keystore_unsupported_version";
    case KeystoreError::kUnsupportedKdf: return "keystore_unsupported_kdf";
    case KeystoreError::kUnsupportedCipher: return "keystore_unsupported_cipher";
    case KeystoreError::kKdfParamsOutOfRange: return "keystore_kdf_params_out_of_range";
    case KeystoreError::kKdfFailed: return "keystore_kdf_failed";
    case KeystoreError::kWrongPassword: return "keystore_wrong_password";
    case KeystoreError::kAddressMismatch: return "keystore_address_mismatch";
    case KeystoreError::kBadSecretKey: return "keystore_bad_secret_key";
    case KeystoreError::kIo: return "keystore_io";
    case KeystoreError::kExists: return "keystore_exists";
    case KeystoreError::kNotFound: return "keystore_not_found";
    case KeystoreError::kAmbiguous: return "keystore_ambiguous";
  }
  return "keystore_unknown";
}

KdfParams kdf_params(KdfProfile profile) {
  switch (profile) {
    case KdfProfile::kModerate:
      return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE, {}};
    case KdfProfile::kInteractive:
      return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE, {}};
    case KdfProfile::kMinimal: return {1, 64 * 1024ULL, {}};
  }
  return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE, {}};
}

util::Result<void, KeystoreError> check_label(std::string_view label) {
  if (label.size() > kMaxLabelBytes) {
    return fail(KeystoreError::kBadField, "label: longer than " + std::to_string(kMaxLabelBytes) + " bytes");
  }
  for (std::size_t i = 0; i < label.size();) {
    const auto c = static_cast<unsigned char>(label[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) return fail(KeystoreError::kBadField, "label: control character");
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(label, i);
    if (len == 0) return fail(KeystoreError::kBadField, "label: invalid UTF-8 or a control character");
    i += len;
  }
  return {};
}

util::Result<void, KeystoreError> check_keystore(const KeystoreFile& file) {
  if (file.version != kKeystoreVersion) {
    return fail(KeystoreError::kUnsupportedVersion, "version " + std::to_string(file.version) + " (only 1 is known)");
  }
  const KdfParams& kdf = file.kdf;
  if (kdf.opslimit < kOpsLimitMin || kdf.opslimit > kOpsLimitMax) {
    return fail(KeystoreError::kKdfParamsOutOfRange, "kdf.opslimit " + std::to_string(kdf.opslimit) + " not in [" +
                                                         std::to_string(kOpsLimitMin) + ", " +
                                                         std::to_string(kOpsLimitMax) + "]");
  }
  if (kdf.memlimit < kMemLimitMin || kdf.memlimit > kMemLimitMax) {
    return fail(KeystoreError::kKdfParamsOutOfRange, "kdf.memlimit " + std::to_string(kdf.memlimit) + " not in [" +
                                                         std::to_string(kMemLimitMin) + ", " +
                                                         std::to_string(kMemLimitMax) + "] bytes");
  }
  // Argon2 counts memory in KiB; libsodium would silently drop the rest, giving one key
  // two spellings.
  if (kdf.memlimit % 1024 != 0) {
    return fail(KeystoreError::kKdfParamsOutOfRange,
                "kdf.memlimit " + std::to_string(kdf.memlimit) + " is not a multiple of 1024");
  }
  if (!crypto::is_valid_public_key(file.public_key)) {
    return fail(KeystoreError::kBadField, "public_key: not a compressed secp256k1 point");
  }
  const auto decoded = util::bech32m_decode(file.address);
  if (!decoded) return fail(KeystoreError::kBadField, "address: " + std::string(util::to_string(decoded.error().code)));
  const auto address = crypto::decode_address(file.address, decoded->hrp);
  if (!address) return fail(KeystoreError::kBadField, "address: " + std::string(util::to_string(address.error().code)));
  if (crypto::encode_address(decoded->hrp, *address) != file.address) {
    return fail(KeystoreError::kBadField, "address: not in canonical lower case");
  }
  if (*address != crypto::address_of(file.public_key)) {
    return fail(KeystoreError::kAddressMismatch,
                "address " + file.address + " is not derived from public_key " + util::to_hex(file.public_key));
  }
  return check_label(file.label);
}

namespace internal {

util::Bytes associated_data(const KeystoreFile& file) {
  util::Bytes aad;
  aad.reserve(kAadTag.size() + 1 + file.public_key.size() + file.address.size());
  util::append(aad, util::as_bytes(kAadTag));
  aad.push_back(static_cast<std::uint8_t>(file.version));
  util::append(aad, file.public_key);
  util::append(aad, util::as_bytes(file.address));
  return aad;
}

util::Result<KeystoreFile, KeystoreError> seal(const ByteArray<32>& secret, const crypto::PublicKey& public_key,
                                               std::string_view address, std::string_view password,
                                               const KdfParams& kdf, const ByteArray<kNonceBytes>& nonce,
                                               std::string_view label) {
  static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  static_assert(kCiphertextBytes == 32 + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  ensure_sodium();
  KeystoreFile file;
  file.address = std::string(address);
  file.public_key = public_key;
  file.kdf = kdf;
  file.nonce = nonce;
  file.label = std::string(label);

  Wiped<crypto_aead_xchacha20poly1305_ietf_KEYBYTES> key;
  if (auto derived = derive_key(password, kdf, key.bytes); !derived) return std::unexpected(derived.error());
  const util::Bytes aad = associated_data(file);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(file.ciphertext.data(), &written, secret.data(), secret.size(), aad.data(),
                                             aad.size(), nullptr, file.nonce.data(), key.bytes.data());
  return file;
}

}  // namespace internal

util::Result<KeystoreFile, KeystoreError> encrypt_key(const crypto::PrivateKey& key, std::string_view password,
                                                      std::string_view hrp, KdfProfile profile,
                                                      std::string_view label) {
  if (auto ok = check_label(label); !ok) return std::unexpected(ok.error());
  ensure_sodium();
  KdfParams kdf = kdf_params(profile);
  randombytes_buf(kdf.salt.data(), kdf.salt.size());
  ByteArray<kNonceBytes> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  const crypto::PublicKey public_key = key.public_key();
  const std::string address = crypto::encode_address(hrp, crypto::address_of(public_key));
  return internal::seal(key.bytes(), public_key, address, password, kdf, nonce, label);
}

util::Result<crypto::PrivateKey, KeystoreError> decrypt_key(const KeystoreFile& file, std::string_view password,
                                                            std::string_view hrp) {
  if (auto ok = check_keystore(file); !ok) return std::unexpected(ok.error());
  if (auto on_network = crypto::decode_address(file.address, hrp); !on_network) {
    return fail(KeystoreError::kAddressMismatch,
                "address " + file.address + " is not an address of network '" + std::string(hrp) + "'");
  }
  ensure_sodium();
  Wiped<crypto_aead_xchacha20poly1305_ietf_KEYBYTES> key;
  if (auto derived = derive_key(password, file.kdf, key.bytes); !derived) return std::unexpected(derived.error());
  const util::Bytes aad = internal::associated_data(file);
  Wiped<32> secret;
  unsigned long long secret_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret.bytes.data(), &secret_size, nullptr, file.ciphertext.data(),
                                                 file.ciphertext.size(), aad.data(), aad.size(), file.nonce.data(),
                                                 key.bytes.data()) != 0) {
    return fail(KeystoreError::kWrongPassword,
                "authentication failed: wrong password, or the file was tampered with (ciphertext, nonce, salt, "
                "kdf parameters, version, address or public key changed)");
  }
  auto private_key = crypto::PrivateKey::from_bytes(secret.bytes);
  if (!private_key) {
    return fail(KeystoreError::kBadSecretKey, "the decrypted secret is not a secp256k1 private key in [1, n-1]");
  }
  // check_keystore tied the address to the stored public key, so comparing the secret's
  // public key with the stored one also checks the address.
  const crypto::PublicKey derived_public_key = private_key->public_key();
  if (derived_public_key != file.public_key) {
    return fail(KeystoreError::kAddressMismatch, "the decrypted secret's public key " +
                                                     util::to_hex(derived_public_key) + " is not the stored " +
                                                     util::to_hex(file.public_key));
  }
  return std::move(*private_key);
}

Password::Password(std::string_view text) : m_data(std::make_unique<char[]>(text.size() + 1)), m_size(text.size()) {
  std::copy(text.begin(), text.end(), m_data.get());
}

Password Password::consume(std::string& text) {
  Password password(text);
  // Resizing to the capacity never reallocates, and makes every byte the string ever
  // held writable through data().
  text.resize(text.capacity());
  sodium_memzero(text.data(), text.size());
  text.clear();
  return password;
}

Password::Password(Password&& other) noexcept
    : m_data(std::move(other.m_data)), m_size(std::exchange(other.m_size, 0)) {}

Password& Password::operator=(Password&& other) noexcept {
  if (this != &other) {
    wipe();
    m_data = std::move(other.m_data);
    m_size = std::exchange(other.m_size, 0);
  }
  return *this;
}

Password::~Password() { wipe(); }

void Password::wipe() noexcept {
  if (m_data) sodium_memzero(m_data.get(), m_size);
  m_data.reset();
  m_size = 0;
}

}  // namespace cloudchain::wallet
