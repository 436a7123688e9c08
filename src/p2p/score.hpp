#pragma once
// A peer's misbehaviour score (docs/p2p.md, "Misbehaviour and bans"). Points for each
// offence (misbehaviour_score) add up; at kBanScore the peer is banned. The score decays
// by one point per kDecayIntervalMs (one minute), so the rare slips of an honest peer on
// a connection that lasts for days never add up to a ban, while an offence worth
// kBanScore bans at once and a burst of smaller ones within minutes still does. A peer
// can keep misbehaving at up to one point a minute without a ban: the cheapest offence
// (kInvalidTx, 10 points) once every 10 minutes.
//
// Time is a parameter (`now_ms`, any monotonic milliseconds): no clock inside, so the
// tests are deterministic. Not thread-safe (one per peer, on the network thread).

#include <cstdint>

namespace cloudchain::p2p {

class MisbehaviourScore {
 public:
  static constexpr std::uint64_t kDecayIntervalMs = 60'000;  // one point less per minute

  /// Decays the score to `now_ms`, then adds `points` (saturating at the type's maximum).
  /// Returns the new score. A `now_ms` earlier than a previous one counts as no time.
  std::uint32_t add(std::uint32_t points, std::uint64_t now_ms);
  /// The score at `now_ms`, decayed (what add(0, now_ms) would return).
  std::uint32_t value(std::uint64_t now_ms) const;

 private:
  std::uint32_t m_points = 0;
  std::uint64_t m_since_ms = 0;  // decay accounted for up to here; meaningless while 0 points
};

}  // namespace cloudchain::p2p
