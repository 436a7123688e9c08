#include "primitives/test_util.hpp"

namespace cloudchain::primitives::test {

std::uint64_t Rng::interesting_u64() {
  switch (below(4)) {
    case 0: return below(3);
    case 1: return UINT64_MAX - below(2);
    case 2: return u64() >> below(64);
    default: return u64();
  }
}

Vote random_vote(Rng& rng) {
  Vote v;
  v.chain_id = rng.u32();
  v.type = rng.coin() ? VoteType::kPrevote : VoteType::kPrecommit;
  v.height = rng.interesting_u64();
  v.round = rng.u32();
  v.block_hash = rng.coin() ? Hash256{} : rng.array<32>();
  v.validator = rng.array<33>();
  v.signature = rng.array<64>();
  return v;
}

Transaction random_tx(Rng& rng, int kind) {
  Transaction tx;
  tx.chain_id = rng.u32();
  tx.sender = rng.array<33>();
  tx.nonce = rng.interesting_u64();
  tx.fee = rng.interesting_u64();
  tx.signature = rng.array<64>();
  switch (kind == 0 ? static_cast<int>(1 + rng.below(6)) : kind) {
    case 1: tx.body = Transfer{.to = rng.array<20>(), .amount = rng.interesting_u64()}; break;
    case 2: tx.body = Stake{.amount = rng.interesting_u64(), .validator = rng.array<33>()}; break;
    case 3: tx.body = Unstake{.amount = rng.interesting_u64()}; break;
    case 4: tx.body = Anchor{.digest = rng.array<32>(), .memo = rng.bytes(rng.below(kMaxMemoSize + 1))}; break;
    case 5: tx.body = Evidence{.a = random_vote(rng), .b = random_vote(rng)}; break;
    default: tx.body = Unjail{.validator = rng.array<33>()}; break;
  }
  return tx;
}

BlockHeader random_header(Rng& rng, bool pos) {
  BlockHeader h;
  h.chain_id = rng.u32();
  h.height = rng.interesting_u64();
  h.parent = rng.array<32>();
  h.timestamp_ms = rng.interesting_u64();
  h.tx_root = rng.array<32>();
  h.state_root = rng.array<32>();
  h.beneficiary = rng.array<20>();
  if (pos) {
    h.seal = PosSeal{.round = rng.u32(), .last_commit_hash = rng.array<32>(), .proposer_sig = rng.array<64>()};
  } else {
    // A canonical compact target: normalize a random one with random leading zeros.
    Hash256 target = rng.array<32>();
    const std::size_t zeros = rng.below(32);
    for (std::size_t i = 0; i < zeros; ++i) target[i] = 0;
    target[31] |= 1;
    h.seal = PowSeal{.bits = bits_from_target(target), .nonce = rng.interesting_u64()};
  }
  return h;
}

LastCommit random_last_commit(Rng& rng, std::size_t max_sigs) {
  LastCommit c;
  c.round = rng.u32();
  c.sigs.resize(rng.below(max_sigs + 1));
  for (auto& s : c.sigs) s = CommitSig{.validator = rng.array<33>(), .signature = rng.array<64>()};
  return c;
}

Block random_block(Rng& rng, std::size_t max_txs) {
  Block b;
  const bool pos = rng.coin();
  b.header = random_header(rng, pos);
  b.txs.resize(rng.below(max_txs + 1));
  for (auto& tx : b.txs) tx = random_tx(rng);
  if (pos) b.last_commit = random_last_commit(rng, 4);
  return b;
}

crypto::Signature negate_s(const crypto::Signature& sig) {
  static constexpr util::ByteArray<32> kOrder = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                                 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
  crypto::Signature out = sig;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    const auto idx = static_cast<std::size_t>(i);
    int d = kOrder[idx] - sig[32 + idx] - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 256;
    out[32 + idx] = static_cast<std::uint8_t>(d);
  }
  return out;
}

}  // namespace cloudchain::primitives::test
