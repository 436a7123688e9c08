#pragma once
// JSON shapes of the protocol types (docs/api.md "Shapes"), written with JsonWriter.
//
// Conventions: bytes are lower-case hex; u64 amounts, nonces and seal nonces are decimal
// strings; heights, positions, rounds, counts and millisecond timestamps are numbers;
// addresses are bech32m with the network prefix `hrp` (NodeInfo::network).
//
// Each write_* writes one complete JSON value (an object) at the writer's position,
// except write_block_fields.
// Thread-safety: pure functions of their arguments.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "api/json_writer.hpp"
#include "crypto/merkle.hpp"
#include "primitives/block.hpp"

namespace cloudchain::api {

/// A compact target as 8 hex digits ("1f00ffff").
std::string bits_hex(std::uint32_t bits);

/// {txid, version, chain_id, kind, sender, sender_address, nonce, fee, body, signature, encoding}
void write_tx(JsonWriter& w, const primitives::Transaction& tx, const util::Hash256& txid, std::string_view hrp);
/// A vote of an evidence body: {chain_id, type, height, round, block_hash, validator, signature}.
void write_vote(JsonWriter& w, const primitives::Vote& vote);
/// {index, tree_size, path}
void write_merkle_proof(JsonWriter& w, const crypto::MerkleProof& proof);

/// The fields of a block summary, inside an object the caller opened (so it can add its
/// own): height, hash, parent, timestamp_ms, tx_root, state_root, beneficiary, seal,
/// tx_count, size, header; with `full`, also last_commit (PoS), txs and encoding.
/// `txids` are the block's transaction ids when the caller has them (else computed).
void write_block_fields(JsonWriter& w, const primitives::Block& block, const util::Hash256& hash, std::string_view hrp,
                        bool full, std::span<const util::Hash256> txids = {});

}  // namespace cloudchain::api
