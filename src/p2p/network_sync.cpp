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

void Network::Impl::sync_blocks_announced(Peer& p, const std::vector<Hash256>& hashes) {
  for (const Hash256& hash : hashes) {
    if (!hooks.has_block(hash)) planner.on_block_announced(p.conn->id(), hash);
  }
  sync_run();
}

void Network::Impl::sync_headers(Peer& p, Headers headers) {
  // Whether they were asked for and link up costs nothing; the proof of work does.
  if (auto r = planner.precheck_headers(p.conn->id(), headers.headers); !r) {
    return misbehave(p, r.error().code, r.error().detail);
  }
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
  if (auto r = planner.on_block(p.conn->id(), std::move(block), steady_ms()); !r) {
    return misbehave(p, r.error().code,
                     r.error().code == P2pError::kUnrequestedData ? "a block not asked for" : r.error().detail);
  }
  p.known.insert(hash);
  p.best_height = std::max(p.best_height, height);
  sync_run();
}

void Network::Impl::sync_notfound(Peer& p, const std::vector<Hash256>& hashes) {
  for (const Hash256& hash : hashes) planner.on_notfound(p.conn->id(), hash);
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
  for (ReadyBlock& ready : planner.take_ready()) {
    const Hash256 hash = primitives::block_hash(ready.block.header);
    hooks.submit_block(std::move(ready.block), [post_gate = gate, this, hash, source = ready.source](Verdict v) {
      post_gate->post([this, hash, source, v = std::move(v)] { on_block_verdict(hash, source, v); });
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
    if (Peer* p = find(id)) p->conn->close({P2pError::kTimeout, "its block requests timed out (no delivery)"});
  }
  for (const PeerId id : tick.stalled_headers) {
    if (Peer* p = find(id)) p->conn->close({P2pError::kTimeout, "a getheaders request timed out"});
  }
}

void Network::Impl::on_block_verdict(const Hash256& hash, PeerId source, const Verdict& v) {
  // Stored, or refused as a duplicate nobody is to blame for (the node had it already,
  // from the API or another path).
  const bool stored = v.accepted || (!v.hash_invalid && !v.sender_at_fault && hooks.has_block(hash));
  if (stored) {
    planner.on_stored(hash);
  } else if (v.hash_invalid) {
    planner.on_rejected(hash);
  } else {
    // A body that failed on its own (the real block may come from another peer), an
    // unknown parent (an earlier block failed), our clock or disk: fetch it again.
    planner.on_not_stored(hash, steady_ms(), v.sender_at_fault ? std::optional<PeerId>(source) : std::nullopt);
  }
  if (!v.accepted && v.sender_at_fault) {
    if (Peer* p = find(source)) misbehave(*p, P2pError::kInvalidBlock, fmt::format("{}: {}", v.code, v.detail));
  }
  follow_tip();
  // Relay a new tip once caught up (during a sync every peer is announced the tip when
  // it ends, not each block on the way).
  if (v.new_tip && !planner.progress(steady_ms()).syncing) {
    announce(InvItem{InvKind::kBlock, planner.tip().hash}, source);
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
