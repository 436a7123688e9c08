#include "primitives/block.hpp"

#include <algorithm>
#include <string>

#include "crypto/merkle.hpp"
#include "crypto/sha256.hpp"

namespace cloudchain::primitives {

std::string_view to_string(BlockCheckError e) {
  switch (e) {
    case BlockCheckError::kBlockTooLarge: return "block_too_large";
    case BlockCheckError::kTooManyTxs: return "block_too_many_txs";
    case BlockCheckError::kTooManyCommitSigs: return "block_too_many_commit_sigs";
    case BlockCheckError::kMissingLastCommit: return "block_missing_last_commit";
    case BlockCheckError::kUnexpectedLastCommit: return "block_unexpected_last_commit";
    case BlockCheckError::kTxRootMismatch: return "block_tx_root_mismatch";
    case BlockCheckError::kDuplicateTx: return "block_duplicate_tx";
    case BlockCheckError::kCommitHashMismatch: return "block_commit_hash_mismatch";
    case BlockCheckError::kCommitNotSorted: return "block_commit_not_sorted";
  }
  return "block_unknown";
}

Bytes encode(const Block& block) {
  return encode_with(block, [](auto& s, const Block& b) { block_io(s, b); });
}

std::size_t encoded_size(const Block& block) {
  Sizer sizer;
  block_io(sizer, block);
  return sizer.size();
}

util::Result<Block, CodecError> decode_block(ByteSpan in) {
  if (in.size() > kMaxBlockSize) {
    return util::fail(CodecError::kBlockTooLarge, "block: " + std::to_string(in.size()) + " bytes");
  }
  return decode_with<Block>(in, [](Reader& r, Block& b) { block_io(r, b); }, "block");
}

Bytes encode(const LastCommit& commit) {
  return encode_with(commit, [](auto& s, const LastCommit& c) { last_commit_io(s, c); });
}

util::Result<LastCommit, CodecError> decode_last_commit(ByteSpan in) {
  return decode_with<LastCommit>(in, [](Reader& r, LastCommit& c) { last_commit_io(r, c); }, "last_commit");
}

Hash256 commit_hash(const LastCommit& commit) {
  static const crypto::TaggedHasher kHasher("cloudchain/commit");
  return kHasher.hash(encode(commit));
}

Vote commit_vote(const BlockHeader& header, std::uint32_t round, const CommitSig& sig) {
  return Vote{
      .chain_id = header.chain_id,
      .type = VoteType::kPrecommit,
      .height = header.height - 1,
      .round = round,
      .block_hash = header.parent,
      .validator = sig.validator,
      .signature = sig.signature,
  };
}

std::vector<Hash256> txids(const Block& block) {
  std::vector<Hash256> ids;
  ids.reserve(block.txs.size());
  for (const auto& tx : block.txs) ids.push_back(txid(tx));
  return ids;
}

Hash256 tx_root(std::span<const Hash256> ids) {
  std::vector<Hash256> leaves;
  leaves.reserve(ids.size());
  for (const auto& id : ids) leaves.push_back(crypto::merkle_leaf_hash(id));
  return crypto::merkle_root(leaves);
}

Hash256 tx_root(const Block& block) { return tx_root(txids(block)); }

util::Result<std::vector<Hash256>, BlockCheckError> check_block_body(const Block& block) {
  using E = BlockCheckError;
  if (block.txs.size() > kMaxBlockTxs) return util::fail(E::kTooManyTxs, std::to_string(block.txs.size()));
  if (block.last_commit && block.last_commit->sigs.size() > kMaxCommitSigs) {
    return util::fail(E::kTooManyCommitSigs, std::to_string(block.last_commit->sigs.size()));
  }
  const bool pos = block.header.seal_kind() == SealKind::kPos;
  if (pos && !block.last_commit) return util::fail(E::kMissingLastCommit, "block.last_commit");
  if (!pos && block.last_commit) return util::fail(E::kUnexpectedLastCommit, "block.last_commit");
  if (const std::size_t size = encoded_size(block); size > kMaxBlockSize) {
    return util::fail(E::kBlockTooLarge, std::to_string(size) + " bytes");
  }

  std::vector<Hash256> ids = txids(block);
  if (tx_root(ids) != block.header.tx_root) return util::fail(E::kTxRootMismatch, "header.tx_root");
  // A duplicate must be rejected even though RFC 6962 roots already differ: a node
  // that applied both copies would double-spend (CVE-2018-17144).
  std::vector<Hash256> sorted = ids;
  std::ranges::sort(sorted);
  if (auto dup = std::ranges::adjacent_find(sorted); dup != sorted.end()) {
    return util::fail(E::kDuplicateTx, "txid twice in block");
  }

  if (pos) {
    const auto& seal = std::get<PosSeal>(block.header.seal);
    if (commit_hash(*block.last_commit) != seal.last_commit_hash) {
      return util::fail(E::kCommitHashMismatch, "header.seal.last_commit_hash");
    }
    const auto& sigs = block.last_commit->sigs;
    const auto unordered = std::ranges::adjacent_find(
        sigs, [](const CommitSig& a, const CommitSig& b) { return !(a.validator < b.validator); });
    if (unordered != sigs.end()) return util::fail(E::kCommitNotSorted, "last_commit.sigs");
  }
  return ids;
}

}  // namespace cloudchain::primitives
