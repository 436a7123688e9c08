// Vote decoding of arbitrary bytes (docs/protocol.md, section 8), and the evidence
// rules on pairs of decoded votes.
// Invariants: decoding never crashes; every accepted input re-encodes to itself;
// verification and the evidence checks run without crashing.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "primitives/transaction.hpp"
#include "primitives/vote.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudchain::primitives;
  const ByteSpan in(data, size);
  if (const auto vote = decode_vote(in)) {
    const Bytes again = encode(*vote);
    check(again.size() == size && std::equal(again.begin(), again.end(), in.begin()));
    (void)verify_vote(*vote);
    return 0;
  }
  // Two votes back to back: an evidence pair.
  if (size != 2 * kVoteSize) return 0;
  const auto a = decode_vote(in.first(kVoteSize));
  const auto b = decode_vote(in.subspan(kVoteSize));
  if (!a || !b) return 0;
  (void)check_evidence(Evidence{.a = *a, .b = *b}, a->chain_id);
  return 0;
}
