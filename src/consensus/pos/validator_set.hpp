#pragma once
// The validator set of a Proof-of-Stake chain and Tendermint's stake-weighted
// proposer rotation (docs/consensus-pos.md, "Validator set" and "Proposer selection").
//
// Rules (consensus-critical):
// - A set holds 1..kMaxValidators validators sorted by public key (ascending bytes),
//   each key a valid compressed point, no key twice, every power > 0 and the total
//   power <= kMaxTotalPower, so `3 * power` never overflows 64 bits and the quorum
//   checks below are exact integer comparisons.
// - Quorums: more_than_two_thirds(p) is 3p > 2T and more_than_one_third(p) is 3p > T,
//   with T = total_power(). 2f+1 and f+1 in the paper's terms.
// - The proposer of (height, round) is the one chosen by step number
//   (height - first_height) + round + 1 of the weighted round-robin below, run from
//   all-zero priorities. One step: every validator's priority += its power; the
//   highest priority proposes (ties: the lower key, i.e. the lower index); its
//   priority -= total power. Round 0 of height h+1 is therefore proposed by whoever
//   would have proposed round 1 of height h, as in Tendermint.
//
// ValidatorSet is an immutable value: any thread, any number at once. Bad input to
// create() is answered with a ValidatorSetError, never an assert.
// ProposerSchedule caches the round-robin state: it is not thread-safe (one owner,
// the consensus state machine); two schedules of the same set always agree.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/keys.hpp"
#include "primitives/block.hpp"
#include "util/error.hpp"

namespace cloudchain::consensus::pos {

/// A commit must fit one block's last_commit.
inline constexpr std::size_t kMaxValidators = primitives::kMaxCommitSigs;
/// 2^60, as Tendermint's MaxTotalVotingPower (int64 max / 8): 3 * total fits in u64.
inline constexpr std::uint64_t kMaxTotalPower = std::uint64_t{1} << 60;

struct Validator {
  crypto::PublicKey key{};
  std::uint64_t power = 0;
  friend bool operator==(const Validator&, const Validator&) = default;
};

enum class ValidatorSetError {
  kEmpty,               // at least one validator
  kTooManyValidators,   // at most kMaxValidators (256) validators
  kBadKey,              // every key a valid 33-byte compressed point
  kZeroPower,           // every power > 0
  kDuplicateKey,        // no key twice
  kTotalPowerTooLarge,  // sum of powers <= kMaxTotalPower (2^60), checked without overflow
};
std::string_view to_string(ValidatorSetError e);

class ValidatorSet {
 public:
  /// Sorts `validators` by key and checks the rules above; `first_height` is the first
  /// height this set governs (the origin of the proposer schedule).
  /// Errors: the first rule broken, in ValidatorSetError order.
  static util::Result<ValidatorSet, ValidatorSetError> create(std::vector<Validator> validators,
                                                              std::uint64_t first_height);

  /// Sorted by key, ascending.
  std::span<const Validator> validators() const { return m_validators; }
  std::size_t size() const { return m_validators.size(); }
  std::uint64_t total_power() const { return m_total; }
  std::uint64_t first_height() const { return m_first_height; }

  /// The index of `key` in validators(), or nullopt when it is not in the set.
  std::optional<std::size_t> index_of(const crypto::PublicKey& key) const;
  bool contains(const crypto::PublicKey& key) const { return index_of(key).has_value(); }

  /// 3 * power > 2 * total_power(). Any `power` (values above the total are true).
  bool more_than_two_thirds(std::uint64_t power) const;
  /// 3 * power > total_power().
  bool more_than_one_third(std::uint64_t power) const;

  friend bool operator==(const ValidatorSet&, const ValidatorSet&) = default;

 private:
  ValidatorSet(std::vector<Validator> validators, std::uint64_t total, std::uint64_t first_height)
      : m_validators(std::move(validators)), m_total(total), m_first_height(first_height) {}

  std::vector<Validator> m_validators;
  std::uint64_t m_total = 0;
  std::uint64_t m_first_height = 0;
};

/// The proposer rotation of one set, with its round-robin state cached: sequential
/// queries (the usual (h, 0), (h, 1), (h + 1, 0), ...) cost O(validators) each; a query
/// behind the cached state restarts from a checkpoint taken every kCheckpointInterval
/// steps, so it costs at most kCheckpointInterval steps more.
class ProposerSchedule {
 public:
  static constexpr std::uint64_t kCheckpointInterval = 1024;

  explicit ProposerSchedule(ValidatorSet set);

  const ValidatorSet& set() const { return m_set; }

  /// The index in set().validators() of the proposer of (height, round). Returns
  /// nullopt when height < set().first_height(). Cost: O(validators) per step of the
  /// round-robin between the cached state and the slot; the caller bounds `round`.
  std::optional<std::size_t> proposer_index(std::uint64_t height, std::uint32_t round);
  /// The proposer's key; nullopt as proposer_index.
  std::optional<crypto::PublicKey> proposer(std::uint64_t height, std::uint32_t round);

 private:
  // Priorities change by at most total power (<= 2^60) per step, so 128 bits cannot
  // overflow in 2^67 steps.
  __extension__ using Priority = __int128;

  void step();

  ValidatorSet m_set;
  std::vector<Priority> m_priority;  // the state after m_steps steps
  std::uint64_t m_steps = 0;
  std::size_t m_last = 0;                            // the validator chosen by step m_steps (when m_steps > 0)
  std::vector<std::vector<Priority>> m_checkpoints;  // [i]: the state after i * interval steps
};

}  // namespace cloudchain::consensus::pos
