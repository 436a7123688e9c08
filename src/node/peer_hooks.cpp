#include "node/peer_hooks.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>
#include <string_view>

#include "chain/error.hpp"
#include "chain/preverifier.hpp"
#include "mempool/mempool.hpp"
#include "node/event_json.hpp"
#include "node/node.hpp"
#include "node/pos_driver.hpp"
#include "p2p/messages.hpp"
#include "storage/records.hpp"
#include "util/mix64.hpp"

namespace cloudchain::node {

namespace {

p2p::Verdict rejected(std::string code, std::string detail, bool sender_at_fault) {
  p2p::Verdict v;
  v.code = std::move(code);
  v.detail = std::move(detail);
  v.sender_at_fault = sender_at_fault;
  return v;
}

p2p::Verdict shutting_down() { return rejected("shutting_down", "the node is stopping", false); }

/// Whether a block refused with `code` has an invalid hash whatever body comes with it
/// (p2p::Verdict::hash_invalid): what the chain marks invalid (chain/submit.cpp
/// mark_invalid: a transaction or state rule broken by the body its header commits to,
/// an invalid ancestor) and the header rules in context, which depend on the header and
/// its ancestors only. Not the body's own rules (tx root, duplicate tx, size...): a peer
/// can pair a real header with a tampered body.
bool hash_invalid(std::string_view code) {
  using chain::BlockError;
  for (const BlockError e :
       {BlockError::kKnownInvalid, BlockError::kInvalidAncestor, BlockError::kForkBelowFinal, BlockError::kBadVersion,
        BlockError::kWrongChain, BlockError::kBadHeight, BlockError::kWrongSealKind, BlockError::kBadBits,
        BlockError::kBitsNotExpected, BlockError::kHighHash, BlockError::kTimeTooOld, BlockError::kTxInvalid,
        BlockError::kTxRule, BlockError::kRewardOverflow, BlockError::kStateRootMismatch}) {
    if (code == chain::to_string(e)) return true;
  }
  return false;
}

/// A database read as a plain optional: a read error counts as absent (the network then
/// asks another peer or answers notfound; the error itself is the storage layer's to log).
template <typename T>
std::optional<T> found(util::Result<std::optional<T>, storage::StorageError> read) {
  if (!read.has_value()) return std::nullopt;
  return std::move(read).value();
}

}  // namespace

p2p::ConsensusVerdict PeerHooks::on_proposal(const primitives::Proposal& proposal, const primitives::Block& block) {
  if (!m_node.m_pos) return {};
  const ConsensusCheck check = m_node.m_pos->precheck_proposal(proposal, block);
  if (check.accept) {
    m_node.m_actor->post([node = &m_node, proposal, block] { node->m_pos->on_proposal(proposal, block); });
  }
  return {check.relay, check.sender_at_fault, check.code};
}

void PeerHooks::on_peer_event(const p2p::PeerEvent& event) { m_node.m_events.publish(peer_event(event)); }

p2p::ConsensusVerdict PeerHooks::on_vote(const primitives::Vote& vote) {
  if (!m_node.m_pos) return {};
  const ConsensusCheck check = m_node.m_pos->precheck_vote(vote);
  if (check.accept) m_node.m_actor->post([node = &m_node, vote] { node->m_pos->on_vote(vote); });
  return {check.relay, check.sender_at_fault, check.code};
}

std::vector<std::uint64_t> locator_heights(std::uint64_t tip) {
  std::vector<std::uint64_t> out;
  std::uint64_t offset = 0;  // 0, 1, 2, 4, 8, ...
  for (;;) {
    const std::uint64_t height = tip > offset ? tip - offset : 0;
    out.push_back(height);
    if (height == 0) break;
    if (out.size() == p2p::kMaxLocator - 1) {
      out.push_back(0);  // always end with genesis
      break;
    }
    offset = offset == 0 ? 1 : offset * 2;
  }
  return out;
}

PeerHooks::PeerHooks(Node& node, const consensus::PowParams& pow) : m_node(node), m_pow(pow) {}

std::uint32_t PeerHooks::chain_id() const { return m_node.m_info.chain_id; }

const util::Hash256& PeerHooks::genesis_hash() const { return m_node.m_info.genesis_hash; }

p2p::ChainSummary PeerHooks::best() const {
  const auto tip = m_node.m_chain->tip();
  return p2p::ChainSummary{tip->height, tip->hash, tip->cumulative_work};
}

std::vector<util::Hash256> PeerHooks::locator() const {
  const auto tip = m_node.m_chain->tip();
  const storage::Snapshot view = m_node.m_db->snapshot();
  std::vector<util::Hash256> out;
  for (const std::uint64_t height : locator_heights(tip->height)) {
    if (height == tip->height) {
      out.push_back(tip->hash);
      continue;
    }
    // A reorg between the tip read and the snapshot may shorten the chain: skip heights
    // it no longer has (the locator stays a valid, if sparser, list).
    if (const std::optional<util::Hash256> hash = found(view.hash_at(height))) out.push_back(*hash);
  }
  return out;
}

std::vector<primitives::BlockHeader> PeerHooks::headers_after(const std::vector<util::Hash256>& locator,
                                                              const util::Hash256& stop, std::size_t max) const {
  const storage::Snapshot view = m_node.m_db->snapshot();
  std::uint64_t start = 1;  // after genesis when no locator hash is on the active chain
  for (const util::Hash256& hash : locator) {
    const std::optional<storage::BlockIndexEntry> entry = found(view.block_index(hash));
    if (!entry) continue;
    const std::optional<util::Hash256> at = found(view.hash_at(entry->height()));
    if (at && *at == hash) {
      start = entry->height() + 1;
      break;
    }
  }
  std::vector<primitives::BlockHeader> out;
  for (std::uint64_t height = start; out.size() < max; ++height) {
    const std::optional<util::Hash256> hash = found(view.hash_at(height));
    if (!hash) break;  // past the tip
    const std::optional<storage::BlockIndexEntry> entry = found(view.block_index(*hash));
    if (!entry) break;
    out.push_back(entry->header);
    if (*hash == stop) break;
  }
  return out;
}

std::optional<util::Bytes> PeerHooks::block_bytes(const util::Hash256& hash) const {
  const std::optional<primitives::Block> block = found(m_node.m_db->block(hash));
  if (!block) return std::nullopt;
  return primitives::encode(*block);
}

bool PeerHooks::has_block(const util::Hash256& hash) const {
  const std::optional<storage::BlockIndexEntry> entry = found(m_node.m_db->block_index(hash));
  return entry && (entry->has(storage::kStatusHaveBody) || entry->has(storage::kStatusInvalid));
}

std::optional<p2p::ChainSummary> PeerHooks::chain_point(const util::Hash256& hash) const {
  const std::optional<storage::BlockIndexEntry> entry = found(m_node.m_db->block_index(hash));
  if (!entry || !entry->has(storage::kStatusHaveBody) || entry->has(storage::kStatusInvalid)) return std::nullopt;
  return p2p::ChainSummary{entry->height(), hash, util::Uint256::from_be(entry->cumulative_work)};
}

namespace {

// A txid's first slot: its first 8 bytes mixed with a key random per process
// (util::mix64), so that txids ground to share slots (a signature with
// a chosen txid prefix costs little) cannot pile up one probe run.
std::size_t slot_of(const util::Hash256& txid, std::size_t slots, std::uint64_t key) {
  std::uint64_t x = 0;
  std::memcpy(&x, txid.data(), sizeof x);
  return static_cast<std::size_t>(util::mix64(x ^ key) & (slots - 1));
}

// Word by word, inline (std::array's == calls memcmp, a call per probed slot).
bool same(const util::Hash256& a, const util::Hash256& b) {
  for (std::size_t i = 0; i < a.size(); i += 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return false;
  }
  return true;
}

bool is_zero(const util::Hash256& txid) { return same(txid, util::Hash256{}); }

}  // namespace

RecentTxids::RecentTxids() {
  std::random_device rd;
  const std::uint64_t key = (std::uint64_t{rd()} << 32) ^ rd();
  for (Table* t : {&m_current, &m_previous}) {
    t->slots.resize(kGeneration + kGeneration / 3);  // 2^16
    t->key = key;
  }
  static_assert(std::has_single_bit(kGeneration + kGeneration / 3));
}

bool RecentTxids::Table::contains(const util::Hash256& txid) const {
  if (is_zero(txid)) return has_zero;
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = slot_of(txid, slots.size(), key);; i = (i + 1) & mask) {
    if (same(slots[i], txid)) return true;
    if (is_zero(slots[i])) return false;
  }
}

bool RecentTxids::Table::insert(const util::Hash256& txid) {
  if (is_zero(txid)) {
    if (has_zero) return false;
    has_zero = true;
    ++size;
    return true;
  }
  const std::size_t mask = slots.size() - 1;
  // Terminates: never full (size <= kGeneration < slots).
  for (std::size_t i = slot_of(txid, slots.size(), key);; i = (i + 1) & mask) {
    if (same(slots[i], txid)) return false;
    if (is_zero(slots[i])) {
      slots[i] = txid;
      ++size;
      return true;
    }
  }
}

void RecentTxids::Table::clear() {
  std::fill(slots.begin(), slots.end(), util::Hash256{});
  size = 0;
  has_zero = false;
}

void RecentTxids::Table::prefetch(const util::Hash256& txid) const {
  __builtin_prefetch(&slots[slot_of(txid, slots.size(), key)]);
}

void RecentTxids::insert_locked(const util::Hash256& txid) {
  if (m_previous.contains(txid) || !m_current.insert(txid)) return;
  if (m_current.size == kGeneration) {
    std::swap(m_current, m_previous);
    m_current.clear();
  }
}

void RecentTxids::add(const util::Hash256& txid) {
  std::lock_guard lock(m_mutex);
  insert_locked(txid);
}

void RecentTxids::add_all(std::span<const util::Hash256> txids) {
  constexpr std::size_t kAhead = 8;  // each probe is likely a cache miss: overlap them
  std::lock_guard lock(m_mutex);
  for (std::size_t i = 0; i < txids.size(); ++i) {
    if (i + kAhead < txids.size()) {
      m_previous.prefetch(txids[i + kAhead]);
      m_current.prefetch(txids[i + kAhead]);
    }
    insert_locked(txids[i]);
  }
}

bool RecentTxids::contains(const util::Hash256& txid) const {
  std::lock_guard lock(m_mutex);
  return m_current.contains(txid) || m_previous.contains(txid);
}

std::vector<bool> RecentTxids::contains_each(std::span<const util::Hash256> txids) const {
  constexpr std::size_t kAhead = 8;
  std::vector<bool> out(txids.size());
  std::lock_guard lock(m_mutex);
  for (std::size_t i = 0; i < txids.size(); ++i) {
    if (i + kAhead < txids.size()) {
      m_current.prefetch(txids[i + kAhead]);
      m_previous.prefetch(txids[i + kAhead]);
    }
    out[i] = m_current.contains(txids[i]) || m_previous.contains(txids[i]);
  }
  return out;
}

bool PeerHooks::has_tx(const util::Hash256& txid) const {
  if (m_node.m_recent_txids.contains(txid)) return true;
  return found(m_node.m_db->tx_location(txid)).has_value();
}

std::vector<bool> PeerHooks::has_txs(std::span<const util::Hash256> txids) const {
  std::vector<bool> out = m_node.m_recent_txids.contains_each(txids);
  // The rest from the chain's index in one batched read (a RocksDB Get each was ~2 % of
  // a validator's CPU under the PoS devnet load, nearly all of it for txids no block has).
  std::vector<util::Hash256> unknown;
  std::vector<std::size_t> where;
  for (std::size_t i = 0; i < txids.size(); ++i) {
    if (out[i]) continue;
    unknown.push_back(txids[i]);
    where.push_back(i);
  }
  if (unknown.empty()) return out;
  auto locations = m_node.m_db->tx_locations(unknown);
  for (std::size_t k = 0; k < unknown.size(); ++k) {
    // A read error counts as "not known", as has_tx's does: the transaction is asked for
    // and admission decides.
    if (locations && (*locations)[k].has_value()) out[where[k]] = true;
  }
  return out;
}

void PeerHooks::fetch_txs(std::vector<util::Hash256> txids, std::function<void(FetchedTxs)> done) {
  struct Job {
    std::vector<util::Hash256> txids;
    std::function<void(FetchedTxs)> done;
  };
  auto job = std::make_shared<Job>(Job{std::move(txids), std::move(done)});
  const bool queued = m_node.m_actor && m_node.m_actor->post([this, job] {
    FetchedTxs out;
    out.reserve(job->txids.size());
    for (const util::Hash256& txid : job->txids) {
      const mempool::PoolEntry* entry = m_node.m_mempool->get(txid);
      out.push_back(entry != nullptr ? std::optional<primitives::Transaction>(entry->tx) : std::nullopt);
    }
    job->done(std::move(out));
  });
  if (!queued) job->done(FetchedTxs(job->txids.size()));
}

std::expected<util::Uint256, p2p::Verdict> PeerHooks::check_headers(
    const std::vector<primitives::BlockHeader>& headers) const {
  util::Uint256 total;
  const primitives::BlockHeader* previous = nullptr;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const primitives::BlockHeader& h = headers[i];
    const std::string where = "header " + std::to_string(i) + " (height " + std::to_string(h.height) + ")";
    if (h.version != primitives::kHeaderVersion) {
      return std::unexpected(rejected("bad_version", where + ": version " + std::to_string(h.version), true));
    }
    if (h.chain_id != m_node.m_info.chain_id) {
      return std::unexpected(rejected("wrong_chain", where + ": chain id " + std::to_string(h.chain_id), true));
    }
    if (previous != nullptr && (h.parent != primitives::block_hash(*previous) || h.height != previous->height + 1)) {
      return std::unexpected(rejected("headers_not_connecting", where + " does not follow the one before it", true));
    }
    if (m_node.m_pos) {
      // PoS: one unit of work per block; the proposer and commit are checked with the
      // block (the chain's engine), which needs the state of its parent.
      if (!std::holds_alternative<primitives::PosSeal>(h.seal)) {
        return std::unexpected(rejected("wrong_seal_kind", where + ": not a proof-of-stake seal", true));
      }
      total = util::Uint256::checked_add(total, util::Uint256(1)).value_or(total);
      previous = &h;
      continue;
    }
    if (auto pow = consensus::check_pow(h, m_pow); !pow) {
      const std::string code = pow.error().code == consensus::PowError::kNotPow
                                   ? "wrong_seal_kind"
                                   : std::string(to_string(pow.error().code));
      return std::unexpected(
          rejected(code, where + ": " + pow.error().detail, consensus::is_sender_fault(pow.error().code)));
    }
    auto work = consensus::work_from_bits(std::get<primitives::PowSeal>(h.seal).bits);
    auto sum = work ? util::Uint256::checked_add(total, *work) : std::nullopt;
    if (!sum) return std::unexpected(rejected("work_overflow", where + ": the batch's work overflows", false));
    total = *sum;
    previous = &h;
  }
  return total;
}

void PeerHooks::submit_block(primitives::Block block, std::function<void(p2p::Verdict)> done) {
  auto shared = std::make_shared<std::function<void(p2p::Verdict)>>(std::move(done));
  // One copy of the block, shared by the look-ahead checks and the actor's task: while
  // the blocks queued before it are connected, idle cores check its signatures.
  auto shared_block = std::make_shared<const primitives::Block>(std::move(block));
  // Only a block above the tip can be waiting behind others (one at or below it is a
  // duplicate or a fork: on PoS a peer's sync often delivers the block this node just
  // committed as decided, and checking it again would be wasted).
  if (shared_block->header.height > m_node.tip().height) m_node.m_preverifier->enqueue(shared_block);
  const bool queued = m_node.m_actor && m_node.m_actor->post([this, shared_block, shared] {
    auto status = m_node.process_block(*shared_block, "peer");
    p2p::Verdict v;
    if (status) {
      v.accepted = true;
      v.new_tip = *status != chain::SubmitStatus::kSideChain;
    } else {
      v = rejected(status.error().code, status.error().detail, status.error().sender_at_fault);
      v.hash_invalid = hash_invalid(status.error().code);
    }
    (*shared)(std::move(v));
  });
  if (!queued) (*shared)(shutting_down());
}

void PeerHooks::submit_tx(primitives::Transaction tx, std::function<void(p2p::Verdict)> done) {
  std::vector<primitives::Transaction> one;
  one.push_back(std::move(tx));
  submit_txs(std::move(one), {}, [done = std::move(done)](std::size_t, p2p::Verdict v) { done(std::move(v)); });
}

void PeerHooks::submit_txs(std::vector<primitives::Transaction> txs, std::span<const util::Hash256> ids,
                           std::function<void(std::size_t, p2p::Verdict)> done) {
  const auto shared = std::make_shared<const std::function<void(std::size_t, p2p::Verdict)>>(std::move(done));
  std::vector<std::pair<mempool::VerifiedTx, Node::PeerAdmissionQueue::Done>> checked;
  checked.reserve(txs.size());
  // One batch never holds a txid twice: the network asks one peer at a time for each.
  std::vector<util::Hash256> hashed;  // when not given (submit_tx): hashed here
  if (ids.size() != txs.size()) {
    for (const primitives::Transaction& tx : txs) hashed.push_back(primitives::txid(tx));
    ids = hashed;
  }
  for (std::size_t i = 0; i < txs.size(); ++i) {
    // Checked here lately (a proposal carried it, or another peer's copy came first while
    // this one was in flight): known, and not worth a second signature check. Asked
    // right before this check, not once for the batch: a proposal's check may have
    // passed it while the batch's earlier signatures were being checked.
    if (m_node.m_recent_txids.contains(ids[i])) {
      (*shared)(i, rejected(std::string(mempool::to_string(mempool::MempoolError::kAlreadyKnown)),
                            "its signature was checked here lately", false));
      continue;
    }
    auto verified =
        mempool::VerifiedTx::check_with_txid(std::move(txs[i]), ids[i], m_node.m_info.chain_id, m_node.m_keys.get());
    if (!verified) {
      (*shared)(i, rejected(std::string(mempool::to_string(verified.error().code)), verified.error().detail,
                            mempool::peer_misbehaved(verified.error().code)));
      continue;
    }
    // Checked: at once (not after the batch), so that a proposal checked meanwhile, or
    // another peer's announcement, does not check or fetch it again; and before the
    // hand-over (admission counts on it: Node::admit_verified).
    m_node.m_recent_txids.add(verified->txid());
    checked.emplace_back(std::move(*verified), [shared, i](auto admitted) {
      if (!admitted) return (*shared)(i, shutting_down());
      p2p::Verdict out;
      if (*admitted) {
        out.accepted = true;
      } else {
        // Only a transaction that proves its relayer misbehaved scores it: a nonce or
        // balance refusal may just mean a block or another peer got there first.
        const auto& e = admitted->error();
        out = rejected(std::string(mempool::to_string(e.code)), e.detail, mempool::peer_misbehaved(e.code));
      }
      (*shared)(i, std::move(out));
    });
  }
  if (checked.empty()) return;
  if (!m_node.m_peer_admission) {
    for (std::size_t k = 0; k < checked.size(); ++k) checked[k].second(std::nullopt);
    return;
  }
  // One hand-over for the whole batch: the actor wakes once, not once per transaction.
  m_node.m_peer_admission->post_all(std::move(checked));
}

}  // namespace cloudchain::node
