#pragma once
// BFT proposals (docs/protocol.md, section 8, "Proposals"): the proposer's signed
// "in (height, round) I propose block_hash", Tendermint's PROPOSAL message.
//
//   proposal    = chain_id:u32 height:u64 round:u32 block_hash:hash valid_round:i32
//                 proposer:pubkey signature:sig
//   valid_round = -1 (none) | 0 .. round - 1       i32: 32-bit two's complement, little-endian
//
// `block_hash` names the proposed block, which travels on its own (the p2p `block`
// message); it is never all zero (a proposal for nil means nothing). `valid_round` is
// the round of the polka that made the block the proposer's valid value, -1 for a fresh
// block. `signature` signs H_cloudchain/bft-proposal(proposal without signature) with
// the proposer's consensus key. (H_cloudchain/proposal is taken: it is the PoS header's
// proposer_sig hash, section 6.)
//
// Decoding is strict and structural: exact size (kProposalSize), kNilProposal,
// kBadValidRound; keys and signatures are checked by verify_proposal, the chain id,
// height and "is this the round's proposer" by the consensus engine.
//
// Pure; thread-safe.

#include <algorithm>
#include <cstdint>

#include "crypto/keys.hpp"
#include "primitives/codec.hpp"

namespace cloudchain::primitives {

/// Proposal::valid_round when no polka backs the block.
inline constexpr std::int32_t kNoValidRound = -1;

struct Proposal {
  std::uint32_t chain_id = 0;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Hash256 block_hash{};                      // never all zero
  std::int32_t valid_round = kNoValidRound;  // kNoValidRound or in [0, round)
  crypto::PublicKey proposer{};
  crypto::Signature signature{};

  friend bool operator==(const Proposal&, const Proposal&) = default;
};

inline constexpr std::size_t kProposalSize = 4 + 8 + 4 + 32 + 4 + 33 + 64;  // 149

/// The rule kBadValidRound enforces: -1, or a round before `round`.
constexpr bool valid_round_ok(std::int32_t valid_round, std::uint32_t round) {
  return valid_round == kNoValidRound || (valid_round >= 0 && static_cast<std::uint32_t>(valid_round) < round);
}

/// Layout of a proposal; `with_signature = false` is the signed prefix.
template <typename S, typename P>
void proposal_io(S& s, P& p, bool with_signature = true) {
  s.u32(p.chain_id, "proposal.chain_id");
  s.u64(p.height, "proposal.height");
  s.u32(p.round, "proposal.round");
  s.array(p.block_hash, "proposal.block_hash");
  s.require(std::ranges::any_of(p.block_hash, [](std::uint8_t b) { return b != 0; }), CodecError::kNilProposal,
            "proposal.block_hash");
  // i32 on the wire: the u32 of the same bits (two's complement).
  if constexpr (S::kReading) {
    std::uint32_t raw = 0;
    s.u32(raw, "proposal.valid_round");
    p.valid_round = static_cast<std::int32_t>(raw);
  } else {
    const auto raw = static_cast<std::uint32_t>(p.valid_round);
    s.u32(raw, "proposal.valid_round");
  }
  s.require(valid_round_ok(p.valid_round, p.round), CodecError::kBadValidRound, "proposal.valid_round");
  s.array(p.proposer, "proposal.proposer");
  if (with_signature) s.array(p.signature, "proposal.signature");
}

Bytes encode(const Proposal& proposal);
/// Errors: kTruncated, kNilProposal, kBadValidRound, kTrailingBytes (the first one met,
/// in field order).
util::Result<Proposal, CodecError> decode_proposal(ByteSpan in);

/// H_cloudchain/bft-proposal(encoding without the signature).
Hash256 signing_hash(const Proposal& proposal);
/// Sets `proposal.proposer` to the key's public key and signs.
void sign(Proposal& proposal, const crypto::PrivateKey& key);
/// Checks the signature against `proposal.proposer` (crypto::verify rules: valid key,
/// r and s in range, low-S, verifies).
util::Result<void, crypto::SigError> verify_proposal(const Proposal& proposal);

}  // namespace cloudchain::primitives
