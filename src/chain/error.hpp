#pragma once
// Why the chain refuses a block (BlockError) or cannot do what it was asked
// (ChainError). Every rule a block can break has its own code, commented with the rule;
// sender_at_fault() separates a block that proves its sender misbehaved from a failure
// that says nothing about the sender (our storage, our clock, a missing parent).
//
// Detail strings name the block ("block <hash> at height <h>") and, for the two
// transaction codes, start with a fixed, parseable prefix:
//   kTxInvalid  "tx <index>: <to_string(primitives::TxCheckError)>: <detail>"
//   kTxRule     "tx <index>: <to_string(state::TxRuleError)>: <detail>"
// where <index> is the transaction's position in the block, the lowest failing one.
//
// Pure; thread-safe.

#include <string_view>

namespace cloudchain::chain {

enum class BlockError {
  // --- where the block stands relative to what we know ------------------------------
  kDuplicate,        // the block is not already stored (valid, side chain or pending)
  kKnownInvalid,     // the block is not one this node already found invalid
  kUnknownParent,    // the parent is in the block index (not the sender's fault: fetch it)
  kInvalidAncestor,  // no ancestor of the block is known invalid
  kForkBelowFinal,   // PoS: the block does not conflict with a final block (its height is above the
                     // final height, or it is the active chain's block there): a long-range fork
  kNotOnTip,         // PoS check_proposal: the proposal's parent is the active tip (commit_final: the tip or
                     // its parent); not the sender's fault

  // --- context-free body (primitives::check_block_body and the chain's limits) -----
  kTooManyTxs,            // tx count <= ChainParams::max_block_txs
  kBlockTooLarge,         // encoded size <= ChainParams::max_block_bytes
  kTooManyCommitSigs,     // PoS: at most 256 commit signatures
  kMissingLastCommit,     // a PoS block carries last_commit
  kUnexpectedLastCommit,  // a PoW block carries no last_commit
  kTxRootMismatch,        // header.tx_root = RFC 6962 root of the txids (CVE-2012-2459 proof)
  kDuplicateTx,           // no txid twice in one block (CVE-2018-17144 class)
  kCommitHashMismatch,    // PoS: seal.last_commit_hash = commit_hash(last_commit)
  kCommitNotSorted,       // PoS: commit validators strictly ascending

  // --- header in context -----------------------------------------------------------
  kBadVersion,                // header.version = primitives::kHeaderVersion
  kWrongChain,                // header.chain_id = the chain's id
  kBadHeight,                 // header.height = parent height + 1
  kWrongSealKind,             // the seal is the engine's kind (PoW chain: PoW seal)
  kBadBits,                   // PoW: bits canonical with 1 <= target <= pow_limit
  kBitsNotExpected,           // PoW: bits = the ASERT bits for this parent
  kHighHash,                  // PoW: block hash <= target(bits)
  kTimeTooOld,                // timestamp > median time past of the last 11 blocks (PoS: > the parent's)
  kTimeTooNew,                // timestamp <= now + max future drift (not the sender's fault: may become valid)
  kRoundTooHigh,              // PoS: seal.round <= consensus::kMaxPosRound (bounds the proposer computation)
  kWrongProposer,             // PoS: beneficiary = payout of the proposer of (height, seal.round)
  kBadProposerSignature,      // PoS: seal.proposer_sig verifies with that proposer's key
  kUnexpectedCommitSigs,      // PoS: height 1's last_commit is empty, round 0 (genesis needs no commit)
  kCommitSignerNotValidator,  // PoS: every commit_sig is by a validator of the parent's height
  kBadCommitSignature,        // PoS: every commit_sig signs commit_vote(header, round, sig)
  kCommitPowerTooLow,         // PoS: commit signers hold > 2/3 of the parent height's power
  kWorkOverflow,              // cumulative work < 2^256 (a local arithmetic limit)
  kEngineFailure,             // local: the consensus engine's parameters are unusable

  // --- transactions and state ------------------------------------------------------
  kTxInvalid,          // every tx passes primitives::check_transaction (signature included)
  kTxRule,             // every tx applies to the parent's state in order (state::apply_transaction)
  kRewardOverflow,     // reward + fees fits in u64 and credits the beneficiary without overflow
  kStateRootMismatch,  // header.state_root = the root after the txs and the reward

  // --- local failures --------------------------------------------------------------
  kStateUnavailable,  // local: the parent's state could be read (missing or corrupt tree node; PoS: the
                      // validator sets of a parent off the active chain are not known)
  kStorage,           // local: the database read or write succeeded
};
std::string_view to_string(BlockError e);

/// True when a block failing with `e` shows that its sender misbehaved (relayed or
/// built an invalid block). False for kDuplicate, kUnknownParent, kTimeTooNew,
/// kWorkOverflow, kEngineFailure, kStateUnavailable and kStorage.
bool sender_at_fault(BlockError e);

/// Failures of Chain::open, reindex and build_block_template: local, never a peer's.
enum class ChainError {
  kBadParams,         // ChainParams agree with themselves (chain ids, genesis at height 0, limits in range)
  kChainIdMismatch,   // a database's stored chain id = ChainParams::chain_id
  kGenesisMismatch,   // a database's stored genesis hash = the hash of ChainParams' genesis
  kCorrupt,           // the stored chain is consistent (tip, chain id and genesis hash all present, tip
                      // indexed and valid, every index entry's parent indexed)
  kStateUnavailable,  // the tip's state root is readable
  kStorage,           // the database read or write succeeded
  kEngineFailure,     // the consensus engine can build a header on the tip
  kRewardOverflow,    // the template's reward + fees fits in u64 and in the beneficiary's balance
};
std::string_view to_string(ChainError e);

}  // namespace cloudchain::chain
