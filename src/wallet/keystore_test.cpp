// Encryption and decryption of keystore files: round trips, the documented vector, wrong
// passwords, tampering with every authenticated byte, KDF bounds, mismatched secrets.

#include "wallet/keystore.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <set>
#include <string>

#include "crypto/address.hpp"
#include "util/hex.hpp"
#include "wallet/keystore_internal.hpp"
#include "wallet/test_util.hpp"

namespace cloudchain::wallet {
namespace {

using test::file_of;
using test::key_of;
using test::kHrp;
using test::kPassword;

KeystoreError code_of(const util::Result<crypto::PrivateKey, KeystoreError>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? KeystoreError::kIo : r.error().code;
}

TEST(WalletKeystore, RoundTrip) {
  const crypto::PrivateKey key = crypto::PrivateKey::generate();
  const auto file = encrypt_key(key, kPassword, kHrp, KdfProfile::kMinimal, "savings");
  ASSERT_TRUE(file.has_value()) << file.error().detail;
  EXPECT_EQ(file->version, 1u);
  EXPECT_EQ(file->public_key, key.public_key());
  EXPECT_EQ(file->address, crypto::encode_address(kHrp, crypto::address_of(key.public_key())));
  EXPECT_EQ(file->kdf.opslimit, kdf_params(KdfProfile::kMinimal).opslimit);
  EXPECT_EQ(file->kdf.memlimit, kdf_params(KdfProfile::kMinimal).memlimit);
  EXPECT_EQ(file->label, "savings");
  // The secret itself is nowhere in the file.
  EXPECT_EQ(to_json(*file).find(util::to_hex(key.bytes())), std::string::npos);

  const auto back = decrypt_key(*file, kPassword, kHrp);
  ASSERT_TRUE(back.has_value()) << back.error().detail;
  EXPECT_EQ(back->bytes(), key.bytes());
}

TEST(WalletKeystore, RoundTripWithTheInteractiveProfileRecordsItsParameters) {
  // A real profile once (64 MiB), to show the recorded parameters are the ones used.
  const auto file = encrypt_key(key_of(3), kPassword, "cc", KdfProfile::kInteractive, "");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->kdf.opslimit, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
  EXPECT_EQ(file->kdf.memlimit, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
  EXPECT_EQ(decrypt_key(*file, kPassword, "cc").value().bytes(), key_of(3).bytes());
  KeystoreFile weaker = *file;
  weaker.kdf.memlimit = kdf_params(KdfProfile::kMinimal).memlimit;
  EXPECT_EQ(code_of(decrypt_key(weaker, kPassword, "cc")), KeystoreError::kWrongPassword);
}

TEST(WalletKeystore, ProfilesAreLibsodiumsAndWithinTheReadBounds) {
  EXPECT_EQ(kdf_params(KdfProfile::kModerate).opslimit, crypto_pwhash_argon2id_OPSLIMIT_MODERATE);
  EXPECT_EQ(kdf_params(KdfProfile::kModerate).memlimit, crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
  EXPECT_EQ(kdf_params(KdfProfile::kInteractive).opslimit, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
  EXPECT_EQ(kdf_params(KdfProfile::kMinimal).opslimit, 1u);
  EXPECT_EQ(kdf_params(KdfProfile::kMinimal).memlimit, 64u * 1024);
  for (const KdfProfile p : {KdfProfile::kModerate, KdfProfile::kInteractive, KdfProfile::kMinimal}) {
    const KdfParams k = kdf_params(p);
    EXPECT_TRUE(k.opslimit >= kOpsLimitMin && k.opslimit <= kOpsLimitMax);
    EXPECT_TRUE(k.memlimit >= kMemLimitMin && k.memlimit <= kMemLimitMax && k.memlimit % 1024 == 0);
  }
  // The read bounds admit libsodium's strongest profile, so files from other tools using it open.
  EXPECT_LE(crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, kOpsLimitMax);
  EXPECT_LE(crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE, kMemLimitMax);
}

TEST(WalletKeystore, FreshSaltAndNonceEachTime) {
  const KeystoreFile a = file_of(1);
  const KeystoreFile b = file_of(1);
  EXPECT_NE(a.kdf.salt, b.kdf.salt);
  EXPECT_NE(a.nonce, b.nonce);
  EXPECT_NE(a.ciphertext, b.ciphertext);
}

TEST(WalletKeystore, DocumentedVectorDecryptsAndIsReproduced) {
  const auto file = parse_keystore(test::kVectorJson);
  ASSERT_TRUE(file.has_value()) << file.error().detail;
  EXPECT_EQ(decrypt_key(*file, kPassword, kHrp).value().bytes(), key_of(1).bytes());
  // Sealing the same inputs gives the same document, byte for byte.
  const auto sealed =
      internal::seal(key_of(1).bytes(), file->public_key, file->address, kPassword, file->kdf, file->nonce, "alice");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(to_json(*sealed), test::kVectorJson);
  // The associated data layout of docs/keystore.md.
  const std::string expected_aad = util::to_hex(util::as_bytes(std::string_view("cloudchain/keystore"))) + "01" +
                                   util::to_hex(file->public_key) +
                                   util::to_hex(util::as_bytes(std::string_view(file->address)));
  EXPECT_EQ(util::to_hex(internal::associated_data(*file)), expected_aad);
}

TEST(WalletKeystore, WrongPasswordIsRejected) {
  const KeystoreFile file = file_of(1);
  for (const std::string_view wrong :
       {"", "correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple "}) {
    const auto r = decrypt_key(file, wrong, kHrp);
    ASSERT_EQ(code_of(r), KeystoreError::kWrongPassword) << wrong;
    // The message names both causes: the user cannot tell them apart, nor can we.
    EXPECT_NE(r.error().detail.find("wrong password"), std::string::npos);
    EXPECT_NE(r.error().detail.find("tampered"), std::string::npos);
  }
}

TEST(WalletKeystore, EmptyPasswordIsAPasswordLikeAnyOther) {
  const auto file = encrypt_key(key_of(2), "", kHrp, KdfProfile::kMinimal, "");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(decrypt_key(*file, "", kHrp).value().bytes(), key_of(2).bytes());
  EXPECT_EQ(code_of(decrypt_key(*file, " ", kHrp)), KeystoreError::kWrongPassword);
}

template <std::size_t N>
void expect_every_bit_flip_fails(const KeystoreFile& file, util::ByteArray<N> KeystoreFile::* field) {
  for (std::size_t i = 0; i < N; ++i) {
    for (const std::uint8_t bit : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      KeystoreFile t = file;
      (t.*field)[i] ^= bit;
      EXPECT_EQ(code_of(decrypt_key(t, kPassword, kHrp)), KeystoreError::kWrongPassword) << "byte " << i;
    }
  }
}

TEST(WalletKeystore, TamperedCiphertextOrNonceFailsAuthentication) {
  const KeystoreFile file = file_of(1);
  expect_every_bit_flip_fails(file, &KeystoreFile::ciphertext);
  expect_every_bit_flip_fails(file, &KeystoreFile::nonce);
}

TEST(WalletKeystore, TamperedSaltOrKdfParametersFailAuthentication) {
  const KeystoreFile file = file_of(1);
  for (std::size_t i = 0; i < file.kdf.salt.size(); ++i) {
    KeystoreFile t = file;
    t.kdf.salt[i] ^= 0x01;
    EXPECT_EQ(code_of(decrypt_key(t, kPassword, kHrp)), KeystoreError::kWrongPassword) << "salt byte " << i;
  }
  KeystoreFile ops = file;
  ops.kdf.opslimit = 2;
  EXPECT_EQ(code_of(decrypt_key(ops, kPassword, kHrp)), KeystoreError::kWrongPassword);
  KeystoreFile mem = file;
  mem.kdf.memlimit = 128 * 1024;
  EXPECT_EQ(code_of(decrypt_key(mem, kPassword, kHrp)), KeystoreError::kWrongPassword);
}

TEST(WalletKeystore, PublicKeyAndAddressSwappedForAnotherKeyFailAuthentication) {
  // A consistent (public key, address) pair of someone else: every structural check
  // passes, so only the associated data can catch it.
  KeystoreFile t = file_of(1);
  const KeystoreFile other = file_of(2);
  t.public_key = other.public_key;
  t.address = other.address;
  EXPECT_EQ(code_of(decrypt_key(t, kPassword, kHrp)), KeystoreError::kWrongPassword);
}

TEST(WalletKeystore, AddressOfAnotherKeyIsAMismatch) {
  KeystoreFile t = file_of(1);
  t.address = file_of(2).address;
  EXPECT_EQ(code_of(decrypt_key(t, kPassword, kHrp)), KeystoreError::kAddressMismatch);
}

TEST(WalletKeystore, PublicKeyChangesAreRejectedBeforeTheKdf) {
  const KeystoreFile file = file_of(1);
  for (std::size_t i = 0; i < file.public_key.size(); ++i) {
    KeystoreFile t = file;
    t.public_key[i] ^= 0x01;
    const auto r = decrypt_key(t, kPassword, kHrp);
    // Not a point, or a point whose address is not the stored one.
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().code == KeystoreError::kBadField || r.error().code == KeystoreError::kAddressMismatch)
        << "byte " << i << ": " << to_string(r.error().code);
  }
}

TEST(WalletKeystore, AddressOnAnotherNetwork) {
  const KeystoreFile file = file_of(1);
  // Decrypting a test-network key for the main network is refused up front.
  EXPECT_EQ(code_of(decrypt_key(file, kPassword, "cc")), KeystoreError::kAddressMismatch);
  // Relabelling the address to another network (valid checksum, same 20 bytes) is caught
  // by the associated data even when the caller asks for that network.
  KeystoreFile moved = file;
  moved.address = crypto::encode_address("cc", crypto::address_of(file.public_key));
  EXPECT_EQ(code_of(decrypt_key(moved, kPassword, "cc")), KeystoreError::kWrongPassword);
}

TEST(WalletKeystore, BadSecretKeysAreReported) {
  const KeystoreFile ref = file_of(1);
  const util::ByteArray<32> zero{};
  const auto order =
      util::from_hex_array<32>("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").value();
  for (const auto& secret : {zero, order}) {
    const auto sealed = internal::seal(secret, ref.public_key, ref.address, kPassword, ref.kdf, ref.nonce, "");
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(code_of(decrypt_key(*sealed, kPassword, kHrp)), KeystoreError::kBadSecretKey);
  }
}

TEST(WalletKeystore, SecretOfAnotherKeyIsAMismatch) {
  // A well-formed file for key 1 whose ciphertext holds key 2's secret.
  const KeystoreFile ref = file_of(1);
  const auto sealed = internal::seal(key_of(2).bytes(), ref.public_key, ref.address, kPassword, ref.kdf, ref.nonce, "");
  ASSERT_TRUE(sealed.has_value());
  const auto r = decrypt_key(*sealed, kPassword, kHrp);
  EXPECT_EQ(code_of(r), KeystoreError::kAddressMismatch);
}

TEST(WalletKeystore, KdfParamsOutOfRangeAreRejectedQuickly) {
  const KeystoreFile file = file_of(1);
  struct Case {
    std::uint64_t ops, mem;
  };
  // Each of these would either run long, allocate up to 2^64 bytes, or (just past a bound)
  // run and then fail authentication if the bound were not checked first.
  const Case cases[] = {
      {0, 64 * 1024},  {kOpsLimitMax + 1, 64 * 1024}, {~std::uint64_t{0}, 64 * 1024},
      {1, 0},          {1, kMemLimitMin - 1024},      {1, kMemLimitMax + 1024},
      {1, 1ULL << 40}, {1, ~std::uint64_t{0}},        {1, 64 * 1024 + 1},  // not whole KiB
  };
  const auto start = std::chrono::steady_clock::now();
  for (const Case& c : cases) {
    KeystoreFile t = file;
    t.kdf.opslimit = c.ops;
    t.kdf.memlimit = c.mem;
    const auto r = decrypt_key(t, kPassword, kHrp);
    EXPECT_EQ(code_of(r), KeystoreError::kKdfParamsOutOfRange) << c.ops << " " << c.mem;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(WalletKeystore, UnsupportedVersionInAStructIsRejected) {
  KeystoreFile t = file_of(1);
  t.version = 2;
  EXPECT_EQ(code_of(decrypt_key(t, kPassword, kHrp)), KeystoreError::kUnsupportedVersion);
}

TEST(WalletKeystore, LabelRules) {
  const crypto::PrivateKey key = key_of(1);
  const auto encrypt = [&](std::string_view label) {
    return encrypt_key(key, kPassword, kHrp, KdfProfile::kMinimal, label);
  };
  EXPECT_TRUE(encrypt("").has_value());
  EXPECT_TRUE(encrypt(std::string(kMaxLabelBytes, 'a')).has_value());
  EXPECT_TRUE(encrypt("cl\xc3\xa9 \xf0\x9f\x94\x91 savings").has_value());  // "clé 🔑 savings"
  const std::string bad[] = {
      std::string(kMaxLabelBytes + 1, 'a'),
      "tab\there",
      std::string("nul\0byte", 8),
      "del\x7f",
      "esc\x1b[31m",
      "c1 csi \xc2\x9b",    // U+009B, a terminal escape
      "lone \x80",          // continuation byte without a lead
      "overlong \xc0\xaf",  // '/' in two bytes
      "surrogate \xed\xa0\x80",
      "too big \xf4\x90\x80\x80",
      "truncated \xe2\x82",
  };
  for (const std::string& label : bad) {
    const auto r = encrypt(label);
    ASSERT_FALSE(r.has_value()) << label;
    EXPECT_EQ(r.error().code, KeystoreError::kBadField);
    EXPECT_NE(r.error().detail.find("label"), std::string::npos);
  }
}

TEST(WalletKeystore, EveryErrorCodeHasADistinctName) {
  const KeystoreError all[] = {
      KeystoreError::kMalformedJson,
      KeystoreError::kMissingField,
      KeystoreError::kBadField,
      KeystoreError::kUnsupportedVersion,
      KeystoreError::kUnsupportedKdf,
      KeystoreError::kUnsupportedCipher,
      KeystoreError::kKdfParamsOutOfRange,
      KeystoreError::kKdfFailed,
      KeystoreError::kWrongPassword,
      KeystoreError::kAddressMismatch,
      KeystoreError::kBadSecretKey,
      KeystoreError::kIo,
      KeystoreError::kExists,
      KeystoreError::kNotFound,
      KeystoreError::kAmbiguous,
  };
  std::set<std::string_view> names;
  for (const KeystoreError e : all) {
    EXPECT_TRUE(to_string(e).starts_with("keystore_"));
    EXPECT_NE(to_string(e), "keystore_unknown");
    names.insert(to_string(e));
  }
  EXPECT_EQ(names.size(), std::size(all));
}

TEST(WalletPassword, ConsumeWipesTheSource) {
  for (const std::size_t size : {std::size_t{5}, std::size_t{100}}) {  // short (inline) and heap strings
    std::string typed(size, 'p');
    const char* buffer = typed.data();
    const std::size_t capacity = typed.capacity();
    const Password password = Password::consume(typed);
    EXPECT_EQ(password.view(), std::string(size, 'p'));
    EXPECT_TRUE(typed.empty());
    EXPECT_EQ(typed.data(), buffer);  // wiped in place, not reallocated away
    for (std::size_t i = 0; i < capacity; ++i) EXPECT_EQ(buffer[i], '\0') << i;
  }
}

TEST(WalletPassword, MovesLeaveNoCopyBehind) {
  Password a("secret");
  const char* where = a.view().data();
  Password b(std::move(a));
  EXPECT_EQ(b.view(), "secret");
  EXPECT_EQ(b.view().data(), where);  // the buffer moved; no second copy exists
  EXPECT_TRUE(a.view().empty());      // NOLINT(bugprone-use-after-move): checking the moved-from state
  Password c;
  c = std::move(b);
  EXPECT_EQ(c.view(), "secret");
  EXPECT_TRUE(Password().view().empty());
}

}  // namespace
}  // namespace cloudchain::wallet
