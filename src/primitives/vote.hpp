#pragma once
// Consensus votes (docs/protocol.md, section 8):
//
//   vote      = chain_id:u32 type:u8 height:u64 round:u32 block_hash:hash validator:pubkey signature:sig
//   type      = 1 prevote | 2 precommit
//
// `block_hash` all zero is a vote for nil. `signature` signs
// H_cloudchain/vote(vote without signature) with the validator's consensus key.
// A PoS block's last_commit carries precommit signatures in this form (section 7).

#include <cstdint>
#include <optional>

#include "crypto/keys.hpp"
#include "primitives/codec.hpp"

namespace cloudchain::primitives {

enum class VoteType : std::uint8_t {
  kPrevote = 1,
  kPrecommit = 2,
};
std::string_view to_string(VoteType t);
/// The vote type with this wire value, or nullopt for an unknown one.
std::optional<VoteType> vote_type_from_u8(std::uint8_t raw);

struct Vote {
  std::uint32_t chain_id = 0;
  VoteType type = VoteType::kPrevote;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};  // all zero: nil
  crypto::PublicKey validator{};
  crypto::Signature signature{};

  bool is_nil() const;
  friend bool operator==(const Vote&, const Vote&) = default;
};

inline constexpr std::size_t kVoteSize = 4 + 1 + 8 + 4 + 32 + 33 + 64;  // 146

/// Layout of a vote; `with_signature = false` is the signed prefix.
template <typename S, typename V>
void vote_io(S& s, V& v, bool with_signature = true) {
  s.u32(v.chain_id, "vote.chain_id");
  enum_u8(s, v.type, vote_type_from_u8, CodecError::kUnknownVoteType, "vote.type");
  s.u64(v.height, "vote.height");
  s.u32(v.round, "vote.round");
  s.array(v.block_hash, "vote.block_hash");
  s.array(v.validator, "vote.validator");
  if (with_signature) s.array(v.signature, "vote.signature");
}

Bytes encode(const Vote& vote);
/// Errors: kTruncated, kUnknownVoteType, kTrailingBytes.
util::Result<Vote, CodecError> decode_vote(ByteSpan in);

/// H_cloudchain/vote(encoding without the signature).
Hash256 signing_hash(const Vote& vote);
/// Sets `vote.validator` to the key's public key and signs.
void sign(Vote& vote, const crypto::PrivateKey& key);
/// Checks the signature against `vote.validator` (crypto::verify rules: valid key,
/// r and s in range, low-S, verifies).
util::Result<void, crypto::SigError> verify_vote(const Vote& vote);

}  // namespace cloudchain::primitives
