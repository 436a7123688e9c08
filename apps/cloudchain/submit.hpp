#pragma once
// Building, signing and submitting a transaction: what `send` and `anchor` share.
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
/// node's network prefix (e.g. to decode a recipient address), before the password is
/// asked for. Throws CommandError.
Submitted sign_and_submit(Context& ctx, const SubmitOptions& options, primitives::TxBody body,
                          const std::function<void(const std::string& network, primitives::TxBody&)>& check_body);

}  // namespace cloudchain::cli
