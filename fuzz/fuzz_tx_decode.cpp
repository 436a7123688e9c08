// Transaction decoding of arbitrary bytes (docs/protocol.md, section 5).
// Invariants: decoding never crashes; every accepted input re-encodes to itself
// (canonical codec), encoded_size agrees, and the context-free checks run without
// crashing on anything the codec accepts.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "primitives/transaction.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudchain::primitives;
  const ByteSpan in(data, size);
  const auto tx = decode_transaction(in);
  if (!tx) return 0;
  const Bytes again = encode(*tx);
  check(again.size() == size && std::equal(again.begin(), again.end(), in.begin()));
  check(encoded_size(*tx) == size);
  (void)txid(*tx);
  (void)check_transaction(*tx, tx->chain_id);
  return 0;
}
