#pragma once
// Why the mempool refused a transaction (or a file). Each code names the rule it
// enforces. Two questions are asked of every code:
//
// - sender_at_fault(e): is the refusal about the transaction or its sender (its
//   content, its account, or the pool's policy towards it), so an API answers 4xx?
//   False only for local failures (state unreadable, disk errors, a corrupt file),
//   which say nothing about the transaction: an API answers 5xx.
// - peer_misbehaved(e): would every honest node refuse this transaction whatever its
//   tip and pool? Only then may a peer that relayed it be penalized. A nonce or balance
//   refusal is not such proof: the relaying peer may sit on another tip, and policy
//   (fees, limits) differs between nodes.

#include <string_view>

namespace cloudchain::mempool {

enum class MempoolError {
  kInvalidTransaction,      // primitives::check_transaction passes (codec, chain id, body rules, signature);
                            // the detail starts with the TxCheckError name
  kAlreadyKnown,            // the txid is not already in the pool
  kNonceTooLow,             // tx.nonce >= the sender's account nonce (a lower one is already used)
  kNonceGap,                // tx.nonce <= account nonce + Limits::max_nonce_ahead
  kNonceExhausted,          // tx.nonce < 2^64 - 1 (state rule: the nonce after it must fit)
  kCostOverflow,            // fee + amount fits in u64 (state rule kAmountOverflow, CVE-2010-5139 class)
  kInsufficientBalance,     // the sender's pending cost (fee + amount of all its pooled txs) <= balance
  kFeeTooLow,               // fee >= Limits::min_fee_per_byte * encoded size
  kReplacementUnderpriced,  // same sender and nonce: fee > old fee and fee >= old fee * (100 + bump) / 100
  kSenderLimit,             // at most Limits::max_per_sender pooled txs per sender
  kPoolFull,                // count <= max_count and bytes <= max_bytes, after evicting only cheaper txs
  kStateUnavailable,        // not a rule: the AccountView could not read the sender's account
  kFileMissing,             // load: the file does not exist (a first start: nothing to load)
  kIoError,                 // save/load: the file could not be read, written or renamed
  kCorruptFile,             // load: magic, version, framing and checksums are intact
};

/// Stable snake_case name (logs, API problem documents, tests).
std::string_view to_string(MempoolError e);

/// True when the refusal is about the transaction or its sender; false for local
/// failures (kStateUnavailable, kFileMissing, kIoError, kCorruptFile).
bool sender_at_fault(MempoolError e);

/// True when no honest node could have accepted the transaction, whatever its tip and
/// policy: kInvalidTransaction, kNonceExhausted, kCostOverflow. The p2p layer may score
/// the relaying peer for these only.
bool peer_misbehaved(MempoolError e);

}  // namespace cloudchain::mempool
