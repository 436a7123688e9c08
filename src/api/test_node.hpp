#pragma once
// A real NodeService for the API tests (not part of the library): a RocksDB database in
// a temporary directory holding a real PoW chain (signed transactions applied with the
// state rules, state nodes and indexes written in one batch per block, as the chain
// layer will), and a real mempool admitting against the tip's state.
//
// The chain: genesis (height 0) pays kGenesisAllocation to alice; block 1 has alice's
// transfer to bob and her anchor of kAnchorDigest; block 2 a transfer to carol; each
// block's reward and fees go to `miner`. Tests extend it with mine(), whose state edit
// can write any record through the state layer (e.g. a PoS validator set).
//
// Thread-safety: every NodeService method may be called from the server's threads while
// the test thread calls mine() or submit_transaction(): the tip is guarded by m_mutex,
// the pool by m_pool_mutex, and the database has one writer (mine()).

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keys.hpp"
#include "mempool/mempool.hpp"
#include "node/events.hpp"
#include "node/service.hpp"
#include "primitives/block.hpp"
#include "storage/database.hpp"

namespace cloudchain::state {
class StateOverlay;
}

namespace cloudchain::api::test {

inline constexpr std::uint32_t kChainId = 1001;
inline constexpr std::string_view kHrp = "ccdev";
inline constexpr std::uint64_t kGenesisAllocation = 1'000'000'000;
inline constexpr std::uint64_t kReward = 50;
inline constexpr std::uint32_t kBits = 0x207fffff;
inline constexpr std::uint64_t kGenesisTimeMs = 1'764'000'000'000;

/// SHA-256 of "hello, cloudchain\n": what block 1 anchors.
util::Hash256 anchor_digest();

/// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

struct Keys {
  crypto::PrivateKey alice;
  crypto::PrivateKey bob;
  crypto::PrivateKey carol;
  crypto::PrivateKey miner;
  static Keys make();
};

class TestNode final : public node::NodeService {
 public:
  /// Creates the database and the three blocks above; info().consensus is `consensus`
  /// (the blocks stay PoW-sealed: the API reads, it does not validate). Throws
  /// std::runtime_error on any failure (test setup).
  explicit TestNode(std::string consensus = "pow");
  ~TestNode() override;

  // NodeService
  const node::NodeInfo& info() const override { return m_info; }
  node::TipInfo tip() const override;
  /// The tip's tree straight from the database (this fake writes every node with its block).
  node::TipState tip_state() const override;
  node::MempoolStats mempool_stats() const override;
  node::MiningStatus mining() const override;
  const storage::Database& database() const override { return *m_db; }
  std::expected<util::Hash256, node::SubmitRejection> submit_transaction(const primitives::Transaction& tx) override;
  /// Answers at once (submit_transaction), unless hold_answers(true): then the
  /// submission waits until release_answers().
  void submit_transaction_async(const primitives::Transaction& tx, SubmitDone done) override;
  std::vector<primitives::Transaction> mempool_list(std::size_t offset, std::size_t limit) const override;
  std::optional<primitives::Transaction> mempool_get(const util::Hash256& txid) const override;
  std::uint64_t next_nonce(const crypto::Address& address) const override;
  void set_mining(bool enabled) override { m_mining.store(enabled); }
  void request_shutdown() override { m_shutdown_requests.fetch_add(1); }
  std::vector<p2p::PeerInfo> peers() const override;
  std::vector<p2p::BanInfo> bans() const override;
  std::optional<p2p::SyncStatus> sync_status() const override;
  bool connect_peer(const std::string& host_port) override;
  bool ban_peer(const std::string& ip, std::chrono::seconds duration) override;
  bool unban_peer(const std::string& ip) override;
  /// As the node: a "block" event per mine() (after the block is stored), a "tx" event
  /// per admitted submission.
  node::EventHub* events() override { return &m_events; }
  std::map<crypto::PublicKey, std::uint32_t> missed_blocks() const override {
    std::lock_guard lock(m_missed_mutex);
    return m_missed;
  }
  /// What missed_blocks() answers (a PoS node counts them from the commits it connects).
  void set_missed_blocks(std::map<crypto::PublicKey, std::uint32_t> missed) {
    std::lock_guard lock(m_missed_mutex);
    m_missed = std::move(missed);
  }

  /// A stand-in for the P2P network: what the peer routes read, and a record of what
  /// the admin routes asked for. Guarded by m_net_mutex.
  struct FakeNetwork {
    bool enabled = true;
    std::vector<p2p::PeerInfo> peers;
    std::vector<p2p::BanInfo> bans;
    p2p::SyncStatus sync;
    std::vector<std::string> dialled;
  };
  void set_network(FakeNetwork n);
  FakeNetwork network() const;

  // Test controls.
  const Keys& keys() const { return m_keys; }
  /// Writes records of a block's state after its transactions and reward.
  using StateEdit = std::function<void(state::StateOverlay&)>;
  /// Connects a block with `txs` (which must all apply) and then `edit` on the tip;
  /// returns it. The mempool drops what the block included.
  primitives::Block mine(std::vector<primitives::Transaction> txs, const StateEdit& edit = {});
  /// The active chain's blocks, by height.
  std::vector<primitives::Block> blocks() const;
  /// A signed transfer / anchor for this chain.
  primitives::Transaction transfer(const crypto::PrivateKey& from, const crypto::Address& to, std::uint64_t amount,
                                   std::uint64_t nonce, std::uint64_t fee = 1000) const;
  primitives::Transaction anchor(const crypto::PrivateKey& from, const util::Hash256& digest, std::uint64_t nonce,
                                 std::uint64_t fee = 1000) const;
  int shutdown_requests() const { return m_shutdown_requests.load(); }
  /// While held, submit_transaction_async keeps its submissions instead of answering.
  void hold_answers(bool hold);
  std::size_t held_answers() const;
  /// Answers every held submission, on a thread of its own (as the node's actor would),
  /// and waits for it.
  void release_answers();
  std::string address(const crypto::PrivateKey& key) const;

 private:
  Keys m_keys;
  TempDir m_dir;
  std::unique_ptr<storage::Database> m_db;
  node::NodeInfo m_info;

  mutable std::mutex m_mutex;  // guards m_blocks, m_tip
  std::vector<primitives::Block> m_blocks;
  node::TipInfo m_tip;

  mutable std::mutex m_held_mutex;  // guards m_hold, m_held
  bool m_hold = false;
  std::vector<std::pair<primitives::Transaction, SubmitDone>> m_held;
  mutable std::mutex m_pool_mutex;  // guards m_pool (single-threaded by contract)
  mempool::Mempool m_pool;

  std::atomic<bool> m_mining{false};
  std::atomic<int> m_shutdown_requests{0};

  mutable std::mutex m_net_mutex;  // guards m_net
  FakeNetwork m_net;
  node::EventHub m_events;
  mutable std::mutex m_missed_mutex;  // guards m_missed
  std::map<crypto::PublicKey, std::uint32_t> m_missed;
};

}  // namespace cloudchain::api::test
