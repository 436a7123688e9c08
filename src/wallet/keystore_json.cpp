// The JSON side of the keystore format: parse_keystore (strict) and to_json (canonical).
// The rules are listed in keystore.hpp and docs/keystore.md.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <vector>

#include "util/hex.hpp"
#include "wallet/keystore.hpp"
#include "wallet/keystore_internal.hpp"

namespace cloudchain::wallet {

namespace {

using Json = nlohmann::json;
using util::fail;

constexpr std::array<std::string_view, 7> kTopFields = {"version", "address",    "public_key", "kdf",
                                                        "cipher",  "ciphertext", "label"};
constexpr std::array<std::string_view, 4> kKdfFields = {"name", "opslimit", "memlimit", "salt"};
constexpr std::array<std::string_view, 2> kCipherFields = {"name", "nonce"};

std::string path_of(std::string_view parent, std::string_view field) {
  return parent.empty() ? std::string(field) : std::string(parent) + "." + std::string(field);
}

/// Every field of `fields` present in `object`, then no others.
template <std::size_t N>
util::Result<void, KeystoreError> check_field_set(const Json& object, std::string_view parent,
                                                  const std::array<std::string_view, N>& fields) {
  for (const std::string_view field : fields) {
    if (!object.contains(field)) return fail(KeystoreError::kMissingField, path_of(parent, field));
  }
  for (const auto& item : object.items()) {
    if (std::find(fields.begin(), fields.end(), item.key()) == fields.end()) {
      return fail(KeystoreError::kBadField, "unknown field '" + path_of(parent, item.key()) + "'");
    }
  }
  return {};
}

util::Result<std::string, KeystoreError> get_string(const Json& object, std::string_view parent,
                                                    std::string_view field) {
  const Json& value = object.at(field);
  if (!value.is_string()) return fail(KeystoreError::kBadField, path_of(parent, field) + ": not a string");
  return value.get<std::string>();
}

util::Result<std::uint64_t, KeystoreError> get_unsigned(const Json& object, std::string_view parent,
                                                        std::string_view field) {
  const Json& value = object.at(field);
  // Integers that do not fit 64 bits arrive as floating point and are rejected here too.
  if (!value.is_number_unsigned()) {
    return fail(KeystoreError::kBadField, path_of(parent, field) + ": not a non-negative integer");
  }
  return value.get<std::uint64_t>();
}

/// Exactly N bytes as 2N lower-case hex digits (the spelling to_json writes).
template <std::size_t N>
util::Result<ByteArray<N>, KeystoreError> get_hex(const Json& object, std::string_view parent, std::string_view field) {
  auto text = get_string(object, parent, field);
  if (!text) return std::unexpected(text.error());
  const bool lower_hex =
      std::all_of(text->begin(), text->end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  auto bytes = util::from_hex_array<N>(*text);
  if (!lower_hex || !bytes) {
    return fail(KeystoreError::kBadField,
                path_of(parent, field) + ": expected " + std::to_string(N) + " bytes of lower-case hex");
  }
  return *bytes;
}

/// The object at `object[field]` after checking its name field, so that another KDF or
/// cipher is reported as unsupported rather than as a list of odd fields.
util::Result<const Json*, KeystoreError> get_named_object(const Json& object, std::string_view field,
                                                          std::string_view expected_name, KeystoreError unsupported) {
  const Json& value = object.at(field);
  if (!value.is_object()) return fail(KeystoreError::kBadField, std::string(field) + ": not an object");
  if (!value.contains("name")) return fail(KeystoreError::kMissingField, path_of(field, "name"));
  auto name = get_string(value, field, "name");
  if (!name) return std::unexpected(name.error());
  if (*name != expected_name) {
    return fail(unsupported,
                path_of(field, "name") + " '" + *name + "' (only '" + std::string(expected_name) + "' is known)");
  }
  return &value;
}

/// Parses JSON text without exceptions, rejecting duplicate keys anywhere: nlohmann keeps
/// the last of two equal keys, and two readers that disagree about which address a file
/// holds is exactly the ambiguity a keystore must not have.
util::Result<Json, KeystoreError> parse_json(std::string_view text) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start: open_objects.emplace_back(); break;
      case Json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() &&
            !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default: break;
    }
    return true;
  };
  Json doc = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(KeystoreError::kMalformedJson, "not valid JSON (UTF-8)");
  if (!duplicate.empty()) return fail(KeystoreError::kMalformedJson, "duplicate key '" + duplicate + "'");
  return doc;
}

}  // namespace

util::Result<KeystoreFile, KeystoreError> parse_keystore(std::string_view text) {
  if (text.size() > kMaxKeystoreBytes) {
    return fail(KeystoreError::kMalformedJson, "larger than " + std::to_string(kMaxKeystoreBytes) + " bytes");
  }
  auto parsed = parse_json(text);
  if (!parsed) return std::unexpected(parsed.error());
  const Json& doc = *parsed;
  if (!doc.is_object()) return fail(KeystoreError::kMalformedJson, "the document is not a JSON object");

  // The version first: a later version may have other fields, and saying "unsupported
  // version" is more useful than naming the first field it lacks.
  if (!doc.contains("version")) return fail(KeystoreError::kMissingField, "version");
  auto version = get_unsigned(doc, "", "version");
  if (!version) return std::unexpected(version.error());
  if (*version != kKeystoreVersion) {
    return fail(KeystoreError::kUnsupportedVersion, "version " + std::to_string(*version) + " (only 1 is known)");
  }
  if (auto ok = check_field_set(doc, "", kTopFields); !ok) return std::unexpected(ok.error());

  KeystoreFile file;
  file.version = kKeystoreVersion;

  auto kdf = get_named_object(doc, "kdf", internal::kKdfName, KeystoreError::kUnsupportedKdf);
  if (!kdf) return std::unexpected(kdf.error());
  if (auto ok = check_field_set(**kdf, "kdf", kKdfFields); !ok) return std::unexpected(ok.error());
  auto opslimit = get_unsigned(**kdf, "kdf", "opslimit");
  if (!opslimit) return std::unexpected(opslimit.error());
  auto memlimit = get_unsigned(**kdf, "kdf", "memlimit");
  if (!memlimit) return std::unexpected(memlimit.error());
  auto salt = get_hex<kSaltBytes>(**kdf, "kdf", "salt");
  if (!salt) return std::unexpected(salt.error());
  file.kdf = KdfParams{*opslimit, *memlimit, *salt};

  auto cipher = get_named_object(doc, "cipher", internal::kCipherName, KeystoreError::kUnsupportedCipher);
  if (!cipher) return std::unexpected(cipher.error());
  if (auto ok = check_field_set(**cipher, "cipher", kCipherFields); !ok) return std::unexpected(ok.error());
  auto nonce = get_hex<kNonceBytes>(**cipher, "cipher", "nonce");
  if (!nonce) return std::unexpected(nonce.error());
  file.nonce = *nonce;

  auto address = get_string(doc, "", "address");
  if (!address) return std::unexpected(address.error());
  file.address = std::move(*address);
  auto public_key = get_hex<33>(doc, "", "public_key");
  if (!public_key) return std::unexpected(public_key.error());
  file.public_key = *public_key;
  auto ciphertext = get_hex<kCiphertextBytes>(doc, "", "ciphertext");
  if (!ciphertext) return std::unexpected(ciphertext.error());
  file.ciphertext = *ciphertext;
  auto label = get_string(doc, "", "label");
  if (!label) return std::unexpected(label.error());
  file.label = std::move(*label);

  if (auto ok = check_keystore(file); !ok) return std::unexpected(ok.error());
  return file;
}

std::string to_json(const KeystoreFile& file) {
  // ordered_json keeps the documented field order (plain json sorts keys).
  nlohmann::ordered_json doc;
  doc["version"] = file.version;
  doc["address"] = file.address;
  doc["public_key"] = util::to_hex(file.public_key);
  doc["kdf"] = nlohmann::ordered_json{{"name", internal::kKdfName},
                                      {"opslimit", file.kdf.opslimit},
                                      {"memlimit", file.kdf.memlimit},
                                      {"salt", util::to_hex(file.kdf.salt)}};
  doc["cipher"] = nlohmann::ordered_json{{"name", internal::kCipherName}, {"nonce", util::to_hex(file.nonce)}};
  doc["ciphertext"] = util::to_hex(file.ciphertext);
  doc["label"] = file.label;
  return doc.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace cloudchain::wallet
