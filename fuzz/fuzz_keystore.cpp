// Keystore documents (src/wallet/keystore.hpp) from arbitrary bytes.
// Invariants: parse_keystore never crashes; an accepted document satisfies check_keystore,
// and to_json of it parses back to an equal object whose document is the same text; a
// cheap-KDF file decrypts either to the stored public key or with a defined error; any
// label check_label accepts survives to_json and parse_keystore unchanged (our UTF-8
// rule never admits what the JSON parser rejects).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/bech32m.hpp"
#include "wallet/keystore.hpp"

namespace {

using namespace cloudchain;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The documented vector (docs/keystore.md), a valid file to carry fuzzed labels.
constexpr std::string_view kVector = R"({
  "version": 1,
  "address": "cctest1xjxgsfkfmkv5p3epdtm5gdra6g3e76tq5lrxzg",
  "public_key": "031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f",
  "kdf": {"name": "argon2id13", "opslimit": 1, "memlimit": 65536, "salt": "000102030405060708090a0b0c0d0e0f"},
  "cipher": {"name": "xchacha20poly1305-ietf", "nonce": "101112131415161718191a1b1c1d1e1f2021222324252627"},
  "ciphertext": "09828814c925a7f96d867df046ec2ea6023ed76edf0bfa1ea708fc4cd0135b1349f0b49eedf81eaf6ae5ce29cd463a91",
  "label": "alice"
})";

void check_parsed(const wallet::KeystoreFile& file) {
  check(wallet::check_keystore(file).has_value());
  const std::string text = wallet::to_json(file);
  const auto back = wallet::parse_keystore(text);
  check(back.has_value() && *back == file);
  check(wallet::to_json(*back) == text);

  // Decryption runs only where the KDF is cheap, so the fuzzer keeps its speed.
  if (file.kdf.opslimit <= 2 && file.kdf.memlimit <= 64 * 1024) {
    const auto hrp = util::bech32m_decode(file.address);
    check(hrp.has_value());
    const auto key = wallet::decrypt_key(file, "correct horse battery staple", hrp->hrp);
    if (key) {
      check(key->public_key() == file.public_key);
    } else {
      const auto code = key.error().code;
      check(code == wallet::KeystoreError::kWrongPassword || code == wallet::KeystoreError::kBadSecretKey ||
            code == wallet::KeystoreError::kAddressMismatch);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto parsed = wallet::parse_keystore(text);
  if (parsed) check_parsed(*parsed);

  if (wallet::check_label(text)) {
    auto file = wallet::parse_keystore(kVector).value();
    file.label = std::string(text);
    const auto back = wallet::parse_keystore(wallet::to_json(file));
    check(back.has_value() && *back == file);
  }
  return 0;
}
