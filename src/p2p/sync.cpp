// SyncPlanner, part 1: what the chain and the peers know, and the header tree. The
// download side (path, requests, submission order, progress) is in sync_download.cpp.
#include <algorithm>

#include <fmt/format.h>

#include "p2p/sync.hpp"

namespace cloudchain::p2p {

namespace {

constexpr std::size_t kMaxConnectedRemembered = 10'000;
constexpr std::size_t kMaxInvalidRemembered = 1'000;

}  // namespace

SyncPlanner::SyncPlanner(ChainPoint tip, std::uint64_t now_ms, SyncLimits limits, ChainLookup lookup)
    : m_limits(limits), m_lookup(std::move(lookup)), m_tip(tip), m_path_base(tip.height) {
  remember_connected(tip);
  m_samples.emplace_back(now_ms, tip.height);
}

// ---- chain knowledge ---------------------------------------------------------------

void SyncPlanner::remember_connected(const ChainPoint& point) {
  if (!m_connected.insert_or_assign(point.hash, point).second) return;
  m_connected_order.push_back(point.hash);
  if (m_connected_order.size() > kMaxConnectedRemembered) {
    m_connected.erase(m_connected_order.front());
    m_connected_order.pop_front();
  }
}

std::optional<ChainPoint> SyncPlanner::chain_point(const util::Hash256& hash) const {
  if (auto it = m_connected.find(hash); it != m_connected.end()) return it->second;
  if (m_lookup) return m_lookup(hash);
  return std::nullopt;
}

std::optional<ChainPoint> SyncPlanner::known_point(const util::Hash256& hash) const {
  if (auto it = m_tree.find(hash); it != m_tree.end()) return ChainPoint{hash, it->second.height, it->second.work};
  return chain_point(hash);
}

ChainPoint SyncPlanner::best_header() const {
  if (!m_best) return m_tip;
  const Node& n = m_tree.at(*m_best);
  return ChainPoint{*m_best, n.height, n.work};
}

// ---- peers -------------------------------------------------------------------------

void SyncPlanner::peer_ready(PeerId peer, std::uint64_t best_height, const util::Hash256& best_hash) {
  Peer& p = m_peers[peer];
  p.claimed_height = best_height;
  p.claimed_hash = best_hash;
  if (m_tree.contains(best_hash)) {
    raise_best_known(p, best_hash);
  } else if (best_hash != m_tip.hash && !m_invalid.contains(best_hash) && !chain_point(best_hash)) {
    // Whatever its height: fork choice is by work, so a branch at our height or below it
    // may still be heavier (two sides of a healed partition, both at the same height).
    p.wants_headers = true;
  }
}

void SyncPlanner::peer_gone(PeerId peer) {
  for (auto& [hash, d] : m_downloads) {
    if (d.state == State::kInFlight && d.peer == peer) d.state = State::kQueued;
  }
  m_peers.erase(peer);
}

void SyncPlanner::on_block_announced(PeerId peer, const util::Hash256& hash) {
  auto it = m_peers.find(peer);
  if (it == m_peers.end()) return;
  if (m_tree.contains(hash)) {
    raise_best_known(it->second, hash);
  } else if (!m_invalid.contains(hash) && !chain_point(hash)) {
    it->second.wants_headers = true;
  }
}

void SyncPlanner::raise_best_known(Peer& p, const util::Hash256& hash) {
  const Node& candidate = m_tree.at(hash);
  if (p.best_known) {
    auto it = m_tree.find(*p.best_known);
    if (it != m_tree.end() && candidate.work <= it->second.work) return;
  }
  p.best_known = hash;
}

void SyncPlanner::adopt_claimed_hashes() {
  for (auto& [id, p] : m_peers) {
    if (m_tree.contains(p.claimed_hash)) raise_best_known(p, p.claimed_hash);
  }
}

// ---- headers -----------------------------------------------------------------------

std::vector<util::Hash256> SyncPlanner::locator(PeerId peer) const {
  std::optional<util::Hash256> start = m_best;
  if (auto it = m_peers.find(peer); it != m_peers.end()) {
    const std::optional<util::Hash256>& known = it->second.best_known;
    if (known.has_value() && m_tree.contains(known.value())) start = known;
  }
  std::vector<util::Hash256> out;
  if (!start) return out;
  std::uint64_t distance = 0;
  std::uint64_t next = 0;  // distances 0, 1, 2, 4, 8, ...
  for (auto it = m_tree.find(*start); it != m_tree.end(); it = m_tree.find(it->second.parent), ++distance) {
    if (distance != next) continue;
    out.push_back(it->first);
    next = next == 0 ? 1 : next * 2;
  }
  return out;
}

util::Result<ChainPoint, P2pError> SyncPlanner::check_linkage(const std::vector<primitives::BlockHeader>& headers,
                                                              const std::vector<util::Hash256>& hashes) const {
  const auto parent = known_point(headers.front().parent);
  if (!parent) return util::fail(P2pError::kHeadersNotConnecting, "the first header's parent is unknown");
  if (headers.front().height != parent->height + 1) {
    return util::fail(P2pError::kHeadersNotConnecting, fmt::format("first header at height {} on a parent at {}",
                                                                   headers.front().height, parent->height));
  }
  // A batch that does not link within itself is no race: no honest peer sends one.
  for (std::size_t i = 1; i < headers.size(); ++i) {
    if (headers[i].parent != hashes[i - 1] || headers[i].height != headers[i - 1].height + 1) {
      return util::fail(P2pError::kInvalidHeaders, fmt::format("header {} does not follow header {}", i, i - 1));
    }
  }
  return *parent;
}

bool SyncPlanner::builds_on_invalid(const ChainPoint& parent, const std::vector<util::Hash256>& hashes) const {
  if (m_invalid.contains(parent.hash)) return true;
  return std::ranges::any_of(hashes, [this](const util::Hash256& h) { return m_invalid.contains(h); });
}

util::Result<void, P2pError> SyncPlanner::precheck_headers(PeerId peer,
                                                           const std::vector<primitives::BlockHeader>& headers) {
  auto pit = m_peers.find(peer);
  if (pit == m_peers.end() || !pit->second.headers_since_ms) {
    return util::fail(P2pError::kUnrequestedData, "headers without a getheaders");
  }
  if (headers.empty()) return {};
  std::vector<util::Hash256> hashes;
  hashes.reserve(headers.size());
  for (const auto& h : headers) hashes.push_back(primitives::block_hash(h));
  if (auto parent = check_linkage(headers, hashes); !parent) {
    pit->second.headers_since_ms.reset();  // answered, badly
    return std::unexpected(parent.error());
  }
  return {};
}

util::Result<void, P2pError> SyncPlanner::on_headers(PeerId peer, const std::vector<primitives::BlockHeader>& headers,
                                                     const util::Uint256& batch_work) {
  auto pit = m_peers.find(peer);
  if (pit == m_peers.end() || !pit->second.headers_since_ms) {
    return util::fail(P2pError::kUnrequestedData, "headers without a getheaders");
  }
  Peer& p = pit->second;
  p.headers_since_ms.reset();
  if (headers.empty()) return {};
  std::vector<util::Hash256> hashes;
  hashes.reserve(headers.size());
  for (const auto& h : headers) hashes.push_back(primitives::block_hash(h));
  const auto parent = check_linkage(headers, hashes);
  if (!parent) return std::unexpected(parent.error());
  if (builds_on_invalid(*parent, hashes)) return util::fail(P2pError::kInvalidHeaders, "builds on a rejected block");
  const auto end_work = util::Uint256::checked_add(parent->work, batch_work);
  if (!end_work) return util::fail(P2pError::kInvalidHeaders, "cumulative work overflows");
  const bool full = headers.size() >= m_limits.headers_per_batch;
  // The part we know already (in the tree, or blocks of the chain: a reply that crossed
  // the blocks connecting, a repeat) is not new, whatever its work.
  std::size_t known = 0;
  while (known < headers.size() && known_point(hashes[known])) ++known;
  if (known == headers.size()) {
    if (m_tree.contains(hashes.back())) raise_best_known(p, hashes.back());
    p.wants_headers = full;
    return {};
  }
  const std::uint64_t fresh = headers.size() - known;
  if (*end_work <= m_tip.work) {
    if (!full) return count_low_work(p, fresh);
    if (auto r = count_behind(p, fresh, known == 0 ? parent->hash : hashes[known - 1]); !r) return r;
  } else {
    p.low_work_headers = 0;
    p.behind_headers = 0;
  }
  const ChainPoint attach = known == 0 ? *parent : *known_point(hashes[known - 1]);
  const std::size_t kept = insert_batch(headers, hashes, known, attach, *end_work);
  const auto last_kept = kept > 0 ? m_tree.find(hashes[kept - 1]) : m_tree.end();
  if (last_kept != m_tree.end()) raise_best_known(p, last_kept->first);
  p.wants_headers = full && kept == headers.size();
  adopt_claimed_hashes();
  if (last_kept != m_tree.end() && last_kept->second.work > best_header().work) {
    m_best = hashes[kept - 1];
    rebuild_path();
  }
  return {};
}

// Inserts headers[from..] on `parent` (the point of headers[from - 1], or the batch's
// parent). The last header gets `end_work`; the ones before an even share of the work
// between `parent` and it. Returns how many headers of the batch (a prefix) are in the
// tree or the chain afterwards: fewer than all only when the tree is full.
std::size_t SyncPlanner::insert_batch(const std::vector<primitives::BlockHeader>& headers,
                                      const std::vector<util::Hash256>& hashes, std::size_t from,
                                      const ChainPoint& parent, const util::Uint256& end_work) {
  const std::size_t n = headers.size();
  const util::Uint256 span = end_work > parent.work ? end_work - parent.work : util::Uint256(0);
  const util::Uint256 share = span / util::Uint256(n - from);
  for (std::size_t i = from; i < n; ++i) {
    if (m_tree.contains(hashes[i])) continue;
    if (m_tree.size() >= m_limits.max_headers) return i;
    const util::Uint256 work = i + 1 == n ? end_work : parent.work + share * static_cast<std::uint64_t>(i + 1 - from);
    m_tree.emplace(hashes[i], Node{headers[i].parent, headers[i].height, work});
  }
  return n;
}

util::Result<void, P2pError> SyncPlanner::count_low_work(Peer& p, std::uint64_t new_headers) {
  p.low_work_headers += new_headers;
  if (p.low_work_headers <= kLowWorkGrace) return {};
  p.low_work_headers = 0;
  return util::fail(P2pError::kLowWorkHeaders, "headers that do not beat our chain's work");
}

// Full batches behind our tip: an honest branch that forks `d` heights below our tip
// needs about `d` headers before it overtakes; one that stays behind for a batch more is
// spam (the easiest bits a header may carry cost almost nothing to mine).
util::Result<void, P2pError> SyncPlanner::count_behind(Peer& p, std::uint64_t new_headers,
                                                       const util::Hash256& attach) {
  p.behind_headers += new_headers;
  const std::uint64_t fork = std::min(fork_height(attach), m_tip.height);
  if (p.behind_headers <= m_tip.height - fork + m_limits.headers_per_batch) return {};
  p.behind_headers = 0;
  return util::fail(P2pError::kLowWorkHeaders, "a header branch that stays behind our chain's work");
}

// The height of the chain block a tree branch (through `hash`) starts from.
std::uint64_t SyncPlanner::fork_height(const util::Hash256& hash) const {
  auto it = m_tree.find(hash);
  if (it == m_tree.end()) {
    const auto point = chain_point(hash);
    return point ? point->height : 0;
  }
  for (auto up = m_tree.find(it->second.parent); up != m_tree.end(); up = m_tree.find(up->second.parent)) it = up;
  return it->second.height - 1;
}

// ---- the tree ----------------------------------------------------------------------

void SyncPlanner::erase_subtree(const util::Hash256& root) {
  std::vector<std::pair<std::uint64_t, util::Hash256>> by_height;
  by_height.reserve(m_tree.size());
  for (const auto& [hash, node] : m_tree) by_height.emplace_back(node.height, hash);
  std::ranges::sort(by_height);
  std::set<util::Hash256> doomed = {root};
  for (const auto& [height, hash] : by_height) {
    if (doomed.contains(m_tree.at(hash).parent)) doomed.insert(hash);
  }
  for (const auto& hash : doomed) m_tree.erase(hash);
  forget_stale_best_known();
}

void SyncPlanner::forget_stale_best_known() {
  for (auto& [id, p] : m_peers) {
    if (p.best_known && !m_tree.contains(*p.best_known)) p.best_known.reset();
  }
}

// Keeps only the best header's branch (the path): other branches are forgotten.
void SyncPlanner::prune_to_best() {
  std::set<util::Hash256> keep(m_path.begin(), m_path.end());
  std::erase_if(m_tree, [&keep](const auto& entry) { return !keep.contains(entry.first); });
  forget_stale_best_known();
}

void SyncPlanner::choose_best() {
  m_best.reset();
  util::Uint256 best_work = m_tip.work;
  for (const auto& [hash, node] : m_tree) {
    if (node.work > best_work) {
      best_work = node.work;
      m_best = hash;
    }
  }
}

void SyncPlanner::on_rejected(const util::Hash256& hash) {
  if (m_invalid.insert(hash).second) {
    m_invalid_order.push_back(hash);
    if (m_invalid_order.size() > kMaxInvalidRemembered) {
      m_invalid.erase(m_invalid_order.front());
      m_invalid_order.pop_front();
    }
  }
  erase_subtree(hash);
  choose_best();
  rebuild_path();
}

void SyncPlanner::on_connected(const ChainPoint& tip, std::uint64_t now_ms) {
  m_tip = tip;
  remember_connected(tip);
  m_samples.emplace_back(now_ms, tip.height);
  while (m_samples.size() >= 2 && m_samples[1].first + kRateWindowMs <= now_ms) m_samples.pop_front();
  if (auto it = m_path_height.find(tip.hash); it != m_path_height.end()) drop_path_through(it->second);
  if (m_best && !m_tree.contains(*m_best)) m_best.reset();  // the best header itself connected
  if (best_header().work <= m_tip.work) {                   // nothing known beats our tip: synced
    m_tree.clear();
    m_best.reset();
    forget_stale_best_known();
    rebuild_path();
  }
}

}  // namespace cloudchain::p2p
