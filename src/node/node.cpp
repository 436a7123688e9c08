#include "node/node.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>
#include <unordered_set>

#include "chain/preverifier.hpp"
#include "mempool/account_view.hpp"
#include "node/chain_setup.hpp"
#include "node/event_json.hpp"
#include "node/pos_driver.hpp"
#include "state/overlay.hpp"
#include "util/hex.hpp"

namespace cloudchain::node {

namespace {

SubmitRejection shutting_down_rejection() {
  return SubmitRejection{"shutting_down", "the node is shutting down", false};
}

using namespace std::chrono_literals;

/// Expired transactions are looked for this often (expiry itself is hours).
constexpr auto kExpiryInterval = 60s;
/// Miner hash counts are sampled this often for MiningStatus::hashrate.
constexpr auto kHashrateInterval = 2s;
/// After a failed template build (e.g. an unreadable state), wait this long to retry.
constexpr auto kTemplateRetry = 1s;
/// A template older than this is rebuilt with a fresh timestamp, so a block's timestamp
/// says when it was found (to within this), not when its parent was: ASERT and the
/// explorer's block times then measure the real pace.
constexpr std::uint64_t kTemplateRefreshMs = 1000;

std::uint64_t system_now_ms() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

/// The mempool's view of the accounts as the block after `tip` sees them.
struct TipView {
  explicit TipView(std::shared_ptr<const chain::TipInfo> t)
      : tip(std::move(t)), overlay(*tip->state_nodes, tip->header.state_root), view(overlay, tip->height + 1) {}
  std::shared_ptr<const chain::TipInfo> tip;  // owns the state view the overlay reads
  state::StateOverlay overlay;
  mempool::OverlayAccountView view;
};

SubmitRejection rejection_of(const util::Error<mempool::MempoolError>& error) {
  SubmitRejection out;
  out.sender_at_fault = mempool::sender_at_fault(error.code);
  out.detail = error.detail;
  out.code = std::string(mempool::to_string(error.code));
  if (error.code == mempool::MempoolError::kInvalidTransaction) {
    // The detail starts with the TxCheckError name ("tx_invalid_signature: ..."): that
    // rule is the more useful code for a client.
    const std::size_t colon = error.detail.find(':');
    if (colon != std::string::npos && colon > 0) out.code = error.detail.substr(0, colon);
  }
  return out;
}

}  // namespace

// --- lifecycle ---------------------------------------------------------------------------

util::Result<std::unique_ptr<Node>, NodeError> Node::open(NodeOptions options) {
  auto params = make_chain_params(options.genesis);
  if (!params) return util::fail(NodeError::kConfig, params.error().detail);

  storage::Options db_options;
  db_options.block_cache_bytes = static_cast<std::size_t>(options.config.storage.cache_mb) << 20;
  db_options.max_open_files = options.config.storage.max_open_files;
  const std::filesystem::path data = options.home / "data";
  auto db = storage::Database::open(data, db_options);
  if (!db) {
    return util::fail(NodeError::kStorage, data.string() + ": " + std::string(storage::to_string(db.error().code)) +
                                               ": " + db.error().detail);
  }

  auto engine = make_engine(options.genesis);
  if (!engine) return util::fail(NodeError::kConfig, engine.error().detail);
  auto keys = std::make_shared<crypto::KeyCache>();
  chain::ChainOptions chain_options;
  chain_options.verify_threads = options.verify_threads;
  chain_options.key_cache = keys;
  chain_options.load_state = !options.reindex;
  auto chain = chain::Chain::open(**db, *params, **engine, chain_options);
  if (!chain) {
    const chain::ChainError code = chain.error().code;
    if (code == chain::ChainError::kGenesisMismatch || code == chain::ChainError::kChainIdMismatch) {
      return util::fail(NodeError::kGenesisMismatch,
                        data.string() + " holds another chain than " + (options.home / "genesis.json").string() +
                            " describes (" + std::string(chain::to_string(code)) + ": " + chain.error().detail +
                            "); use the genesis.json it was created with, or another home");
    }
    return util::fail(NodeError::kChain, std::string(chain::to_string(code)) + ": " + chain.error().detail);
  }

  NodeInfo info;
  info.version = std::string(kVersion);
  info.chain_id = options.genesis.chain_id;
  info.network = options.genesis.network;
  info.consensus = options.genesis.consensus;
  info.genesis_hash = (*chain)->genesis_hash();
  return std::unique_ptr<Node>(new Node(std::move(options), std::move(*db), std::move(*engine), std::move(keys),
                                        std::move(*chain), std::move(info)));
}

Node::Node(NodeOptions options, std::unique_ptr<storage::Database> db, std::unique_ptr<chain::ConsensusEngine> engine,
           std::shared_ptr<crypto::KeyCache> keys, std::unique_ptr<chain::Chain> chain, NodeInfo info)
    : m_options(std::move(options)),
      m_log(m_options.logger ? m_options.logger : spdlog::default_logger()),
      m_info(std::move(info)),
      m_mempool_path(m_options.home / "mempool.dat"),
      m_db(std::move(db)),
      m_engine(std::move(engine)),
      m_keys(std::move(keys)),
      m_chain(std::move(chain)),
      m_mempool(std::make_unique<mempool::Mempool>(m_info.chain_id, m_options.config.mempool, m_keys)),
      m_preverifier(std::make_unique<chain::Preverifier>(
          0, m_info.chain_id,
          chain::Preverifier::Options{
              .checked_elsewhere = [this](const Hash256& txid) { return m_recent_txids.contains(txid); },
              .key_cache = m_keys})) {
  publish_tip();
  publish_mempool_stats();
  if (const std::string e = m_db->index_error(); !e.empty()) {
    m_log->warn("storage: {}; transactions of the newest blocks may be missing from lookups until --reindex", e);
  }
}

Node::~Node() { stop(); }

std::uint64_t Node::now_ms() const { return m_options.clock_ms ? m_options.clock_ms() : system_now_ms(); }

util::Result<std::uint64_t, NodeError> Node::reindex() {
  {
    std::lock_guard lock(m_lifecycle_mutex);
    if (m_started) return util::fail(NodeError::kAlreadyStarted, "reindex runs before start()");
  }
  const std::uint64_t old_height = m_chain->tip()->height;
  m_log->info("reindex: rebuilding state and indexes from the stored blocks (tip was at height {})", old_height);
  // Progress every 5 s: blocks done of the total, the rate and the time left.
  std::mutex heartbeat_mutex;
  std::condition_variable heartbeat_cv;
  bool done = false;
  std::atomic<std::uint64_t> done_blocks{0};
  std::atomic<std::uint64_t> total_blocks{0};
  const auto start = std::chrono::steady_clock::now();
  std::thread heartbeat([&] {
    std::unique_lock lock(heartbeat_mutex);
    while (!heartbeat_cv.wait_for(lock, 5s, [&] { return done; })) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto n = done_blocks.load();
      const auto total = total_blocks.load();
      if (total == 0) {
        m_log->info("reindex: preparing after {:.0f} s", secs);
        continue;
      }
      const double rate = static_cast<double>(n) / std::max(secs, 1e-3);
      const double eta = rate > 0 ? static_cast<double>(total - n) / rate : 0.0;
      m_log->info("reindex: {:.1f}% ({} of {} blocks, {:.0f} blocks/s, about {:.0f} s left)",
                  100.0 * static_cast<double>(n) / static_cast<double>(total), n, total, rate, eta);
    }
  });
  auto result = m_chain->reindex([&](std::uint64_t n, std::uint64_t total) {
    done_blocks.store(n, std::memory_order_relaxed);
    total_blocks.store(total, std::memory_order_relaxed);
  });
  {
    std::lock_guard lock(heartbeat_mutex);
    done = true;
  }
  heartbeat_cv.notify_all();
  heartbeat.join();
  if (!result) {
    m_log->error("reindex failed: {}: {}", chain::to_string(result.error().code), result.error().detail);
    return util::fail(NodeError::kChain,
                      std::string(chain::to_string(result.error().code)) + ": " + result.error().detail);
  }
  const double secs = std::max(1e-3, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  m_log->info("reindex: 100% done, {} blocks in {:.2f} s ({:.0f} blocks/s), tip at height {}", *result + 1, secs,
              static_cast<double>(*result + 1) / secs, *result);
  m_reindexed = true;
  publish_tip();
  return *result;
}

util::Result<void, NodeError> Node::start() {
  {
    std::lock_guard lock(m_lifecycle_mutex);
    if (m_started) return util::fail(NodeError::kAlreadyStarted, "start() is called once");
    if (m_options.reindex && !m_reindexed) {
      return util::fail(NodeError::kChain, "opened for a reindex, which has not completed: the state is not loaded");
    }
    m_started = true;
  }
  // Still the only thread: the pool is loaded before anyone can submit.
  load_mempool();
  m_counted_timings = m_chain->timings();  // a reindex's work is not a tip change to count

  m_miner = std::make_unique<consensus::Miner>(
      [this](const primitives::BlockHeader& header, std::uint64_t generation) {
        // A miner thread: hand the header to the actor and return at once.
        m_actor->post([this, header, generation] { on_block_found(header, generation); });
      },
      [this](std::uint64_t generation) {
        m_actor->post([this, generation] {
          if (generation == m_generation) rebuild_template();  // every nonce tried: new timestamp
        });
      });
  m_actor = std::make_unique<Actor>("chain-actor");
  m_admission = std::make_unique<AdmissionQueue>(
      *m_actor, [this](mempool::VerifiedTx& verified) { return admit(std::move(verified)); });
  m_peer_admission = std::make_unique<PeerAdmissionQueue>(*m_actor, [this](mempool::VerifiedTx& verified) {
    // PeerHooks::submit_txs put its txid in RecentTxids when its check passed.
    return admit_verified(std::move(verified), /*in_recent=*/true);
  });

  if (auto pos = start_consensus(); !pos) {
    m_admission.reset();
    m_peer_admission.reset();
    m_actor->stop();
    m_actor.reset();
    m_miner.reset();
    return std::unexpected(pos.error());
  }

  if (m_options.config.p2p.enabled) {
    m_peer_hooks = std::make_unique<PeerHooks>(*this, m_options.genesis.pow);
    m_network = std::make_unique<p2p::Network>(m_options.config.p2p, *m_peer_hooks, m_log);
    if (auto started = m_network->start(); !started) {
      const std::string detail = "p2p: " + started.error().detail;
      m_network.reset();
      m_admission.reset();
      m_peer_admission.reset();
      m_actor->stop();
      m_actor.reset();
      m_miner.reset();
      return util::fail(NodeError::kNetwork, detail);
    }
  } else {
    m_log->info("p2p: disabled");
  }

  const auto tip = m_chain->tip();
  const MiningConfig& mining = m_options.config.mining;
  m_log->info("node {} started: chain id {}, network {}, consensus {}, genesis {}", m_info.version, m_info.chain_id,
              m_info.network, m_info.consensus, util::to_hex(m_info.genesis_hash));
  m_log->info("tip: height {} hash {} work {}", tip->height, util::to_hex(tip->hash), to_decimal(tip->cumulative_work));
  if (m_pos) {
    m_log->info("mining: none (proof of stake)");
  } else if (mining.enabled && mining.address) {
    m_log->info("mining: on, {} thread(s), beneficiary {}", mining.threads,
                crypto::encode_address(m_info.network, *mining.address));
  } else {
    m_log->info("mining: off");
  }

  m_actor->post_after(kExpiryInterval, [this] { expire_mempool(); });
  m_actor->post_after(std::chrono::milliseconds(kTemplateRefreshMs), [this] { refresh_template(); });
  m_actor->post([this] {
    m_last_hash_sample = std::chrono::steady_clock::now();
    sample_hashrate();
  });
  if (mining.enabled && !m_pos) m_actor->post([this] { apply_mining(true); });
  if (m_pos) m_actor->post([this] { m_pos->start(); });
  return {};
}

util::Result<void, NodeError> Node::start_consensus() {
  if (m_options.genesis.consensus != "pos" || !m_options.genesis.pos) return {};
  PosDriver::Options options;
  options.bft = m_options.genesis.pos->bft;
  options.chain_id = m_info.chain_id;
  options.block_time_ms = m_options.genesis.pos->block_time_ms;
  const std::filesystem::path key_path = m_options.home / "validator.key";
  std::error_code ec;
  if (std::filesystem::exists(key_path, ec)) {
    auto key = load_validator_key(key_path);
    if (!key) return util::fail(NodeError::kConfig, key.error());
    options.key = *key;
    m_validator_key = *key;
  }
  options.signer_path = m_options.home / "data" / "validator_state";
  options.commit_path = m_options.home / "data" / "last_commit";
  PosDriverHost host;
  host.tip = [this] { return m_chain->tip(); };
  host.now_ms = [this] { return now_ms(); };
  host.check_proposal = [this](const primitives::Block& block) {
    std::vector<Hash256> checked_here;  // not vouched for by the pool: the chain checks them
    auto checked = m_chain->check_proposal(block, now_ms(), [this, &checked_here](const Hash256& txid) {
      if (signature_checked(txid)) return true;
      checked_here.push_back(txid);
      return false;
    });
    // Their signatures passed: a peer's later announcement of one needs no fetch and no
    // second check (RecentTxids).
    if (checked) m_recent_txids.add_all(checked_here);
    return checked;
  };
  host.build_block = [this](const crypto::Address& payout) { return build_pos_block(payout); };
  host.commit = [this](const primitives::Block& block) { return commit_decided(block); };
  host.broadcast_proposal = [this](const primitives::Proposal& proposal, const primitives::Block& block) {
    if (m_network) m_network->broadcast_proposal(proposal, block);
  };
  host.broadcast_vote = [this](const primitives::Vote& vote) {
    if (m_network) m_network->broadcast_vote(vote);
  };
  host.post_after = [this](std::chrono::milliseconds delay, std::function<void()> task) {
    m_actor->post_after(delay, std::move(task));
  };
  host.evidence = [this](const primitives::Vote& a, const primitives::Vote& b) { submit_evidence(a, b); };
  auto driver = PosDriver::create(std::move(options), std::move(host), m_log);
  if (!driver) return util::fail(NodeError::kConfig, driver.error());
  m_pos = std::move(*driver);
  if (m_options.config.mining.enabled) m_log->warn("mining: ignored on a proof-of-stake chain");
  return {};
}

std::map<crypto::PublicKey, std::uint32_t> Node::missed_blocks() const {
  return m_pos ? m_pos->missed_blocks() : std::map<crypto::PublicKey, std::uint32_t>{};
}

std::optional<ConsensusStatus> Node::consensus() const {
  if (!m_pos) return std::nullopt;
  return *m_pos->status();
}

void Node::request_shutdown() {
  {
    std::lock_guard lock(m_shutdown_mutex);
    if (m_shutdown_requested) return;
    m_shutdown_requested = true;
  }
  m_log->info("shutdown requested");
  m_shutdown_cv.notify_all();
}

bool Node::shutdown_requested() const {
  std::lock_guard lock(m_shutdown_mutex);
  return m_shutdown_requested;
}

void Node::wait_for_shutdown_request() {
  std::unique_lock lock(m_shutdown_mutex);
  m_shutdown_cv.wait(lock, [this] { return m_shutdown_requested; });
}

bool Node::wait_for_shutdown_request(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_shutdown_mutex);
  return m_shutdown_cv.wait_for(lock, timeout, [this] { return m_shutdown_requested; });
}

void Node::stop(const std::function<void()>& after_miner_stopped) {
  {
    std::lock_guard lock(m_lifecycle_mutex);
    if (m_stopped) return;
    m_stopped = true;
  }
  m_stopping = true;
  const auto start = std::chrono::steady_clock::now();
  // 1. No more found blocks: join the miner threads (a found header already posted is
  //    still submitted while the actor drains).
  if (m_miner) m_miner->stop();
  m_mining_enabled = false;
  // 2. The caller's step (the daemon stops the HTTP API here).
  if (after_miner_stopped) after_miner_stopped();
  // 2b. No more peers: nothing new reaches the actor from the network. (The Network
  //     object stays until the Node goes: queued actor tasks still post to it.)
  if (m_network) m_network->stop();
  // 3. Drain: every queued task runs, later posts are refused.
  if (m_actor) {
    m_actor->post([this] { m_mining = false; });
    m_actor->stop();
  }
  // The actor thread is gone: this thread owns the chain and the pool again. (A miner
  // restarted by a task that raced with step 1 is joined here.) Nothing consumes
  // look-ahead checks any more.
  m_miner.reset();
  m_preverifier->stop();
  m_mining_enabled = false;
  m_hashrate = 0;
  // 4. Save the pool for the next start.
  if (m_started) {
    if (auto saved = m_mempool->save(m_mempool_path)) {
      m_log->info("mempool: saved {} transaction(s) to {}", *saved, m_mempool_path.string());
    } else {
      m_log->error("mempool: could not save to {}: {}", m_mempool_path.string(), saved.error().detail);
    }
  }
  // 5. Close: the chain first (it borrows the database and the engine).
  const auto tip = m_chain ? m_chain->tip() : nullptr;
  m_chain.reset();
  m_db.reset();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (tip) {
    m_log->info("node stopped in {} ms at height {} ({})", ms.count(), tip->height, short_hash(tip->hash));
  }
}

// --- snapshots ---------------------------------------------------------------------------

void Node::publish_tip() {
  const auto tip = m_chain->tip();
  auto info = std::make_shared<TipInfo>();
  info->height = tip->height;
  info->hash = tip->hash;
  info->timestamp_ms = tip->timestamp_ms;
  info->cumulative_work = to_decimal(tip->cumulative_work);
  if (const auto* pow = std::get_if<primitives::PowSeal>(&tip->header.seal)) info->bits = pow->bits;
  m_tip.store(std::move(info));
  m_chain_tip.store(tip);
}

TipState Node::tip_state() const {
  const auto tip = m_chain_tip.load();
  return TipState{tip->height, tip->hash, tip->header.state_root, tip->state_nodes};
}

void Node::publish_mempool_stats() {
  m_pool_size.store(m_mempool->size(), std::memory_order_relaxed);
  m_pool_bytes.store(m_mempool->bytes(), std::memory_order_relaxed);
}

TipInfo Node::tip() const { return *m_tip.load(); }

std::shared_ptr<const chain::TipInfo> Node::chain_tip() const {
  // The chain publishes its own snapshot; reading it is safe from any thread, but the
  // Chain object itself goes away in stop(): this is for tests and the daemon while running.
  return m_chain ? m_chain->tip() : nullptr;
}

MempoolStats Node::mempool_stats() const {
  return MempoolStats{m_pool_size.load(std::memory_order_relaxed), m_pool_bytes.load(std::memory_order_relaxed)};
}

MiningStatus Node::mining() const {
  MiningStatus out;
  out.enabled = m_mining_enabled.load(std::memory_order_relaxed);
  out.threads = out.enabled ? m_options.config.mining.threads : 0;
  out.hashrate = m_hashrate.load(std::memory_order_relaxed);
  return out;
}

// --- NodeService requests ----------------------------------------------------------------

std::expected<mempool::VerifiedTx, SubmitRejection> Node::check_submitted(const primitives::Transaction& tx) const {
  if (!m_actor) return std::unexpected(SubmitRejection{"shutting_down", "the node is not running", false});
  // The signature is verified here, on the caller's (API) thread, so admission scales with
  // the cores: the actor only does the pool's bookkeeping (docs/mempool.md). m_info is
  // immutable after open().
  auto verified = mempool::VerifiedTx::check(tx, m_info.chain_id, m_keys.get());
  if (!verified) {
    m_log->debug("tx refused: {}: {}", mempool::to_string(verified.error().code), verified.error().detail);
    return std::unexpected(rejection_of(verified.error()));
  }
  return std::move(*verified);
}

std::expected<Hash256, SubmitRejection> Node::submit_transaction(const primitives::Transaction& tx) {
  auto verified = check_submitted(tx);
  if (!verified) return std::unexpected(std::move(verified.error()));
  // Batched: the actor admits every transaction queued meanwhile in one task.
  auto result = m_admission->call(std::move(*verified));
  if (!result) return std::unexpected(shutting_down_rejection());
  return std::move(*result);
}

void Node::submit_transaction_async(const primitives::Transaction& tx, SubmitDone done) {
  auto verified = check_submitted(tx);
  if (!verified) return done(std::unexpected(std::move(verified.error())));
  // The caller goes on at once; the actor's batch answers `done`.
  m_admission->post(std::move(*verified), [done = std::move(done)](auto result) {
    if (!result) return done(std::unexpected(shutting_down_rejection()));
    done(std::move(*result));
  });
}

void Node::submit_transactions_async(const std::vector<primitives::Transaction>& txs, BatchDone done) {
  const auto shared = std::make_shared<const BatchDone>(std::move(done));
  std::vector<std::pair<mempool::VerifiedTx, AdmissionQueue::Done>> checked;
  checked.reserve(txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) {
    auto verified = check_submitted(txs[i]);
    if (!verified) {
      (*shared)(i, std::unexpected(std::move(verified.error())));
      continue;
    }
    checked.emplace_back(std::move(*verified), [shared, i](auto result) {
      if (!result) return (*shared)(i, std::unexpected(shutting_down_rejection()));
      (*shared)(i, std::move(*result));
    });
  }
  if (!checked.empty()) m_admission->post_all(std::move(checked));
}

std::vector<primitives::Transaction> Node::mempool_list(std::size_t offset, std::size_t limit) const {
  if (!m_actor || limit == 0) return {};
  auto result = m_actor->call([this, offset, limit] {
    std::vector<primitives::Transaction> out;
    const std::size_t wanted = offset > std::numeric_limits<std::size_t>::max() - limit ? offset : offset + limit;
    const std::vector<const primitives::Transaction*> ready =
        m_mempool->select(wanted, std::numeric_limits<std::size_t>::max());
    std::size_t position = 0;
    std::unordered_set<const primitives::Transaction*> listed;
    for (const primitives::Transaction* tx : ready) {
      listed.insert(tx);
      if (position++ >= offset && out.size() < limit) out.push_back(*tx);
    }
    if (out.size() < limit) {
      // The queued ones (a nonce gap before them), in arrival order.
      for (const mempool::PoolEntry* entry : m_mempool->list(m_mempool->size())) {
        if (listed.contains(&entry->tx)) continue;
        if (position++ >= offset) out.push_back(entry->tx);
        if (out.size() >= limit) break;
      }
    }
    return out;
  });
  return result ? std::move(*result) : std::vector<primitives::Transaction>{};
}

std::optional<primitives::Transaction> Node::mempool_get(const Hash256& txid) const {
  if (!m_actor) return std::nullopt;
  auto result = m_actor->call([this, &txid]() -> std::optional<primitives::Transaction> {
    const mempool::PoolEntry* entry = m_mempool->get(txid);
    if (entry == nullptr) return std::nullopt;
    return entry->tx;
  });
  return result ? std::move(*result) : std::nullopt;
}

std::uint64_t Node::next_nonce(const crypto::Address& address) const {
  if (m_actor) {
    auto result = m_actor->call([this, &address]() -> std::optional<std::uint64_t> {
      TipView tip(m_chain->tip());
      auto nonce = m_mempool->pending_nonce(address, tip.view);
      if (!nonce) {
        m_log->error("next_nonce: {}", nonce.error().detail);
        return std::nullopt;
      }
      return *nonce;
    });
    if (result) return result->value_or(0);
  }
  return 0;
}

std::vector<p2p::PeerInfo> Node::peers() const { return m_network ? m_network->peers() : std::vector<p2p::PeerInfo>{}; }

std::vector<p2p::BanInfo> Node::bans() const { return m_network ? m_network->bans() : std::vector<p2p::BanInfo>{}; }

p2p::Traffic Node::p2p_traffic() const { return m_network ? m_network->traffic() : p2p::Traffic{}; }

NodeCounters Node::counters() const {
  NodeCounters c;
  c.blocks_processed = m_blocks_processed.load(std::memory_order_relaxed);
  c.transactions_processed = m_transactions_processed.load(std::memory_order_relaxed);
  c.block_validation_seconds = m_validation_seconds.snapshot();
  c.block_commit_seconds = m_commit_seconds.snapshot();
  const crypto::KeyCache::Stats keys = m_keys->stats();
  c.signature_checks = keys.hits + keys.misses;
  c.signature_check_cpu_seconds = keys.check_cpu_seconds;
  return c;
}

std::optional<p2p::SyncStatus> Node::sync_status() const {
  if (!m_network) return std::nullopt;
  return m_network->sync_status();
}

bool Node::connect_peer(const std::string& host_port) {
  if (!m_network) return false;
  m_log->info("p2p: admin: connecting to {}", host_port);
  m_network->connect(host_port);
  return true;
}

bool Node::ban_peer(const std::string& ip, std::chrono::seconds duration) {
  if (!m_network) return false;
  m_log->info("p2p: admin: banning {} for {} s", ip, duration.count());
  m_network->ban(ip, duration);
  return true;
}

bool Node::unban_peer(const std::string& ip) {
  if (!m_network) return false;
  m_log->info("p2p: admin: unbanning {}", ip);
  m_network->unban(ip);
  return true;
}

std::uint16_t Node::p2p_port() const { return m_network ? m_network->listen_port() : 0; }

void Node::set_mining(bool enabled) {
  if (enabled && !m_options.config.mining.address) {
    m_log->warn("mining: cannot turn on without a miner address (mining.address or --miner-address)");
    return;
  }
  if (m_actor) m_actor->post([this, enabled] { apply_mining(enabled); });
}

// --- actor tasks -------------------------------------------------------------------------

void Node::load_mempool() {
  TipView tip(m_chain->tip());
  auto loaded = m_mempool->load(m_mempool_path, now_ms(), tip.view);
  if (loaded) {
    m_log->info("mempool: reloaded {} of {} saved transaction(s) ({} expired, {} no longer valid)", loaded->added,
                loaded->read, loaded->expired, loaded->rejected);
  } else if (loaded.error().code != mempool::MempoolError::kFileMissing) {
    m_log->warn("mempool: {}: {} ({} transaction(s) kept)", m_mempool_path.string(), loaded.error().detail,
                m_mempool->size());
  }
  publish_mempool_stats();
}

// Admissions come in batches (one actor task admits what the API and the peers queued);
// their announcements leave together, from a task queued behind the batch, as one
// hand-over to the network and one inv per peer.
void Node::announce_later(const Hash256& txid) {
  if (!m_network) return;
  m_unannounced.push_back(txid);
  if (m_unannounced.size() > 1) return;  // a flush is queued already
  const bool queued = m_actor && m_actor->post([this] {
    if (m_network) m_network->announce_txs(std::move(m_unannounced));
    m_unannounced.clear();
  });
  if (!queued) {
    m_network->announce_txs(std::move(m_unannounced));
    m_unannounced.clear();
  }
}

std::expected<Hash256, SubmitRejection> Node::admit(mempool::VerifiedTx verified) {
  auto added = admit_verified(std::move(verified));
  if (!added) return std::unexpected(rejection_of(added.error()));
  return *added;
}

util::Result<Hash256, mempool::MempoolError> Node::admit_verified(mempool::VerifiedTx verified, bool in_recent) {
  // The sender's account at the tip: remembered until the tip changes, and the tip's
  // state opened only when the memo lacks it.
  auto tip = m_chain->tip();
  m_tip_accounts.use_state(tip->hash);
  std::optional<TipView> tip_view;
  mempool::MemoAccountView view(m_tip_accounts, [&]() -> mempool::AccountView& {
    if (!tip_view) tip_view.emplace(tip);
    return tip_view->view;
  });
  auto added = m_mempool->add(std::move(verified), now_ms(), view);
  publish_mempool_stats();
  if (!added) {
    m_log->debug("tx refused: {}: {}", mempool::to_string(added.error().code), added.error().detail);
    return std::unexpected(added.error());
  }
  // Per transaction: nothing is formatted or serialized unless someone reads it.
  if (m_log->should_log(spdlog::level::debug)) {
    m_log->debug("tx {} admitted{}", short_hash(added->txid), added->executable ? "" : " (queued: nonce gap)");
  }
  if (!in_recent) m_recent_txids.add(added->txid);
  announce_later(added->txid);
  if (m_events.subscribers() != 0) m_events.publish(tx_event(added->txid));
  if (m_mining && added->executable) {
    m_template_stale = true;
    schedule_template_rebuild();
  }
  return added->txid;
}

void Node::on_block_found(const primitives::BlockHeader& header, std::uint64_t generation) {
  if (!m_template || generation != m_generation) return;  // a template replaced meanwhile
  primitives::Block block = m_template->block;
  block.header = header;
  m_template.reset();  // its nonce space is done with; the tip change builds the next one
  // A refusal is logged by process_block; nothing else to do with it here.
  [[maybe_unused]] const auto outcome = process_block(block, "mined");
  // No tip change (refused, or a side chain): build again so mining continues.
  if (m_mining && !m_template) rebuild_template();
}

bool Node::signature_checked(const Hash256& txid) {
  return m_mempool->is_verified(txid) || m_preverifier->take(txid) || m_recent_txids.contains(txid);
}

std::expected<chain::SubmitStatus, SubmitRejection> Node::submit_block(const primitives::Block& block) {
  const SubmitRejection stopping{"shutting_down", "the node is not running", false};
  if (!m_actor) return std::unexpected(stopping);
  auto result = m_actor->call([this, &block] { return process_block(block, "received"); });
  if (!result) return std::unexpected(stopping);
  return std::move(*result);
}

std::expected<chain::SubmitStatus, SubmitRejection> Node::process_block(const primitives::Block& block,
                                                                        std::string_view origin) {
  const Hash256 hash = primitives::block_hash(block.header);
  auto old_tip = m_chain->tip();
  // The chain is at this height now: the look-ahead checks move on to the blocks above it
  // (what they vouched for in this block so far is taken below; the rest the chain checks).
  m_preverifier->forget_below(block.header.height + 1);
  auto outcome =
      m_chain->submit_block(block, now_ms(), [this](const Hash256& txid) { return signature_checked(txid); });
  if (!outcome) {
    // A duplicate is routine (on PoS a peer's sync may deliver the block this node just
    // committed as decided); the rest deserves a warning.
    const auto level =
        outcome.error().code == chain::BlockError::kDuplicate ? spdlog::level::debug : spdlog::level::warn;
    m_log->log(level, "{} block {} at height {} rejected: {}: {}", origin, short_hash(hash), block.header.height,
               chain::to_string(outcome.error().code), outcome.error().detail);
    return std::unexpected(SubmitRejection{std::string(chain::to_string(outcome.error().code)), outcome.error().detail,
                                           chain::sender_at_fault(outcome.error().code)});
  }
  // The block is on disk (one synced batch): from here on it may be reported.
  if (outcome->status == chain::SubmitStatus::kSideChain) {
    m_log->info("{} block {} at height {} stored on a side chain", origin, short_hash(hash), block.header.height);
    return outcome->status;
  }
  report_connected(*outcome, origin, *old_tip);
  after_tip_change(*outcome);
  return outcome->status;
}

void Node::report_connected(const chain::SubmitOutcome& outcome, std::string_view origin,
                            const chain::TipInfo& old_tip) const {
  const auto& tip = *outcome.tip;
  if (outcome.status == chain::SubmitStatus::kReorg) {
    m_log->warn("reorg: {} block(s) disconnected, {} connected; tip {} at height {}", outcome.disconnected.size(),
                outcome.connected.size(), short_hash(tip.hash), tip.height);
  }
  for (const primitives::Block& connected : outcome.connected) {
    const std::uint64_t interval =
        connected.header.timestamp_ms >= old_tip.timestamp_ms && connected.header.height == old_tip.height + 1
            ? connected.header.timestamp_ms - old_tip.timestamp_ms
            : 0;
    m_log->info("block {} height {} txs {} interval {:.3f} s ({})",
                short_hash(primitives::block_hash(connected.header)), connected.header.height, connected.txs.size(),
                static_cast<double>(interval) / 1000.0, origin);
  }
}

std::optional<primitives::Block> Node::build_pos_block(const crypto::Address& payout) {
  const BlockLimits& limits = m_options.genesis.limits;
  const std::vector<const primitives::Transaction*> candidates =
      m_mempool->select(limits.max_block_txs, limits.max_block_bytes);
  auto built = m_chain->build_block_template(payout, candidates, now_ms());
  if (!built) {
    m_log->error("consensus: cannot build a block to propose: {}: {}", chain::to_string(built.error().code),
                 built.error().detail);
    return std::nullopt;
  }
  drop_skipped(built->skipped);
  return std::move(built->block);
}

bool Node::commit_decided(const primitives::Block& block) {
  auto old_tip = m_chain->tip();
  auto outcome =
      m_chain->commit_final(block, now_ms(), [this](const Hash256& txid) { return signature_checked(txid); });
  if (!outcome) {
    m_log->error("consensus: decided block {} at height {} cannot be committed: {}: {}",
                 short_hash(primitives::block_hash(block.header)), block.header.height,
                 chain::to_string(outcome.error().code), outcome.error().detail);
    return false;
  }
  if (outcome->tip->hash != old_tip->hash) {
    report_connected(*outcome, "decided", *old_tip);
    after_tip_change(*outcome);
  }
  // Final whether this call connected it or sync had already (decided now, either way).
  m_events.publish(final_event(block.header.height, primitives::block_hash(block.header)));
  return true;
}

void Node::submit_evidence(const primitives::Vote& a, const primitives::Vote& b) {
  // Evidence is a transaction (protocol section 8): its sender pays the fee. A validator
  // sends it from its consensus key's account (docs/consensus-pos.md "Evidence"); the
  // votes are logged too, so anyone can submit them when that account cannot pay.
  m_log->warn("consensus: evidence: vote_a {} vote_b {}", util::to_hex(primitives::encode(a)),
              util::to_hex(primitives::encode(b)));
  if (!m_validator_key) return;
  primitives::Transaction tx;
  tx.chain_id = m_info.chain_id;
  tx.sender = m_validator_key->public_key();
  tx.body = primitives::Evidence{a, b};
  TipView tip(m_chain->tip());
  auto nonce = m_mempool->pending_nonce(crypto::address_of(tx.sender), tip.view);
  if (!nonce) {
    m_log->error("consensus: evidence: cannot read the reporter's nonce: {}", nonce.error().detail);
    return;
  }
  tx.nonce = *nonce;
  // The fee rate the pool asks, on the signed size (the fee's own bytes are fixed-width).
  tx.fee = m_options.config.mempool.min_fee_per_byte * primitives::encoded_size(tx);
  primitives::sign(tx, *m_validator_key);
  auto verified = mempool::VerifiedTx::check(tx, m_info.chain_id, m_keys.get());
  if (!verified) {
    m_log->error("consensus: evidence: {}", verified.error().detail);
    return;
  }
  if (auto added = admit_verified(std::move(*verified)); !added) {
    m_log->warn("consensus: evidence transaction refused by the pool: {}: {} (fund {} to report evidence)",
                mempool::to_string(added.error().code), added.error().detail,
                crypto::encode_address(m_info.network, crypto::address_of(tx.sender)));
  } else {
    m_log->info("consensus: evidence transaction {} submitted against validator {}", short_hash(*added),
                util::to_hex(a.validator));
  }
}

void Node::count_tip_change(const chain::SubmitOutcome& outcome) {
  std::uint64_t txs = 0;
  for (const primitives::Block& block : outcome.connected) txs += block.txs.size();
  m_blocks_processed.fetch_add(outcome.connected.size(), std::memory_order_relaxed);
  m_transactions_processed.fetch_add(txs, std::memory_order_relaxed);
  const chain::ChainTimings& now = m_chain->timings();
  const chain::ChainTimings& was = m_counted_timings;
  constexpr double kNs = 1e-9;
  const std::uint64_t validation = (now.state_ns - was.state_ns) + (now.signatures_ns - was.signatures_ns);
  const std::uint64_t commit = (now.batch_ns - was.batch_ns) + (now.checkpoint_ns - was.checkpoint_ns) +
                               (now.write_ns - was.write_ns) + (now.commit_ns - was.commit_ns);
  m_validation_seconds.observe(static_cast<double>(validation) * kNs);
  m_commit_seconds.observe(static_cast<double>(commit) * kNs);
  m_counted_timings = now;
}

void Node::after_tip_change(const chain::SubmitOutcome& outcome) {
  count_tip_change(outcome);
  publish_tip();
  for (const primitives::Block& block : outcome.connected) {
    m_events.publish(block_event(block, primitives::block_hash(block.header)));
  }
  if (m_pos) m_pos->on_tip_changed();
  if (m_network) m_network->announce_block(outcome.tip->hash, outcome.tip->height);
  TipView tip(outcome.tip);
  for (const primitives::Block& block : outcome.connected) {
    if (m_pos) m_pos->on_block_connected(block);
    if (auto removed = m_mempool->remove_for_block(block, tip.view); !removed) {
      m_log->warn("mempool: revalidation after block {}: {}", block.header.height, removed.error().detail);
    }
  }
  if (outcome.status == chain::SubmitStatus::kReorg) {
    const auto readd = m_mempool->readd(outcome.disconnected_txs, now_ms(), tip.view);
    m_log->info("mempool: {} transaction(s) of disconnected blocks re-added, {} dropped", readd.added, readd.rejected);
    if (auto dropped = m_mempool->revalidate(tip.view); !dropped) {
      m_log->warn("mempool: revalidation after reorg: {}", dropped.error().detail);
    } else if (*dropped > 0) {
      m_log->info("mempool: {} transaction(s) no longer valid after the reorg", *dropped);
    }
  }
  publish_mempool_stats();
  if (m_mining) rebuild_template();
}

void Node::apply_mining(bool enabled) {
  const MiningConfig& config = m_options.config.mining;
  if (enabled == m_mining) return;
  if (enabled) {
    if (!config.address || m_stopping) return;  // set_mining and check_config rule out the first
    m_mining = true;
    m_miner->start(config.threads);
    m_mining_enabled = true;
    m_log->info("mining: on ({} thread(s))", config.threads);
    rebuild_template();
  } else {
    m_mining = false;
    m_miner->stop();
    m_template.reset();
    m_mining_enabled = false;
    m_hashrate = 0;
    m_log->info("mining: off");
  }
}

void Node::rebuild_template() {
  const MiningConfig& config = m_options.config.mining;
  if (!m_mining || !config.address) return;
  const BlockLimits& limits = m_options.genesis.limits;
  const std::vector<const primitives::Transaction*> candidates =
      m_mempool->select(limits.max_block_txs, limits.max_block_bytes);
  const std::uint64_t now = now_ms();
  auto built = m_chain->build_block_template(*config.address, candidates, now);
  if (!built) {
    m_log->error("mining: cannot build a block template: {}: {}", chain::to_string(built.error().code),
                 built.error().detail);
    m_miner->clear_template();
    m_template.reset();
    m_actor->post_after(kTemplateRetry, [this] {
      if (!m_template) rebuild_template();
    });
    return;
  }
  drop_skipped(built->skipped);

  consensus::BlockTemplate tpl;
  tpl.header = built->block.header;
  tpl.generation = ++m_generation;
  if (auto set = m_miner->set_template(tpl); !set) {
    m_log->error("mining: template refused by the miner: {}: {}", consensus::to_string(set.error().code),
                 set.error().detail);
    m_template.reset();
    return;
  }
  m_log->debug("mining: template {} at height {} with {} tx(s), bits {:08x}", m_generation, built->block.header.height,
               built->block.txs.size(), std::get<primitives::PowSeal>(built->block.header.seal).bits);
  m_template = std::move(*built);
  m_template_built_ms = now;
  m_template_stale = false;
}

void Node::drop_skipped(const std::vector<chain::SkippedTx>& skipped) {
  // A candidate the state refused cannot go into a block on this tip; drop it from the
  // pool (with its sender's later nonces) so the next template does not try it again.
  for (const chain::SkippedTx& s : skipped) {
    m_log->info("mempool: dropping tx {}: {}: {}", short_hash(s.txid), state::to_string(s.reason.code),
                s.reason.detail);
    m_mempool->remove(s.txid);
  }
  if (!skipped.empty()) publish_mempool_stats();
}

void Node::schedule_template_rebuild() {
  if (m_rebuild_scheduled) return;
  const std::uint64_t interval = m_options.config.mining.template_interval_ms;
  const std::uint64_t now = now_ms();
  const std::uint64_t due = m_template_built_ms + interval;
  const std::uint64_t wait = due > now ? std::min(due - now, interval) : 0;
  m_rebuild_scheduled = true;
  m_actor->post_after(std::chrono::milliseconds(wait), [this] {
    m_rebuild_scheduled = false;
    if (m_mining && m_template_stale) rebuild_template();
  });
}

void Node::refresh_template() {
  if (m_mining && m_template && now_ms() - m_template_built_ms >= kTemplateRefreshMs) rebuild_template();
  m_actor->post_after(std::chrono::milliseconds(kTemplateRefreshMs / 4), [this] { refresh_template(); });
}

void Node::expire_mempool() {
  const std::size_t dropped = m_mempool->expire(now_ms());
  if (dropped > 0) {
    m_log->info("mempool: {} expired transaction(s) dropped", dropped);
    publish_mempool_stats();
    if (m_mining) {
      m_template_stale = true;
      schedule_template_rebuild();
    }
  }
  m_actor->post_after(kExpiryInterval, [this] { expire_mempool(); });
}

void Node::sample_hashrate() {
  const auto now = std::chrono::steady_clock::now();
  const std::uint64_t hashes = m_miner->hashes();
  const double secs = std::chrono::duration<double>(now - m_last_hash_sample).count();
  if (m_mining && secs > 0) {
    m_hashrate = static_cast<std::uint64_t>(static_cast<double>(hashes - m_last_hashes) / secs);
  }
  m_last_hashes = hashes;
  m_last_hash_sample = now;
  m_actor->post_after(kHashrateInterval, [this] { sample_hashrate(); });
}

}  // namespace cloudchain::node
