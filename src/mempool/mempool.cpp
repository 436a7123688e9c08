#include "mempool/mempool.hpp"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <limits>
#include <queue>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <variant>

#include "util/hex.hpp"

namespace cloudchain::mempool {

namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();

std::string short_id(const Hash256& txid) { return util::to_hex(util::ByteSpan(txid.data(), 8)); }

}  // namespace

std::optional<std::uint64_t> transaction_cost(const Transaction& tx) {
  const std::uint64_t amount = std::visit(
      [](const auto& body) -> std::uint64_t {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, primitives::Transfer> || std::is_same_v<T, primitives::Stake>) {
          return body.amount;
        } else {
          return 0;  // unstake moves stake, not balance; anchor, evidence and unjail cost the fee
        }
      },
      tx.body);
  if (amount > kMaxU64 - tx.fee) return std::nullopt;
  return tx.fee + amount;
}

std::size_t Mempool::AddressHasher::operator()(const Address& a) const {
  // Addresses are hash outputs: their first bytes are already uniform.
  std::size_t out = 0;
  for (std::size_t i = 0; i < sizeof(std::size_t); ++i) out = (out << 8) | a[i];
  return out;
}

Mempool::Mempool(std::uint32_t chain_id, const Limits& limits, std::shared_ptr<crypto::KeyCache> keys)
    : m_chain_id(chain_id),
      m_limits(limits),
      m_keys(keys != nullptr ? std::move(keys) : std::make_shared<crypto::KeyCache>()) {}

util::Result<VerifiedTx, MempoolError> VerifiedTx::check(Transaction tx, std::uint32_t chain_id,
                                                         crypto::KeyCache* keys) {
  const Hash256 id = primitives::txid(tx);
  return check_with_txid(std::move(tx), id, chain_id, keys);
}

util::Result<VerifiedTx, MempoolError> VerifiedTx::check_with_txid(Transaction tx, const Hash256& txid,
                                                                   std::uint32_t chain_id, crypto::KeyCache* keys) {
  if (auto checked = primitives::check_transaction(tx, chain_id, keys); !checked) {
    return util::fail(MempoolError::kInvalidTransaction,
                      std::string(primitives::to_string(checked.error().code)) + ": " + checked.error().detail);
  }
  return VerifiedTx(std::move(tx), txid, chain_id);
}

util::Result<AddResult, MempoolError> Mempool::add(const Transaction& tx, std::uint64_t time_ms, AccountView& view) {
  const Hash256 id = primitives::txid(tx);
  // Known before copying: a resent transaction costs one hash.
  if (m_entries.contains(id)) return util::fail(MempoolError::kAlreadyKnown, short_id(id));
  return admit(tx, id, time_ms, view, /*verify=*/true);
}

util::Result<AddResult, MempoolError> Mempool::add(VerifiedTx verified, std::uint64_t time_ms, AccountView& view) {
  if (verified.m_chain_id != m_chain_id) {
    // Cannot happen through the node (one chain id); a token is only valid for its chain.
    return util::fail(MempoolError::kInvalidTransaction,
                      std::string(primitives::to_string(primitives::TxCheckError::kWrongChain)) +
                          ": verified for chain " + std::to_string(verified.m_chain_id) + ", pool is chain " +
                          std::to_string(m_chain_id));
  }
  const Hash256 id = verified.m_txid;
  return admit(std::move(verified.m_tx), id, time_ms, view, /*verify=*/false);
}

ReaddResult Mempool::readd(std::span<const Transaction> txs, std::uint64_t time_ms, AccountView& view) {
  ReaddResult out;
  for (const Transaction& tx : txs) {
    if (admit(tx, primitives::txid(tx), time_ms, view, /*verify=*/false)) {
      ++out.added;
    } else {
      ++out.rejected;
    }
  }
  return out;
}

util::Result<AddResult, MempoolError> Mempool::admit(Transaction tx_in, const Hash256& txid, std::uint64_t time_ms,
                                                     AccountView& view, bool verify) {
  PoolEntry entry;
  entry.tx = std::move(tx_in);
  entry.txid = txid;
  const Transaction& tx = entry.tx;
  if (m_entries.contains(entry.txid)) return util::fail(MempoolError::kAlreadyKnown, short_id(entry.txid));
  if (verify) {
    if (auto it = m_rejected.find(entry.txid); it != m_rejected.end()) {
      return util::fail(MempoolError::kInvalidTransaction, it->second + " (known invalid)");
    }
  }
  entry.size = primitives::encoded_size(tx);
  if (!pays_at_least(tx.fee, m_limits.min_fee_per_byte, entry.size)) {
    return util::fail(MempoolError::kFeeTooLow, "fee " + std::to_string(tx.fee) + " for " + std::to_string(entry.size) +
                                                    " bytes at " + std::to_string(m_limits.min_fee_per_byte) +
                                                    " per byte");
  }
  const std::optional<std::uint64_t> cost = transaction_cost(tx);
  if (!cost) return util::fail(MempoolError::kCostOverflow, "tx.fee + amount");
  entry.cost = *cost;
  if (tx.nonce == kMaxU64) return util::fail(MempoolError::kNonceExhausted, "tx.nonce");

  entry.sender = crypto::address_of(tx.sender);
  const auto account = view.account(entry.sender);
  if (!account) {
    return util::fail(MempoolError::kStateUnavailable,
                      std::string(state::to_string(account.error().code)) + ": " + account.error().detail);
  }

  auto queue_it = m_senders.find(entry.sender);
  if (queue_it != m_senders.end()) {
    drop_mined(queue_it, account->nonce);
    queue_it = m_senders.find(entry.sender);
  }
  if (tx.nonce < account->nonce) {
    return util::fail(MempoolError::kNonceTooLow,
                      "nonce " + std::to_string(tx.nonce) + " < account nonce " + std::to_string(account->nonce));
  }
  if (tx.nonce - account->nonce > m_limits.max_nonce_ahead) {
    return util::fail(MempoolError::kNonceGap, "nonce " + std::to_string(tx.nonce) + " > account nonce " +
                                                   std::to_string(account->nonce) + " + " +
                                                   std::to_string(m_limits.max_nonce_ahead));
  }

  PoolEntry* replaced = nullptr;
  std::uint64_t pending = 0;
  if (queue_it != m_senders.end()) {
    const SenderQueue& queue = queue_it->second;
    pending = queue.pending_cost;
    if (auto same = queue.by_nonce.find(tx.nonce); same != queue.by_nonce.end()) {
      replaced = same->second;
      if (!bumps_fee(tx.fee, replaced->tx.fee, m_limits.rbf_bump_percent)) {
        return util::fail(MempoolError::kReplacementUnderpriced, "fee " + std::to_string(tx.fee) + " does not bump " +
                                                                     std::to_string(replaced->tx.fee) + " by " +
                                                                     std::to_string(m_limits.rbf_bump_percent) + "%");
      }
      pending -= replaced->cost;
    } else if (queue.by_nonce.size() >= m_limits.max_per_sender) {
      return util::fail(MempoolError::kSenderLimit, std::to_string(queue.by_nonce.size()) + " pending");
    }
  }
  if (pending > account->balance || entry.cost > account->balance - pending) {
    return util::fail(MempoolError::kInsufficientBalance, "balance " + std::to_string(account->balance) +
                                                              " < pending " + std::to_string(pending) + " + cost " +
                                                              std::to_string(entry.cost));
  }

  auto victims = plan_eviction(entry, replaced);
  if (!victims) return std::unexpected(std::move(victims.error()));

  if (verify) {
    ++m_signature_checks;
    if (auto checked = primitives::check_transaction(tx, m_chain_id, m_keys.get()); !checked) {
      std::string detail = std::string(primitives::to_string(checked.error().code)) + ": " + checked.error().detail;
      remember_rejection(entry.txid, detail);
      return util::fail(MempoolError::kInvalidTransaction, std::move(detail));
    }
  }

  // Every check passed: from here on nothing fails.
  AddResult result;
  result.txid = entry.txid;
  if (replaced != nullptr) {
    result.replaced = replaced->txid;
    erase(replaced);
  }
  for (PoolEntry* victim : *victims) {
    result.evicted.push_back(victim->txid);
    erase(victim);
  }
  entry.arrival_ms = time_ms;
  entry.sequence = m_next_sequence++;
  const std::uint64_t nonce = tx.nonce;
  const Address sender = entry.sender;
  insert(std::move(entry));

  SenderQueue& queue = m_senders.find(sender)->second;
  // A new queue starts at nonce 0; an old one was set by drop_mined above.
  if (queue.account_nonce != account->nonce) set_account_nonce(queue, account->nonce);
  result.executable = nonce < queue.ready_end;
  return result;
}

void Mempool::set_account_nonce(SenderQueue& queue, std::uint64_t account_nonce) {
  const bool back = account_nonce < queue.account_nonce;
  queue.account_nonce = account_nonce;
  // Moving forward inside the run keeps it (a suffix of a gap-free run has no gap);
  // moving back (a reorg) or past its end starts it again from the new nonce.
  if (back || queue.ready_end < account_nonce) extend_run(queue, account_nonce);
}

void Mempool::extend_run(SenderQueue& queue, std::uint64_t from) {
  // Terminates: kMaxU64 is never pooled (kNonceExhausted), so the run ends below it.
  queue.ready_end = from;
  for (auto it = queue.by_nonce.find(from); it != queue.by_nonce.end() && it->first == queue.ready_end; ++it) {
    ++queue.ready_end;
  }
}

void Mempool::build_rate_index() {
  m_by_rate.clear();
  for (auto& [id, entry] : m_entries) m_by_rate.emplace(&entry);
  m_by_rate_kept = true;
}

util::Result<std::vector<PoolEntry*>, MempoolError> Mempool::plan_eviction(const PoolEntry& incoming,
                                                                           const PoolEntry* replaced) {
  std::size_t count = m_entries.size() + 1;
  std::size_t bytes = m_bytes + incoming.size;
  if (replaced != nullptr) {
    count -= 1;
    bytes -= replaced->size;
  }
  if (incoming.size > m_limits.max_bytes) {
    return util::fail(MempoolError::kPoolFull, "transaction larger than the pool's byte limit");
  }
  std::vector<PoolEntry*> victims;
  if (count <= m_limits.max_count && bytes <= m_limits.max_bytes) return victims;

  if (!m_by_rate_kept) build_rate_index();
  const FeeRate incoming_rate = incoming.rate();
  const std::uint64_t incoming_nonce = incoming.tx.nonce;
  std::unordered_set<const PoolEntry*> chosen;
  for (const RateKey& key : m_by_rate) {
    if (count <= m_limits.max_count && bytes <= m_limits.max_bytes) break;
    PoolEntry* candidate = key.entry;
    if (candidate == replaced || chosen.contains(candidate)) continue;
    // The incoming transaction needs its sender's lower nonces: never evict them for it.
    if (candidate->sender == incoming.sender && candidate->tx.nonce < incoming_nonce) continue;
    if (!(key.rate < incoming_rate)) {
      return util::fail(MempoolError::kPoolFull, "the cheapest evictable transaction pays as much per byte");
    }
    const SenderQueue& queue = m_senders.find(candidate->sender)->second;
    for (auto it = queue.by_nonce.find(candidate->tx.nonce); it != queue.by_nonce.end(); ++it) {
      if (it->second == replaced || !chosen.insert(it->second).second) continue;
      victims.push_back(it->second);
      count -= 1;
      bytes -= it->second->size;
    }
  }
  if (count > m_limits.max_count || bytes > m_limits.max_bytes) {
    return util::fail(MempoolError::kPoolFull, "nothing cheaper left to evict");
  }
  return victims;
}

PoolEntry* Mempool::insert(PoolEntry&& entry) {
  const Hash256 id = entry.txid;
  auto [it, inserted] = m_entries.emplace(id, std::move(entry));
  PoolEntry* e = &it->second;
  SenderQueue& queue = m_senders[e->sender];
  queue.by_nonce.emplace(e->tx.nonce, e);
  if (e->tx.nonce == queue.ready_end) extend_run(queue, queue.ready_end);
  queue.pending_cost += e->cost;
  if (m_by_rate_kept) m_by_rate.emplace(e);
  m_by_arrival.emplace(std::pair{e->arrival_ms, e->sequence}, e);
  m_bytes += e->size;
  return e;
}

void Mempool::erase(PoolEntry* entry) {
  auto queue_it = m_senders.find(entry->sender);
  SenderQueue& queue = queue_it->second;
  const std::uint64_t nonce = entry->tx.nonce;
  if (nonce >= queue.account_nonce && nonce < queue.ready_end) queue.ready_end = nonce;  // the run ends here now
  queue.by_nonce.erase(nonce);
  queue.pending_cost -= entry->cost;
  if (queue.by_nonce.empty()) m_senders.erase(queue_it);
  if (m_by_rate_kept) m_by_rate.erase(RateKey(entry));
  m_by_arrival.erase(std::pair{entry->arrival_ms, entry->sequence});
  m_bytes -= entry->size;
  m_entries.erase(entry->txid);  // last: `entry` dies here
  if (m_by_rate_kept && m_entries.size() * 4 < m_limits.max_count && m_bytes * 4 < m_limits.max_bytes) {
    m_by_rate.clear();
    m_by_rate_kept = false;
  }
}

std::size_t Mempool::erase_with_descendants(PoolEntry* entry) {
  const SenderQueue& queue = m_senders.find(entry->sender)->second;
  std::vector<PoolEntry*> doomed;
  for (auto it = queue.by_nonce.find(entry->tx.nonce); it != queue.by_nonce.end(); ++it) doomed.push_back(it->second);
  for (PoolEntry* e : doomed) erase(e);
  return doomed.size();
}

std::size_t Mempool::drop_mined(SenderMap::iterator it, std::uint64_t account_nonce) {
  // First: the run above the new nonce does not depend on the entries below it, and
  // erasing the last of those erases the queue.
  set_account_nonce(it->second, account_nonce);
  std::vector<PoolEntry*> mined;
  const auto& by_nonce = it->second.by_nonce;
  for (auto e = by_nonce.begin(); e != by_nonce.end() && e->first < account_nonce; ++e) mined.push_back(e->second);
  for (PoolEntry* e : mined) erase(e);  // may erase the queue with the last one
  return mined.size();
}

std::size_t Mempool::revalidate_sender(SenderMap::iterator it, const state::Account& account) {
  const Address sender = it->first;
  std::size_t dropped = drop_mined(it, account.nonce);
  it = m_senders.find(sender);
  if (it == m_senders.end()) return dropped;
  // Walk in nonce order: the first entry too far ahead or not affordable together with
  // the ones before it starts the cut; everything after it goes with it.
  std::uint64_t spent = 0;
  for (const auto& [nonce, entry] : it->second.by_nonce) {
    const bool too_far = nonce - account.nonce > m_limits.max_nonce_ahead;
    const bool unaffordable = spent > account.balance || entry->cost > account.balance - spent;
    if (too_far || unaffordable) return dropped + erase_with_descendants(entry);
    spent += entry->cost;
  }
  return dropped;
}

namespace {

// The block's senders, each once (by address), with the nonce after the highest one the
// block used: one address hash per sender, not one per transaction.
std::vector<std::pair<Address, std::uint64_t>> block_senders(const primitives::Block& block) {
  absl::flat_hash_map<crypto::PublicKey, std::uint64_t> next_by_key;
  for (const Transaction& tx : block.txs) {
    // The block used this nonce: the account nonce is now above it (nonce < 2^64 - 1 for
    // any transaction that applied).
    const std::uint64_t next = tx.nonce == kMaxU64 ? kMaxU64 : tx.nonce + 1;
    auto [it, inserted] = next_by_key.try_emplace(tx.sender, next);
    if (!inserted) it->second = std::max(it->second, next);
  }
  std::vector<std::pair<Address, std::uint64_t>> out;
  out.reserve(next_by_key.size());
  for (const auto& [key, next] : next_by_key) out.emplace_back(crypto::address_of(key), next);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::size_t Mempool::remove_for_block(const primitives::Block& block) {
  std::size_t dropped = 0;
  for (const auto& [sender, next] : block_senders(block)) {
    auto it = m_senders.find(sender);
    if (it == m_senders.end()) continue;
    dropped += drop_mined(it, std::max(it->second.account_nonce, next));
  }
  return dropped;
}

util::Result<std::size_t, MempoolError> Mempool::remove_for_block(const primitives::Block& block, AccountView& view) {
  std::size_t dropped = 0;
  std::vector<Address> senders;
  for (const auto& [sender, next] : block_senders(block)) {
    auto it = m_senders.find(sender);
    if (it == m_senders.end()) continue;
    dropped += drop_mined(it, std::max(it->second.account_nonce, next));
    if (m_senders.contains(sender)) senders.push_back(sender);
  }
  auto revalidated = revalidate_senders(senders, view);
  if (!revalidated) return revalidated;
  return dropped + *revalidated;
}

std::size_t Mempool::remove(const Hash256& txid) {
  auto it = m_entries.find(txid);
  return it == m_entries.end() ? 0 : erase_with_descendants(&it->second);
}

std::size_t Mempool::expire(std::uint64_t time_ms) {
  std::vector<Hash256> old;
  for (const auto& [key, entry] : m_by_arrival) {
    if (key.first > time_ms || time_ms - key.first < m_limits.expiry_ms) break;
    old.push_back(entry->txid);
  }
  std::size_t dropped = 0;
  for (const Hash256& txid : old) dropped += remove(txid);  // an earlier cascade may have taken it
  return dropped;
}

util::Result<std::size_t, MempoolError> Mempool::revalidate(AccountView& view) {
  std::vector<Address> senders;
  senders.reserve(m_senders.size());
  for (const auto& [address, queue] : m_senders) senders.push_back(address);
  return revalidate_senders(senders, view);
}

util::Result<std::size_t, MempoolError> Mempool::revalidate_senders(std::span<const Address> senders,
                                                                    AccountView& view) {
  std::size_t dropped = 0;
  std::optional<util::Error<MempoolError>> first_error;
  for (const Address& sender : senders) {
    const auto it = m_senders.find(sender);
    if (it == m_senders.end()) continue;
    const auto account = view.account(sender);
    if (!account) {
      if (!first_error) {
        first_error = util::Error<MempoolError>{MempoolError::kStateUnavailable,
                                                std::string(state::to_string(account.error().code))};
      }
      continue;  // keep what cannot be checked: a local failure says nothing about it
    }
    dropped += revalidate_sender(it, *account);
  }
  if (first_error) return std::unexpected(std::move(*first_error));
  return dropped;
}

std::vector<const Transaction*> Mempool::select(std::size_t max_count, std::size_t max_bytes) const {
  using NonceIt = decltype(SenderQueue::by_nonce)::const_iterator;
  struct Head {
    NonceIt it;
    NonceIt end;
  };
  // Max-heap: highest fee per byte on top, then the lowest txid.
  const auto lower_priority = [](const Head& a, const Head& b) {
    const PoolEntry& x = *a.it->second;
    const PoolEntry& y = *b.it->second;
    if (const auto c = x.rate() <=> y.rate(); c != 0) return c < 0;
    return x.txid > y.txid;
  };
  std::priority_queue<Head, std::vector<Head>, decltype(lower_priority)> heads(lower_priority);
  for (const auto& [address, queue] : m_senders) {
    const auto first = queue.by_nonce.begin();
    if (first->first == queue.account_nonce) heads.push(Head{first, queue.by_nonce.end()});
  }
  std::vector<const Transaction*> out;
  std::size_t bytes_left = max_bytes;
  while (!heads.empty() && out.size() < max_count) {
    const Head head = heads.top();
    heads.pop();
    const PoolEntry& entry = *head.it->second;
    if (entry.size > bytes_left) continue;  // its sender's later nonces cannot follow
    out.push_back(&entry.tx);
    bytes_left -= entry.size;
    const NonceIt next = std::next(head.it);
    if (next != head.end && next->first == head.it->first + 1) heads.push(Head{next, head.end});
  }
  return out;
}

const PoolEntry* Mempool::get(const Hash256& txid) const {
  auto it = m_entries.find(txid);
  return it == m_entries.end() ? nullptr : &it->second;
}

std::vector<const PoolEntry*> Mempool::list(std::size_t limit, std::size_t offset) const {
  std::vector<const PoolEntry*> out;
  if (offset >= m_by_arrival.size()) return out;
  auto it = std::next(m_by_arrival.begin(), static_cast<std::ptrdiff_t>(offset));
  for (; it != m_by_arrival.end() && out.size() < limit; ++it) out.push_back(it->second);
  return out;
}

util::Result<std::uint64_t, MempoolError> Mempool::pending_nonce(const Address& sender, AccountView& view) const {
  const auto account = view.account(sender);
  if (!account) {
    return util::fail(MempoolError::kStateUnavailable, std::string(state::to_string(account.error().code)));
  }
  std::uint64_t next = account->nonce;
  if (auto it = m_senders.find(sender); it != m_senders.end()) {
    const SenderQueue& queue = it->second;
    if (queue.account_nonce == next) return queue.ready_end;
    // The queue last saw another account nonce (a block since): walk from this one.
    for (auto e = queue.by_nonce.lower_bound(next); e != queue.by_nonce.end() && e->first == next && next < kMaxU64;
         ++e) {
      ++next;
    }
  }
  return next;
}

void Mempool::remember_rejection(const Hash256& txid, const std::string& detail) {
  if (!m_rejected.emplace(txid, detail).second) return;
  m_rejected_order.push_back(txid);
  if (m_rejected_order.size() > kRejectCacheSize) {
    m_rejected.erase(m_rejected_order.front());
    m_rejected_order.pop_front();
  }
}

}  // namespace cloudchain::mempool
