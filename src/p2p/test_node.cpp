#include "p2p/test_node.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <cstdlib>

namespace cloudchain::p2p::test {

namespace {

constexpr std::uint32_t kEasyBits = 0x207fffff;

primitives::BlockHeader header_on(const primitives::BlockHeader* parent, std::uint32_t fork) {
  primitives::BlockHeader h;
  h.chain_id = kChainId;
  h.height = parent ? parent->height + 1 : 0;
  h.parent = parent ? primitives::block_hash(*parent) : Hash256{};
  h.timestamp_ms = 1'700'000'000'000 + h.height * 1000 + fork;
  h.seal = primitives::PowSeal{kEasyBits, fork};
  return h;
}

}  // namespace

NetworkConfig test_config() {
  NetworkConfig c;
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  c.handshake_timeout_ms = 2000;
  c.ping_interval_ms = 300;
  c.ping_timeout_ms = 2000;
  c.frame_timeout_ms = 2000;
  c.idle_timeout_ms = 10'000;
  c.ban_seconds = 600;
  return c;
}

std::shared_ptr<spdlog::logger> test_logger() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("p2p", sink);
  const char* level = std::getenv("CLOUDCHAIN_TEST_LOG");
  logger->set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::warn);
  return logger;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

primitives::Block genesis_block() {
  primitives::Block b;
  b.header = header_on(nullptr, 0);
  return b;
}

primitives::Transaction make_tx(std::uint64_t n) {
  primitives::Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = n;
  tx.fee = 10;
  tx.sender[0] = 2;
  tx.sender[1] = static_cast<std::uint8_t>(n);
  tx.body = primitives::Transfer{crypto::Address{}, n + 1};
  return tx;
}

std::vector<primitives::Block> make_chain(const primitives::Block& parent, std::size_t n, std::uint32_t fork,
                                          std::size_t txs_per_block) {
  std::vector<primitives::Block> out;
  const primitives::BlockHeader* prev = &parent.header;
  for (std::size_t i = 0; i < n; ++i) {
    primitives::Block b;
    b.header = header_on(prev, fork);
    for (std::size_t t = 0; t < txs_per_block; ++t) b.txs.push_back(make_tx((b.header.height << 16) + t));
    b.header.tx_root = primitives::tx_root(b);
    out.push_back(std::move(b));
    prev = &out.back().header;
  }
  return out;
}

ToyNode::ToyNode(std::uint32_t chain_id) : m_chain_id(chain_id) {
  const auto g = genesis_block();
  m_genesis_hash = primitives::block_hash(g.header);
  m_blocks.emplace(m_genesis_hash, g);
  m_active.push_back(m_genesis_hash);
  m_actor = std::thread([this] { run_actor(); });
}

ToyNode::~ToyNode() {
  {
    const std::lock_guard lock(m_actor_mutex);
    m_stopping = true;
  }
  m_actor_cv.notify_all();
  m_actor.join();
}

void ToyNode::run_actor() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock lock(m_actor_mutex);
      m_actor_cv.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
      if (m_stopping) return;
      fn = std::move(m_queue.front());
      m_queue.pop_front();
    }
    fn();
  }
}

void ToyNode::on_actor(std::function<void()> fn) {
  {
    const std::lock_guard lock(m_actor_mutex);
    m_queue.push_back(std::move(fn));
  }
  m_actor_cv.notify_one();
}

void ToyNode::add_blocks(const std::vector<primitives::Block>& blocks) {
  const std::lock_guard lock(m_mutex);
  for (const auto& b : blocks) accept_block(b);
}

Verdict ToyNode::accept_block(const primitives::Block& block) {
  Verdict v;
  const Hash256 hash = primitives::block_hash(block.header);
  if (block.header.timestamp_ms == kBadTimestamp || block.header.chain_id != m_chain_id) {
    v.sender_at_fault = true;
    v.hash_invalid = true;
    v.code = "bad_header";
    return v;
  }
  const bool bad_tx = std::any_of(block.txs.begin(), block.txs.end(), [](const auto& tx) { return tx.fee == kBadFee; });
  if (bad_tx) {
    v.sender_at_fault = true;
    v.code = "bad_body";
    return v;
  }
  if (m_blocks.contains(hash)) {
    v.code = "duplicate";
    return v;
  }
  if (m_fail_next.erase(hash) != 0) {
    v.code = "storage";
    return v;
  }
  const auto parent = m_blocks.find(block.header.parent);
  if (parent == m_blocks.end() || parent->second.header.height + 1 != block.header.height) {
    v.code = "orphan";
    return v;
  }
  m_blocks.emplace(hash, block);
  v.accepted = true;
  if (block.header.height + 1 > m_active.size()) {  // more work than the tip: extend or reorg
    std::vector<Hash256> active(block.header.height + 1);
    for (Hash256 h = hash;;) {
      const auto& header = m_blocks.at(h).header;
      active[header.height] = h;
      if (header.height == 0) break;
      h = header.parent;
    }
    m_active = std::move(active);
    v.new_tip = true;
  }
  return v;
}

std::uint64_t ToyNode::height() const {
  const std::lock_guard lock(m_mutex);
  return m_active.size() - 1;
}

std::vector<Hash256> ToyNode::submitted_order() const {
  const std::lock_guard lock(m_mutex);
  return m_submitted;
}

std::set<Hash256> ToyNode::txs() const {
  const std::lock_guard lock(m_mutex);
  std::set<Hash256> out;
  for (const auto& [id, tx] : m_pool) out.insert(id);
  return out;
}

void ToyNode::add_tx(const primitives::Transaction& tx) {
  const std::lock_guard lock(m_mutex);
  m_pool.emplace(primitives::txid(tx), tx);
}

ChainSummary ToyNode::best() const {
  const std::lock_guard lock(m_mutex);
  return ChainSummary{m_active.size() - 1, m_active.back(), util::Uint256(m_active.size())};
}

std::vector<Hash256> ToyNode::locator() const {
  const std::lock_guard lock(m_mutex);
  std::vector<Hash256> out;
  std::uint64_t step = 1;
  for (std::uint64_t h = m_active.size() - 1;;) {
    out.push_back(m_active[h]);
    if (h == 0) break;
    if (out.size() >= 10) step *= 2;
    h = h > step ? h - step : 0;
  }
  return out;
}

std::vector<primitives::BlockHeader> ToyNode::headers_after(const std::vector<Hash256>& locator, const Hash256& stop,
                                                            std::size_t max) const {
  const std::lock_guard lock(m_mutex);
  std::size_t start = 0;
  for (const auto& h : locator) {
    const auto it = std::find(m_active.begin(), m_active.end(), h);
    if (it != m_active.end()) {
      start = static_cast<std::size_t>(it - m_active.begin());
      break;
    }
  }
  std::vector<primitives::BlockHeader> out;
  for (std::size_t i = start + 1; i < m_active.size() && out.size() < max; ++i) {
    out.push_back(m_blocks.at(m_active[i]).header);
    if (m_active[i] == stop) break;
  }
  return out;
}

std::optional<util::Bytes> ToyNode::block_bytes(const Hash256& hash) const {
  const std::lock_guard lock(m_mutex);
  const auto it = m_blocks.find(hash);
  if (it == m_blocks.end()) return std::nullopt;
  return primitives::encode(it->second);
}

bool ToyNode::has_block(const Hash256& hash) const {
  m_has_block_calls.fetch_add(1);
  const std::lock_guard lock(m_mutex);
  return m_blocks.contains(hash);
}

std::optional<ChainSummary> ToyNode::chain_point(const Hash256& hash) const {
  const std::lock_guard lock(m_mutex);
  const auto it = m_blocks.find(hash);
  if (it == m_blocks.end()) return std::nullopt;
  return ChainSummary{it->second.header.height, hash, util::Uint256(it->second.header.height + 1)};
}

void ToyNode::fail_next_submit(const Hash256& hash) {
  const std::lock_guard lock(m_mutex);
  m_fail_next.insert(hash);
}

bool ToyNode::has_tx(const Hash256& txid) const {
  const std::lock_guard lock(m_mutex);
  return m_pool.contains(txid);
}

void ToyNode::fetch_txs(std::vector<Hash256> txids, std::function<void(FetchedTxs)> done) {
  on_actor([this, txids = std::move(txids), done = std::move(done)] {
    FetchedTxs out;
    {
      const std::lock_guard lock(m_mutex);
      for (const Hash256& txid : txids) {
        const auto it = m_pool.find(txid);
        out.push_back(it != m_pool.end() ? std::optional<primitives::Transaction>(it->second) : std::nullopt);
      }
    }
    done(std::move(out));
  });
}

std::expected<util::Uint256, Verdict> ToyNode::check_headers(
    const std::vector<primitives::BlockHeader>& headers) const {
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& h = headers[i];
    const bool linked =
        i == 0 || (h.parent == primitives::block_hash(headers[i - 1]) && h.height == headers[i - 1].height + 1);
    if (!linked || h.chain_id != m_chain_id || h.timestamp_ms == kBadTimestamp) {
      Verdict v;
      v.sender_at_fault = true;
      v.code = linked ? "bad_header" : "headers_not_linked";
      return std::unexpected(v);
    }
  }
  return util::Uint256(headers.size());
}

void ToyNode::submit_block(primitives::Block block, std::function<void(Verdict)> done) {
  on_actor([this, block = std::move(block), done = std::move(done)] {
    if (m_submit_delay.count() > 0) std::this_thread::sleep_for(m_submit_delay);
    Verdict v;
    {
      const std::lock_guard lock(m_mutex);
      m_submitted.push_back(primitives::block_hash(block.header));
      v = accept_block(block);
    }
    m_submitted_blocks.fetch_add(1);
    done(std::move(v));
  });
}

void ToyNode::submit_tx(primitives::Transaction tx, std::function<void(Verdict)> done) {
  on_actor([this, tx = std::move(tx), done = std::move(done)] {
    Verdict v;
    {
      const std::lock_guard lock(m_mutex);
      const Hash256 id = primitives::txid(tx);
      if (m_refused_txs.contains(id)) {
        v.code = "tx_invalid";
        v.sender_at_fault = true;
      } else {
        v.accepted = m_pool.emplace(id, tx).second;
        if (!v.accepted) v.code = "already_known";
      }
    }
    done(std::move(v));
  });
}

void ToyNode::refuse_tx(const Hash256& txid) {
  const std::lock_guard lock(m_mutex);
  m_refused_txs.insert(txid);
}

void ToyNode::submit_txs(std::vector<primitives::Transaction> txs, std::span<const Hash256> txids,
                         std::function<void(std::size_t, Verdict)> done) {
  {
    const std::lock_guard lock(m_mutex);
    m_tx_batches.push_back(txs.size());
    for (std::size_t i = 0; i < txs.size(); ++i) {
      if (i >= txids.size() || txids[i] != primitives::txid(txs[i])) ++m_wrong_txids;
    }
  }
  NodeHooks::submit_txs(std::move(txs), txids, std::move(done));
}

std::size_t ToyNode::wrong_txids() const {
  const std::lock_guard lock(m_mutex);
  return m_wrong_txids;
}

std::vector<std::size_t> ToyNode::tx_batches() const {
  const std::lock_guard lock(m_mutex);
  return m_tx_batches;
}

void ToyNode::set_consensus_verdict(std::optional<ConsensusVerdict> v) {
  const std::lock_guard lock(m_mutex);
  m_consensus_verdict = std::move(v);
}

std::vector<std::pair<primitives::Proposal, primitives::Block>> ToyNode::proposals() const {
  const std::lock_guard lock(m_mutex);
  return m_proposals;
}

std::vector<primitives::Vote> ToyNode::votes() const {
  const std::lock_guard lock(m_mutex);
  return m_votes;
}

ConsensusVerdict ToyNode::on_proposal(const primitives::Proposal& proposal, const primitives::Block& block) {
  const std::lock_guard lock(m_mutex);
  m_proposals.emplace_back(proposal, block);
  return m_consensus_verdict ? *m_consensus_verdict : NodeHooks::on_proposal(proposal, block);
}

std::vector<PeerEvent> ToyNode::peer_events() const {
  const std::lock_guard lock(m_mutex);
  return m_peer_events;
}

void ToyNode::on_peer_event(const PeerEvent& event) {
  const std::lock_guard lock(m_mutex);
  m_peer_events.push_back(event);
}

ConsensusVerdict ToyNode::on_vote(const primitives::Vote& vote) {
  const std::lock_guard lock(m_mutex);
  m_votes.push_back(vote);
  return m_consensus_verdict ? *m_consensus_verdict : NodeHooks::on_vote(vote);
}

}  // namespace cloudchain::p2p::test
