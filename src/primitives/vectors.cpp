#include "primitives/vectors.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "crypto/sha256.hpp"
#include "crypto/sha256_compress.hpp"
#include "util/hex.hpp"

namespace cloudchain::primitives::vectors {

namespace {

constexpr std::size_t kInline = 80;                // longer values wrap (a 33-byte key stays on one line)
constexpr std::size_t kWrap = 64;                  // hex characters per continuation line: 32 bytes
constexpr std::uint32_t kSampleBits = 0x207fffff;  // target 0x7fffff00..00: half of all hashes meet it

crypto::PrivateKey key_of(std::uint8_t fill) {
  util::ByteArray<32> secret{};
  secret.fill(fill);
  auto key = crypto::PrivateKey::from_bytes(secret);
  if (!key) std::abort();  // 0x01..01 to 0x03..03 are valid scalars
  return *key;
}

Hash256 filled(std::uint8_t fill) {
  Hash256 h{};
  h.fill(fill);
  return h;
}

std::string hex(ByteSpan bytes) { return util::to_hex(bytes); }

}  // namespace

crypto::PrivateKey alice() { return key_of(0x01); }
crypto::PrivateKey bob() { return key_of(0x02); }
crypto::PrivateKey validator() { return key_of(0x03); }

Transaction sample_transfer() {
  Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = 0;
  tx.fee = 1000;
  tx.body = Transfer{.to = crypto::address_of(bob().public_key()), .amount = 5'000'000};
  sign(tx, alice());
  return tx;
}

Transaction sample_anchor() {
  constexpr std::string_view kFile = "hello, cloudchain\n";
  constexpr std::string_view kMemo = "audit-log/2024-01-01";
  Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = 1;
  tx.fee = 500;
  const auto memo = util::as_bytes(kMemo);
  tx.body = Anchor{.digest = crypto::sha256(util::as_bytes(kFile)), .memo = Bytes(memo.begin(), memo.end())};
  sign(tx, alice());
  return tx;
}

Transaction sample_unjail() {
  Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = 2;
  tx.fee = 1000;
  tx.body = Unjail{.validator = validator().public_key()};
  sign(tx, alice());
  return tx;
}

Block sample_pow_block() {
  Block block;
  block.txs = {sample_transfer(), sample_anchor()};
  BlockHeader& h = block.header;
  h.chain_id = kChainId;
  h.height = 1;
  h.parent = filled(0x11);
  h.timestamp_ms = 1'700'000'000'000;
  h.tx_root = tx_root(block);
  h.state_root = filled(0x22);
  h.beneficiary = crypto::address_of(bob().public_key());
  h.seal = PowSeal{.bits = kSampleBits, .nonce = 0};
  // Mine: the first nonce from 0 whose block hash meets the target.
  const Hash256 target = *target_from_bits(kSampleBits);
  const crypto::PowHasher hasher(pow_preimage(h), kPowNonceOffset);
  const auto nonce = hasher.search(0, 1'000'000, target);
  if (!nonce) std::abort();  // each try succeeds with probability 1/2
  std::get<PowSeal>(h.seal).nonce = *nonce;
  return block;
}

Vote sample_vote() {
  Vote vote;
  vote.chain_id = kChainId;
  vote.type = VoteType::kPrecommit;
  vote.height = 1;
  vote.round = 0;
  vote.block_hash = block_hash(sample_pow_block().header);
  sign(vote, validator());
  return vote;
}

Proposal sample_proposal() {
  Proposal proposal;
  proposal.chain_id = kChainId;
  proposal.height = 1;
  proposal.round = 0;
  proposal.block_hash = block_hash(sample_pow_block().header);
  proposal.valid_round = kNoValidRound;
  sign(proposal, validator());
  return proposal;
}

Proposal sample_polka_proposal() {
  Proposal proposal = sample_proposal();
  proposal.round = 2;
  proposal.valid_round = 1;
  sign(proposal, validator());
  return proposal;
}

std::vector<Group> all_groups() {
  const Transaction transfer = sample_transfer();
  const Transaction anchor = sample_anchor();
  const Transaction unjail = sample_unjail();
  const Block block = sample_pow_block();
  const Vote vote = sample_vote();
  const Proposal proposal = sample_proposal();
  const Proposal polka = sample_polka_proposal();
  const auto& seal = std::get<PowSeal>(block.header.seal);

  std::vector<Group> groups;
  groups.push_back(Group{
      .title = "Transactions (section 5)",
      .description =
          "- alice = secret 0x01 x 32 signs; bob = secret 0x02 x 32 receives. Chain id 1.\n"
          "- transfer: nonce 0, fee 1000, 5000000 to bob's address.\n"
          "- anchor: nonce 1, fee 500, digest SHA-256(\"hello, cloudchain\\n\"), memo \"audit-log/2024-01-01\".\n"
          "- unjail: nonce 2, fee 1000, the validator key of the vote vectors (secret 0x03 x 32).",
      .vectors =
          {
              {"tx.alice.pubkey", hex(alice().public_key())},
              {"tx.alice.address", hex(sender_address(transfer))},
              {"tx.bob.address", hex(crypto::address_of(bob().public_key()))},
              {"tx.transfer.encoding", hex(encode(transfer))},
              {"tx.transfer.sighash", hex(signing_hash(transfer))},
              {"tx.transfer.txid", hex(txid(transfer))},
              {"tx.anchor.encoding", hex(encode(anchor))},
              {"tx.anchor.sighash", hex(signing_hash(anchor))},
              {"tx.anchor.txid", hex(txid(anchor))},
              {"tx.unjail.encoding", hex(encode(unjail))},
              {"tx.unjail.sighash", hex(signing_hash(unjail))},
              {"tx.unjail.txid", hex(txid(unjail))},
          },
  });
  groups.push_back(Group{
      .title = "Block header (section 6)",
      .description = "PoW header at height 1: parent 0x11 x 32, timestamp_ms 1700000000000, tx_root of the two\n"
                     "transactions above, state_root 0x22 x 32, beneficiary bob, bits 0x207fffff, nonce: the first\n"
                     "from 0 that meets the target.",
      .vectors =
          {
              {"header.pow.bits",
               hex(std::array<std::uint8_t, 4>{
                   static_cast<std::uint8_t>(seal.bits >> 24), static_cast<std::uint8_t>(seal.bits >> 16),
                   static_cast<std::uint8_t>(seal.bits >> 8), static_cast<std::uint8_t>(seal.bits)})},
              {"header.pow.target", hex(*target_from_bits(seal.bits))},
              {"header.pow.nonce", std::to_string(seal.nonce)},
              {"header.pow.encoding", hex(encode(block.header))},
              {"header.pow.preimage", hex(pow_preimage(block.header))},
              {"header.pow.block_hash", hex(block_hash(block.header))},
          },
  });
  groups.push_back(Group{
      .title = "Block (section 7)",
      .description = "The PoW header above with the transfer and the anchor, in that order.",
      .vectors =
          {
              {"block.pow.txid.0", hex(txid(block.txs[0]))},
              {"block.pow.txid.1", hex(txid(block.txs[1]))},
              {"block.pow.tx_root", hex(tx_root(block))},
              {"block.pow.encoding", hex(encode(block))},
          },
  });
  groups.push_back(Group{
      .title = "Vote (section 8)",
      .description = "The validator (secret 0x03 x 32) precommits the block above: chain id 1, height 1, round 0.",
      .vectors =
          {
              {"vote.validator.pubkey", hex(validator().public_key())},
              {"vote.precommit.encoding", hex(encode(vote))},
              {"vote.precommit.sighash", hex(signing_hash(vote))},
          },
  });
  groups.push_back(Group{
      .title = "Proposal (section 8)",
      .description = "The validator (secret 0x03 x 32) proposes the block above at chain id 1, height 1: in round 0\n"
                     "with no valid round (-1), and again in round 2 with valid_round 1.",
      .vectors =
          {
              {"proposal.round0.encoding", hex(encode(proposal))},
              {"proposal.round0.sighash", hex(signing_hash(proposal))},
              {"proposal.round2.encoding", hex(encode(polka))},
              {"proposal.round2.sighash", hex(signing_hash(polka))},
          },
  });
  return groups;
}

std::string render(const std::vector<Vector>& vectors) {
  std::string out;
  for (const auto& v : vectors) {
    out += v.name + ":";
    if (v.value.size() <= kInline) {
      out += " " + v.value + "\n";
      continue;
    }
    out += "\n";
    for (std::size_t i = 0; i < v.value.size(); i += kWrap) out += "  " + v.value.substr(i, kWrap) + "\n";
  }
  return out;
}

Parsed parse_markdown(std::string_view markdown) {
  Parsed parsed;
  std::set<std::string> seen;
  bool in_block = false;
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t current = kNone;  // index of the vector a continuation line extends
  std::size_t pos = 0;
  while (pos <= markdown.size()) {
    const std::size_t end = std::min(markdown.find('\n', pos), markdown.size());
    std::string_view line = markdown.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("```")) {
      in_block = !in_block && line.substr(3) == "vectors";
      current = kNone;
      continue;
    }
    if (!in_block || line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      const auto first = line.find_first_not_of(" \t");
      if (current != kNone && first != std::string_view::npos) parsed.vectors[current].value += line.substr(first);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::string_view rest = line.substr(colon + 1);
    const auto first = rest.find_first_not_of(" \t");
    rest = first == std::string_view::npos ? std::string_view{} : rest.substr(first);
    if (!seen.insert(name).second) {
      parsed.duplicates.push_back(name);
      current = kNone;
      continue;
    }
    parsed.vectors.push_back(Vector{std::move(name), std::string(rest)});
    current = parsed.vectors.size() - 1;
  }
  return parsed;
}

}  // namespace cloudchain::primitives::vectors
