#pragma once
// The address book (docs/p2p.md, "Connection limits and peer discovery"):
//
//   AddressBook   addresses learnt from seeds, `addr` messages and connections
//                 (bounded, one entry per ip:port), a random sample answers `getaddr`;
//                 and the ban list by IP with expiry.
//   DialBackoff   when a dial target ("host:port") may be tried again: 1 s after the
//                 first failure, doubling to 60 s; reset by a successful handshake.
//
// Time is a parameter (`now_ms`, Unix milliseconds): no clock inside, so the tests are
// deterministic. Randomness (sampling) comes from a seed given to the constructor.
//
// Untrusted input: peers choose the addresses we are told and their last_seen_ms, so
// every container is bounded and ordered (no hash tables an attacker can flood), and
// last_seen_ms is clamped to `now_ms` (a claimed future time cannot pin an entry).
//
// Not thread-safe: owned by the network thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "p2p/messages.hpp"

namespace cloudchain::p2p {

using IpAddress = std::array<std::uint8_t, 16>;  // IPv6; IPv4 as ::ffff:a.b.c.d

/// "1.2.3.4" or "2001:db8::1" (inet_pton syntax) → IpAddress (IPv4 mapped); nullopt if
/// neither.
std::optional<IpAddress> parse_ip(std::string_view text);
/// "1.2.3.4" for an IPv4-mapped address, else the RFC 5952 IPv6 text.
std::string format_ip(const IpAddress& ip);
/// "1.2.3.4:8646" or "[2001:db8::1]:8646".
std::string format_endpoint(const IpAddress& ip, std::uint32_t port);

struct Ban {
  IpAddress ip{};
  std::uint64_t until_ms = 0;  // banned while now_ms < until_ms
  std::string reason;          // a P2pError name, or "admin"
  friend bool operator==(const Ban&, const Ban&) = default;
};

class AddressBook {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;
  static constexpr std::size_t kMaxBans = 10'000;

  explicit AddressBook(std::uint64_t seed, std::size_t capacity = kDefaultCapacity);

  // ---- addresses ---------------------------------------------------------------------
  /// Adds `a` (last_seen_ms clamped to now_ms) or, if its ip:port is known, raises the
  /// known last_seen_ms to it. At capacity a new address evicts the least recently seen
  /// one, unless it is itself older than all of them (then it is dropped). Port 0 is
  /// ignored. Returns true if `a` was new and kept.
  bool add(NetAddress a, std::uint64_t now_ms);
  /// Forgets `ip:port` (e.g. it turned out to be ourselves). True if it was known.
  bool remove(const IpAddress& ip, std::uint32_t port);
  bool contains(const IpAddress& ip, std::uint32_t port) const;
  std::optional<NetAddress> find(const IpAddress& ip, std::uint32_t port) const;
  std::size_t size() const { return m_entries.size(); }

  /// Up to `max` distinct known addresses in random order, banned IPs left out: the
  /// answer to `getaddr` (max = kMaxAddrs) and the pool of dial candidates.
  std::vector<NetAddress> sample(std::size_t max, std::uint64_t now_ms);

  // ---- bans --------------------------------------------------------------------------
  /// Bans `ip` until `until_ms` (a longer existing ban is kept). Beyond kMaxBans the ban
  /// that ends first is dropped.
  void ban(const IpAddress& ip, std::uint64_t until_ms, std::string reason);
  /// True if `ip` was banned.
  bool unban(const IpAddress& ip);
  bool is_banned(const IpAddress& ip, std::uint64_t now_ms) const;
  /// Drops the bans that ended at or before `now_ms`.
  void expire(std::uint64_t now_ms);
  /// The bans in force at `now_ms`, by IP.
  std::vector<Ban> bans(std::uint64_t now_ms) const;

 private:
  using Key = std::pair<IpAddress, std::uint32_t>;

  void evict_oldest();
  void erase_at(std::size_t index);

  std::size_t m_capacity;
  std::mt19937_64 m_rng;
  std::vector<NetAddress> m_entries;                       // unordered; sampled by index
  std::map<Key, std::size_t> m_index;                      // ip:port -> position in m_entries
  std::set<std::pair<std::uint64_t, Key>> m_by_last_seen;  // eviction order
  std::map<IpAddress, Ban> m_bans;
};

class DialBackoff {
 public:
  static constexpr std::uint64_t kInitialMs = 1'000;
  static constexpr std::uint64_t kMaxMs = 60'000;
  static constexpr std::size_t kMaxTargets = 8192;

  /// A dial of `target` failed at now_ms: the next try waits 1 s, then 2 s, 4 s, ... up
  /// to 60 s after each further failure. Beyond kMaxTargets targets, the one whose wait
  /// ends first is forgotten.
  void failed(const std::string& target, std::uint64_t now_ms);
  /// A handshake with `target` succeeded: it may be dialled at once next time.
  void succeeded(const std::string& target);
  /// True if `target` may be dialled at now_ms.
  bool ready(const std::string& target, std::uint64_t now_ms) const;
  /// When `target` may be dialled next (0: any time).
  std::uint64_t next_attempt_ms(const std::string& target) const;
  /// The wait after the last failure (0: none recorded).
  std::uint64_t delay_ms(const std::string& target) const;
  std::size_t size() const { return m_targets.size(); }

 private:
  struct State {
    std::uint64_t delay_ms = 0;
    std::uint64_t next_ms = 0;
  };
  std::map<std::string, State> m_targets;
};

}  // namespace cloudchain::p2p
