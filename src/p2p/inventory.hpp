#pragma once
// KnownInventory: the item hashes one peer is known to have (it sent them to us, or we
// sent or announced them to it), for gossip de-duplication (docs/p2p.md, "Gossip"):
// nothing in the set is announced or sent to that peer again.
//
//   KnownInventory known;                  // one per peer
//   if (known.insert(txid)) announce(txid); // true: it was not known yet
//
// Bounded, in two generations: insertions go to the current one; when it holds
// `capacity` items it becomes the previous one and the old previous one is forgotten at
// once. So the last `capacity` insertions are always remembered (never a false
// "unknown" for them), and nothing older than the last 2 x `capacity`. A peer can make
// us forget an item only by sending `capacity` newer ones; the cost of forgetting is one
// redundant announcement.
//
// Memory and speed: each generation is an open-addressing table of keyed 64-bit
// fingerprints (not the hashes), linear probing, at most 3/4 full, with no deletions:
// an insert or lookup reads one or two cache lines of each generation, and forgetting a
// generation is one fill of its array (~1 MB a peer at the default capacity, both
// generations). A FIFO of single items (Abseil's hash set plus a ring of insertions, each
// insert erasing the oldest) cost twice the cache misses: ~3 % of a validator under load.
// The key is random per set, so a peer cannot craft hashes that collide (in the
// fingerprint or in the table's slots); two distinct hashes share a fingerprint with
// probability about n^2 / 2^64, and then the second one is wrongly reported known (one
// missed announcement; it still spreads through other peers).
//
// Not thread-safe (owned by the peer's connection, on the network thread).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "util/bytes.hpp"

namespace cloudchain::p2p {

class KnownInventory {
 public:
  // 3/4 of 2^16: each generation's table is 65,536 slots (512 KiB).
  static constexpr std::size_t kDefaultCapacity = 49'152;

  /// `key` seeds the fingerprints: random by default, fixed in tests. REQUIRES: capacity > 0.
  explicit KnownInventory(std::size_t capacity = kDefaultCapacity, std::uint64_t key = random_key());

  /// Records `hash`. Returns true if it was not known (false leaves its age unchanged).
  bool insert(const util::Hash256& hash);
  /// insert(hashes[i]) for each i in order, except where skip(i); calls on_new(i) where
  /// that returned true. The same as a loop of insert(), but each item's slots are
  /// fetched from memory a few items ahead, so their cache misses overlap.
  template <typename Skip, typename OnNew>
  void insert_each(std::span<const util::Hash256> hashes, Skip&& skip, OnNew&& on_new);
  bool contains(const util::Hash256& hash) const;

  /// Items remembered: at most 2 x capacity().
  std::size_t size() const { return m_current.size + m_previous.size; }
  std::size_t capacity() const { return m_capacity; }

  static std::uint64_t random_key();

 private:
  // Open addressing, linear probing; 0 marks an empty slot (a fingerprint of 0 is stored
  // as 1). Holds at most `capacity` items in at least 4/3 as many slots.
  struct Table {
    std::vector<std::uint64_t> slots;  // size a power of two
    std::size_t size = 0;
    bool contains(std::uint64_t fp) const;
    bool insert(std::uint64_t fp);  // false: already there
    void clear();
    void prefetch(std::uint64_t fp) const { __builtin_prefetch(&slots[fp & (slots.size() - 1)]); }
  };

  bool insert_fingerprint(std::uint64_t fp);

  std::uint64_t fingerprint(const util::Hash256& hash) const;

  std::size_t m_capacity;
  std::uint64_t m_key;
  Table m_current;
  Table m_previous;
};

template <typename Skip, typename OnNew>
void KnownInventory::insert_each(std::span<const util::Hash256> hashes, Skip&& skip, OnNew&& on_new) {
  constexpr std::size_t kAhead = 8;
  std::array<std::uint64_t, kAhead> ahead{};  // fingerprints of items i .. i + kAhead - 1
  const auto fetch = [&](std::size_t i) {
    const std::uint64_t fp = fingerprint(hashes[i]);
    ahead[i % kAhead] = fp;
    m_previous.prefetch(fp);
    m_current.prefetch(fp);
  };
  for (std::size_t i = 0; i < hashes.size() && i < kAhead; ++i) fetch(i);
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const std::uint64_t fp = ahead[i % kAhead];
    if (i + kAhead < hashes.size()) fetch(i + kAhead);
    if (!skip(i) && insert_fingerprint(fp)) on_new(i);
  }
}

}  // namespace cloudchain::p2p
