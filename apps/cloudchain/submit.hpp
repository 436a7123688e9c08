#pragma once
// Building, signing, submitting and reporting a transaction: what `send`, `anchor`,
// `stake`, `unstake` and `unjail` share.
//
// Order, so that nothing is asked for or sent before every input is known good:
//   1. parse fee and nonce (usage errors);
//   2. load the sender's key file from the keystore;
//   3. ask the node for its network and chain id (/v1/status); the key must belong to
//      that network;
//   4. nonce: --nonce, else the account's next_nonce (/v1/accounts/{address}, which
//      counts the sender's transactions waiting in the mempool);
//   5. the password; decrypt; sign (RFC 6979, deterministic);
//   6. POST /v1/txs {"tx": "<hex>"}; the node's txid must equal ours;
//   7. with --wait, poll /v1/txs/{txid} until "included" (or the wait times out).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "context.hpp"
#include "primitives/transaction.hpp"

namespace CLI {
class App;
}

namespace cloudchain::cli {

/// The default fee, in base units: covers the node's default minimum of 1 base unit per
/// byte for every transfer and anchor (at most 219 bytes).
inline constexpr std::string_view kDefaultFee = "1000";

struct SubmitOptions {
  std::string from;
  std::string fee{kDefaultFee};
  std::string nonce;  // empty: ask the node
  bool wait = false;
  unsigned wait_timeout_s = 120;
};

/// Registers --from, --fee, --nonce, --wait and --wait-timeout on `cmd`.
void add_submit_options(CLI::App& cmd, SubmitOptions& options);

/// The parsed fee (usage_error when invalid).
std::uint64_t parse_fee(const SubmitOptions& options);

struct Submitted {
  primitives::Transaction tx;
  util::Hash256 txid{};
  std::string from;  // sender address
  struct Inclusion {
    std::uint64_t height = 0;
    std::string block_hash;
  };
  std::optional<Inclusion> included;  // set when waited for and included
};

/// Steps 2-7 above for a transaction with `body`. `check_body` runs after step 3 with the
/// node's network prefix (e.g. to decode a recipient address) and the sender's address
/// (e.g. to read its account), before the password is asked for. Throws CommandError.
Submitted sign_and_submit(
    Context& ctx, const SubmitOptions& options, primitives::TxBody body,
    const std::function<void(const std::string& network, const std::string& from, primitives::TxBody&)>& check_body);

/// A command's own field of its report: `json_key`: `json_value` in --json output, and
/// the row `label`: `text` in the table (no field when `json_key` is empty, no row when
/// `label` is empty).
struct ReportField {
  std::string json_key;
  nlohmann::json json_value;
  std::string label;
  std::string text;
};

/// Prints what sign_and_submit returned and returns kExitOk. --json: an object of
/// `fields` plus txid, from, fee, nonce (decimal strings) and, when included, height and
/// block_hash. Otherwise a table: txid, from, the rows of `fields` in order, fee, nonce,
/// then height and block hash when included.
int report_submitted(Context& ctx, const Submitted& submitted, const std::vector<ReportField>& fields);

/// A positive amount of base units for --amount (usage_error otherwise) that fits in u64
/// together with `fee` (sender pays both from the balance).
std::uint64_t parse_positive_amount(std::string_view text, std::uint64_t fee);

}  // namespace cloudchain::cli
