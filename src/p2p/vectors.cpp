#include "p2p/vectors.hpp"

#include <string>
#include <utility>

#include "primitives/transaction.hpp"
#include "util/hex.hpp"

namespace cloudchain::p2p::vectors {

namespace {

namespace pv = primitives::vectors;

constexpr std::uint64_t kLastSeenMs = 1'700'000'000'000;

NetAddress ipv4_loopback() {
  NetAddress a;
  a.ip = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
  a.port = 8646;
  a.last_seen_ms = kLastSeenMs;
  return a;
}

NetAddress ipv6_documentation() {
  NetAddress a;
  a.ip = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};  // 2001:db8::1
  a.port = 8647;
  a.last_seen_ms = kLastSeenMs + 1;
  return a;
}

Version sample_version() {
  const primitives::Block block = pv::sample_pow_block();
  Version v;
  v.chain_id = pv::kChainId;
  v.genesis = sample_genesis();
  v.best_height = block.header.height;
  v.best_hash = primitives::block_hash(block.header);
  v.nonce = 0x0123456789abcdef;
  v.listen_port = 8646;
  v.user_agent = "cloudchaind/0.1.0";
  return v;
}

}  // namespace

Hash256 sample_genesis() { return primitives::block_hash(pv::sample_pow_block().header); }
Magic sample_magic() { return magic_for(sample_genesis()); }

std::vector<Message> sample_messages() {
  const primitives::Block block = pv::sample_pow_block();
  const Hash256 block_id = primitives::block_hash(block.header);
  const Hash256 tx_id = primitives::txid(block.txs[0]);
  const InvItem tx_item{InvKind::kTx, tx_id};
  const InvItem block_item{InvKind::kBlock, block_id};
  return {
      sample_version(),
      Verack{},
      Ping{0x2a},
      Pong{0x2a},
      GetAddr{},
      Addr{{ipv4_loopback(), ipv6_documentation()}},
      Inv{{tx_item, block_item}},
      GetData{{block_item}},
      NotFound{{tx_item}},
      GetHeaders{{block_id, block.header.parent}, Hash256{}},
      Headers{{block.header}},
      BlockMsg{block},
      TxMsg{block.txs[0]},
      ProposalMsg{pv::sample_proposal(), block},  // the sample proposal names the sample block
      VoteMsg{pv::sample_vote()},
  };
}

std::vector<primitives::vectors::Group> all_groups() {
  std::vector<pv::Vector> vs;
  vs.push_back({"p2p.magic", util::to_hex(sample_magic())});
  for (const Message& m : sample_messages()) {
    const std::string name(to_string(type_of(m)));
    vs.push_back({"p2p." + name + ".frame", util::to_hex(encode_frame(sample_magic(), m))});
  }
  return {pv::Group{
      .title = "P2P messages (section 10)",
      .description = "Magic: the first 4 bytes of the sample block's hash, taken as the genesis hash. One frame per\n"
                     "message type; the samples are listed in section 10.3.",
      .vectors = std::move(vs),
  }};
}

}  // namespace cloudchain::p2p::vectors
