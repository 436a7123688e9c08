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

bool is_unusable(const IpAddress& ip) {
  if (is_v4_mapped(ip)) {
    const std::uint8_t a = ip[12];
    return a == 0 || a >= 224;  // 0/8; multicast 224/4; reserved 240/4 and broadcast
  }
  if (ip[0] == 0xff) return true;                                                   // multicast
  return std::all_of(ip.begin(), ip.end(), [](std::uint8_t b) { return b == 0; });  // ::
}

bool is_local(const IpAddress& ip) {
  if (is_v4_mapped(ip)) {
    const std::uint8_t a = ip[12];
    const std::uint8_t b = ip[13];
    return a == 127 || a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) ||
           (a == 100 && (b & 0xc0) == 64) || (a == 169 && b == 254);
  }
  const bool loopback = std::all_of(ip.begin(), ip.begin() + 15, [](std::uint8_t b) { return b == 0; }) && ip[15] == 1;
  return loopback || (ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80);
}

// ---- AddressBook: addresses --------------------------------------------------------

AddressBook::AddressBook(std::uint64_t seed, std::size_t capacity) : m_capacity(capacity), m_rng(seed) {
  m_entries.reserve(capacity);
  m_meta.reserve(capacity);
}

bool AddressBook::add(NetAddress a, std::uint64_t now_ms) { return insert(a, now_ms, Meta{true, std::nullopt}); }

bool AddressBook::add_gossiped(NetAddress a, std::uint64_t now_ms, const IpAddress& source) {
  const std::uint64_t ceiling = now_ms > kGossipPenaltyMs ? now_ms - kGossipPenaltyMs : 0;
  a.last_seen_ms = std::min(a.last_seen_ms, ceiling);
  return insert(a, now_ms, Meta{false, source});
}

AddressBook::Rank AddressBook::rank_of(std::size_t index) const {
  const NetAddress& a = m_entries[index];
  return Rank{m_meta[index].seen, a.last_seen_ms, Key{a.ip, a.port}};
}

bool AddressBook::insert(NetAddress a, std::uint64_t now_ms, Meta meta) {
  if (!valid_port(a.port) || m_capacity == 0) return false;
  a.last_seen_ms = std::min(a.last_seen_ms, now_ms);
  const Key key{a.ip, a.port};
  if (auto it = m_index.find(key); it != m_index.end()) {
    const std::size_t i = it->second;
    const bool promote = meta.seen && !m_meta[i].seen;
    if (a.last_seen_ms <= m_entries[i].last_seen_ms && !promote) return false;
    m_by_rank.erase(rank_of(i));
    m_entries[i].last_seen_ms = std::max(m_entries[i].last_seen_ms, a.last_seen_ms);
    if (promote) {
      if (const auto& told = m_meta[i].source; told.has_value() && --m_told_by[told.value()] == 0) {
        m_told_by.erase(told.value());
      }
      m_meta[i] = meta;
    }
    m_by_rank.insert(rank_of(i));
    return false;
  }
  if (meta.source) {
    const auto told = m_told_by.find(*meta.source);
    if (told != m_told_by.end() && told->second >= kMaxPerSource) return false;
  }
  if (m_entries.size() >= m_capacity) {
    const Rank& first = *m_by_rank.begin();
    if (std::get<0>(first) && !meta.seen) return false;  // only seen entries left: a told one never evicts them
    if (std::get<0>(first) == meta.seen && a.last_seen_ms <= std::get<1>(first)) return false;
    erase_at(m_index.at(std::get<2>(first)));
  }
  m_index.emplace(key, m_entries.size());
  m_entries.push_back(a);
  m_meta.push_back(meta);
  if (meta.source) ++m_told_by[*meta.source];
  m_by_rank.insert(rank_of(m_entries.size() - 1));
  return true;
}

// Swap-with-last removal keeps m_entries dense for sampling by index.
void AddressBook::erase_at(std::size_t index) {
  const NetAddress gone = m_entries[index];
  const Key gone_key{gone.ip, gone.port};
  m_by_rank.erase(rank_of(index));
  if (const auto& source = m_meta[index].source; source && --m_told_by[*source] == 0) m_told_by.erase(*source);
  m_index.erase(gone_key);
  if (index + 1 != m_entries.size()) {
    m_entries[index] = m_entries.back();
    m_meta[index] = m_meta.back();
    m_index[Key{m_entries[index].ip, m_entries[index].port}] = index;
  }
  m_entries.pop_back();
  m_meta.pop_back();
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
