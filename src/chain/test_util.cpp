#include "chain/test_util.hpp"

#include <stdlib.h>

#include <stdexcept>
#include <string>

#include "crypto/address.hpp"
#include "crypto/sha256_compress.hpp"
#include "state/overlay.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"

namespace cloudchain::chain::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cloudchain-chain-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

crypto::PrivateKey key(std::uint32_t n) {
  util::ByteArray<32> secret{};
  for (std::size_t i = 0; i < 4; ++i) secret[31 - i] = static_cast<std::uint8_t>(n >> (8 * i));
  auto k = crypto::PrivateKey::from_bytes(secret);
  if (!k) throw std::logic_error("bad test key");
  return *k;
}

crypto::Address address(std::uint32_t n) { return crypto::address_of(key(n).public_key()); }

primitives::Transaction transfer(std::uint32_t from, std::uint64_t nonce, const crypto::Address& to,
                                 std::uint64_t amount, std::uint64_t fee) {
  primitives::Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.body = primitives::Transfer{to, amount};
  primitives::sign(tx, key(from));
  return tx;
}

primitives::Transaction anchor(std::uint32_t from, std::uint64_t nonce, const util::Hash256& digest,
                               std::uint64_t fee) {
  primitives::Transaction tx;
  tx.chain_id = kChainId;
  tx.nonce = nonce;
  tx.fee = fee;
  tx.body = primitives::Anchor{digest, {}};
  primitives::sign(tx, key(from));
  return tx;
}

consensus::PowParams pow_params(std::uint32_t genesis_bits) {
  consensus::PowParams p;
  p.target_block_time_ms = kBlockTime;
  p.asert_half_life_ms = 3'600'000;
  p.pow_limit = *primitives::target_from_bits(kEasyBits);
  p.genesis_bits = genesis_bits;
  p.max_future_drift_ms = kDrift;
  return p;
}

GenesisSpec genesis_spec(std::uint32_t genesis_bits, const std::vector<GenesisAllocation>& extra) {
  GenesisSpec spec;
  spec.chain_id = kChainId;
  spec.timestamp_ms = kGenesisTime;
  spec.seal = primitives::PowSeal{genesis_bits, 0};
  for (std::uint32_t i = 1; i <= kFundedAccounts; ++i) spec.allocations.push_back({address(i), kFunds});
  for (const auto& a : extra) spec.allocations.push_back(a);
  return spec;
}

ChainParams chain_params(const GenesisSpec& spec) {
  auto genesis = make_genesis(spec);
  if (!genesis) throw std::logic_error("bad genesis: " + genesis.error().detail);
  ChainParams p;
  p.chain_id = spec.chain_id;
  p.genesis = std::move(*genesis);
  p.rules.chain_id = spec.chain_id;
  p.rules.unbonding_delay_blocks = 10;
  return p;
}

void mine(primitives::BlockHeader& header) {
  auto& seal = std::get<primitives::PowSeal>(header.seal);
  auto target = primitives::target_from_bits(seal.bits);
  if (!target) throw std::logic_error("mine: bad bits");
  const crypto::PowHasher hasher(primitives::pow_preimage(header), primitives::kPowNonceOffset);
  const auto nonce = hasher.search(0, std::uint64_t{1} << 40, *target);
  if (!nonce) throw std::logic_error("mine: no nonce");
  seal.nonce = *nonce;
}

BlockMaker::BlockMaker(const ChainParams& params, const consensus::PowEngine& engine)
    : m_params(params), m_engine(engine) {
  m_headers.emplace(params.genesis.hash, params.genesis.block.header);
  m_nodes.put_all(params.genesis.state_nodes);
}

primitives::Block BlockMaker::make(const util::Hash256& parent_hash, std::vector<primitives::Transaction> txs,
                                   const MakeOptions& options) {
  const primitives::BlockHeader& parent = m_headers.at(parent_hash);
  primitives::Block block;
  primitives::BlockHeader& h = block.header;
  h.chain_id = m_params.chain_id;
  h.height = parent.height + 1;
  h.parent = parent_hash;
  h.timestamp_ms = options.timestamp_ms.value_or(parent.timestamp_ms + kBlockTime);
  h.beneficiary = options.beneficiary;
  h.seal = primitives::PowSeal{options.bits.value_or(std::get<primitives::PowSeal>(parent.seal).bits), 0};
  block.txs = std::move(txs);

  state::StateOverlay overlay(m_nodes, parent.state_root);
  std::uint64_t fees = 0;
  for (const auto& tx : block.txs) {
    if (auto fee = state::apply_transaction(overlay, tx, m_params.rules, h.height)) fees += *fee;
  }
  // A failed credit (an overflow a test provokes) leaves the state as it is.
  if (auto c = state::credit(overlay, h.beneficiary, options.reward.value_or(m_engine.block_reward(h.height)) + fees);
      !c) {
  }
  auto commit = overlay.commit();
  if (!commit) throw std::logic_error("maker: commit failed");
  m_nodes.put_all(commit->new_nodes);
  h.state_root = commit->root;
  h.tx_root = primitives::tx_root(block);
  if (options.tamper) options.tamper(block);
  if (options.mine) mine(h);
  m_headers.emplace(primitives::block_hash(h), h);
  return block;
}

state::Account BlockMaker::account(const util::Hash256& hash, const crypto::Address& address) const {
  state::StateOverlay overlay(m_nodes, m_headers.at(hash).state_root);
  auto a = overlay.account(address);
  if (!a) throw std::logic_error("maker: account read failed");
  return *a;
}

namespace {
consensus::PowEngine make_engine(std::uint32_t genesis_bits) {
  auto e = consensus::PowEngine::create(pow_params(genesis_bits), consensus::RewardSchedule{kReward, 0});
  if (!e) throw std::logic_error("bad engine params");
  return *e;
}
}  // namespace

Harness::Harness(const GenesisSpec& spec, std::size_t max_block_txs, std::size_t max_block_bytes)
    : engine(make_engine(std::get<primitives::PowSeal>(spec.seal).bits)),
      params(chain_params(spec)),
      maker(params, engine) {
  params.max_block_txs = max_block_txs;
  params.max_block_bytes = max_block_bytes;
  reopen();
}

void Harness::reopen() {
  chain.reset();
  db.reset();
  auto d = storage::Database::open(dir.path() / "db");
  if (!d) throw std::runtime_error("database: " + d.error().detail);
  db = std::move(*d);
  auto c = Chain::open(*db, params, engine, options);
  if (!c) throw std::runtime_error("chain: " + c.error().detail);
  chain = std::move(*c);
}

util::Result<SubmitOutcome, BlockError> Harness::submit(const primitives::Block& block) {
  return chain->submit_block(block, block.header.timestamp_ms + 10);
}

primitives::Block Harness::extend(const util::Hash256& parent, std::vector<primitives::Transaction> txs) {
  primitives::Block block = maker.make(parent, std::move(txs));
  auto r = submit(block);
  if (!r) throw std::runtime_error("extend: " + std::string(to_string(r.error().code)) + ": " + r.error().detail);
  return block;
}

state::Account Harness::account(const crypto::Address& address) const {
  const auto tip = chain->tip();
  state::StateOverlay overlay(*tip->state_nodes, tip->header.state_root);
  auto a = overlay.account(address);
  if (!a) throw std::runtime_error("account read failed");
  return *a;
}

}  // namespace cloudchain::chain::test
