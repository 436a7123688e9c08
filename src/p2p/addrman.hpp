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
// Addresses told by a peer (add_gossiped) also lose kGossipPenaltyMs of last_seen_ms
// (what we saw ourselves ranks first), at most kMaxPerSource of them are kept per
// telling IP, and they are evicted before addresses we completed a handshake with.
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
#include <tuple>
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

/// Never a peer's address: unspecified (0.0.0.0/8, ::), multicast (224.0.0.0/4,
/// ff00::/8), limited broadcast and reserved IPv4 (240.0.0.0/4).
bool is_unusable(const IpAddress& ip);
/// Reachable only nearby: loopback (127.0.0.0/8, ::1), private (10/8, 172.16/12,
/// 192.168/16, 100.64/10 CGNAT, fc00::/7) and link-local (169.254/16, fe80::/10).
bool is_local(const IpAddress& ip);

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
  static constexpr std::size_t kMaxPerSource = 128;             // gossiped entries per telling IP
  static constexpr std::uint64_t kGossipPenaltyMs = 7'200'000;  // 2 h off a told last_seen

  explicit AddressBook(std::uint64_t seed, std::size_t capacity = kDefaultCapacity);

  // ---- addresses ---------------------------------------------------------------------
  /// Adds an address we saw ourselves: a peer we completed a handshake with (its IP and
  /// listen port) or one the operator named. last_seen_ms is clamped to now_ms; if the
  /// ip:port is known, its last_seen_ms is raised to it and it becomes a seen entry. At
  /// capacity a new address evicts the least recently seen told one (seen ones only when
  /// none is told), unless it is older than that (then it is dropped). Port 0 is
  /// ignored. Returns true if `a` was new and kept.
  bool add(NetAddress a, std::uint64_t now_ms);
  /// Adds an address `source` told us in `addr`: as add(), but last_seen_ms is clamped to
  /// now_ms minus kGossipPenaltyMs, it never evicts a seen entry, and it is dropped when
  /// `source` already has kMaxPerSource told entries in the book.
  bool add_gossiped(NetAddress a, std::uint64_t now_ms, const IpAddress& source);
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

  struct Meta {
    bool seen = false;                // we completed a handshake with it (or the operator named it)
    std::optional<IpAddress> source;  // told entries: who told us
  };
  // Eviction order: told entries first, then by last_seen_ms.
  using Rank = std::tuple<bool, std::uint64_t, Key>;

  bool insert(NetAddress a, std::uint64_t now_ms, Meta meta);
  void erase_at(std::size_t index);
  Rank rank_of(std::size_t index) const;

  std::size_t m_capacity;
  std::mt19937_64 m_rng;
  std::vector<NetAddress> m_entries;           // unordered; sampled by index
  std::vector<Meta> m_meta;                    // parallel to m_entries
  std::map<Key, std::size_t> m_index;          // ip:port -> position in m_entries
  std::set<Rank> m_by_rank;                    // eviction order
  std::map<IpAddress, std::size_t> m_told_by;  // source -> told entries in the book
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
