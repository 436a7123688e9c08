#include "api/json.hpp"

#include <cstdio>
#include <type_traits>
#include <variant>

#include "crypto/address.hpp"

namespace cloudchain::api {

namespace {

void write_body(JsonWriter& w, const primitives::TxBody& body, std::string_view hrp) {
  w.begin_object();
  std::visit(
      [&w, hrp](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, primitives::Transfer>) {
          w.field("to", crypto::encode_address(hrp, b.to)).decimal_field("amount", b.amount);
        } else if constexpr (std::is_same_v<T, primitives::Stake>) {
          w.decimal_field("amount", b.amount).hex_field("validator", b.validator);
        } else if constexpr (std::is_same_v<T, primitives::Unstake>) {
          w.decimal_field("amount", b.amount);
        } else if constexpr (std::is_same_v<T, primitives::Anchor>) {
          w.hex_field("digest", b.digest).hex_field("memo", b.memo);
        } else if constexpr (std::is_same_v<T, primitives::Evidence>) {
          w.key("vote_a");
          write_vote(w, b.a);
          w.key("vote_b");
          write_vote(w, b.b);
        } else {
          static_assert(std::is_same_v<T, primitives::Unjail>);
          w.hex_field("validator", b.validator);
        }
      },
      body);
  w.end_object();
}

void write_seal(JsonWriter& w, const primitives::Seal& seal) {
  w.begin_object();
  if (const auto* pow = std::get_if<primitives::PowSeal>(&seal)) {
    w.field("kind", "pow").field("bits", bits_hex(pow->bits)).decimal_field("nonce", pow->nonce);
  } else {
    const auto& pos = std::get<primitives::PosSeal>(seal);
    w.field("kind", "pos")
        .field("round", pos.round)
        .hex_field("last_commit_hash", pos.last_commit_hash)
        .hex_field("proposer_sig", pos.proposer_sig);
  }
  w.end_object();
}

}  // namespace

std::string bits_hex(std::uint32_t bits) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", bits);
  return std::string(buf, 8);
}

void write_vote(JsonWriter& w, const primitives::Vote& vote) {
  w.begin_object()
      .field("chain_id", vote.chain_id)
      .field("type", primitives::to_string(vote.type))
      .field("height", vote.height)
      .field("round", vote.round)
      .hex_field("block_hash", vote.block_hash)
      .hex_field("validator", vote.validator)
      .hex_field("signature", vote.signature)
      .end_object();
}

void write_tx(JsonWriter& w, const primitives::Transaction& tx, const util::Hash256& txid, std::string_view hrp) {
  w.begin_object()
      .hex_field("txid", txid)
      .field("version", std::uint32_t{tx.version})
      .field("chain_id", tx.chain_id)
      .field("kind", primitives::to_string(tx.kind()))
      .hex_field("sender", tx.sender)
      .field("sender_address", crypto::encode_address(hrp, primitives::sender_address(tx)))
      .decimal_field("nonce", tx.nonce)
      .decimal_field("fee", tx.fee);
  w.key("body");
  write_body(w, tx.body, hrp);
  w.hex_field("signature", tx.signature).hex_field("encoding", primitives::encode(tx)).end_object();
}

void write_merkle_proof(JsonWriter& w, const crypto::MerkleProof& proof) {
  w.begin_object().field("index", proof.index).field("tree_size", proof.tree_size).key("path").begin_array();
  for (const auto& h : proof.path) w.hex(h);
  w.end_array().end_object();
}

void write_block_fields(JsonWriter& w, const primitives::Block& block, const util::Hash256& hash, std::string_view hrp,
                        bool full, std::span<const util::Hash256> txids) {
  const auto& h = block.header;
  w.field("height", h.height)
      .hex_field("hash", hash)
      .hex_field("parent", h.parent)
      .field("timestamp_ms", h.timestamp_ms)
      .hex_field("tx_root", h.tx_root)
      .hex_field("state_root", h.state_root)
      .field("beneficiary", crypto::encode_address(hrp, h.beneficiary));
  w.key("seal");
  write_seal(w, h.seal);
  w.field("tx_count", std::uint64_t{block.txs.size()})
      .field("size", std::uint64_t{primitives::encoded_size(block)})
      .hex_field("header", primitives::encode(h));
  if (full) {
    if (block.last_commit) {
      w.key("last_commit").begin_object().field("round", block.last_commit->round).key("sigs").begin_array();
      for (const auto& sig : block.last_commit->sigs) {
        w.begin_object().hex_field("validator", sig.validator).hex_field("signature", sig.signature).end_object();
      }
      w.end_array().end_object();
    }
    w.key("txs").begin_array();
    for (std::size_t i = 0; i < block.txs.size(); ++i) {
      write_tx(w, block.txs[i], i < txids.size() ? txids[i] : primitives::txid(block.txs[i]), hrp);
    }
    w.end_array().hex_field("encoding", primitives::encode(block));
  }
}

}  // namespace cloudchain::api
