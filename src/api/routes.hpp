#pragma once
// The route handlers of docs/api.md, one small function each, grouped by resource:
// routes_status.cpp (status, mempool), routes_blocks.cpp, routes_txs.cpp (transactions,
// submission, receipts), routes_accounts.cpp (accounts, their history, anchors),
// routes_validators.cpp, routes_admin.cpp, routes_peers.cpp, routes_metrics.cpp (GET
// /metrics). router.cpp holds the table that maps (method, path) to them.
//
// A handler validates its parameters, reads through the NodeService (chain reads from a
// storage snapshot where several reads must agree), and returns the whole response.
// Handlers hold no locks of their own and keep no state between requests.
//
// Thread-safety: handlers run concurrently on the server's worker threads; everything
// they share is the Context, which is immutable, and the NodeService (thread-safe).

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "api/http.hpp"
#include "api/json_writer.hpp"
#include "api/server.hpp"
#include "node/service.hpp"
#include "storage/records.hpp"
#include "util/bytes.hpp"

namespace cloudchain::api {

class RequestCounter;
struct StreamCounters;

/// What every handler may use; built once per Server.
struct Context {
  node::NodeService& service;
  const ServerConfig& config;
  util::Hash256 admin_token_hash{};  // SHA-256 of the admin token (compared in constant time)
  bool admin_enabled = false;        // a non-empty admin token was configured
  /// The server's request counter (GET /metrics); null outside a server (router tests).
  const RequestCounter* requests = nullptr;
  /// The server's event stream counters (GET /metrics); null outside a server.
  const StreamCounters* streams = nullptr;
};

/// Values of the `{...}` segments of the matched path template, in order.
struct PathParams {
  std::array<std::string_view, 2> values{};
  std::size_t count = 0;
  std::string_view operator[](std::size_t i) const { return values[i]; }
};

using Handler = Response (*)(const Context& ctx, const Request& req, const PathParams& params);

// routes_metrics.cpp
Response get_metrics(const Context& ctx, const Request& req, const PathParams& params);
// routes_events.cpp
Response get_events(const Context& ctx, const Request& req, const PathParams& params);
// routes_status.cpp
Response get_status(const Context& ctx, const Request& req, const PathParams& params);
Response get_mempool(const Context& ctx, const Request& req, const PathParams& params);
// routes_blocks.cpp
Response list_blocks(const Context& ctx, const Request& req, const PathParams& params);
Response get_block(const Context& ctx, const Request& req, const PathParams& params);
Response get_block_txids(const Context& ctx, const Request& req, const PathParams& params);
// routes_txs.cpp
Response get_tx(const Context& ctx, const Request& req, const PathParams& params);
Response submit_tx(const Context& ctx, const Request& req, const PathParams& params);
/// Transactions a POST /v1/txs/batch may carry.
inline constexpr std::size_t kMaxBatchTxs = 1000;
Response submit_tx_batch(const Context& ctx, const Request& req, const PathParams& params);
Response get_receipt(const Context& ctx, const Request& req, const PathParams& params);
// routes_accounts.cpp
Response get_account(const Context& ctx, const Request& req, const PathParams& params);
Response list_account_txs(const Context& ctx, const Request& req, const PathParams& params);
Response list_anchors(const Context& ctx, const Request& req, const PathParams& params);
// routes_validators.cpp
Response get_validators(const Context& ctx, const Request& req, const PathParams& params);
// routes_admin.cpp
Response admin_mining(const Context& ctx, const Request& req, const PathParams& params);
Response admin_shutdown(const Context& ctx, const Request& req, const PathParams& params);
// routes_peers.cpp
Response get_peers(const Context& ctx, const Request& req, const PathParams& params);
Response admin_connect_peer(const Context& ctx, const Request& req, const PathParams& params);
Response admin_ban_peer(const Context& ctx, const Request& req, const PathParams& params);
Response admin_unban_peer(const Context& ctx, const Request& req, const PathParams& params);
/// The "sync" object of /v1/status: the network's SyncStatus, or (no network) in sync
/// at `tip_height`.
void write_sync(JsonWriter& w, const std::optional<p2p::SyncStatus>& sync, std::uint64_t tip_height);

/// A storage failure as a 500 problem under the storage code (storage_io, storage_corrupt).
Problem storage_problem(const util::Error<storage::StorageError>& e);
/// A record that must exist: a read failure is the storage problem, absence is `absent`
/// with `detail` (e.g. kBlockNotFound, or kInternal when an index names a missing record).
template <typename T>
std::expected<T, Problem> required(util::Result<std::optional<T>, storage::StorageError> read, ApiError absent,
                                   std::string_view detail) {
  if (!read) return std::unexpected(storage_problem(read.error()));
  std::optional<T>& value = *read;
  if (!value) return std::unexpected(problem(absent, std::string(detail)));
  return std::move(*value);
}

/// A refusal to take any query parameter (routes that have none).
std::expected<void, Problem> no_query(const Request& req);

}  // namespace cloudchain::api
