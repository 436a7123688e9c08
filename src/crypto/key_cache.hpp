#pragma once
// KeyCache: signature verification that decodes each public key once.
//
// Decoding a 33-byte compressed key takes a field square root, about a tenth of an
// ECDSA verification; an account signs many transactions with one key. The cache keeps
// decoded keys by their encoding, bounded, so a key seen before goes straight to the
// signature check. Results are exactly crypto::verify's (same rules, same order): a key
// that does not decode is never kept, and a decoded key is a pure function of its
// bytes, so an entry is never stale. Not for secret data: keys are public.
//
// Bound: at most `capacity` keys, in two generations per shard (a hit in the older one
// moves the key to the current one; a full current generation replaces the older one),
// so the keys used in the last capacity/2 insertions of a shard stay.
//
// CPU time: one check in kSampleEvery (per shard) is timed with the thread's CPU clock
// (a clock read costs ~0.3 µs, a check ~50 µs: timing every one would cost ~1 %), and
// its time counts kSampleEvery times: an estimate of the CPU the checks took, which
// `cloudchain devnet load` divides by the node's CPU (docs/benchmarks.md).
//
// Thread-safety: every member may be called from any thread concurrently (the keys are
// split over 16 shards, each behind its own mutex, held for a lookup or an insertion,
// never across the signature check).

#include <cstddef>
#include <cstdint>
#include <memory>

#include "crypto/keys.hpp"

namespace cloudchain::crypto {

class KeyCache {
 public:
  /// 131,072 keys: ~16 MB. Enough for the senders of ~13 blocks of 10,000 transactions.
  static constexpr std::size_t kDefaultCapacity = 131'072;

  struct Stats {
    std::uint64_t hits = 0;        // verifications that found their key decoded
    std::uint64_t misses = 0;      // ... that decoded it (bad keys included)
    std::size_t keys = 0;          // keys held now
    double check_cpu_seconds = 0;  // estimated thread CPU time of all checks (sampled)
  };

  static constexpr std::uint64_t kSampleEvery = 16;

  /// `capacity` is rounded up to a whole number of keys per shard generation (at least 1).
  explicit KeyCache(std::size_t capacity = kDefaultCapacity);
  ~KeyCache();
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;

  /// crypto::verify(key, digest, sig), decoding `key` only when it is not held.
  util::Result<void, SigError> verify(const PublicKey& key, const Hash256& digest, const Signature& sig);

  Stats stats() const;

 private:
  struct Shard;
  std::size_t m_generation_keys;  // keys per shard generation
  std::unique_ptr<Shard[]> m_shards;
};

}  // namespace cloudchain::crypto
