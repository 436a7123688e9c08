#include "mempool/error.hpp"

namespace cloudchain::mempool {

std::string_view to_string(MempoolError e) {
  switch (e) {
    case MempoolError::kInvalidTransaction: return "mempool_invalid_transaction";
    case MempoolError::kAlreadyKnown: return "mempool_already_known";
    case MempoolError::kNonceTooLow: return "mempool_nonce_too_low";
    case MempoolError::kNonceGap: return "mempool_nonce_gap";
    case MempoolError::kNonceExhausted: return "mempool_nonce_exhausted";
    case MempoolError::kCostOverflow: return "mempool_cost_overflow";
    case MempoolError::kInsufficientBalance: return "mempool_insufficient_balance";
    case MempoolError::kFeeTooLow: return "mempool_fee_too_low";
    case MempoolError::kReplacementUnderpriced: return "mempool_replacement_underpriced";
    case MempoolError::kSenderLimit: return "mempool_sender_limit";
    case MempoolError::kPoolFull: return "mempool_pool_full";
    case MempoolError::kStateUnavailable: return "mempool_state_unavailable";
    case MempoolError::kFileMissing: return "mempool_file_missing";
    case MempoolError::kIoError: return "mempool_io_error";
    case MempoolError::kCorruptFile: return "mempool_corrupt_file";
  }
  return "mempool_unknown";
}

bool sender_at_fault(MempoolError e) {
  switch (e) {
    case MempoolError::kStateUnavailable:
    case MempoolError::kFileMissing:
    case MempoolError::kIoError:
    case MempoolError::kCorruptFile: return false;
    case MempoolError::kInvalidTransaction:
    case MempoolError::kAlreadyKnown:
    case MempoolError::kNonceTooLow:
    case MempoolError::kNonceGap:
    case MempoolError::kNonceExhausted:
    case MempoolError::kCostOverflow:
    case MempoolError::kInsufficientBalance:
    case MempoolError::kFeeTooLow:
    case MempoolError::kReplacementUnderpriced:
    case MempoolError::kSenderLimit:
    case MempoolError::kPoolFull: return true;
  }
  return false;
}

bool peer_misbehaved(MempoolError e) {
  return e == MempoolError::kInvalidTransaction || e == MempoolError::kNonceExhausted ||
         e == MempoolError::kCostOverflow;
}

}  // namespace cloudchain::mempool
