#include "crypto/sha256_compress.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "crypto/sha256.hpp"
#include "crypto/sha256_test_vectors.hpp"
#include "util/hex.hpp"

namespace cloudchain::crypto {
namespace {

using util::Bytes;
using util::Hash256;

/// Full SHA-256 (FIPS 180-4 padding) on top of one compression implementation.
Hash256 hash_with(CompressImpl impl, util::ByteSpan msg) {
  Sha256State state = kSha256Initial;
  const std::size_t full = msg.size() / 64;
  sha256_compress(impl, state, msg.data(), full);
  Bytes tail(msg.begin() + static_cast<std::ptrdiff_t>(full * 64), msg.end());
  tail.push_back(0x80);
  while (tail.size() % 64 != 56) tail.push_back(0);
  const std::uint64_t bits = static_cast<std::uint64_t>(msg.size()) * 8;
  for (int i = 7; i >= 0; --i) tail.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
  sha256_compress(impl, state, tail.data(), tail.size() / 64);
  Hash256 out{};
  for (std::size_t i = 0; i < 8; ++i) {
    for (std::size_t b = 0; b < 4; ++b) out[4 * i + b] = static_cast<std::uint8_t>(state[i] >> (24 - 8 * b));
  }
  return out;
}

Bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

class Compress : public ::testing::TestWithParam<CompressImpl> {
 protected:
  void SetUp() override {
    if (GetParam() == CompressImpl::kShaNi && !cpu_has_sha_ni()) GTEST_SKIP() << "CPU has no SHA-NI";
  }
};

TEST_P(Compress, FipsAndCavpVectors) {
  for (const auto& v : test::kFipsVectors) {
    EXPECT_EQ(util::to_hex(hash_with(GetParam(), util::as_bytes(v.msg))), v.digest_hex) << v.msg;
  }
  for (const auto& v : test::kCavpVectors) {
    const Bytes msg = util::from_hex(v.msg_hex).value();
    EXPECT_EQ(util::to_hex(hash_with(GetParam(), msg)), v.digest_hex) << "Len = " << msg.size() * 8;
  }
  const std::string million(1'000'000, 'a');
  EXPECT_EQ(util::to_hex(hash_with(GetParam(), util::as_bytes(million))), test::kMillionA);
}

TEST_P(Compress, MatchesOpenSslOnRandomInputs) {
  std::mt19937_64 rng(0xc0ffee);
  for (std::size_t len = 0; len < 300; ++len) {
    const Bytes msg = random_bytes(rng, len);
    ASSERT_EQ(hash_with(GetParam(), msg), sha256(msg)) << "length " << len;
  }
  for (const std::size_t len : {1000U, 4095U, 4096U, 65537U}) {
    const Bytes msg = random_bytes(rng, len);
    ASSERT_EQ(hash_with(GetParam(), msg), sha256(msg)) << "length " << len;
  }
}

TEST_P(Compress, MultiBlockCallEqualsOneBlockCalls) {
  std::mt19937_64 rng(7);
  const Bytes data = random_bytes(rng, 64 * 9);
  Sha256State a = kSha256Initial;
  Sha256State b = kSha256Initial;
  sha256_compress(GetParam(), a, data.data(), 9);
  for (std::size_t i = 0; i < 9; ++i) sha256_compress(GetParam(), b, data.data() + 64 * i, 1);
  EXPECT_EQ(a, b);
}

TEST_P(Compress, PowHasherEqualsSha256d) {
  std::mt19937_64 rng(42);
  // The protocol's 169-byte header preimage and other legal shapes (tail <= 55 bytes).
  for (const std::size_t len : {8U, 41U, 55U, 64U + 8U, 128U + 41U, 169U, 192U + 55U}) {
    Bytes pre = random_bytes(rng, len);
    const std::size_t full = len / 64 * 64;
    for (std::size_t off = full; off + 8 <= len; off += 5) {
      const PowHasher hasher(pre, off, GetParam());
      for (int k = 0; k < 20; ++k) {
        const std::uint64_t nonce = rng();
        for (std::size_t i = 0; i < 8; ++i) pre[off + i] = static_cast<std::uint8_t>(nonce >> (8 * i));
        ASSERT_EQ(hasher.hash(nonce), sha256d(pre)) << "len " << len << " offset " << off;
      }
    }
  }
}

TEST_P(Compress, SearchFindsNonceUnderEasyTarget) {
  std::mt19937_64 rng(3);
  Bytes pre = random_bytes(rng, 169);
  const PowHasher hasher(pre, 161, GetParam());
  // Target 2^248 - 1: about one hash in 256 qualifies.
  Hash256 target{};
  target.fill(0xff);
  target[0] = 0x00;
  const auto nonce = hasher.search(1000, 100'000, target);
  ASSERT_TRUE(nonce.has_value());
  const Hash256 h = hasher.hash(*nonce);
  EXPECT_EQ(h[0], 0x00);
  EXPECT_LE(h, target);  // std::array compares lexicographically = big-endian number order
  for (std::uint64_t n = 1000; n < *nonce; ++n) EXPECT_GT(hasher.hash(n), target) << "earlier nonce " << n;
  // And against the reference: write the nonce and hash with OpenSSL.
  for (std::size_t i = 0; i < 8; ++i) pre[161 + i] = static_cast<std::uint8_t>(*nonce >> (8 * i));
  EXPECT_EQ(sha256d(pre), h);
}

TEST_P(Compress, SearchHonoursCountAndExactTarget) {
  Bytes pre(169, 0x5a);
  const PowHasher hasher(pre, 161, GetParam());
  Hash256 zero{};
  EXPECT_FALSE(hasher.search(0, 500, zero).has_value());
  EXPECT_FALSE(hasher.search(0, 0, Hash256{}).has_value());
  // A target equal to a hash is met by that hash ("<=").
  const Hash256 exact = hasher.hash(77);
  EXPECT_EQ(hasher.search(77, 1, exact), std::optional<std::uint64_t>(77));
}

std::string impl_name(const ::testing::TestParamInfo<CompressImpl>& p) {
  return p.param == CompressImpl::kShaNi ? "ShaNi" : "Portable";
}

/// The first nonce in [start, start+count) whose hash is <= target, one hash() at a time.
std::optional<std::uint64_t> brute_force(const PowHasher& hasher, std::uint64_t start, std::uint64_t count,
                                         const Hash256& target) {
  for (std::uint64_t i = 0; i < count; ++i) {
    if (hasher.hash(start + i) <= target) return start + i;
  }
  return std::nullopt;
}

TEST_P(Compress, SearchAgreesWithHashForEveryNonceOffsetAndCount) {
  std::mt19937_64 rng(11);
  Hash256 target{};  // about one hash in 16 qualifies
  target.fill(0xff);
  target[0] = 0x0f;
  for (const std::size_t len : {8U, 55U, 169U}) {
    const Bytes pre = random_bytes(rng, len);
    const std::size_t full = len / 64 * 64;
    for (std::size_t off = full; off + 8 <= len; ++off) {
      const PowHasher hasher(pre, off, GetParam());
      for (const std::uint64_t count : {0U, 1U, 7U, 8U, 9U, 17U, 40U}) {
        const std::uint64_t start = rng();
        ASSERT_EQ(hasher.search(start, count, target), brute_force(hasher, start, count, target))
            << "len " << len << " offset " << off << " count " << count;
      }
    }
  }
}

TEST_P(Compress, SearchWrapsAroundNonceSpace) {
  const Bytes pre(169, 0x11);
  const PowHasher hasher(pre, 161, GetParam());
  Hash256 target{};
  target.fill(0xff);
  target[0] = 0x1f;
  const std::uint64_t start = ~std::uint64_t{0} - 20;
  EXPECT_EQ(hasher.search(start, 100, target), brute_force(hasher, start, 100, target));
  // The nonce that ends the range: the target is exactly its hash.
  const std::uint64_t last = start + 99;  // wrapped
  const Hash256 exact = hasher.hash(last);
  const auto found = hasher.search(start, 100, exact);
  ASSERT_TRUE(found.has_value());
  EXPECT_LE(hasher.hash(*found), exact);
}

INSTANTIATE_TEST_SUITE_P(Impl, Compress, ::testing::Values(CompressImpl::kPortable, CompressImpl::kShaNi), impl_name);

TEST(Compress, DefaultFollowsCpu) { EXPECT_EQ(default_compress_impl() == CompressImpl::kShaNi, cpu_has_sha_ni()); }

TEST(Compress, ImplementationsAgreeOnRandomStates) {
  if (!cpu_has_sha_ni()) GTEST_SKIP() << "CPU has no SHA-NI";
  std::mt19937_64 rng(99);
  for (int i = 0; i < 1000; ++i) {
    Sha256State a{};
    for (auto& w : a) w = static_cast<std::uint32_t>(rng());
    Sha256State b = a;
    const Bytes block = random_bytes(rng, 64);
    sha256_compress(CompressImpl::kPortable, a, block.data(), 1);
    sha256_compress(CompressImpl::kShaNi, b, block.data(), 1);
    ASSERT_EQ(a, b);
  }
}

TEST(PowHasherDeath, RejectsBadShapes) {
  const Bytes pre(169, 0);
  EXPECT_DEATH(PowHasher(pre, 100, CompressImpl::kPortable), "");            // nonce in the midstate part
  EXPECT_DEATH(PowHasher(pre, 162, CompressImpl::kPortable), "");            // nonce past the end
  EXPECT_DEATH(PowHasher(Bytes(120, 0), 112, CompressImpl::kPortable), "");  // 56-byte tail
}

}  // namespace
}  // namespace cloudchain::crypto
