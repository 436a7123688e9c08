#pragma once
// Checking the node's account answer (/v1/accounts/{address}, docs/api.md) instead of
// trusting it: the balance shown is the one the state proof proves under the state root
// of a block header whose hash is the block hash the node names.
//
//   1. `key` is the address's state key (protocol.md 9.1)               kKeyMismatch
//   2. `value`, when present, decodes as a canonical account record     kBadRecord
//   3. balance, nonce, stake, unbonding fields equal the record's
//      (all zero when `value` is absent: the zero account)             kFieldMismatch
//   4. `proof` decodes and proves key -> H_account(value) (or absence)
//      under `state_root` (protocol.md 9.4)                             kProofInvalid
//   5. with the block's header: it decodes, hashes to `block_hash`, is at
//      `height` and carries `state_root`                                kHeaderMismatch
// Malformed JSON (missing field, bad hex) is kMalformed.
//
// Pure functions, thread-safe.

#include <cstdint>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "crypto/address.hpp"
#include "state/records.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::cli {

enum class AccountProofError {
  kMalformed,       // the answer has every field of api.md's Account shape, hex where hex is due
  kKeyMismatch,     // key = H_cloudchain/state-key(1 || address)
  kBadRecord,       // value is a canonical account record (state::decode_account)
  kFieldMismatch,   // the displayed fields equal the proven record's
  kProofInvalid,    // the state proof verifies under state_root (state::verify_proof)
  kHeaderMismatch,  // the header hashes to block_hash, has height `height` and state root `state_root`
};
std::string_view to_string(AccountProofError e);

struct ProvenAccount {
  state::Account account;  // the zero account when the address has none
  util::Hash256 state_root{};
  util::Hash256 block_hash{};
  std::uint64_t height = 0;
};

/// Checks 1-4 for the answer about `address`.
util::Result<ProvenAccount, AccountProofError> verify_account_answer(const nlohmann::json& doc,
                                                                     const crypto::Address& address);

/// Check 5: `header_hex` is the encoding of the header of `proven.block_hash`.
util::Result<void, AccountProofError> verify_account_header(const ProvenAccount& proven, std::string_view header_hex);

}  // namespace cloudchain::cli
