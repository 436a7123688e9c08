#include "crypto/key_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "crypto/sha256.hpp"
#include "util/hex.hpp"
#include "util/thread_cpu.hpp"

namespace cloudchain::crypto {
namespace {

using util::as_bytes;

PrivateKey key_of(unsigned index) {
  ByteArray<32> secret{};
  secret[0] = 0x5a;
  for (unsigned i = 0; i < 4; ++i) secret[31 - i] = static_cast<std::uint8_t>(index >> (8 * i));
  return PrivateKey::from_bytes(secret).value();
}

Hash256 digest_of(unsigned i) { return tagged_hash("cloudchain/test", as_bytes(std::to_string(i))); }

// The code crypto::verify gives, or nullopt when it passes; the same from the cache.
std::optional<SigError> plain(const PublicKey& k, const Hash256& d, const Signature& s) {
  auto r = verify(k, d, s);
  return r ? std::nullopt : std::optional(r.error().code);
}
std::optional<SigError> cached(KeyCache& cache, const PublicKey& k, const Hash256& d, const Signature& s) {
  auto r = cache.verify(k, d, s);
  return r ? std::nullopt : std::optional(r.error().code);
}

// Every verdict of crypto::verify, through the cache, on the miss that decodes the key
// and on the hit that reuses it: a decoded key never stands in for the signature check.
TEST(KeyCache, GivesCryptoVerifysVerdictOnAMissAndOnAHit) {
  KeyCache cache;
  const PrivateKey key = key_of(1);
  const PublicKey pub = key.public_key();
  const Hash256 digest = digest_of(1);
  const Signature sig = key.sign(digest);
  Hash256 other_digest = digest;
  other_digest[31] ^= 1;
  Signature zero_r = sig;
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  Signature high_s = sig;  // s -> n - s: same math, high half
  {
    const auto n = util::from_hex_array<32>("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").value();
    int borrow = 0;
    for (std::size_t i = 32; i-- > 0;) {
      const int d = int{n[i]} - int{sig[32 + i]} - borrow;
      borrow = d < 0 ? 1 : 0;
      high_s[32 + i] = static_cast<std::uint8_t>(d + 256 * borrow);
    }
  }
  PublicKey negated = pub;  // -P: same X, other Y, a different cache entry
  negated[0] = static_cast<std::uint8_t>(pub[0] ^ 0x01);
  PublicKey uncompressed_prefix = pub;
  uncompressed_prefix[0] = 0x04;
  PublicKey x_too_big{};
  x_too_big[0] = 0x02;
  std::fill(x_too_big.begin() + 1, x_too_big.end(), 0xff);

  struct Case {
    const char* name;
    PublicKey key;
    Hash256 digest;
    Signature sig;
  };
  const std::vector<Case> cases = {
      {"valid", pub, digest, sig},           {"other digest", pub, other_digest, sig},
      {"zero r", pub, digest, zero_r},       {"high s", pub, digest, high_s},
      {"negated key", negated, digest, sig}, {"0x04 prefix", uncompressed_prefix, digest, sig},
      {"x >= p", x_too_big, digest, sig},
  };
  for (int round = 0; round < 2; ++round) {
    for (const Case& c : cases) {
      EXPECT_EQ(cached(cache, c.key, c.digest, c.sig), plain(c.key, c.digest, c.sig)) << c.name << " round " << round;
    }
  }
  EXPECT_EQ(cached(cache, pub, digest, sig), std::nullopt);
  EXPECT_EQ(plain(pub, other_digest, sig), SigError::kInvalidSignature);  // the cases differ
  EXPECT_EQ(plain(pub, digest, high_s), SigError::kHighS);
  EXPECT_EQ(plain(uncompressed_prefix, digest, sig), SigError::kBadPublicKey);

  // Two good keys (pub, negated) are held; the two bad ones never are, so they miss
  // every time: 2 rounds x 7 cases + 1 = 15 lookups, misses = 2 (first sight of the good
  // keys) + 2 x 2 (bad keys, each round).
  const KeyCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.keys, 2U);
  EXPECT_EQ(stats.misses, 6U);
  EXPECT_EQ(stats.hits, 9U);
}

TEST(KeyCache, HoldsAtMostItsCapacityAndKeepsTheKeysInUse) {
  KeyCache cache(64);  // 16 shards x 2 generations x 2 keys
  const PrivateKey hot = key_of(1000);
  const Hash256 digest = digest_of(7);
  const Signature hot_sig = hot.sign(digest);
  for (unsigned i = 0; i < 400; ++i) {
    const PrivateKey k = key_of(i);
    ASSERT_TRUE(cache.verify(k.public_key(), digest, k.sign(digest)));
    ASSERT_TRUE(cache.verify(hot.public_key(), digest, hot_sig));  // used between every two
    EXPECT_LE(cache.stats().keys, 64U);
  }
  const KeyCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.misses, 400U + 1U);  // every cold key once, the hot key once
  EXPECT_EQ(stats.hits, 399U);
}

// Threads share the cache (ThreadSanitizer runs this too): every verdict is right,
// and each lookup is counted once.
TEST(KeyCache, ManyThreadsShareIt) {
  KeyCache cache;  // room for every key whatever shards they fall in
  constexpr unsigned kKeys = 48;
  std::vector<PublicKey> keys;
  std::vector<Signature> sigs;
  const Hash256 digest = digest_of(3);
  for (unsigned i = 0; i < kKeys; ++i) {
    const PrivateKey k = key_of(i);
    keys.push_back(k.public_key());
    sigs.push_back(k.sign(digest));
  }
  Hash256 wrong = digest;
  wrong[0] ^= 1;
  constexpr unsigned kThreads = 4;
  constexpr unsigned kRounds = 5;
  std::atomic<unsigned> wrong_verdicts{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (unsigned r = 0; r < kRounds; ++r) {
        for (unsigned i = 0; i < kKeys; ++i) {
          const unsigned k = (i + t * 7) % kKeys;
          if (!cache.verify(keys[k], digest, sigs[k])) ++wrong_verdicts;
          if (cache.verify(keys[k], wrong, sigs[k])) ++wrong_verdicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong_verdicts.load(), 0U);
  const KeyCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, std::uint64_t{kThreads} * kRounds * kKeys * 2);
  EXPECT_GE(stats.misses, kKeys);
  EXPECT_EQ(stats.keys, kKeys);
}

double thread_cpu_seconds() { return static_cast<double>(util::thread_cpu_ns()) * 1e-9; }

// The checks' CPU time is estimated from one check in kSampleEvery: nothing before the
// first sample, and about the thread's own CPU time over many checks (they are nearly
// all of it here).
TEST(KeyCache, EstimatesTheChecksCpuTimeFromSampledChecks) {
  KeyCache cache;
  const PrivateKey k = key_of(3);
  const Hash256 digest = digest_of(3);
  const Signature sig = k.sign(digest);
  for (std::uint64_t i = 1; i < KeyCache::kSampleEvery; ++i) ASSERT_TRUE(cache.verify(k.public_key(), digest, sig));
  EXPECT_EQ(cache.stats().check_cpu_seconds, 0.0);

  const PublicKey key = k.public_key();
  const double before = thread_cpu_seconds();
  constexpr std::uint64_t kChecks = 64 * KeyCache::kSampleEvery;
  for (std::uint64_t i = 0; i < kChecks; ++i) ASSERT_TRUE(cache.verify(key, digest, sig));
  const double spent = thread_cpu_seconds() - before;
  const KeyCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, kChecks + KeyCache::kSampleEvery - 1);
  EXPECT_GT(stats.check_cpu_seconds, 0.6 * spent);
  EXPECT_LT(stats.check_cpu_seconds, 1.2 * spent);
}

}  // namespace
}  // namespace cloudchain::crypto
