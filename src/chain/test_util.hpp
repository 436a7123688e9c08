#pragma once
// Shared fixtures for the chain tests (not part of the library).
//
// The tests run the real thing: a RocksDB database in a fresh temp directory, the real
// PoW engine (consensus::PowEngine; a test-only dependency, the library itself knows
// only the ConsensusEngine interface) with an easy limit so that a block needs about
// two hashes, real secp256k1 signatures, and blocks whose state roots come from the
// real state rules.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "chain/chain.hpp"
#include "consensus/pow_engine.hpp"
#include "crypto/keys.hpp"
#include "state/node_store.hpp"
#include "storage/database.hpp"

namespace cloudchain::chain::test {

inline constexpr std::uint32_t kChainId = 7;
inline constexpr std::uint64_t kGenesisTime = 1'700'000'000'000;
inline constexpr std::uint64_t kBlockTime = 1'000;      // ms, ASERT's ideal spacing
inline constexpr std::uint64_t kDrift = 60'000;         // ms a timestamp may run ahead
inline constexpr std::uint32_t kEasyBits = 0x207fffff;  // about every second hash wins
inline constexpr std::uint64_t kReward = 50'000;        // per block
inline constexpr std::uint64_t kFunds = 1'000'000'000;  // each funded account's genesis balance
inline constexpr std::uint32_t kFundedAccounts = 8;     // keys 1..8 are funded

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

/// The key whose secret is the 32-byte big-endian number n (n >= 1).
crypto::PrivateKey key(std::uint32_t n);
crypto::Address address(std::uint32_t n);

/// A signed transfer from key `from`.
primitives::Transaction transfer(std::uint32_t from, std::uint64_t nonce, const crypto::Address& to,
                                 std::uint64_t amount, std::uint64_t fee = 10);
/// A signed anchor from key `from`.
primitives::Transaction anchor(std::uint32_t from, std::uint64_t nonce, const util::Hash256& digest,
                               std::uint64_t fee = 10);

consensus::PowParams pow_params(std::uint32_t genesis_bits = kEasyBits);
/// keys 1..kFundedAccounts with kFunds each, plus `extra`.
GenesisSpec genesis_spec(std::uint32_t genesis_bits = kEasyBits, const std::vector<GenesisAllocation>& extra = {});
ChainParams chain_params(const GenesisSpec& spec);

/// Options for BlockMaker::make; every default gives a valid block.
struct MakeOptions {
  std::optional<std::uint64_t> timestamp_ms;  // default: parent + kBlockTime (on schedule)
  std::optional<std::uint32_t> bits;          // default: the parent's bits (steady on schedule)
  std::optional<std::uint64_t> reward;        // default: the engine's reward
  crypto::Address beneficiary = address(100);
  bool mine = true;
  // Applied after the header is final (before mining): break one rule on purpose.
  std::function<void(primitives::Block&)> tamper;
};

/// Builds valid blocks on any known parent, independent of any Chain: it keeps its own
/// headers and state nodes, so it can build branches the chain has not seen yet.
/// Transactions that fail a state rule are left in the block but skipped when computing
/// the state root (the block is then invalid, as a test wants).
class BlockMaker {
 public:
  BlockMaker(const ChainParams& params, const consensus::PowEngine& engine);
  primitives::Block make(const util::Hash256& parent, std::vector<primitives::Transaction> txs = {},
                         const MakeOptions& options = {});
  const primitives::BlockHeader& header(const util::Hash256& hash) const { return m_headers.at(hash); }
  /// The account in the state after block `hash` (which this maker built).
  state::Account account(const util::Hash256& hash, const crypto::Address& address) const;

 private:
  const ChainParams& m_params;
  const consensus::PowEngine& m_engine;
  std::map<util::Hash256, primitives::BlockHeader> m_headers;
  state::MemoryNodeStore m_nodes;
};

/// Sets the nonce of a PoW header to the first that meets its bits' target.
void mine(primitives::BlockHeader& header);

/// A database, an engine, a chain on them, and a block maker: the usual test set-up.
struct Harness {
  explicit Harness(const GenesisSpec& spec = genesis_spec(), std::size_t max_block_txs = primitives::kMaxBlockTxs,
                   std::size_t max_block_bytes = primitives::kMaxBlockSize);
  /// Closes the chain and the database and opens both again.
  void reopen();
  Chain& operator*() { return *chain; }
  Chain* operator->() { return chain.get(); }
  /// The tip's hash.
  util::Hash256 tip() const { return chain->tip()->hash; }
  /// Submits with `now` a little after the block's own timestamp.
  util::Result<SubmitOutcome, BlockError> submit(const primitives::Block& block);
  /// make() on `parent` then submit(); the submission must succeed. Returns the block.
  primitives::Block extend(const util::Hash256& parent, std::vector<primitives::Transaction> txs = {});
  /// The account at the chain's tip, read through the published tip's state view.
  state::Account account(const crypto::Address& address) const;

  /// Every test runs with checkpoints every 3 blocks, so that reorgs, restarts and
  /// reconnects cross them; a test may change the options, then reopen().
  static ChainOptions default_options() {
    ChainOptions o;
    o.verify_threads = 2;
    o.checkpoint_interval = 3;
    return o;
  }

  ChainOptions options = default_options();
  TempDir dir;
  consensus::PowEngine engine;
  ChainParams params;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<Chain> chain;
  BlockMaker maker;
};

}  // namespace cloudchain::chain::test
