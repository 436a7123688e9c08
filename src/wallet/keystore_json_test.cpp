// parse_keystore and to_json: the canonical document, and every malformed, missing, badly
// typed or out-of-range field with its own error code.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "crypto/address.hpp"
#include "util/hex.hpp"
#include "wallet/keystore.hpp"
#include "wallet/test_util.hpp"

namespace cloudchain::wallet {
namespace {

using Json = nlohmann::json;
using test::file_of;

Json vector_doc() { return Json::parse(test::kVectorJson); }

/// Parses `doc` (serialized) and expects failure with `code` and a detail containing `mention`.
void expect_error(const Json& doc, KeystoreError code, std::string_view mention) {
  const auto r = parse_keystore(doc.dump());
  ASSERT_FALSE(r.has_value()) << doc.dump();
  EXPECT_EQ(r.error().code, code) << doc.dump() << " -> " << to_string(r.error().code) << ": " << r.error().detail;
  EXPECT_NE(r.error().detail.find(mention), std::string::npos) << r.error().detail;
}

void expect_error_text(std::string_view text, KeystoreError code) {
  const auto r = parse_keystore(text);
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_EQ(r.error().code, code) << text << " -> " << to_string(r.error().code) << ": " << r.error().detail;
}

TEST(WalletKeystoreJson, VectorParsesToTheExpectedFields) {
  const auto f = parse_keystore(test::kVectorJson);
  ASSERT_TRUE(f.has_value()) << f.error().detail;
  EXPECT_EQ(f->version, 1u);
  EXPECT_EQ(f->address, crypto::encode_address(test::kHrp, crypto::address_of(test::key_of(1).public_key())));
  EXPECT_EQ(f->public_key, test::key_of(1).public_key());
  EXPECT_EQ(f->kdf.opslimit, 1u);
  EXPECT_EQ(f->kdf.memlimit, 65536u);
  EXPECT_EQ(util::to_hex(f->kdf.salt), "000102030405060708090a0b0c0d0e0f");
  EXPECT_EQ(util::to_hex(f->nonce), "101112131415161718191a1b1c1d1e1f2021222324252627");
  EXPECT_EQ(f->label, "alice");
}

TEST(WalletKeystoreJson, DocumentShowsTheVector) {
  // docs/keystore.md opens with the vector in a ```json block; keep the two identical.
  std::ifstream in(std::string(CLOUDCHAIN_SOURCE_DIR) + "/docs/keystore.md");
  ASSERT_TRUE(in.good());
  std::string line;
  std::string block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```json") {
      inside = true;
    } else if (inside && line == "```") {
      break;
    } else if (inside) {
      block += line + "\n";
    }
  }
  EXPECT_EQ(block, test::kVectorJson);
}

TEST(WalletKeystoreJson, ToJsonIsCanonicalAndRoundTrips) {
  EXPECT_EQ(to_json(parse_keystore(test::kVectorJson).value()), test::kVectorJson);
  for (const std::string_view label : {"", "x", "cl\xc3\xa9 \"quoted\" \\ back"}) {
    const KeystoreFile f = file_of(7, label);
    const std::string text = to_json(f);
    const auto back = parse_keystore(text);
    ASSERT_TRUE(back.has_value()) << back.error().detail;
    EXPECT_EQ(*back, f);
    EXPECT_EQ(to_json(*back), text);
  }
}

TEST(WalletKeystoreJson, FieldOrderAndWhitespaceDoNotMatter) {
  const Json doc = vector_doc();  // nlohmann::json sorts keys: another order than to_json's
  const auto f = parse_keystore(doc.dump());
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(*f, parse_keystore(test::kVectorJson).value());
}

TEST(WalletKeystoreJson, MalformedJson) {
  for (const std::string_view text : {
           "",
           " ",
           "{",
           "}",
           "{\"version\":1,}",
           "{\"version\":1} trailing",
           "nul",
           "[1,2]",
           "null",
           "1",
           "\"text\"",
           "{\"version\":1 /* comment */}",
           "{'version':1}",
       }) {
    expect_error_text(text, KeystoreError::kMalformedJson);
  }
  // Invalid UTF-8 inside a string.
  std::string text(test::kVectorJson);
  text.replace(text.find("alice"), 5,
               "al\xff"
               "ce");
  expect_error_text(text, KeystoreError::kMalformedJson);
}

TEST(WalletKeystoreJson, DuplicateKeysAreRejectedAtAnyDepth) {
  std::string top(test::kVectorJson);
  top.insert(1, "\"label\": \"mallory\",");
  expect_error_text(top, KeystoreError::kMalformedJson);
  std::string nested(test::kVectorJson);
  nested.insert(nested.find("\"name\": \"argon2id13\""), "\"opslimit\": 2,");
  expect_error_text(nested, KeystoreError::kMalformedJson);
  // The same key in two different objects is fine ("name" is in kdf and in cipher).
  EXPECT_TRUE(parse_keystore(test::kVectorJson).has_value());
}

TEST(WalletKeystoreJson, OversizedDocumentIsRejectedBeforeParsing) {
  std::string text(test::kVectorJson);
  text.append(kMaxKeystoreBytes, ' ');  // valid JSON (trailing whitespace), just too big
  expect_error_text(text, KeystoreError::kMalformedJson);
}

TEST(WalletKeystoreJson, EveryMissingFieldIsNamed) {
  const std::string top[] = {"version", "address", "public_key", "kdf", "cipher", "ciphertext", "label"};
  for (const std::string& field : top) {
    Json doc = vector_doc();
    doc.erase(field);
    expect_error(doc, KeystoreError::kMissingField, field);
  }
  for (const std::string field : {"name", "opslimit", "memlimit", "salt"}) {
    Json doc = vector_doc();
    doc["kdf"].erase(field);
    expect_error(doc, KeystoreError::kMissingField, "kdf." + field);
  }
  for (const std::string field : {"name", "nonce"}) {
    Json doc = vector_doc();
    doc["cipher"].erase(field);
    expect_error(doc, KeystoreError::kMissingField, "cipher." + field);
  }
}

TEST(WalletKeystoreJson, EveryBadlyTypedFieldIsNamed) {
  const Json wrong_values[] = {Json(nullptr), Json(true), Json(12),      Json(-3),
                               Json(1.5),     Json("s"),  Json::array(), Json::object()};
  const auto type_ok = [](const Json& v, const std::string& field) {
    if (field == "version" || field == "opslimit" || field == "memlimit")
      return v.is_number_integer() && v.get<std::int64_t>() >= 0;
    if (field == "kdf" || field == "cipher") return v.is_object();
    return v.is_string();
  };
  for (const std::string field : {"version", "address", "public_key", "kdf", "cipher", "ciphertext", "label"}) {
    for (const Json& v : wrong_values) {
      if (type_ok(v, field)) continue;
      Json doc = vector_doc();
      doc[field] = v;
      expect_error(doc, KeystoreError::kBadField, field);
    }
  }
  for (const std::string parent : {"kdf", "cipher"}) {
    for (const auto& item : vector_doc()[parent].items()) {
      for (const Json& v : wrong_values) {
        if (type_ok(v, item.key())) continue;
        Json doc = vector_doc();
        doc[parent][item.key()] = v;
        expect_error(doc, KeystoreError::kBadField, parent + "." + item.key());
      }
    }
  }
}

TEST(WalletKeystoreJson, VersionRules) {
  for (const Json& v : {Json(0), Json(2), Json(255), Json(~std::uint64_t{0})}) {
    Json doc = vector_doc();
    doc["version"] = v;
    expect_error(doc, KeystoreError::kUnsupportedVersion, "version");
  }
  for (const Json& v : {Json("1"), Json(1.0), Json(-1)}) {
    Json doc = vector_doc();
    doc["version"] = v;
    expect_error(doc, KeystoreError::kBadField, "version");
  }
  // A later version is reported as such even when its fields differ entirely.
  expect_error_text(R"({"version":2,"crypto":{}})", KeystoreError::kUnsupportedVersion);
  // Beyond 64 bits arrives as a float: a bad field, not a wrapped-around version.
  expect_error_text(R"({"version":18446744073709551617})", KeystoreError::kBadField);
}

TEST(WalletKeystoreJson, UnsupportedKdfAndCipher) {
  Json kdf = vector_doc();
  kdf["kdf"] = Json{{"name", "scrypt"}, {"n", 262144}, {"r", 8}, {"p", 1}};
  expect_error(kdf, KeystoreError::kUnsupportedKdf, "scrypt");
  Json argon2i = vector_doc();
  argon2i["kdf"]["name"] = "argon2i13";
  expect_error(argon2i, KeystoreError::kUnsupportedKdf, "argon2i13");
  Json cipher = vector_doc();
  cipher["cipher"] = Json{{"name", "aes-128-ctr"}, {"iv", "00"}};
  expect_error(cipher, KeystoreError::kUnsupportedCipher, "aes-128-ctr");
}

TEST(WalletKeystoreJson, UnknownFieldsAreRejected) {
  Json top = vector_doc();
  top["lable"] = "typo";
  expect_error(top, KeystoreError::kBadField, "unknown field 'lable'");
  Json kdf = vector_doc();
  kdf["kdf"]["parallelism"] = 4;
  expect_error(kdf, KeystoreError::kBadField, "kdf.parallelism");
  Json cipher = vector_doc();
  cipher["cipher"]["tag"] = "00";
  expect_error(cipher, KeystoreError::kBadField, "cipher.tag");
}

TEST(WalletKeystoreJson, HexFieldsNeedExactLengthAndLowerCase) {
  struct Case {
    const char* parent;
    const char* field;
    std::size_t bytes;
  };
  const Case cases[] = {{nullptr, "public_key", 33},
                        {nullptr, "ciphertext", kCiphertextBytes},
                        {"kdf", "salt", kSaltBytes},
                        {"cipher", "nonce", kNonceBytes}};
  for (const Case& c : cases) {
    const std::string name = c.parent ? std::string(c.parent) + "." + c.field : c.field;
    const std::string good =
        c.parent ? vector_doc()[c.parent][c.field].get<std::string>() : vector_doc()[c.field].get<std::string>();
    ASSERT_EQ(good.size(), 2 * c.bytes);
    std::string upper = good;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    ASSERT_NE(upper, good);
    for (const std::string& bad : {std::string(), good.substr(2), good + "00", good.substr(1), good + "0",
                                   "zz" + good.substr(2), "0x" + good.substr(2), upper, " " + good.substr(1)}) {
      Json doc = vector_doc();
      (c.parent ? doc[c.parent][c.field] : doc[c.field]) = bad;
      expect_error(doc, KeystoreError::kBadField, name);
    }
  }
}

TEST(WalletKeystoreJson, PublicKeyMustBeACompressedPoint) {
  Json off_curve = vector_doc();
  off_curve["public_key"] = "02" + std::string(64, '0');  // x = 0 is not on secp256k1
  expect_error(off_curve, KeystoreError::kBadField, "public_key");
  Json prefix = vector_doc();
  std::string key = prefix["public_key"];
  key.replace(0, 2, "04");
  prefix["public_key"] = key;
  expect_error(prefix, KeystoreError::kBadField, "public_key");
}

TEST(WalletKeystoreJson, AddressRules) {
  const std::string good = vector_doc()["address"];
  // Any single changed character breaks the bech32m checksum (or the prefix/separator).
  for (std::size_t i = 0; i < good.size(); ++i) {
    Json doc = vector_doc();
    std::string a = good;
    a[i] = a[i] == 'q' ? 'p' : 'q';
    doc["address"] = a;
    expect_error(doc, KeystoreError::kBadField, "address");
  }
  std::string upper = good;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  for (const std::string& bad :
       {std::string(), std::string("cctest1"), upper, util::bech32m_encode_bytes("cctest", util::Bytes(19, 1)),
        util::bech32m_encode_bytes("cctest", util::Bytes(32, 1))}) {
    Json doc = vector_doc();
    doc["address"] = bad;
    expect_error(doc, KeystoreError::kBadField, "address");
  }
  // A valid address of another key: the file contradicts itself.
  Json other = vector_doc();
  other["address"] = crypto::encode_address("cctest", crypto::address_of(test::key_of(2).public_key()));
  expect_error(other, KeystoreError::kAddressMismatch, "not derived");
  // The right 20 bytes under another prefix parse (decrypt_key checks the network).
  Json mainnet = vector_doc();
  mainnet["address"] = crypto::encode_address("cc", crypto::address_of(test::key_of(1).public_key()));
  EXPECT_TRUE(parse_keystore(mainnet.dump()).has_value());
}

TEST(WalletKeystoreJson, KdfParamsOutOfRange) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"opslimit", 0},          {"opslimit", kOpsLimitMax + 1},    {"opslimit", ~std::uint64_t{0}},
      {"memlimit", 0},          {"memlimit", kMemLimitMin - 1024}, {"memlimit", kMemLimitMax + 1024},
      {"memlimit", 1ULL << 40}, {"memlimit", ~std::uint64_t{0}},   {"memlimit", 65537},
  };
  for (const auto& [field, value] : cases) {
    Json doc = vector_doc();
    doc["kdf"][field] = value;
    expect_error(doc, KeystoreError::kKdfParamsOutOfRange, std::string("kdf.") + field);
  }
  for (const std::uint64_t ops : {kOpsLimitMin, kOpsLimitMax}) {
    Json doc = vector_doc();
    doc["kdf"]["opslimit"] = ops;
    EXPECT_TRUE(parse_keystore(doc.dump()).has_value()) << ops;
  }
  for (const std::uint64_t mem : {kMemLimitMin, kMemLimitMax}) {
    Json doc = vector_doc();
    doc["kdf"]["memlimit"] = mem;
    EXPECT_TRUE(parse_keystore(doc.dump()).has_value()) << mem;
  }
}

TEST(WalletKeystoreJson, LabelRulesApplyOnRead) {
  Json long_label = vector_doc();
  long_label["label"] = std::string(kMaxLabelBytes + 1, 'a');
  expect_error(long_label, KeystoreError::kBadField, "label");
  Json control = vector_doc();
  control["label"] = "bell\a";
  expect_error(control, KeystoreError::kBadField, "label");
}

}  // namespace
}  // namespace cloudchain::wallet
