#pragma once
// KnownInventory: the item hashes one peer is known to have (it sent them to us, or we
// sent or announced them to it), for gossip de-duplication (docs/p2p.md, "Gossip"):
// nothing in the set is announced or sent to that peer again.
//
//   KnownInventory known;                  // one per peer
//   if (known.insert(txid)) announce(txid); // true: it was not known yet
//
// Bounded: at capacity the oldest insertion is forgotten first (FIFO), so a peer can
// make us forget an item only by sending `capacity` newer ones; the cost of forgetting
// is one redundant announcement.
//
// Memory: the set keeps a keyed 64-bit fingerprint per hash (about 20 bytes an entry
// with the ring, ~1 MB at the default capacity), not the hash. The set is an open
// addressing table (Abseil's flat_hash_set): an insertion allocates nothing and a probe
// is one memory access, which matters at a few inserts per transaction per peer. The key is random per set, so a peer
// cannot craft hashes that collide (in the fingerprint or in the table's buckets); two
// distinct hashes share a fingerprint with probability about n^2 / 2^64, and then the
// second one is wrongly reported known (one missed announcement; it still spreads
// through other peers). Never a false "unknown" for an item within the last `capacity`.
//
// Not thread-safe (owned by the peer's connection, on the network thread).

#include <cstddef>
#include <cstdint>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "util/bytes.hpp"

namespace cloudchain::p2p {

class KnownInventory {
 public:
  static constexpr std::size_t kDefaultCapacity = 50'000;

  /// `key` seeds the fingerprints: random by default, fixed in tests. REQUIRES: capacity > 0.
  explicit KnownInventory(std::size_t capacity = kDefaultCapacity, std::uint64_t key = random_key());

  /// Records `hash`. Returns true if it was not known (false leaves its age unchanged).
  bool insert(const util::Hash256& hash);
  bool contains(const util::Hash256& hash) const;

  std::size_t size() const { return m_set.size(); }
  std::size_t capacity() const { return m_capacity; }

  static std::uint64_t random_key();

 private:
  std::uint64_t fingerprint(const util::Hash256& hash) const;

  std::size_t m_capacity;
  std::uint64_t m_key;
  absl::flat_hash_set<std::uint64_t> m_set;
  std::vector<std::uint64_t> m_ring;  // insertion order; m_next is the oldest once full
  std::size_t m_next = 0;
};

}  // namespace cloudchain::p2p
