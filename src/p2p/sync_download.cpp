// SyncPlanner, part 2: the download path, block requests and their timeouts, the order
// blocks are handed to the node in, and progress figures.
#include <algorithm>
#include <cmath>

#include "p2p/sync.hpp"

namespace cloudchain::p2p {

namespace {

constexpr std::size_t kMaxMissingRemembered = 4096;

}  // namespace

// ---- the path ----------------------------------------------------------------------

void SyncPlanner::rebuild_path() {
  std::deque<util::Hash256> path;
  if (m_best) {
    for (auto it = m_tree.find(*m_best); it != m_tree.end(); it = m_tree.find(it->second.parent)) {
      path.push_front(it->first);
    }
  }
  m_path = std::move(path);
  m_path_base = m_path.empty() ? m_tip.height : m_tree.at(m_path.front()).height - 1;
  m_path_height.clear();
  for (std::size_t i = 0; i < m_path.size(); ++i) m_path_height.emplace(m_path[i], m_path_base + 1 + i);
  // Blocks off the new path are no longer wanted; a late delivery of one is still
  // accepted (it stays in its peer's `asked`) and dropped.
  for (auto it = m_downloads.begin(); it != m_downloads.end();) {
    it = m_path_height.contains(it->first) ? std::next(it) : drop_download(it);
  }
  m_window_start = 0;
  m_next_submit = 0;
  while (m_next_submit < m_path.size()) {
    auto it = m_downloads.find(m_path[m_next_submit]);
    if (it == m_downloads.end()) break;
    const State state = it->second.state;
    if (state != State::kSubmitted && state != State::kStored) break;
    if (state == State::kStored && m_window_start == m_next_submit) ++m_window_start;
    ++m_next_submit;
  }
}

// The node connected the path block at `height`: it and everything below leave the path.
void SyncPlanner::drop_path_through(std::uint64_t height) {
  while (!m_path.empty() && m_path_base < height) {
    const util::Hash256 hash = m_path.front();
    m_path.pop_front();
    if (auto it = m_downloads.find(hash); it != m_downloads.end()) drop_download(it);
    m_tree.erase(hash);
    m_path_height.erase(hash);
    ++m_path_base;
    if (m_next_submit > 0) --m_next_submit;
    if (m_window_start > 0) --m_window_start;
  }
}

std::map<util::Hash256, SyncPlanner::Download>::iterator SyncPlanner::drop_download(
    std::map<util::Hash256, Download>::iterator it) {
  release(it->second);
  return m_downloads.erase(it);
}

// Forgets a received block's bytes (handed over or dropped).
void SyncPlanner::release(Download& d) {
  m_held_bytes -= std::min(m_held_bytes, d.bytes);
  d.bytes = 0;
  d.block.reset();
}

std::optional<std::size_t> SyncPlanner::path_index(const util::Hash256& hash) const {
  auto it = m_path_height.find(hash);
  if (it == m_path_height.end()) return std::nullopt;
  return static_cast<std::size_t>(it->second - m_path_base - 1);
}

std::uint64_t SyncPlanner::peer_path_height(const Peer& p) const {
  if (!p.best_known) return 0;
  auto it = m_path_height.find(*p.best_known);
  return it == m_path_height.end() ? 0 : it->second;
}

// ---- blocks ------------------------------------------------------------------------

util::Result<bool, P2pError> SyncPlanner::on_block(PeerId peer, primitives::Block block, std::uint64_t now_ms) {
  const util::Hash256 hash = primitives::block_hash(block.header);
  auto pit = m_peers.find(peer);
  if (pit == m_peers.end() || pit->second.asked.erase(hash) == 0) {
    return util::fail(P2pError::kUnrequestedData, "a block not asked for");
  }
  Peer& p = pit->second;
  ++p.delivered;
  p.last_delivery_ms = now_ms;
  auto it = m_downloads.find(hash);
  if (it == m_downloads.end()) return false;  // no longer on the path
  Download& d = it->second;
  if (d.state != State::kQueued && d.state != State::kInFlight) return false;  // another peer was faster
  d.state = State::kReceived;
  d.peer = peer;
  d.bytes = primitives::encoded_size(block);
  d.block = std::move(block);
  m_held_bytes += d.bytes;
  return true;
}

void SyncPlanner::on_notfound(PeerId peer, const util::Hash256& hash) {
  auto pit = m_peers.find(peer);
  if (pit == m_peers.end() || pit->second.asked.erase(hash) == 0) return;
  Peer& p = pit->second;
  if (p.missing.size() >= kMaxMissingRemembered) p.missing.clear();
  p.missing.insert(hash);
  auto it = m_downloads.find(hash);
  if (it != m_downloads.end() && it->second.state == State::kInFlight && it->second.peer == peer) {
    it->second.state = State::kQueued;
  }
}

std::vector<ReadyBlock> SyncPlanner::take_ready() {
  std::vector<ReadyBlock> out;
  while (m_next_submit < m_path.size()) {
    auto it = m_downloads.find(m_path[m_next_submit]);
    if (it == m_downloads.end()) break;
    Download& d = it->second;
    if (d.state == State::kReceived && d.block.has_value()) {
      out.push_back(ReadyBlock{d.peer, std::move(d.block.value())});
      release(d);
      d.state = State::kSubmitted;
    } else if (d.state != State::kSubmitted && d.state != State::kStored) {
      break;
    }
    ++m_next_submit;
  }
  return out;
}

void SyncPlanner::on_stored(const util::Hash256& hash) {
  auto it = m_downloads.find(hash);
  if (it == m_downloads.end()) return;  // connected meanwhile, or off the path
  release(it->second);
  it->second.state = State::kStored;
  while (m_window_start < m_path.size()) {
    auto d = m_downloads.find(m_path[m_window_start]);
    if (d == m_downloads.end() || d->second.state != State::kStored) break;
    ++m_window_start;
  }
}

void SyncPlanner::on_not_stored(const util::Hash256& hash, std::uint64_t now_ms, std::optional<PeerId> bad_sender) {
  if (bad_sender) {
    if (auto pit = m_peers.find(*bad_sender); pit != m_peers.end()) {
      if (pit->second.missing.size() >= kMaxMissingRemembered) pit->second.missing.clear();
      pit->second.missing.insert(hash);
    }
  }
  auto it = m_downloads.find(hash);
  if (it == m_downloads.end() || it->second.state != State::kSubmitted) return;
  Download& d = it->second;
  ++d.failures;
  d.state = State::kQueued;
  d.retry_at_ms = now_ms + retry_delay(d.failures);
  if (const auto index = path_index(hash)) m_next_submit = std::min(m_next_submit, *index);
}

// The first retry is immediate (the usual cause is an earlier block that failed); a
// block that keeps failing (a clock ahead of ours, a local fault) waits longer each time.
std::uint64_t SyncPlanner::retry_delay(std::uint32_t failures) const {
  if (failures <= 1) return 0;
  const std::uint32_t doublings = std::min<std::uint32_t>(failures - 2, 30);
  return std::min(m_limits.retry_delay_ms << doublings, m_limits.max_retry_delay_ms);
}

std::size_t SyncPlanner::in_flight(PeerId peer) const {
  return static_cast<std::size_t>(std::ranges::count_if(m_downloads, [peer](const auto& entry) {
    return entry.second.state == State::kInFlight && entry.second.peer == peer;
  }));
}

// ---- planning ----------------------------------------------------------------------

Tick SyncPlanner::tick(std::uint64_t now_ms) {
  Tick out;
  expire_requests(now_ms, out);
  want_headers(now_ms, out);
  assign_requests(now_ms, out);
  return out;
}

// A peer's block requests time out when it delivered nothing for block_timeout_ms since
// the oldest was sent: a peer that keeps delivering keeps its requests however many it
// has, a silent one loses them all.
void SyncPlanner::expire_requests(std::uint64_t now_ms, Tick& out) {
  std::set<PeerId> stalled;
  for (auto& [hash, d] : m_downloads) {
    if (d.state != State::kInFlight) continue;
    const auto pit = m_peers.find(d.peer);
    const std::uint64_t last = pit == m_peers.end() ? 0 : pit->second.last_delivery_ms;
    if (std::max(d.since_ms, last) + m_limits.block_timeout_ms > now_ms) continue;
    d.state = State::kQueued;
    stalled.insert(d.peer);
  }
  std::set<PeerId> stalled_headers;
  for (auto& [id, p] : m_peers) {
    if (p.headers_since_ms && *p.headers_since_ms + m_limits.headers_timeout_ms <= now_ms) {
      p.headers_since_ms.reset();
      if (!stalled.contains(id)) stalled_headers.insert(id);
    }
  }
  const auto report = [this](const std::set<PeerId>& ids, std::vector<PeerId>& to) {
    for (const PeerId id : ids) {
      auto it = m_peers.find(id);
      if (it == m_peers.end() || it->second.stalled) continue;
      it->second.stalled = true;
      to.push_back(id);
    }
  };
  report(stalled, out.stalled);
  report(stalled_headers, out.stalled_headers);
}

void SyncPlanner::want_headers(std::uint64_t now_ms, Tick& out) {
  std::size_t outstanding = static_cast<std::size_t>(
      std::ranges::count_if(m_peers, [](const auto& entry) { return entry.second.headers_since_ms.has_value(); }));
  const auto has_room = [&] {
    return m_tree.size() + (outstanding + 1) * m_limits.headers_per_batch <= m_limits.max_headers;
  };
  for (auto& [id, p] : m_peers) {
    if (!p.wants_headers || p.headers_since_ms || p.stalled) continue;
    if (!has_room()) prune_to_best();
    if (!has_room()) return;  // asked again once blocks connect and free the tree
    p.wants_headers = false;
    p.headers_since_ms = now_ms;
    ++outstanding;
    out.getheaders.push_back(id);
  }
}

void SyncPlanner::assign_requests(std::uint64_t now_ms, Tick& out) {
  // The window starts at the first path block the node has not stored (blocks stored on
  // a side branch that has not overtaken yet move it on, as connected ones do).
  while (m_window_start < m_path.size()) {
    auto [it, created] = m_downloads.try_emplace(m_path[m_window_start]);
    if (created && chain_point(it->first)) it->second.state = State::kStored;  // the node has it already
    if (it->second.state != State::kStored) break;
    ++m_window_start;
  }
  m_next_submit = std::max(m_next_submit, m_window_start);
  std::size_t end = std::min(m_path.size(), m_window_start + m_limits.window);
  if (m_held_bytes >= m_limits.max_held_bytes) {
    // Over the byte budget: only the blocks below the lowest one waiting for its parent
    // are requested (the hand-off waits for them; everything else would pile up).
    for (std::size_t i = m_next_submit; i < end; ++i) {
      auto it = m_downloads.find(m_path[i]);
      if (it != m_downloads.end() && it->second.state == State::kReceived) {
        end = i;
        break;
      }
    }
  }
  std::map<PeerId, std::size_t> load;
  for (const auto& [hash, d] : m_downloads) {
    if (d.state == State::kInFlight) ++load[d.peer];
  }
  std::map<PeerId, std::vector<util::Hash256>> batches;
  for (std::size_t i = m_window_start; i < end; ++i) {
    const util::Hash256& hash = m_path[i];
    auto [it, created] = m_downloads.try_emplace(hash);
    Download& d = it->second;
    if (created && chain_point(hash)) d.state = State::kStored;
    if (d.state != State::kQueued || d.retry_at_ms > now_ms) continue;
    const auto peer = pick_peer(hash, m_path_base + 1 + i, load);
    if (!peer) continue;
    d.state = State::kInFlight;
    d.peer = *peer;
    d.since_ms = now_ms;
    d.asked_twice = false;
    m_peers.at(*peer).asked.insert(hash);
    ++load[*peer];
    batches[*peer].push_back(hash);
  }
  ask_blocker_again(now_ms, load, batches);
  for (auto& [peer, hashes] : batches) out.getdata.push_back(BlockRequest{peer, std::move(hashes)});
}

// A slow (or withholding) peer holding the one block the hand-off waits for stalls every
// block above it: once it has had it for second_ask_ms, another peer is asked too, and
// the first copy to arrive is kept (the other is dropped as a duplicate).
void SyncPlanner::ask_blocker_again(std::uint64_t now_ms, std::map<PeerId, std::size_t>& load,
                                    std::map<PeerId, std::vector<util::Hash256>>& batches) {
  if (m_next_submit + 1 >= m_path.size()) return;
  const util::Hash256& hash = m_path[m_next_submit];
  auto it = m_downloads.find(hash);
  if (it == m_downloads.end()) return;
  Download& d = it->second;
  if (d.state != State::kInFlight || d.asked_twice || d.since_ms + m_limits.second_ask_ms > now_ms) return;
  const auto above = m_downloads.find(m_path[m_next_submit + 1]);
  if (above == m_downloads.end() || above->second.state != State::kReceived) return;  // nothing waits
  // Any other peer that has it, even one at its request limit (this one is worth one more).
  std::map<PeerId, std::size_t> others;
  for (const auto& [id, busy] : load) others[id] = std::min(busy, m_limits.max_in_flight_per_peer - 1);
  others[d.peer] = m_limits.max_in_flight_per_peer;  // not the same peer again
  const auto peer = pick_peer(hash, m_path_base + 1 + m_next_submit, others);
  if (!peer) return;
  d.asked_twice = true;
  m_peers.at(*peer).asked.insert(hash);
  ++load[*peer];
  auto& batch = batches[*peer];
  batch.insert(batch.begin(), hash);  // the lowest first
}

// A peer that has the block and room for one more request: one that delivered blocks
// before one that has not (a peer that only claims a chain costs us a timeout), then the
// least busy.
std::optional<PeerId> SyncPlanner::pick_peer(const util::Hash256& hash, std::uint64_t height,
                                             const std::map<PeerId, std::size_t>& load) const {
  std::optional<PeerId> best;
  std::pair<bool, std::size_t> best_key{true, m_limits.max_in_flight_per_peer};
  for (const auto& [id, p] : m_peers) {
    if (p.stalled || peer_path_height(p) < height || p.missing.contains(hash)) continue;
    const auto it = load.find(id);
    const std::size_t busy = it == load.end() ? 0 : it->second;
    if (busy >= m_limits.max_in_flight_per_peer) continue;
    const std::pair<bool, std::size_t> key{p.delivered == 0, busy};
    if (!best || key < best_key) {
      best = id;
      best_key = key;
    }
  }
  return best;
}

// ---- progress ----------------------------------------------------------------------

// Blocks connected per second since the last sample at least kRateWindowMs old (or
// since the planner started, if younger).
double SyncPlanner::rate(std::uint64_t now_ms) const {
  const auto* base = &m_samples.front();
  for (const auto& s : m_samples) {
    if (s.first + kRateWindowMs <= now_ms) base = &s;
  }
  if (now_ms <= base->first || m_tip.height <= base->second) return 0.0;
  return static_cast<double>(m_tip.height - base->second) * 1000.0 / static_cast<double>(now_ms - base->first);
}

SyncProgress SyncPlanner::progress(std::uint64_t now_ms) const {
  SyncProgress s;
  const ChainPoint best = best_header();
  s.syncing = m_best.has_value();
  s.height = m_tip.height;
  s.target_height = std::max(best.height, m_tip.height);
  if (s.syncing && s.target_height > 0) {
    s.percent = 100.0 * static_cast<double>(s.height) / static_cast<double>(s.target_height);
  }
  s.blocks_per_second = rate(now_ms);
  if (s.syncing && s.blocks_per_second > 0.0) {
    const double remaining = static_cast<double>(s.target_height - s.height);
    s.eta_seconds = static_cast<std::uint64_t>(std::ceil(remaining / s.blocks_per_second));
  }
  return s;
}

}  // namespace cloudchain::p2p
