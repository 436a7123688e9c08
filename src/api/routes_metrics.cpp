// GET /metrics: the node's metrics in the Prometheus text format (docs/api.md
// "GET /metrics"). Every family is always present, so a dashboard never meets a missing
// series: a node without a network reports 0 peers, 0 bytes and a sync ratio of 1; a PoS
// node reports a hashrate of 0. The consensus gauges appear on PoS only.

#include <sys/resource.h>

#include <algorithm>

#include "api/metrics_text.hpp"
#include "api/request_counter.hpp"
#include "api/routes.hpp"

namespace cloudchain::api {

namespace {

// User plus system CPU time of the whole process (all threads) since it started.
double process_cpu_seconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

Response get_metrics(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  const node::TipInfo tip = ctx.service.tip();
  const node::MempoolStats pool = ctx.service.mempool_stats();
  const node::MiningStatus mining = ctx.service.mining();
  const node::NodeCounters counters = ctx.service.counters();
  const p2p::Traffic traffic = ctx.service.p2p_traffic();
  const auto peers = ctx.service.peers();
  const auto ready = static_cast<std::uint64_t>(
      std::count_if(peers.begin(), peers.end(), [](const p2p::PeerInfo& p) { return p.ready; }));
  double sync_ratio = 1.0;
  if (const std::optional<p2p::SyncStatus> sync = ctx.service.sync_status()) {
    sync_ratio = std::clamp(sync->percent / 100.0, 0.0, 1.0);
  }

  MetricsText out;
  out.gauge("cloudchain_height", "Height of the active chain's tip.", tip.height)
      .gauge("cloudchain_peers", "Connected peers that completed the handshake.", ready)
      .gauge("cloudchain_mempool_transactions", "Transactions waiting in the mempool.", pool.size)
      .gauge("cloudchain_mempool_bytes", "Encoded size of the transactions in the mempool, in bytes.", pool.bytes)
      .counter("cloudchain_blocks_processed_total", "Blocks connected to the active chain since start.",
               counters.blocks_processed)
      .counter("cloudchain_transactions_processed_total",
               "Transactions in the blocks connected to the active chain since start.", counters.transactions_processed)
      .histogram("cloudchain_block_validation_seconds",
                 "Chain-thread CPU time per tip change spent on state transition and signature checks.",
                 counters.block_validation_seconds)
      .histogram("cloudchain_block_commit_seconds",
                 "Chain-thread CPU time per tip change spent building and writing the batch and updating caches.",
                 counters.block_commit_seconds)
      .counter("cloudchain_signature_checks_total",
               "Transaction signature checks since start (API and peer submissions, block and proposal bodies).",
               counters.signature_checks)
      .counter("cloudchain_signature_check_cpu_seconds_total",
               "CPU time of those checks, estimated from one check in 16 timed with the thread's CPU clock.",
               counters.signature_check_cpu_seconds)
      .counter("process_cpu_seconds_total", "User and system CPU time of the node process since start.",
               process_cpu_seconds())
      .gauge("cloudchain_sync_progress_ratio", "Headers-first sync progress: our height over the best known, 0 to 1.",
             sync_ratio)
      .counter("cloudchain_p2p_bytes_received_total", "Bytes read from peers since start.", traffic.bytes_received)
      .counter("cloudchain_p2p_bytes_sent_total", "Bytes written to peers since start.", traffic.bytes_sent)
      .gauge("cloudchain_miner_hashrate", "Proof of Work: hashes per second over the last few seconds (0: not mining).",
             mining.hashrate);
  if (const std::optional<node::ConsensusStatus> bft = ctx.service.consensus()) {
    out.gauge("cloudchain_consensus_height", "Proof of Stake: the height being decided.", bft->height)
        .gauge("cloudchain_consensus_round", "Proof of Stake: the round of the height being decided.",
               static_cast<std::uint64_t>(bft->round));
  }
  if (ctx.requests != nullptr) ctx.requests->write(out);
  if (ctx.streams != nullptr) {
    out.gauge("cloudchain_api_event_clients", "Clients streaming GET /v1/events.",
              ctx.streams->open.load(std::memory_order_relaxed))
        .counter("cloudchain_api_event_clients_dropped_total",
                 "Event stream clients dropped for falling behind (queue over its bound, or a stalled write).",
                 ctx.streams->dropped.load(std::memory_order_relaxed));
  }

  Response r;
  r.content_type = ContentType::kPrometheusText;
  r.body = out.take();
  return r;
}

}  // namespace cloudchain::api
