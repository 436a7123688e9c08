#include "api/test_node.hpp"

#include <stdlib.h>

#include <limits>
#include <stdexcept>
#include <thread>

#include "crypto/sha256.hpp"
#include "mempool/account_view.hpp"
#include "node/event_json.hpp"
#include "state/overlay.hpp"
#include "state/rules.hpp"

namespace cloudchain::api::test {

namespace {

crypto::PrivateKey key_from(std::uint8_t fill) {
  util::ByteArray<32> secret{};
  secret.fill(fill);
  auto key = crypto::PrivateKey::from_bytes(secret);
  if (!key) throw std::runtime_error("bad test key");
  return *key;
}

template <typename T, typename E>
T must(util::Result<T, E> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().detail);
  return std::move(*r);
}

template <typename E>
void must(util::Result<void, E> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().detail);
}

}  // namespace

util::Hash256 anchor_digest() { return crypto::sha256(util::as_bytes("hello, cloudchain\n")); }

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cloudchain-api-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

Keys Keys::make() { return Keys{key_from(0x01), key_from(0x02), key_from(0x03), key_from(0x04)}; }

TestNode::TestNode(std::string consensus) : m_keys(Keys::make()), m_pool(kChainId) {
  m_db = must(storage::Database::open(m_dir.path() / "db"), "open database");
  m_info.version = "0.1.0-test";
  m_info.chain_id = kChainId;
  m_info.network = std::string(kHrp);
  m_info.consensus = std::move(consensus);

  const auto bob = crypto::address_of(m_keys.bob.public_key());
  const auto carol = crypto::address_of(m_keys.carol.public_key());
  mine({});  // genesis: the allocation to alice
  m_info.genesis_hash = m_tip.hash;
  mine({transfer(m_keys.alice, bob, 5'000'000, 0), anchor(m_keys.alice, anchor_digest(), 1)});
  mine({transfer(m_keys.alice, carol, 7'000, 2)});
}

TestNode::~TestNode() = default;

std::string TestNode::address(const crypto::PrivateKey& key) const {
  return crypto::encode_address(kHrp, crypto::address_of(key.public_key()));
}

primitives::Transaction TestNode::transfer(const crypto::PrivateKey& from, const crypto::Address& to,
                                           std::uint64_t amount, std::uint64_t nonce, std::uint64_t fee) const {
  primitives::Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.body = primitives::Transfer{to, amount};
  primitives::sign(tx, from);
  return tx;
}

primitives::Transaction TestNode::anchor(const crypto::PrivateKey& from, const util::Hash256& digest,
                                         std::uint64_t nonce, std::uint64_t fee) const {
  primitives::Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.body = primitives::Anchor{digest, util::Bytes{'a', 'u', 'd', 'i', 't'}};
  primitives::sign(tx, from);
  return tx;
}

primitives::Block TestNode::mine(std::vector<primitives::Transaction> txs, const StateEdit& edit) {
  std::unique_lock lock(m_mutex);
  const bool genesis = m_blocks.empty();
  const std::uint64_t height = genesis ? 0 : m_blocks.back().header.height + 1;
  const util::Hash256 parent = genesis ? util::Hash256{} : m_tip.hash;
  const util::Hash256 parent_root = genesis ? util::Hash256{} : m_blocks.back().header.state_root;
  const auto beneficiary = crypto::address_of((genesis ? m_keys.alice : m_keys.miner).public_key());

  state::StateOverlay overlay(m_db->state_nodes(), parent_root);
  const state::ChainRules rules{kChainId, 10, 0, 0, std::nullopt};
  std::uint64_t fees = 0;
  for (const auto& tx : txs) fees += must(state::apply_transaction(overlay, tx, rules, height), "apply");
  must(state::credit(overlay, beneficiary, (genesis ? kGenesisAllocation : kReward) + fees), "credit");
  if (edit) edit(overlay);
  auto committed = must(overlay.commit(), "commit");

  primitives::Block block;
  block.header.chain_id = kChainId;
  block.header.height = height;
  block.header.parent = parent;
  block.header.timestamp_ms = kGenesisTimeMs + height * 10'000;
  block.header.state_root = committed.root;
  block.header.beneficiary = beneficiary;
  block.txs = std::move(txs);
  block.header.tx_root = primitives::tx_root(block);
  const auto target = must(primitives::target_from_bits(kBits), "target");
  primitives::PowSeal seal{kBits, 0};
  for (;; ++seal.nonce) {
    block.header.seal = seal;
    if (primitives::hash_meets_target(primitives::block_hash(block.header), target)) break;
  }
  const util::Hash256 hash = primitives::block_hash(block.header);

  storage::BlockIndexEntry entry{block.header, {}, storage::kStatusHaveBody | storage::kStatusValid};
  entry.cumulative_work[31] = static_cast<std::uint8_t>(2 * (height + 1));  // 2 per block at this target
  auto batch = m_db->batch();
  batch.put_state_nodes(committed.new_nodes);
  batch.put_block_index(hash, entry);
  batch.put_block(hash, block);
  batch.put_height(height, hash);
  batch.index_block(block, height, hash);
  batch.put_tip(storage::Tip{hash, height});
  if (genesis) {
    batch.put_chain_id(kChainId);
    batch.put_genesis_hash(hash);
  }
  must(m_db->write(std::move(batch)), "write block");

  m_blocks.push_back(block);
  m_tip = node::TipInfo{height, hash, block.header.timestamp_ms, std::to_string(2 * (height + 1)), kBits};
  lock.unlock();
  {
    std::lock_guard pool_lock(m_pool_mutex);
    m_pool.remove_for_block(block);
  }
  m_events.publish(node::block_event(block, hash));
  return block;
}

std::vector<primitives::Block> TestNode::blocks() const {
  std::lock_guard lock(m_mutex);
  return m_blocks;
}

node::TipInfo TestNode::tip() const {
  std::lock_guard lock(m_mutex);
  return m_tip;
}

node::TipState TestNode::tip_state() const {
  std::lock_guard lock(m_mutex);
  // The database outlives every request: a non-owning pointer to its node view.
  return node::TipState{m_tip.height, m_tip.hash, m_blocks.back().header.state_root,
                        std::shared_ptr<const state::NodeStore>(std::shared_ptr<const void>(), &m_db->state_nodes())};
}

node::MempoolStats TestNode::mempool_stats() const {
  std::lock_guard lock(m_pool_mutex);
  return node::MempoolStats{m_pool.size(), m_pool.bytes()};
}

node::MiningStatus TestNode::mining() const { return node::MiningStatus{m_mining.load(), 1, m_mining ? 1234u : 0u}; }

void TestNode::submit_transaction_async(const primitives::Transaction& tx, SubmitDone done) {
  {
    std::lock_guard lock(m_held_mutex);
    if (m_hold) {
      m_held.emplace_back(tx, std::move(done));
      return;
    }
  }
  done(submit_transaction(tx));
}

void TestNode::hold_answers(bool hold) {
  std::lock_guard lock(m_held_mutex);
  m_hold = hold;
}

std::size_t TestNode::held_answers() const {
  std::lock_guard lock(m_held_mutex);
  return m_held.size();
}

void TestNode::release_answers() {
  std::vector<std::pair<primitives::Transaction, SubmitDone>> held;
  {
    std::lock_guard lock(m_held_mutex);
    held.swap(m_held);
  }
  std::thread answerer([&] {
    for (auto& [tx, done] : held) done(submit_transaction(tx));
  });
  answerer.join();
}

std::expected<util::Hash256, node::SubmitRejection> TestNode::submit_transaction(const primitives::Transaction& tx) {
  util::Hash256 root{};
  std::uint64_t next_height = 0;
  std::uint64_t now_ms = 0;
  {
    std::lock_guard lock(m_mutex);
    root = m_blocks.back().header.state_root;
    next_height = m_blocks.back().header.height + 1;
    now_ms = m_tip.timestamp_ms;
  }
  state::StateOverlay overlay(m_db->state_nodes(), root);
  mempool::OverlayAccountView view(overlay, next_height);
  std::lock_guard pool_lock(m_pool_mutex);
  auto added = m_pool.add(tx, now_ms, view);
  if (added) {
    m_events.publish(node::tx_event(added->txid));
    return added->txid;
  }
  // As the node reports it: a failed context-free check under its TxCheckError name
  // (the mempool's detail starts with it), any other refusal under the mempool's code.
  const auto& e = added.error();
  std::string code(mempool::to_string(e.code));
  if (e.code == mempool::MempoolError::kInvalidTransaction) code = e.detail.substr(0, e.detail.find(':'));
  return std::unexpected(node::SubmitRejection{code, e.detail, mempool::sender_at_fault(e.code)});
}

std::vector<primitives::Transaction> TestNode::mempool_list(std::size_t offset, std::size_t limit) const {
  std::lock_guard lock(m_pool_mutex);
  const auto selected = m_pool.select(offset + limit, std::numeric_limits<std::size_t>::max());
  std::vector<primitives::Transaction> out;
  for (std::size_t i = offset; i < selected.size(); ++i) out.push_back(*selected[i]);
  return out;
}

std::optional<primitives::Transaction> TestNode::mempool_get(const util::Hash256& txid) const {
  std::lock_guard lock(m_pool_mutex);
  const auto* entry = m_pool.get(txid);
  if (entry == nullptr) return std::nullopt;
  return entry->tx;
}

std::uint64_t TestNode::next_nonce(const crypto::Address& address) const {
  util::Hash256 root{};
  std::uint64_t next_height = 0;
  {
    std::lock_guard lock(m_mutex);
    root = m_blocks.back().header.state_root;
    next_height = m_blocks.back().header.height + 1;
  }
  state::StateOverlay overlay(m_db->state_nodes(), root);
  mempool::OverlayAccountView view(overlay, next_height);
  std::lock_guard pool_lock(m_pool_mutex);
  return m_pool.pending_nonce(address, view).value_or(0);
}

std::vector<p2p::PeerInfo> TestNode::peers() const {
  std::lock_guard lock(m_net_mutex);
  return m_net.enabled ? m_net.peers : std::vector<p2p::PeerInfo>{};
}

std::vector<p2p::BanInfo> TestNode::bans() const {
  std::lock_guard lock(m_net_mutex);
  return m_net.enabled ? m_net.bans : std::vector<p2p::BanInfo>{};
}

std::optional<p2p::SyncStatus> TestNode::sync_status() const {
  std::lock_guard lock(m_net_mutex);
  if (!m_net.enabled) return std::nullopt;
  return m_net.sync;
}

bool TestNode::connect_peer(const std::string& host_port) {
  std::lock_guard lock(m_net_mutex);
  if (!m_net.enabled) return false;
  m_net.dialled.push_back(host_port);
  return true;
}

bool TestNode::ban_peer(const std::string& ip, std::chrono::seconds duration) {
  std::lock_guard lock(m_net_mutex);
  if (!m_net.enabled) return false;
  m_net.bans.push_back(p2p::BanInfo{ip, static_cast<std::uint64_t>(duration.count()) * 1000, "admin"});
  return true;
}

bool TestNode::unban_peer(const std::string& ip) {
  std::lock_guard lock(m_net_mutex);
  if (!m_net.enabled) return false;
  std::erase_if(m_net.bans, [&](const p2p::BanInfo& b) { return b.ip == ip; });
  return true;
}

void TestNode::set_network(FakeNetwork n) {
  std::lock_guard lock(m_net_mutex);
  m_net = std::move(n);
}

TestNode::FakeNetwork TestNode::network() const {
  std::lock_guard lock(m_net_mutex);
  return m_net;
}

}  // namespace cloudchain::api::test
