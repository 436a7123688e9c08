// Block decoding of arbitrary bytes (docs/protocol.md, section 7).
// Invariants: decoding never crashes or allocates beyond the input's bounds; every
// accepted input re-encodes to itself; the context-free body checks run without
// crashing and never report a presence mismatch for a decoded block (the grammar
// decides presence from the seal).

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "primitives/block.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudchain::primitives;
  const ByteSpan in(data, size);
  const auto block = decode_block(in);
  if (!block) return 0;
  const Bytes again = encode(*block);
  check(again.size() == size && std::equal(again.begin(), again.end(), in.begin()));
  check(encoded_size(*block) == size);
  if (const auto r = check_block_body(*block); !r) {
    check(r.error().code != BlockCheckError::kMissingLastCommit &&
          r.error().code != BlockCheckError::kUnexpectedLastCommit &&
          r.error().code != BlockCheckError::kBlockTooLarge && r.error().code != BlockCheckError::kTooManyTxs &&
          r.error().code != BlockCheckError::kTooManyCommitSigs);
  }
  return 0;
}
