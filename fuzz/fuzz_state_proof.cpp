// State proofs (docs/protocol.md, section 9.4): decoding and verification against a
// fixed small state tree.
//   - decode_proof never crashes; an accepted encoding re-encodes to the same bytes;
//   - whatever a proof claims, if it verifies for a key under the tree's root it tells
//     the truth about that key: present with exactly the tree's value hash, or absent.
// The proof bytes are either taken raw or made by mutating a genuine proof for the
// chosen key, so the fuzzer also reaches proofs that get far into verification.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "state/proof.hpp"
#include "state/tree.hpp"

namespace {

using namespace cloudchain;
using state::Hash256;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

Hash256 key_from(std::uint8_t a, std::uint8_t b, std::uint8_t last) {
  Hash256 k{};
  k[0] = a;
  k[1] = b;
  k[31] = last;
  return k;
}

struct Fixture {
  state::MemoryNodeStore store;
  Hash256 root{};
  std::vector<Hash256> keys;  // present keys first, then absent ones

  Fixture() {
    // Keys with shared prefixes (a chain of inner nodes with empty siblings, and two
    // leaves that differ only in their last bit: the deepest possible path).
    const std::vector<Hash256> present = {key_from(0x00, 0x00, 0), key_from(0x00, 0x00, 1), key_from(0x40, 0x01, 7),
                                          key_from(0x80, 0x00, 0), key_from(0x81, 0x00, 0), key_from(0xF0, 0x0F, 9)};
    std::vector<state::TreeUpdate> batch;
    for (std::size_t i = 0; i < present.size(); ++i) {
      Hash256 vh{};
      vh[0] = static_cast<std::uint8_t>(i + 1);
      batch.push_back({present[i], state::TreeValue{vh, {static_cast<std::uint8_t>(i)}}});
    }
    state::StateTree tree(store);
    root = *tree.update(state::kEmptyHash, batch);
    keys = present;
    for (const Hash256& k : {key_from(0x00, 0x80, 0), key_from(0x41, 0, 0), key_from(0xC0, 0, 0),
                             key_from(0x80, 0x00, 1), key_from(0x20, 0, 0)}) {
      keys.push_back(k);
    }
  }

  std::optional<Hash256> truth(const Hash256& key) const {
    auto v = state::tree_get(store, root, key);
    check(v.has_value());
    if (!*v) return std::nullopt;
    return (*v)->value_hash;
  }
};

Hash256 consume_hash(FuzzedDataProvider& in) {
  Hash256 h{};
  const auto bytes = in.ConsumeBytes<std::uint8_t>(h.size());
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture f;
  FuzzedDataProvider in(data, size);

  const std::size_t pick = in.ConsumeIntegralInRange<std::size_t>(0, f.keys.size());
  const Hash256 key = pick < f.keys.size() ? f.keys[pick] : consume_hash(in);
  const std::optional<Hash256> truth = f.truth(key);

  std::optional<Hash256> claim;
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0: break;  // claims absence
    case 1: claim = truth.value_or(Hash256{0x01}); break;
    default: claim = consume_hash(in); break;
  }

  std::vector<std::uint8_t> bytes;
  if (in.ConsumeBool()) {
    // A genuine proof, then byte edits (position, xor) and a possible truncation or tail.
    bytes = state::encode_proof(*state::tree_prove(f.store, f.root, key));
    const std::size_t edits = in.ConsumeIntegralInRange<std::size_t>(0, 4);
    for (std::size_t i = 0; i < edits && !bytes.empty(); ++i) {
      const std::size_t pos = in.ConsumeIntegralInRange<std::size_t>(0, bytes.size() - 1);
      bytes[pos] ^= in.ConsumeIntegral<std::uint8_t>();
    }
    if (in.ConsumeBool() && !bytes.empty()) bytes.resize(in.ConsumeIntegralInRange<std::size_t>(0, bytes.size()));
    const auto tail = in.ConsumeRemainingBytes<std::uint8_t>();
    bytes.insert(bytes.end(), tail.begin(), tail.end());
  } else {
    bytes = in.ConsumeRemainingBytes<std::uint8_t>();
  }

  auto proof = state::decode_proof(bytes);
  if (!proof) return 0;
  check(state::encode_proof(*proof) == bytes);

  if (auto shown = state::proven_value(f.root, key, *proof)) check(*shown == truth);
  if (state::verify_proof(f.root, key, claim, *proof)) check(claim == truth);
  return 0;
}
