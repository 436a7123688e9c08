// GET /v1/blocks?from=H&limit=N, GET /v1/blocks/{height or hash} and
// GET /v1/blocks/{height or hash}/txids.

#include <algorithm>
#include <optional>

#include "api/json.hpp"
#include "api/query.hpp"
#include "api/routes.hpp"
#include "storage/database.hpp"

namespace cloudchain::api {

namespace {

// Each summary reads a whole block (its size and transaction count), so a page is
// bounded tighter than the index pages.
constexpr std::uint64_t kMaxBlockPage = 100;

// Confirmations of an active-chain block at `height` under `tip`: 1 for the tip itself.
std::uint64_t confirmations(const storage::Tip& tip, std::uint64_t height) {
  return height <= tip.height ? tip.height - height + 1 : 0;
}

// The block that `id` names (a decimal height on the active chain, or the hex hash of
// any stored block), with its hash, read from `snap`.
std::expected<std::pair<util::Hash256, primitives::Block>, Problem> find_block(const storage::Snapshot& snap,
                                                                               std::string_view id) {
  util::Hash256 hash{};
  if (id.size() == 64) {
    auto h = parse_hash(id, "block hash");
    if (!h) return std::unexpected(h.error());
    hash = *h;
  } else {
    const auto height = parse_decimal(id);
    if (!height)
      return std::unexpected(problem(ApiError::kBadBlockId, "a decimal height or a 64-digit hex block hash"));
    auto at = required(snap.hash_at(*height), ApiError::kBlockNotFound, "no block at this height");
    if (!at) return std::unexpected(at.error());
    hash = *at;
  }
  auto block = required(snap.block(hash), ApiError::kBlockNotFound, "no block with this hash");
  if (!block) return std::unexpected(block.error());
  return std::pair{hash, std::move(*block)};
}

}  // namespace

Response list_blocks(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  auto q = Query::parse(req.query, {"from", "limit"});
  if (!q) return problem_response(q.error());
  auto limit = q->limit(kDefaultLimit, kMaxBlockPage);
  if (!limit) return problem_response(limit.error());
  auto from = q->integer("from", UINT64_MAX);
  if (!from) return problem_response(from.error());

  // One snapshot: the height index and the blocks it names must agree during a reorg.
  const storage::Snapshot snap = ctx.service.database().snapshot();
  auto tip_read = snap.tip();
  if (!tip_read) return problem_response(storage_problem(tip_read.error()));
  const std::optional<storage::Tip>& tip = *tip_read;
  const std::string_view hrp = ctx.service.info().network;

  JsonWriter w(std::size_t{1024} * *limit);
  w.begin_object().key("blocks").begin_array();
  std::optional<std::uint64_t> next;
  if (tip) {
    // A `from` above the tip starts at the tip: a client polling with its last known
    // height + 1 gets the newest blocks rather than an error.
    std::uint64_t height = std::min(from->value_or(tip->height), tip->height);
    for (std::uint64_t n = 0; n < *limit; ++n, --height) {
      auto hash = required(snap.hash_at(height), ApiError::kInternal, "no block at an active height");
      if (!hash) return problem_response(hash.error());
      auto block = required(snap.block(*hash), ApiError::kInternal, "an active block has no body");
      if (!block) return problem_response(block.error());
      w.begin_object();
      write_block_fields(w, *block, *hash, hrp, /*full=*/false);
      w.field("confirmations", confirmations(*tip, height)).end_object();
      if (height == 0) break;
      if (n + 1 == *limit) next = height - 1;
    }
  }
  w.end_array();
  if (next) w.field("next_from", *next);
  w.end_object();
  return json_response(200, w.take());
}

Response get_block(const Context& ctx, const Request& req, const PathParams& params) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  const storage::Snapshot snap = ctx.service.database().snapshot();
  auto found = find_block(snap, params[0]);
  if (!found) return problem_response(found.error());
  const auto& [hash, block] = *found;

  auto tip_read = snap.tip();
  if (!tip_read) return problem_response(storage_problem(tip_read.error()));
  const std::optional<storage::Tip>& tip = *tip_read;
  // A block fetched by hash may be off the active chain (a reorged-away branch): it then
  // has 0 confirmations.
  std::uint64_t confirms = 0;
  if (tip) {
    auto active_read = snap.hash_at(block.header.height);
    if (!active_read) return problem_response(storage_problem(active_read.error()));
    const std::optional<util::Hash256>& active = *active_read;
    if (active == hash) confirms = confirmations(*tip, block.header.height);
  }

  const auto txids = primitives::txids(block);
  JsonWriter w(4096 + 1024 * txids.size());
  w.begin_object();
  write_block_fields(w, block, hash, ctx.service.info().network, /*full=*/true, txids);
  w.field("confirmations", confirms).end_object();
  return json_response(200, w.take());
}

Response get_block_txids(const Context& ctx, const Request& req, const PathParams& params) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  const storage::Snapshot snap = ctx.service.database().snapshot();
  auto found = find_block(snap, params[0]);
  if (!found) return problem_response(found.error());
  const auto& [hash, block] = *found;

  JsonWriter w(256 + 68 * block.txs.size());
  w.begin_object()
      .field("height", block.header.height)
      .key("hash")
      .hex(hash)
      .field("timestamp_ms", block.header.timestamp_ms)
      .key("txids")
      .begin_array();
  for (const util::Hash256& txid : primitives::txids(block)) w.hex(txid);
  w.end_array().end_object();
  return json_response(200, w.take());
}

}  // namespace cloudchain::api
