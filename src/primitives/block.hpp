#pragma once
// Blocks (docs/protocol.md, section 7):
//
//   block       = header txs:list(tx, 20000) [last_commit]     last_commit only when seal kind = 2
//   last_commit = round:u32 sigs:list(commit_sig, 256)
//   commit_sig  = validator:pubkey signature:sig
//
// A block's encoding is at most 4 MiB. `tx_root` is the RFC 6962 Merkle root of the
// txids in block order; `last_commit_hash = H_cloudchain/commit(last_commit)`. Each
// commit_sig is the signature of the precommit vote for the parent
// (commit_vote() rebuilds it), with validators in strictly ascending byte order.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "primitives/header.hpp"
#include "primitives/transaction.hpp"
#include "primitives/vote.hpp"

namespace cloudchain::primitives {

inline constexpr std::size_t kMaxBlockTxs = 20000;
inline constexpr std::size_t kMaxCommitSigs = 256;
inline constexpr std::size_t kMaxBlockSize = std::size_t{4} * 1024 * 1024;
inline constexpr std::size_t kCommitSigSize = 33 + 64;

struct CommitSig {
  crypto::PublicKey validator{};
  crypto::Signature signature{};  // of commit_vote(header, round, *this)
  friend bool operator==(const CommitSig&, const CommitSig&) = default;
};

/// The precommits that finalized the parent block (PoS).
struct LastCommit {
  std::uint32_t round = 0;
  std::vector<CommitSig> sigs;
  friend bool operator==(const LastCommit&, const LastCommit&) = default;
};

struct Block {
  BlockHeader header;
  std::vector<Transaction> txs;
  // Present exactly when header.seal is a PosSeal (check_block_body enforces it; the
  // encoder writes it whenever present, the decoder reads it only after a PoS seal).
  std::optional<LastCommit> last_commit;
  friend bool operator==(const Block&, const Block&) = default;
};

template <typename S, typename C>
void last_commit_io(S& s, C& c) {
  s.u32(c.round, "last_commit.round");
  std::size_t n = c.sigs.size();
  s.count(n, kMaxCommitSigs, kCommitSigSize, "last_commit.sigs");
  if constexpr (S::kReading) c.sigs.resize(n);
  for (auto& sig : c.sigs) {
    s.array(sig.validator, "last_commit.sig.validator");
    s.array(sig.signature, "last_commit.sig.signature");
  }
}

template <typename S, typename B>
void block_io(S& s, B& b) {
  header_io(s, b.header);
  std::size_t n = b.txs.size();
  s.count(n, kMaxBlockTxs, kMinTxSize, "block.txs");
  if constexpr (S::kReading) {
    b.txs.resize(n);
    for (auto& tx : b.txs) {
      if (!s.ok()) return;
      tx_io(s, tx);
    }
    if (s.ok() && b.header.seal_kind() == SealKind::kPos) last_commit_io(s, b.last_commit.emplace());
  } else {
    for (const auto& tx : b.txs) tx_io(s, tx);
    if (b.last_commit) last_commit_io(s, *b.last_commit);
  }
}

Bytes encode(const Block& block);
std::size_t encoded_size(const Block& block);
/// Errors: kBlockTooLarge (checked first, from the input size), every header and
/// transaction error, kListTooLong (txs, commit sigs), kTrailingBytes.
util::Result<Block, CodecError> decode_block(ByteSpan in);

Bytes encode(const LastCommit& commit);
util::Result<LastCommit, CodecError> decode_last_commit(ByteSpan in);
/// H_cloudchain/commit(encode(commit)).
Hash256 commit_hash(const LastCommit& commit);

/// The precommit vote a commit_sig in `header`'s block signs: the parent block at
/// height - 1 in `round`. REQUIRES: header.height > 0.
Vote commit_vote(const BlockHeader& header, std::uint32_t round, const CommitSig& sig);

std::vector<Hash256> txids(const Block& block);
/// RFC 6962 root over merkle_leaf_hash(txid) of each id, in order.
Hash256 tx_root(std::span<const Hash256> txids);
Hash256 tx_root(const Block& block);

enum class BlockCheckError {
  kBlockTooLarge,         // encoding <= 4 MiB
  kTooManyTxs,            // at most 20000 transactions
  kTooManyCommitSigs,     // at most 256 commit signatures
  kMissingLastCommit,     // a PoS block carries last_commit
  kUnexpectedLastCommit,  // a PoW block carries no last_commit
  kTxRootMismatch,        // header.tx_root = Merkle root of the txids
  kDuplicateTx,           // no txid twice in one block (CVE-2018-17144 class)
  kCommitHashMismatch,    // PoS: seal.last_commit_hash = commit_hash(last_commit)
  kCommitNotSorted,       // PoS: commit validators strictly ascending (no duplicates)
};
std::string_view to_string(BlockCheckError e);

/// Context-free structure of a block: size bounds, last_commit presence, tx root,
/// unique txids, commit hash and order. Does not verify signatures: the caller runs
/// check_transaction on each transaction (possibly in parallel) and checks the commit
/// against the validator set, both of which need a chain id or state. Returns the txids
/// in block order (hashed once here, for the caller's later steps).
util::Result<std::vector<Hash256>, BlockCheckError> check_block_body(const Block& block);

}  // namespace cloudchain::primitives
