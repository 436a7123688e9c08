#include "crypto/key_cache.hpp"

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

#include "crypto/keys_internal.hpp"
#include "util/thread_cpu.hpp"

namespace cloudchain::crypto {

namespace {

constexpr std::size_t kShards = 16;

// Abseil's hash is seeded per process: keys an attacker picks cannot be made to collide
// in the shard choice or the table.
using KeyMap = absl::flat_hash_map<PublicKey, detail::DecodedKey, absl::Hash<PublicKey>>;

}  // namespace

struct KeyCache::Shard {
  mutable std::mutex mutex;
  KeyMap current;  // guarded by mutex
  KeyMap older;    // guarded by mutex
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t sampled_cpu_ns = 0;  // CPU time of the timed checks (one in kSampleEvery)

  // The decoded key, promoted to the current generation; nullopt when not held.
  // REQUIRES: mutex is held.
  std::optional<detail::DecodedKey> find(const PublicKey& key, std::size_t generation_keys) {
    if (auto it = current.find(key); it != current.end()) return it->second;
    auto it = older.find(key);
    if (it == older.end()) return std::nullopt;
    const detail::DecodedKey decoded = it->second;
    older.erase(it);
    insert(key, decoded, generation_keys);
    return decoded;
  }

  // REQUIRES: mutex is held.
  void insert(const PublicKey& key, const detail::DecodedKey& decoded, std::size_t generation_keys) {
    if (current.size() >= generation_keys) {
      older = std::move(current);
      current = KeyMap();
    }
    current.emplace(key, decoded);
  }
};

KeyCache::KeyCache(std::size_t capacity)
    : m_generation_keys(std::max<std::size_t>(1, (capacity + 2 * kShards - 1) / (2 * kShards))),
      m_shards(std::make_unique<Shard[]>(kShards)) {}

KeyCache::~KeyCache() = default;

util::Result<void, SigError> KeyCache::verify(const PublicKey& key, const Hash256& digest, const Signature& sig) {
  Shard& shard = m_shards[absl::Hash<PublicKey>{}(key) % kShards];
  std::optional<detail::DecodedKey> decoded;
  bool timed = false;
  {
    std::lock_guard lock(shard.mutex);
    decoded = shard.find(key, m_generation_keys);
    ++(decoded ? shard.hits : shard.misses);
    timed = (shard.hits + shard.misses) % kSampleEvery == 0;
  }
  const std::uint64_t start_ns = timed ? util::thread_cpu_ns() : 0;
  auto result = [&]() -> util::Result<void, SigError> {
    if (!decoded) {
      auto fresh = detail::decode_public_key(key);
      if (!fresh) return std::unexpected(std::move(fresh.error()));
      decoded = *fresh;
      std::lock_guard lock(shard.mutex);
      // Another thread may have inserted it meanwhile: emplace keeps the first copy.
      shard.insert(key, *decoded, m_generation_keys);
    }
    return detail::verify_decoded(*decoded, digest, sig);
  }();
  if (const std::uint64_t end_ns = timed ? util::thread_cpu_ns() : 0; end_ns > start_ns) {
    std::lock_guard lock(shard.mutex);
    shard.sampled_cpu_ns += end_ns - start_ns;
  }
  return result;
}

KeyCache::Stats KeyCache::stats() const {
  Stats out;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(m_shards[i].mutex);
    out.hits += m_shards[i].hits;
    out.misses += m_shards[i].misses;
    out.keys += m_shards[i].current.size() + m_shards[i].older.size();
    out.check_cpu_seconds += static_cast<double>(m_shards[i].sampled_cpu_ns) * 1e-9;
  }
  out.check_cpu_seconds *= static_cast<double>(kSampleEvery);
  return out;
}

}  // namespace cloudchain::crypto
