#include "crypto/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

#include "crypto/sha256_test_vectors.hpp"
#include "util/hex.hpp"

namespace cloudchain::crypto {
namespace {

using util::to_hex;

using util::as_bytes;

TEST(Sha256, FipsExamples) {
  for (const auto& v : test::kFipsVectors) {
    EXPECT_EQ(to_hex(sha256(as_bytes(v.msg))), v.digest_hex) << v.msg;
  }
}

TEST(Sha256, MillionA) {
  const std::string msg(1'000'000, 'a');
  EXPECT_EQ(to_hex(sha256(as_bytes(msg))), test::kMillionA);
}

TEST(Sha256, CavpShortAndLongMsg) {
  for (const auto& v : test::kCavpVectors) {
    const auto msg = util::from_hex(v.msg_hex).value();
    EXPECT_EQ(to_hex(sha256(msg)), v.digest_hex) << "Len = " << msg.size() * 8;
  }
}

TEST(Sha256, IncrementalEqualsOneShot) {
  const std::string msg(200, 'x');
  for (std::size_t split = 0; split <= msg.size(); split += 7) {
    Sha256 h;
    h.update(as_bytes(std::string_view(msg).substr(0, split)));
    h.update(as_bytes(std::string_view(msg).substr(split)));
    EXPECT_EQ(h.finish(), sha256(as_bytes(msg))) << split;
  }
}

TEST(Sha256, DoubleHash) {
  // SHA256d("abc") is SHA256 of the 32-byte digest of "abc".
  EXPECT_EQ(sha256d(as_bytes("abc")), sha256(sha256(as_bytes("abc"))));
  EXPECT_EQ(to_hex(sha256d(as_bytes(""))), "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
}

TEST(Sha256, TaggedHashDefinition) {
  // H_tag(m) = SHA256(SHA256(tag) || SHA256(tag) || m), as BIP340.
  const std::string_view tag = "cloudchain/txid";
  const Hash256 t = sha256(as_bytes(tag));
  util::Bytes pre;
  util::append(pre, t);
  util::append(pre, t);
  util::append(pre, as_bytes("payload"));
  EXPECT_EQ(tagged_hash(tag, as_bytes("payload")), sha256(pre));
  const TaggedHasher hasher(tag);
  EXPECT_EQ(hasher.hash(as_bytes("payload")), sha256(pre));
  EXPECT_EQ(hasher.begin().update(as_bytes("pay")).update(as_bytes("load")).finish(), sha256(pre));
  // Different tags separate domains.
  EXPECT_NE(tagged_hash("cloudchain/tx", as_bytes("payload")), tagged_hash(tag, as_bytes("payload")));
}

TEST(Sha256, ProtocolVectors) {
  // docs/protocol.md section 2; the values were also computed with Python's hashlib.
  EXPECT_EQ(to_hex(sha256d(as_bytes("abc"))), "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358");
  EXPECT_EQ(to_hex(tagged_hash("cloudchain/txid", {})),
            "88ad4937e2210e955aa0ec3532f1a4b461e7f2a23fdb67ff53ad8f3b790ed1de");
  EXPECT_EQ(to_hex(tagged_hash("cloudchain/tx", as_bytes("abc"))),
            "544e569ad87fc60d59cae792838c2903daeb0366ea262978699b83388a1f4c57");
}

}  // namespace
}  // namespace cloudchain::crypto
