#include "primitives/vote.hpp"

#include <algorithm>

#include "crypto/sha256.hpp"

namespace cloudchain::primitives {

std::string_view to_string(VoteType t) {
  switch (t) {
    case VoteType::kPrevote: return "prevote";
    case VoteType::kPrecommit: return "precommit";
  }
  return "unknown";
}

std::optional<VoteType> vote_type_from_u8(std::uint8_t raw) {
  switch (raw) {
    case 1: return VoteType::kPrevote;
    case 2: return VoteType::kPrecommit;
    default: return std::nullopt;
  }
}

bool Vote::is_nil() const {
  return std::all_of(block_hash.begin(), block_hash.end(), [](std::uint8_t b) { return b == 0; });
}

Bytes encode(const Vote& vote) {
  return encode_with(vote, [](auto& s, const Vote& v) { vote_io(s, v); });
}

util::Result<Vote, CodecError> decode_vote(ByteSpan in) {
  return decode_with<Vote>(in, [](Reader& r, Vote& v) { vote_io(r, v); }, "vote");
}

Hash256 signing_hash(const Vote& vote) {
  static const crypto::TaggedHasher kHasher("cloudchain/vote");
  Writer w(kVoteSize);
  vote_io(w, vote, /*with_signature=*/false);
  return kHasher.hash(w.bytes_written());
}

void sign(Vote& vote, const crypto::PrivateKey& key) {
  vote.validator = key.public_key();
  vote.signature = key.sign(signing_hash(vote));
}

util::Result<void, crypto::SigError> verify_vote(const Vote& vote) {
  return crypto::verify(vote.validator, signing_hash(vote), vote.signature);
}

}  // namespace cloudchain::primitives
