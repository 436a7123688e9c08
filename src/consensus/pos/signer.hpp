#pragma once
// The validator's signing guard (docs/consensus-pos.md, "Signing guard"): every
// consensus signature of a validator goes through one VoteSigner, which remembers on
// disk the last (height, round, step) it signed and never signs two different messages
// for one (height, round, step), nor anything earlier, across restarts and crashes.
//
// Rules:
// - Order: (height, round, step) compared lexicographically, step kPropose (the block
//   proposal) < kPrevote < kPrecommit (tendermint.hpp's Step, in the order a round runs).
// - Earlier than the last signed: refused (kEarlier). The same (height, round, step):
//   the stored signature when the signing hash is the same (a restart re-sending what
//   it may already have sent), refused when it differs (kConflict: a double sign).
//   Later: the new state is written to the state file durably (temporary file, fsync,
//   rename, fsync of the directory) BEFORE the signature is returned.
// - A missing state file means nothing was signed yet. A file that is not exactly the
//   format below (truncated, trailing bytes, bad checksum, unknown step) is an error,
//   never a reset: resetting could allow a double sign. Moving it away by hand is the
//   operator's decision.
// - open() holds an exclusive flock on `path + ".lock"` for the signer's life, so a
//   second process or a second instance on the same state file fails (kLocked): two
//   copies of one validator would each sign their own, different, votes. The lock
//   belongs to the open file: a process forked while a signer is open shares it, so
//   fork before opening (exec is safe: the descriptor is close-on-exec).
//
// State file (all integers little-endian, primitives codec):
//
//   state     = magic:4 version:u8 chain_id:u32 validator:pubkey height:u64 round:u32
//               step:u8 signing_hash:hash signature:sig checksum:hash       (183 bytes)
//   magic     = "ccvs"
//   version   = 1
//   step      = 0 propose | 1 prevote | 2 precommit
//   checksum  = tagged_hash("cloudchain/signer-state", every byte before it)
//
// `signature` is the validator's signature of `signing_hash`, checked when the file is
// read (a mismatch is kCorrupt).
//
// Thread-safety: not thread-safe; one owner (the consensus actor). Different signers
// (other paths) are independent. Bad input is answered with an error, never asserted.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "consensus/pos/tendermint.hpp"
#include "crypto/keys.hpp"
#include "primitives/vote.hpp"
#include "util/error.hpp"

namespace cloudchain::consensus::pos {

enum class SignerError {
  kLocked,          // one signer per state file: its lock file is not held by another process or instance
  kIo,              // the state file and its lock file can be opened, read, written, fsynced and renamed
  kCorrupt,         // the state file is exactly the format above: magic, 183 bytes, checksum, a known
                    // step, a signature that verifies
  kUnknownVersion,  // the state file's version is 1
  kWrongChain,      // the state file's chain id, and a vote's, is this signer's chain id
  kWrongKey,        // the state file's validator key is this signer's public key
  kEarlier,         // never sign at a (height, round, step) before the last signed one
  kConflict,        // at the last signed (height, round, step), only the same signing hash
  kBadVote,         // a vote to sign has a known type (prevote or precommit)
};
std::string_view to_string(SignerError e);

inline constexpr std::uint8_t kSignerStateVersion = 1;
inline constexpr std::size_t kSignerStateSize = 4 + 1 + 4 + 33 + 8 + 4 + 1 + 32 + 64 + 32;  // 183

/// The last message signed: its place and what was signed.
struct LastSigned {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Step step = Step::kPropose;
  Hash256 signing_hash{};
  crypto::Signature signature{};
  friend bool operator==(const LastSigned&, const LastSigned&) = default;
};

class VoteSigner {
 public:
  /// Locks `path + ".lock"` (created if missing, never removed) and reads the state file
  /// `path` if it exists. The directory must exist.
  /// Errors: kLocked (another signer holds the lock), kIo, and for an existing file:
  /// kCorrupt, kUnknownVersion, kWrongChain, kWrongKey (each naming the path and field).
  static util::Result<VoteSigner, SignerError> open(std::filesystem::path path, const crypto::PrivateKey& consensus_key,
                                                    std::uint32_t chain_id);

  VoteSigner(VoteSigner&& other) noexcept;
  VoteSigner& operator=(VoteSigner&& other) noexcept;
  VoteSigner(const VoteSigner&) = delete;
  VoteSigner& operator=(const VoteSigner&) = delete;
  /// Releases the lock.
  ~VoteSigner();

  /// The signature of `signing_hash` at (height, round, step) under the rules above.
  /// Returns only after a later state is durable. Errors: kEarlier, kConflict (detail:
  /// both places / hashes), kIo (nothing was signed; the file holds the old state or, if
  /// only the directory fsync failed, the new one: either way no signature left),
  /// kLocked (this object was moved from).
  util::Result<crypto::Signature, SignerError> sign(std::uint64_t height, std::uint32_t round, Step step,
                                                    const Hash256& signing_hash);

  /// Sets `vote.validator` to this signer's key and `vote.signature` (step = the vote
  /// type). Errors: kWrongChain (vote.chain_id), kBadVote (vote.type), then those of
  /// sign(); `vote` is left unchanged on error.
  util::Result<void, SignerError> sign_vote(primitives::Vote& vote);

  /// The proposal signature at (height, round): sign(height, round, kPropose, hash),
  /// where `signing_hash` is primitives::proposal_signing_hash(header).
  util::Result<crypto::Signature, SignerError> sign_proposal(std::uint64_t height, std::uint32_t round,
                                                             const Hash256& signing_hash);

  /// The last signed message (as on disk), or nullopt when nothing was signed yet.
  const std::optional<LastSigned>& last_signed() const { return m_last; }
  const crypto::PublicKey& public_key() const { return m_public_key; }
  std::uint32_t chain_id() const { return m_chain_id; }
  const std::filesystem::path& path() const { return m_path; }

 private:
  VoteSigner(std::filesystem::path path, const crypto::PrivateKey& key, std::uint32_t chain_id, int lock_fd);
  util::Result<void, SignerError> persist(const LastSigned& next) const;

  std::filesystem::path m_path;
  crypto::PrivateKey m_key;
  crypto::PublicKey m_public_key;
  std::uint32_t m_chain_id;
  int m_lock_fd;  // -1 once moved from
  std::optional<LastSigned> m_last;
};

/// The state file's bytes for this signer's `chain_id`, key and `last` (exposed for the
/// tests, which build corrupt variants of it).
util::Bytes encode_signer_state(std::uint32_t chain_id, const crypto::PublicKey& validator, const LastSigned& last);

}  // namespace cloudchain::consensus::pos
