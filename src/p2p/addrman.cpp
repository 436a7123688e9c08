#include "p2p/addrman.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include <fmt/format.h>

namespace cloudchain::p2p {

namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_v4_mapped(const IpAddress& ip) {
  return std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), ip.begin());
}

bool valid_port(std::uint32_t port) { return port >= 1 && port <= 65535; }

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  const std::string s(text);
  IpAddress ip{};
  std::array<std::uint8_t, 4> v4{};
  if (inet_pton(AF_INET, s.c_str(), v4.data()) == 1) {
    std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), ip.begin());
    std::copy(v4.begin(), v4.end(), ip.begin() + 12);
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.data()) == 1) return ip;
  return std::nullopt;
}

std::string format_ip(const IpAddress& ip) {
  if (is_v4_mapped(ip)) return fmt::format("{}.{}.{}.{}", ip[12], ip[13], ip[14], ip[15]);
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_ntop(AF_INET6, ip.data(), buf.data(), buf.size()) == nullptr) return "?";
  return std::string(buf.data());
}

std::string format_endpoint(const IpAddress& ip, std::uint32_t port) {
  if (is_v4_mapped(ip)) return fmt::format("{}:{}", format_ip(ip), port);
  return fmt::format("[{}]:{}", format_ip(ip), port);
}

// ---- AddressBook: addresses --------------------------------------------------------

AddressBook::AddressBook(std::uint64_t seed, std::size_t capacity) : m_capacity(capacity), m_rng(seed) {
  m_entries.reserve(capacity);
}

bool AddressBook::add(NetAddress a, std::uint64_t now_ms) {
  if (!valid_port(a.port) || m_capacity == 0) return false;
  a.last_seen_ms = std::min(a.last_seen_ms, now_ms);
  const Key key{a.ip, a.port};
  if (auto it = m_index.find(key); it != m_index.end()) {
    NetAddress& known = m_entries[it->second];
    if (a.last_seen_ms > known.last_seen_ms) {
      m_by_last_seen.erase({known.last_seen_ms, key});
      known.last_seen_ms = a.last_seen_ms;
      m_by_last_seen.insert({known.last_seen_ms, key});
    }
    return false;
  }
  if (m_entries.size() >= m_capacity) {
    if (a.last_seen_ms <= m_by_last_seen.begin()->first) return false;
    evict_oldest();
  }
  m_index.emplace(key, m_entries.size());
  m_entries.push_back(a);
  m_by_last_seen.insert({a.last_seen_ms, key});
  return true;
}

void AddressBook::evict_oldest() { erase_at(m_index.at(m_by_last_seen.begin()->second)); }

// Swap-with-last removal keeps m_entries dense for sampling by index.
void AddressBook::erase_at(std::size_t index) {
  const NetAddress gone = m_entries[index];
  const Key gone_key{gone.ip, gone.port};
  m_by_last_seen.erase({gone.last_seen_ms, gone_key});
  m_index.erase(gone_key);
  if (index + 1 != m_entries.size()) {
    m_entries[index] = m_entries.back();
    m_index[Key{m_entries[index].ip, m_entries[index].port}] = index;
  }
  m_entries.pop_back();
}

bool AddressBook::remove(const IpAddress& ip, std::uint32_t port) {
  auto it = m_index.find(Key{ip, port});
  if (it == m_index.end()) return false;
  erase_at(it->second);
  return true;
}

bool AddressBook::contains(const IpAddress& ip, std::uint32_t port) const { return m_index.contains(Key{ip, port}); }

std::optional<NetAddress> AddressBook::find(const IpAddress& ip, std::uint32_t port) const {
  auto it = m_index.find(Key{ip, port});
  if (it == m_index.end()) return std::nullopt;
  return m_entries[it->second];
}

std::vector<NetAddress> AddressBook::sample(std::size_t max, std::uint64_t now_ms) {
  std::vector<NetAddress> pool;
  pool.reserve(m_entries.size());
  for (const NetAddress& a : m_entries) {
    if (!is_banned(a.ip, now_ms)) pool.push_back(a);
  }
  const std::size_t n = std::min(max, pool.size());
  for (std::size_t i = 0; i < n; ++i) {  // partial Fisher-Yates
    std::uniform_int_distribution<std::size_t> pick(i, pool.size() - 1);
    std::swap(pool[i], pool[pick(m_rng)]);
  }
  pool.resize(n);
  return pool;
}

// ---- AddressBook: bans -------------------------------------------------------------

void AddressBook::ban(const IpAddress& ip, std::uint64_t until_ms, std::string reason) {
  auto [it, inserted] = m_bans.try_emplace(ip, Ban{ip, until_ms, reason});
  if (!inserted && until_ms > it->second.until_ms) it->second = Ban{ip, until_ms, std::move(reason)};
  if (m_bans.size() <= kMaxBans) return;
  auto first_to_end = std::min_element(
      m_bans.begin(), m_bans.end(), [](const auto& a, const auto& b) { return a.second.until_ms < b.second.until_ms; });
  m_bans.erase(first_to_end);
}

bool AddressBook::unban(const IpAddress& ip) { return m_bans.erase(ip) > 0; }

bool AddressBook::is_banned(const IpAddress& ip, std::uint64_t now_ms) const {
  auto it = m_bans.find(ip);
  return it != m_bans.end() && now_ms < it->second.until_ms;
}

void AddressBook::expire(std::uint64_t now_ms) {
  std::erase_if(m_bans, [now_ms](const auto& entry) { return entry.second.until_ms <= now_ms; });
}

std::vector<Ban> AddressBook::bans(std::uint64_t now_ms) const {
  std::vector<Ban> out;
  for (const auto& [ip, b] : m_bans) {
    if (now_ms < b.until_ms) out.push_back(b);
  }
  return out;
}

// ---- DialBackoff -------------------------------------------------------------------

void DialBackoff::failed(const std::string& target, std::uint64_t now_ms) {
  if (!m_targets.contains(target) && m_targets.size() >= kMaxTargets) {
    m_targets.erase(std::min_element(m_targets.begin(), m_targets.end(),
                                     [](const auto& a, const auto& b) { return a.second.next_ms < b.second.next_ms; }));
  }
  State& s = m_targets[target];
  s.delay_ms = s.delay_ms == 0 ? kInitialMs : std::min(s.delay_ms * 2, kMaxMs);
  s.next_ms = now_ms + s.delay_ms;
}

void DialBackoff::succeeded(const std::string& target) { m_targets.erase(target); }

bool DialBackoff::ready(const std::string& target, std::uint64_t now_ms) const {
  return now_ms >= next_attempt_ms(target);
}

std::uint64_t DialBackoff::next_attempt_ms(const std::string& target) const {
  auto it = m_targets.find(target);
  return it == m_targets.end() ? 0 : it->second.next_ms;
}

std::uint64_t DialBackoff::delay_ms(const std::string& target) const {
  auto it = m_targets.find(target);
  return it == m_targets.end() ? 0 : it->second.delay_ms;
}

}  // namespace cloudchain::p2p
