#include "primitives/proposal.hpp"

#include "crypto/sha256.hpp"

namespace cloudchain::primitives {

Bytes encode(const Proposal& proposal) {
  return encode_with(proposal, [](auto& s, const Proposal& p) { proposal_io(s, p); });
}

util::Result<Proposal, CodecError> decode_proposal(ByteSpan in) {
  return decode_with<Proposal>(in, [](Reader& r, Proposal& p) { proposal_io(r, p); }, "proposal");
}

Hash256 signing_hash(const Proposal& proposal) {
  static const crypto::TaggedHasher kHasher("cloudchain/bft-proposal");
  Writer w(kProposalSize);
  proposal_io(w, proposal, /*with_signature=*/false);
  return kHasher.hash(w.bytes_written());
}

void sign(Proposal& proposal, const crypto::PrivateKey& key) {
  proposal.proposer = key.public_key();
  proposal.signature = key.sign(signing_hash(proposal));
}

util::Result<void, crypto::SigError> verify_proposal(const Proposal& proposal) {
  return crypto::verify(proposal.proposer, signing_hash(proposal), proposal.signature);
}

}  // namespace cloudchain::primitives
