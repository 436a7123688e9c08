// Proposal decoding of arbitrary bytes (docs/protocol.md, section 8, "Proposals").
// Invariants: decoding never crashes; every accepted input is kProposalSize bytes, keeps
// the decoder's rules (non-nil block hash, valid_round -1 or below round) and
// re-encodes to itself; signature verification runs without crashing.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "primitives/proposal.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudchain::primitives;
  const ByteSpan in(data, size);
  const auto proposal = decode_proposal(in);
  if (!proposal) {
    check(proposal.error().code == CodecError::kTruncated || proposal.error().code == CodecError::kTrailingBytes ||
          proposal.error().code == CodecError::kNilProposal || proposal.error().code == CodecError::kBadValidRound);
    return 0;
  }
  check(size == kProposalSize);
  check(valid_round_ok(proposal->valid_round, proposal->round));
  check(std::ranges::any_of(proposal->block_hash, [](std::uint8_t b) { return b != 0; }));
  const Bytes again = encode(*proposal);
  check(again.size() == size && std::equal(again.begin(), again.end(), in.begin()));
  (void)verify_proposal(*proposal);
  return 0;
}
