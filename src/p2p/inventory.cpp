#include "p2p/inventory.hpp"

#include <algorithm>
#include <random>
#include <utility>

#include "util/mix64.hpp"

namespace cloudchain::p2p {

namespace {

std::uint64_t word(const util::Hash256& h, std::size_t i) {
  std::uint64_t w = 0;
  for (std::size_t b = 0; b < 8; ++b) w |= std::uint64_t{h[8 * i + b]} << (8 * b);
  return w;
}

}  // namespace

KnownInventory::KnownInventory(std::size_t capacity, std::uint64_t key) : m_capacity(capacity), m_key(key) {
  std::size_t slots = 8;
  while (slots < capacity + capacity / 3 + 1) slots *= 2;
  m_current.slots.assign(slots, 0);
  m_previous.slots.assign(slots, 0);
}

std::uint64_t KnownInventory::random_key() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

std::uint64_t KnownInventory::fingerprint(const util::Hash256& hash) const {
  std::uint64_t acc = m_key;
  for (std::size_t i = 0; i < 4; ++i) acc = util::mix64(acc ^ word(hash, i));
  return acc == 0 ? 1 : acc;
}

bool KnownInventory::Table::contains(std::uint64_t fp) const {
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = fp & mask;; i = (i + 1) & mask) {
    if (slots[i] == fp) return true;
    if (slots[i] == 0) return false;
  }
}

bool KnownInventory::Table::insert(std::uint64_t fp) {
  const std::size_t mask = slots.size() - 1;
  // Terminates: the table is never full (size <= capacity < slots).
  for (std::size_t i = fp & mask;; i = (i + 1) & mask) {
    if (slots[i] == fp) return false;
    if (slots[i] == 0) {
      slots[i] = fp;
      ++size;
      return true;
    }
  }
}

void KnownInventory::Table::clear() {
  std::fill(slots.begin(), slots.end(), std::uint64_t{0});
  size = 0;
}

bool KnownInventory::insert(const util::Hash256& hash) { return insert_fingerprint(fingerprint(hash)); }

bool KnownInventory::insert_fingerprint(std::uint64_t fp) {
  if (m_previous.contains(fp) || !m_current.insert(fp)) return false;
  if (m_current.size == m_capacity) {
    std::swap(m_current, m_previous);
    m_current.clear();
  }
  return true;
}

bool KnownInventory::contains(const util::Hash256& hash) const {
  const std::uint64_t fp = fingerprint(hash);
  return m_current.contains(fp) || m_previous.contains(fp);
}

}  // namespace cloudchain::p2p
