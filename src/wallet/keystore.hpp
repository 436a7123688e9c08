#pragma once
// Encrypted keystore files for the CLI wallet: one secp256k1 private key per JSON file,
// encrypted under a password. Format and every parameter: docs/keystore.md.
//
//   {"version":1, "address":"<bech32m>", "public_key":"<hex 33>",
//    "kdf":{"name":"argon2id13","opslimit":N,"memlimit":M,"salt":"<hex 16>"},
//    "cipher":{"name":"xchacha20poly1305-ietf","nonce":"<hex 24>"},
//    "ciphertext":"<hex 48>", "label":"..."}
//
//   key        = Argon2id v1.3 (libsodium crypto_pwhash) of the password with salt,
//                opslimit, memlimit; 32 bytes
//   ciphertext = XChaCha20-Poly1305-IETF(key, nonce, secret[32], aad) = 32 bytes + 16 tag
//   aad        = "cloudchain/keystore" || version:u8 || public_key[33] || address (ASCII)
//
// The associated data binds the version, public key and address to the ciphertext, so
// changing any of them (or the salt, KDF parameters, nonce or ciphertext) fails
// authentication. The label is not authenticated: it is a local name that can be edited
// without the password, and it never selects which secret is decrypted for an address.
//
// Rules for reading (parse_keystore, decrypt_key), each with its own KeystoreError:
// - the document is at most kMaxKeystoreBytes, valid JSON (UTF-8), one object, no
//   duplicate keys; every field present with its JSON type; no unknown fields;
// - hex is lower case with exactly the stated number of bytes; the address is the
//   canonical (lower-case) bech32m spelling of 20 bytes; the public key is a valid
//   compressed point and the address is derived from it;
// - opslimit and memlimit lie within kOpsLimitMin..Max and kMemLimitMin..Max (memlimit a
//   multiple of 1 KiB), checked before any KDF work, so a hostile file can neither make
//   us allocate without bound nor run the KDF for long;
// - the label is at most kMaxLabelBytes of UTF-8 with no control characters.
//
// Thread-safety: every function may be called from any thread concurrently.
// Secrets: the derived key and decrypted secret bytes are wiped with sodium_memzero
// before these functions return; the PrivateKey returned wipes itself on destruction.
// Passwords are borrowed (never copied); see Password for holding one.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/keys.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::wallet {

using util::ByteArray;

enum class KeystoreError {
  kMalformedJson,        // the document is valid JSON, at most kMaxKeystoreBytes, one object, no duplicate keys
  kMissingField,         // every field of the format is present (detail names the missing one)
  kBadField,             // each field has its type, hex length, canonical form; no unknown fields (detail names it)
  kUnsupportedVersion,   // version is 1
  kUnsupportedKdf,       // kdf.name is "argon2id13"
  kUnsupportedCipher,    // cipher.name is "xchacha20poly1305-ietf"
  kKdfParamsOutOfRange,  // opslimit and memlimit within the bounds below (checked before any KDF work)
  kKdfFailed,            // local: libsodium could not run Argon2id (out of memory)
  kWrongPassword,        // authentication failed: wrong password, or the file was tampered with
  kAddressMismatch,      // address = address_of(public_key) on the expected network, and the secret's own key
  kBadSecretKey,         // the decrypted secret is a valid private key (in [1, n-1])
  kIo,                   // local: a file system call failed (detail: path and strerror)
  kExists,               // a key with this address or label is already in the keystore
  kNotFound,             // no key or keystore directory by that name
  kAmbiguous,            // a label names more than one key
};
std::string_view to_string(KeystoreError e);

using KeystoreResultError = util::Error<KeystoreError>;

inline constexpr std::uint32_t kKeystoreVersion = 1;
inline constexpr std::size_t kMaxKeystoreBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxLabelBytes = 64;
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kNonceBytes = 24;
inline constexpr std::size_t kCiphertextBytes = 32 + 16;  // secret + Poly1305 tag

// Bounds accepted on read. The upper ones keep the worst case near 10 passes over 1 GiB
// (libsodium's SENSITIVE profile is 4 passes over 1 GiB); the lower ones are libsodium's
// Argon2id minimums.
inline constexpr std::uint64_t kOpsLimitMin = 1;
inline constexpr std::uint64_t kOpsLimitMax = 10;
inline constexpr std::uint64_t kMemLimitMin = 8ULL * 1024;
inline constexpr std::uint64_t kMemLimitMax = 1024ULL * 1024 * 1024;

/// How hard the password is stretched when a key is encrypted.
enum class KdfProfile {
  kModerate,     // libsodium MODERATE: 3 passes over 256 MiB (~1 s). The default for real keys.
  kInteractive,  // libsodium INTERACTIVE: 2 passes over 64 MiB.
  kMinimal,      // 1 pass over 64 KiB: unit tests and throwaway devnet keys only; offers little protection.
};

struct KdfParams {
  std::uint64_t opslimit = 0;
  std::uint64_t memlimit = 0;  // bytes
  ByteArray<kSaltBytes> salt{};
  friend bool operator==(const KdfParams&, const KdfParams&) = default;
};

/// The opslimit and memlimit of a profile (salt left zero).
KdfParams kdf_params(KdfProfile profile);

/// One keystore file, as parsed or about to be written. The KDF and cipher names are
/// implied by the version. A value returned by encrypt_key or parse_keystore satisfies
/// every rule above; one built by hand is checked again by decrypt_key and Keystore::save.
struct KeystoreFile {
  std::uint32_t version = kKeystoreVersion;
  std::string address;  // bech32m, lower case, with the network's prefix
  crypto::PublicKey public_key{};
  KdfParams kdf;
  ByteArray<kNonceBytes> nonce{};
  ByteArray<kCiphertextBytes> ciphertext{};
  std::string label;
  friend bool operator==(const KeystoreFile&, const KeystoreFile&) = default;
};

/// Encrypts `key` under `password` with a fresh random salt and nonce, for the network
/// whose address prefix is `hrp` (e.g. "cc", "cctest", "ccdev"; must be a valid lower-case
/// bech32m prefix).
/// Errors: kBadField when `label` breaks the label rule; kKdfFailed when Argon2id cannot
/// get its memory. Throws std::runtime_error only if libsodium cannot initialise.
util::Result<KeystoreFile, KeystoreError> encrypt_key(const crypto::PrivateKey& key, std::string_view password,
                                                      std::string_view hrp, KdfProfile profile, std::string_view label);

/// Decrypts the key of `file`, expecting an address on network `hrp`.
/// Errors, cheap checks first: any structural rule above (kUnsupportedVersion, kBadField,
/// kKdfParamsOutOfRange, kAddressMismatch); kAddressMismatch when the address belongs to
/// another network; kKdfFailed; kWrongPassword when authentication fails; kBadSecretKey
/// when the plaintext is not a private key; kAddressMismatch when the secret's public key
/// or address differs from the stored one. Throws std::runtime_error only if libsodium
/// cannot initialise.
util::Result<crypto::PrivateKey, KeystoreError> decrypt_key(const KeystoreFile& file, std::string_view password,
                                                            std::string_view hrp);

/// Parses and checks a keystore document (the rules above); does no KDF work.
util::Result<KeystoreFile, KeystoreError> parse_keystore(std::string_view json);

/// The document for `file`: the fields in the documented order, two-space indented,
/// lower-case hex, newline-terminated. For every valid file,
/// parse_keystore(to_json(f)) == f. Never throws (invalid UTF-8 in a hand-built label is
/// replaced, and then fails parsing).
std::string to_json(const KeystoreFile& file);

/// Checks every structural rule of `file` (what parse_keystore enforces beyond JSON
/// syntax). Does no KDF work.
util::Result<void, KeystoreError> check_keystore(const KeystoreFile& file);

/// Checks a label: at most kMaxLabelBytes of valid UTF-8, no C0 control characters or DEL.
util::Result<void, KeystoreError> check_label(std::string_view label);

/// A password held in memory that is wiped (sodium_memzero) when destroyed. Move-only.
/// consume() copies a caller's string and wipes the caller's whole buffer, so the
/// password lives in one place only.
class Password {
 public:
  Password() = default;
  explicit Password(std::string_view text);
  /// Takes the contents of `text` and wipes it (all of its capacity), leaving it empty.
  static Password consume(std::string& text);

  Password(Password&& other) noexcept;
  Password& operator=(Password&& other) noexcept;
  Password(const Password&) = delete;
  Password& operator=(const Password&) = delete;
  ~Password();

  std::string_view view() const { return {m_data.get(), m_size}; }

 private:
  void wipe() noexcept;
  // A plain heap buffer rather than std::string: a short std::string keeps its bytes inline
  // and a move copies them, leaving a copy behind that nobody wipes.
  std::unique_ptr<char[]> m_data;
  std::size_t m_size = 0;
};

}  // namespace cloudchain::wallet
