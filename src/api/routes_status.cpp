// GET /v1/status and GET /v1/mempool.

#include <algorithm>

#include "api/json.hpp"
#include "api/query.hpp"
#include "api/routes.hpp"
#include "primitives/transaction.hpp"

namespace cloudchain::api {

Response get_status(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  const node::NodeInfo& info = ctx.service.info();
  const node::TipInfo tip = ctx.service.tip();
  const node::MempoolStats pool = ctx.service.mempool_stats();
  const node::MiningStatus mining = ctx.service.mining();

  JsonWriter w(512);
  w.begin_object()
      .field("version", info.version)
      .field("chain_id", info.chain_id)
      .field("network", info.network)
      .field("consensus", info.consensus)
      .hex_field("genesis_hash", info.genesis_hash)
      .field("height", tip.height)
      .hex_field("tip_hash", tip.hash)
      .field("tip_timestamp_ms", tip.timestamp_ms)
      .field("cumulative_work", tip.cumulative_work)
      .field("bits", bits_hex(tip.bits));
  w.key("mempool").begin_object().field("size", pool.size).field("bytes", pool.bytes).end_object();
  w.key("mining")
      .begin_object()
      .field("enabled", mining.enabled)
      .field("threads", mining.threads)
      .field("hashrate", mining.hashrate)
      .end_object();
  const auto peers = ctx.service.peers();
  w.field("peers", static_cast<std::uint64_t>(
                       std::count_if(peers.begin(), peers.end(), [](const p2p::PeerInfo& p) { return p.ready; })));
  w.key("sync");
  write_sync(w, ctx.service.sync_status(), tip.height);
  if (const std::optional<node::ConsensusStatus> bft = ctx.service.consensus()) {
    // Proof of Stake: the round state machine (docs/api.md "GET /v1/status").
    w.key("bft")
        .begin_object()
        .field("height", bft->height)
        .field("round", static_cast<std::uint64_t>(bft->round))
        .field("step", bft->step)
        .field("validator", bft->validator);
    if (bft->key) {
      w.hex_field("validator_key", *bft->key);
    } else {
      w.key("validator_key").raw("null");
    }
    w.field("validators", bft->validators)
        .field("total_power", bft->total_power)
        .field("decided", bft->decided)
        .field("rounds_failed", bft->rounds_failed)
        .end_object();
  }
  w.end_object();
  return json_response(200, w.take());
}

Response get_mempool(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  auto q = Query::parse(req.query, {"limit", "offset"});
  if (!q) return problem_response(q.error());
  auto limit = q->limit();
  if (!limit) return problem_response(limit.error());
  // The pool holds far fewer than 2^32 transactions; a larger offset is simply past the end.
  auto offset = q->integer("offset", std::uint64_t{1} << 32);
  if (!offset) return problem_response(offset.error());
  const std::uint64_t skip = offset->value_or(0);

  const node::MempoolStats stats = ctx.service.mempool_stats();
  const auto txs = ctx.service.mempool_list(skip, *limit);
  const std::string_view hrp = ctx.service.info().network;

  JsonWriter w(1024);
  w.begin_object().field("size", stats.size).field("bytes", stats.bytes).field("offset", skip).key("txs").begin_array();
  for (const auto& tx : txs) write_tx(w, tx, primitives::txid(tx), hrp);
  w.end_array();
  if (skip + txs.size() < stats.size && txs.size() == *limit) w.field("next_offset", skip + txs.size());
  w.end_object();
  return json_response(200, w.take());
}

}  // namespace cloudchain::api
