#include "p2p/inventory.hpp"

#include <random>

namespace cloudchain::p2p {

namespace {

// MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::uint64_t word(const util::Hash256& h, std::size_t i) {
  std::uint64_t w = 0;
  for (std::size_t b = 0; b < 8; ++b) w |= std::uint64_t{h[8 * i + b]} << (8 * b);
  return w;
}

}  // namespace

KnownInventory::KnownInventory(std::size_t capacity, std::uint64_t key) : m_capacity(capacity), m_key(key) {
  m_set.reserve(capacity);
  m_ring.reserve(capacity);
}

std::uint64_t KnownInventory::random_key() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

std::uint64_t KnownInventory::fingerprint(const util::Hash256& hash) const {
  std::uint64_t acc = m_key;
  for (std::size_t i = 0; i < 4; ++i) acc = mix(acc ^ word(hash, i));
  return acc;
}

bool KnownInventory::insert(const util::Hash256& hash) {
  const std::uint64_t fp = fingerprint(hash);
  if (!m_set.insert(fp).second) return false;
  if (m_ring.size() < m_capacity) {
    m_ring.push_back(fp);
    return true;
  }
  m_set.erase(m_ring[m_next]);
  m_ring[m_next] = fp;
  m_next = (m_next + 1) % m_capacity;
  return true;
}

bool KnownInventory::contains(const util::Hash256& hash) const { return m_set.contains(fingerprint(hash)); }

}  // namespace cloudchain::p2p
