// Headers-first sync (docs/p2p.md "Sync"): the network feeds wire's SyncPlanner (a pure
// state machine) with what peers send and the node decides, and sends what it plans.
// Io thread only.

#include <fmt/format.h>
#include <algorithm>

#include "p2p/network_impl.hpp"

namespace cloudchain::p2p {

void Network::Impl::sync_peer_ready(Peer& p) {
  const auto& v = p.conn->version();
  if (!v) return;  // unreachable: ready means a version arrived
  planner.peer_ready(p.conn->id(), v->best_height, v->best_hash);
  sync_run();
}

void Network::Impl::sync_block_announced(Peer& p, const Hash256& hash) {
  if (hooks.has_block(hash)) return;
  planner.on_block_announced(p.conn->id(), hash);
  sync_run();
}

void Network::Impl::sync_headers(Peer& p, Headers headers) {
  util::Uint256 batch_work;
  if (!headers.headers.empty()) {
    auto checked = hooks.check_headers(headers.headers);
    if (!checked) {
      return misbehave(p, P2pError::kInvalidHeaders,
                       fmt::format("{}: {}", checked.error().code, checked.error().detail));
    }
    batch_work = *checked;
  }
  if (auto r = planner.on_headers(p.conn->id(), headers.headers, batch_work); !r) {
    return misbehave(p, r.error().code, r.error().detail);
  }
  if (!headers.headers.empty()) p.best_height = std::max(p.best_height, headers.headers.back().height);
  sync_run();
}

void Network::Impl::sync_block(Peer& p, primitives::Block block) {
  const Hash256 hash = primitives::block_hash(block.header);
  const std::uint64_t height = block.header.height;
  if (auto r = planner.on_block(p.conn->id(), std::move(block)); !r) {
    return misbehave(p, r.error().code,
                     r.error().code == P2pError::kUnrequestedData ? "a block not asked for" : r.error().detail);
  }
  p.known.insert(hash);
  p.best_height = std::max(p.best_height, height);
  block_sources[hash] = p.conn->id();
  sync_run();
}

void Network::Impl::sync_notfound(Peer& p, const Hash256& hash) {
  planner.on_notfound(p.conn->id(), hash);
  sync_run();
}

void Network::Impl::sync_peer_gone(std::uint64_t id) {
  planner.peer_gone(id);
  sync_run();
}

std::uint32_t Network::Impl::blocks_in_flight(std::uint64_t id) const {
  return static_cast<std::uint32_t>(planner.in_flight(id));
}

void Network::Impl::announce_new_block(const Hash256& hash, std::uint64_t /*height*/) {
  follow_tip();
  announce(InvItem{InvKind::kBlock, hash}, 0);
  sync_run();
}

// The node's tip may move without us (mined, submitted through the API, or a block we
// handed it): the planner follows.
void Network::Impl::follow_tip() {
  const ChainSummary best = hooks.best();
  if (best.hash != planner.tip().hash) planner.on_connected(point_of(best), steady_ms());
}

// Submits what the planner has in order, then sends what it plans now.
void Network::Impl::sync_run() {
  for (primitives::Block& block : planner.take_ready()) {
    const Hash256 hash = primitives::block_hash(block.header);
    hooks.submit_block(std::move(block), [post_gate = gate, this, hash](Verdict v) {
      post_gate->post([this, hash, v = std::move(v)] { on_block_verdict(hash, v); });
    });
  }
  const Tick tick = planner.tick(steady_ms());
  for (const PeerId id : tick.getheaders) {
    Peer* p = find(id);
    if (p == nullptr) continue;
    GetHeaders request;
    request.locator = planner.locator(id);
    for (const Hash256& h : hooks.locator()) request.locator.push_back(h);
    if (request.locator.size() > kMaxLocator) {
      // Keep the newest and the oldest (genesis): the peer always finds a common block.
      const Hash256 oldest = request.locator.back();
      request.locator.resize(kMaxLocator - 1);
      request.locator.push_back(oldest);
    }
    p->conn->send(request);
  }
  for (const BlockRequest& r : tick.getdata) {
    Peer* p = find(r.peer);
    if (p == nullptr) continue;
    GetData request;
    for (const Hash256& h : r.hashes) request.items.push_back(InvItem{InvKind::kBlock, h});
    p->conn->send(request);
  }
  for (const PeerId id : tick.stalled) {
    if (Peer* p = find(id)) p->conn->close({P2pError::kTimeout, "a block request timed out"});
  }
}

void Network::Impl::on_block_verdict(const Hash256& hash, const Verdict& v) {
  std::optional<std::uint64_t> source;
  if (const auto it = block_sources.find(hash); it != block_sources.end()) {
    source = it->second;
    block_sources.erase(it);
  }
  if (!v.accepted && v.sender_at_fault) {
    planner.on_rejected(hash);
    if (Peer* p = source ? find(*source) : nullptr) {
      misbehave(*p, P2pError::kInvalidBlock, fmt::format("{}: {}", v.code, v.detail));
    }
  }
  follow_tip();
  // Relay a new tip once caught up (during a sync every peer is announced the tip when
  // it ends, not each block on the way).
  if (v.new_tip && !planner.progress(steady_ms()).syncing) {
    announce(InvItem{InvKind::kBlock, planner.tip().hash}, source.value_or(0));
  }
  sync_run();
}

void Network::Impl::sync_tick(SteadyClock::time_point now) {
  follow_tip();
  sync_run();
  const SyncProgress progress = planner.progress(steady_ms());
  SyncStatus status;
  status.syncing = progress.syncing;
  status.height = progress.height;
  status.target_height = progress.target_height;
  status.percent = progress.percent;
  status.blocks_per_second = progress.blocks_per_second;
  status.eta_seconds = progress.eta_seconds;
  {
    const std::lock_guard lock(snapshot_mutex);
    sync_snapshot = status;
  }
  if (progress.syncing && now - last_progress >= kProgressInterval) {
    last_progress = now;
    log->info("p2p: sync {}/{} ({:.1f}%), {:.1f} blocks/s, ETA {}", progress.height, progress.target_height,
              progress.percent, progress.blocks_per_second,
              progress.eta_seconds ? fmt::format("{} s", *progress.eta_seconds) : std::string("unknown"));
  }
}

}  // namespace cloudchain::p2p
