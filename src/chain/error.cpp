#include "chain/error.hpp"

namespace cloudchain::chain {

std::string_view to_string(BlockError e) {
  switch (e) {
    case BlockError::kDuplicate: return "duplicate";
    case BlockError::kKnownInvalid: return "known_invalid";
    case BlockError::kUnknownParent: return "unknown_parent";
    case BlockError::kInvalidAncestor: return "invalid_ancestor";
    case BlockError::kForkBelowFinal: return "fork_below_final";
    case BlockError::kNotOnTip: return "not_on_tip";
    case BlockError::kTooManyTxs: return "too_many_txs";
    case BlockError::kBlockTooLarge: return "block_too_large";
    case BlockError::kTooManyCommitSigs: return "too_many_commit_sigs";
    case BlockError::kMissingLastCommit: return "missing_last_commit";
    case BlockError::kUnexpectedLastCommit: return "unexpected_last_commit";
    case BlockError::kTxRootMismatch: return "tx_root_mismatch";
    case BlockError::kDuplicateTx: return "duplicate_tx";
    case BlockError::kCommitHashMismatch: return "commit_hash_mismatch";
    case BlockError::kCommitNotSorted: return "commit_not_sorted";
    case BlockError::kBadVersion: return "bad_version";
    case BlockError::kWrongChain: return "wrong_chain";
    case BlockError::kBadHeight: return "bad_height";
    case BlockError::kWrongSealKind: return "wrong_seal_kind";
    case BlockError::kBadBits: return "bad_bits";
    case BlockError::kBitsNotExpected: return "bits_not_expected";
    case BlockError::kHighHash: return "high_hash";
    case BlockError::kTimeTooOld: return "time_too_old";
    case BlockError::kTimeTooNew: return "time_too_new";
    case BlockError::kWorkOverflow: return "work_overflow";
    case BlockError::kEngineFailure: return "engine_failure";
    case BlockError::kTxInvalid: return "tx_invalid";
    case BlockError::kTxRule: return "tx_rule";
    case BlockError::kRewardOverflow: return "reward_overflow";
    case BlockError::kStateRootMismatch: return "state_root_mismatch";
    case BlockError::kRoundTooHigh: return "round_too_high";
    case BlockError::kWrongProposer: return "wrong_proposer";
    case BlockError::kBadProposerSignature: return "bad_proposer_signature";
    case BlockError::kUnexpectedCommitSigs: return "unexpected_commit_sigs";
    case BlockError::kCommitSignerNotValidator: return "commit_signer_not_validator";
    case BlockError::kBadCommitSignature: return "bad_commit_signature";
    case BlockError::kCommitPowerTooLow: return "commit_power_too_low";
    case BlockError::kStateUnavailable: return "state_unavailable";
    case BlockError::kStorage: return "storage";
  }
  return "unknown";
}

bool sender_at_fault(BlockError e) {
  switch (e) {
    case BlockError::kDuplicate:         // we may have it from another peer
    case BlockError::kUnknownParent:     // the sender may simply be ahead of us
    case BlockError::kTimeTooNew:        // may become valid as our clock advances
    case BlockError::kWorkOverflow:      // our arithmetic limit
    case BlockError::kEngineFailure:     // our configuration
    case BlockError::kStateUnavailable:  // our disk
    case BlockError::kStorage:           // our disk
    case BlockError::kNotOnTip:          // our tip may be behind the proposer's
      return false;
    default: return true;
  }
}

std::string_view to_string(ChainError e) {
  switch (e) {
    case ChainError::kBadParams: return "bad_params";
    case ChainError::kChainIdMismatch: return "chain_id_mismatch";
    case ChainError::kGenesisMismatch: return "genesis_mismatch";
    case ChainError::kCorrupt: return "corrupt";
    case ChainError::kStateUnavailable: return "state_unavailable";
    case ChainError::kStorage: return "storage";
    case ChainError::kEngineFailure: return "engine_failure";
    case ChainError::kRewardOverflow: return "reward_overflow";
  }
  return "unknown";
}

}  // namespace cloudchain::chain
