#pragma once
// The mempool: transactions waiting for a block (docs/mempool.md).
//
// What it holds: transactions that passed the context-free checks (signature included)
// and, against the tip's state as an AccountView reports it, a nonce no lower than the
// sender's account nonce and at most Limits::max_nonce_ahead above it, with the
// sender's total pending cost (fee + amount of all its pooled transactions) covered by
// its balance. Kind-specific state rules (stake key, unstake amount, evidence) are not
// checked here: the block builder applies each selected transaction to a StateOverlay
// and drops the ones that fail (remove()).
//
// Order: per sender, by nonce. A transaction is *executable* (selectable) when every
// nonce from the sender's account nonce up to its own is pooled; later ones wait
// ("queued") until the gap is filled. Across senders: highest fee per byte first, ties
// by ascending txid, so every node builds the same template from the same pool.
//
// Signatures are verified once per transaction in the node: either by the caller, on its
// own thread, through VerifiedTx::check() and then add(VerifiedTx, ...) (the node's API
// threads do this, so verification scales with cores while the chain actor only does
// the bookkeeping), or here, in add(tx, ...). Every pooled transaction passed
// primitives::check_transaction, so is_verified(txid) lets the
// block path skip check_transaction for a block transaction whose txid is pooled (a
// txid commits to every byte, signature included, and the check depends only on those
// bytes and the chain id). The chain must ask before remove_for_block() for that block.
// Transactions that failed check_transaction are remembered (a bounded cache of
// txids), so one resent by a peer is refused without verifying it again.
//
// Removal cascades: a transaction removed for any reason other than inclusion in a
// block or replacement (eviction, expiry, revalidation, remove()) takes its sender's
// later nonces with it, since they could no longer execute.
//
// Purity and threads: no clock (times are parameters, Unix milliseconds), no I/O
// except save() and load() on an explicit path, no globals. Single-threaded: the chain
// actor owns the pool. Const member functions change nothing, so they may run
// concurrently with each other, never with a non-const call. Pointers returned by
// get(), list() and select() stay valid until the next non-const call.

#include <absl/container/btree_map.h>
#include <absl/container/btree_set.h>
#include <absl/container/node_hash_map.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/key_cache.hpp"
#include "mempool/account_view.hpp"
#include "mempool/error.hpp"
#include "mempool/fee_rate.hpp"
#include "primitives/block.hpp"
#include "primitives/transaction.hpp"
#include "state/node_store.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::mempool {

using primitives::Transaction;
using util::Hash256;

struct Limits {
  std::size_t max_count = 100'000;                           // pooled transactions
  std::size_t max_bytes = std::size_t{64} << 20;             // sum of encoded sizes
  std::size_t max_per_sender = 128;                          // pooled transactions of one sender
  std::uint64_t expiry_ms = std::uint64_t{3} * 3600 * 1000;  // a transaction older than this is dropped
  std::uint64_t min_fee_per_byte = 1;                        // base units per encoded byte
  std::uint32_t rbf_bump_percent = 10;                       // replacement fee >= old * (100 + bump) / 100
  std::uint64_t max_nonce_ahead = 64;                        // nonce <= account nonce + this (queued gap bound)
};

/// A pooled transaction and what the pool derived from it once.
struct PoolEntry {
  Transaction tx;
  Hash256 txid{};
  Address sender{};
  std::size_t size = 0;          // primitives::encoded_size(tx)
  std::uint64_t cost = 0;        // fee + amount (transfer, stake); fee otherwise
  std::uint64_t arrival_ms = 0;  // when it entered the pool (a replacement restarts it)
  std::uint64_t sequence = 0;    // admission order: breaks ties in arrival_ms

  FeeRate rate() const { return FeeRate{tx.fee, size}; }
};

struct AddResult {
  Hash256 txid{};
  std::optional<Hash256> replaced;  // the same sender+nonce transaction it replaced
  std::vector<Hash256> evicted;     // cheaper transactions dropped to make room
  bool executable = false;          // selectable now: no nonce gap before it
};

struct ReaddResult {
  std::size_t added = 0;
  std::size_t rejected = 0;  // no longer admissible (mined on the new branch, nonce, balance, limits)
};

struct LoadResult {
  std::size_t read = 0;      // entries read intact from the file
  std::size_t added = 0;     // of those, admitted to the pool
  std::size_t expired = 0;   // older than Limits::expiry_ms at load time
  std::size_t rejected = 0;  // refused by add() (mined meanwhile, underfunded, invalid, ...)
};

class Mempool;

/// A transaction that passed primitives::check_transaction (signature included) for the
/// chain `chain_id()`, with its txid. Only check() constructs one, so holding a
/// VerifiedTx proves the check ran: add(VerifiedTx, ...) admits it without verifying
/// again. Immutable; copies are as good as the original (the check depends only on the
/// transaction's bytes and the chain id, both fixed here).
/// Thread-safety: check() is pure and may run on any thread, concurrently; a VerifiedTx
/// may be built on one thread and handed to the pool's owner on another.
class VerifiedTx {
 public:
  /// Runs primitives::check_transaction(tx, chain_id) (one signature verification, three
  /// for evidence) and computes the txid. Errors: kInvalidTransaction, with the detail
  /// "<TxCheckError name>: <detail>" as add(tx, ...) reports it. A failure produces no
  /// token. With `keys`, the signature is checked through that cache (the same verdict).
  static util::Result<VerifiedTx, MempoolError> check(Transaction tx, std::uint32_t chain_id,
                                                      crypto::KeyCache* keys = nullptr);
  /// check() for a caller that has hashed the transaction already: `txid` must be
  /// primitives::txid(tx) (the network computes it when a transaction arrives).
  static util::Result<VerifiedTx, MempoolError> check_with_txid(Transaction tx, const Hash256& txid,
                                                                std::uint32_t chain_id,
                                                                crypto::KeyCache* keys = nullptr);

  const Transaction& tx() const { return m_tx; }
  const Hash256& txid() const { return m_txid; }
  std::uint32_t chain_id() const { return m_chain_id; }

 private:
  friend class Mempool;  // moves the transaction out when it admits the token
  VerifiedTx(Transaction tx, const Hash256& txid, std::uint32_t chain_id)
      : m_tx(std::move(tx)), m_txid(txid), m_chain_id(chain_id) {}

  Transaction m_tx;
  Hash256 m_txid{};
  std::uint32_t m_chain_id = 0;
};

class Mempool {
 public:
  /// A pool for the network `chain_id` (the chain id check_transaction demands), whose
  /// signature checks go through `keys` (null: a cache of its own; the node shares one
  /// with the chain, crypto/key_cache.hpp).
  explicit Mempool(std::uint32_t chain_id, const Limits& limits = {}, std::shared_ptr<crypto::KeyCache> keys = nullptr);

  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  // --- admission ----------------------------------------------------------------------

  /// Admits `tx`, arriving at `time_ms`, against the accounts in `view`. Cheap checks
  /// come first and the signature last, so a transaction refused for its nonce, fee or
  /// balance costs no verification. Order: kAlreadyKnown, a cached kInvalidTransaction,
  /// kFeeTooLow, kCostOverflow, kNonceExhausted, kStateUnavailable, kNonceTooLow,
  /// kNonceGap, kReplacementUnderpriced | kSenderLimit, kInsufficientBalance, kPoolFull,
  /// kInvalidTransaction. On any error the pool is unchanged, except that the sender's
  /// entries the view shows as already mined (nonce below the account's) are dropped and
  /// a kInvalidTransaction txid is remembered.
  /// When full, the cheapest transactions by fee per byte (and their senders' later
  /// nonces) are evicted if each pays strictly less per byte than `tx`; the sender's own
  /// lower nonces are never evicted for it.
  util::Result<AddResult, MempoolError> add(const Transaction& tx, std::uint64_t time_ms, AccountView& view);

  /// Admits a transaction whose context-free check the caller already ran
  /// (VerifiedTx::check, typically on another thread): add()'s rules and order without
  /// the rejection cache and the final verification, so signature_checks() does not
  /// move. Errors: add()'s, except that a token checked for another chain id is
  /// refused with kInvalidTransaction ("tx_wrong_chain: ...") and that a failed check
  /// never reaches the pool (no token exists), so it is not remembered in the
  /// rejection cache: that cache only saves the pool's own thread from verifying a
  /// known-bad txid again, and here the pool's thread verifies nothing.
  util::Result<AddResult, MempoolError> add(VerifiedTx verified, std::uint64_t time_ms, AccountView& view);

  /// Re-admits transactions of blocks disconnected by a reorg, in the order given (pass
  /// them in chain order, oldest block first, so each sender's nonces ascend), after the
  /// reorg completed and `view` shows the new tip. Their signatures are not verified
  /// again: the chain verified them when it connected their blocks. The admission rules
  /// and limits are add()'s; refused ones (e.g. mined again on the new branch) are
  /// counted, not reported.
  ReaddResult readd(std::span<const Transaction> txs, std::uint64_t time_ms, AccountView& view);

  // --- block template ---------------------------------------------------------------

  /// At most `max_count` executable transactions whose sizes sum to at most `max_bytes`,
  /// in block order: each step takes the highest fee per byte (then the lowest txid)
  /// among the senders' next executable transactions, so each sender's nonces stay in
  /// order. A transaction that does not fit in the remaining bytes is skipped with its
  /// sender's later ones. Deterministic for a given pool content.
  std::vector<const Transaction*> select(std::size_t max_count, std::size_t max_bytes) const;

  // --- removal ----------------------------------------------------------------------

  /// After `block` was connected: for each of its transactions, drops every pooled
  /// transaction of that sender with a nonce up to and including its nonce (the included
  /// one, and conflicting or stale ones). Returns how many were dropped. Computes no
  /// txids: pooled transaction = same sender and nonce.
  std::size_t remove_for_block(const primitives::Block& block);
  /// As above, then revalidates the block's senders against `view` (the new tip): a
  /// conflicting transaction in the block may have spent what their pooled ones needed.
  /// Errors: kStateUnavailable (that sender's entries are kept).
  util::Result<std::size_t, MempoolError> remove_for_block(const primitives::Block& block, AccountView& view);

  /// Drops `txid` and its sender's later nonces (e.g. it failed a state rule while
  /// building a template). Returns how many were dropped (0 when it is not pooled).
  std::size_t remove(const Hash256& txid);

  /// Drops transactions that arrived `expiry_ms` or more before `time_ms`, with their
  /// senders' later nonces. Returns how many were dropped.
  std::size_t expire(std::uint64_t time_ms);

  /// After a reorg, against the new tip: per sender, drops what no longer fits, keeping
  /// nonce order: nonces below the account's (mined), nonces beyond account nonce +
  /// max_nonce_ahead, and from the first transaction whose cumulative cost exceeds the
  /// balance onwards. Returns how many were dropped. Errors: kStateUnavailable (after
  /// revalidating every readable sender; unreadable senders' entries are kept).
  util::Result<std::size_t, MempoolError> revalidate(AccountView& view);

  // --- queries ----------------------------------------------------------------------

  std::size_t size() const { return m_entries.size(); }
  /// Sum of the pooled transactions' encoded sizes.
  std::size_t bytes() const { return m_bytes; }
  bool contains(const Hash256& txid) const { return m_entries.contains(txid); }
  /// True when `txid` passed primitives::check_transaction for this chain: every pooled
  /// transaction did (see the top of this file).
  bool is_verified(const Hash256& txid) const { return contains(txid); }
  /// The entry, or nullptr.
  const PoolEntry* get(const Hash256& txid) const;
  /// Entries in arrival order (arrival_ms, then admission order), skipping `offset`.
  std::vector<const PoolEntry*> list(std::size_t limit, std::size_t offset = 0) const;
  /// The next nonce a wallet should use for `sender`: its account nonce, plus the run of
  /// consecutive pooled nonces from there. Errors: kStateUnavailable.
  util::Result<std::uint64_t, MempoolError> pending_nonce(const Address& sender, AccountView& view) const;
  /// How many signature checks (primitives::check_transaction calls) this pool ran.
  std::uint64_t signature_checks() const { return m_signature_checks; }
  const Limits& limits() const { return m_limits; }
  std::uint32_t chain_id() const { return m_chain_id; }

  // --- persistence (docs/mempool.md) -------------------------------------------------

  /// Writes every pooled transaction with its arrival time to `path`, through a
  /// temporary file in the same directory, fsynced and renamed over `path`, so a crash
  /// leaves the old file or the new one, never a torn one. Returns the entry count.
  /// Errors: kIoError.
  util::Result<std::size_t, MempoolError> save(const std::filesystem::path& path) const;

  /// Reads a file written by save() and admits each entry through add() (signatures
  /// verified again: the file is local data that anyone with disk access could edit,
  /// and the tip may have moved), dropping entries already expired at `time_ms`.
  /// Errors: kFileMissing (nothing loaded; a first start), kIoError, kCorruptFile (bad
  /// magic or version: nothing loaded; a damaged entry, a truncated file, a wrong count
  /// or trailing bytes: the entries before the damage stay admitted, the rest are lost,
  /// and the detail names the entry index and byte offset).
  util::Result<LoadResult, MempoolError> load(const std::filesystem::path& path, std::uint64_t time_ms,
                                              AccountView& view);

 private:
  struct AddressHasher {
    std::size_t operator()(const Address& a) const;
  };
  // An entry's place in the eviction order: fee per byte ascending, then txid (begin()
  // is evicted first). The rate and the txid's first 8 bytes (big-endian: they order as
  // the txid does) are copied into the set, so a comparison reads no PoolEntry (each
  // would be a cache miss on a large pool) unless two txids share those bytes; 32 bytes
  // a key, eight to a B-tree node.
  struct RateKey {
    FeeRate rate;
    std::uint64_t txid_head = 0;
    PoolEntry* entry = nullptr;
    explicit RateKey(PoolEntry* e) : rate(e->rate()), txid_head(head_of(e->txid)), entry(e) {}
    friend bool operator<(const RateKey& a, const RateKey& b) {
      if (const auto c = a.rate <=> b.rate; c != 0) return c < 0;
      if (a.txid_head != b.txid_head) return a.txid_head < b.txid_head;
      return a.entry->txid < b.entry->txid;
    }
    static std::uint64_t head_of(const Hash256& txid) {
      std::uint64_t head = 0;
      for (std::size_t i = 0; i < 8; ++i) head = (head << 8) | txid[i];
      return head;
    }
  };
  struct SenderQueue {
    absl::btree_map<std::uint64_t, PoolEntry*> by_nonce;
    std::uint64_t account_nonce = 0;  // as last read from a view or advanced by a block
    std::uint64_t pending_cost = 0;   // sum of cost; <= the balance last checked, so no overflow
    // The end of the executable run: every nonce in [account_nonce, ready_end) is in
    // by_nonce and ready_end is not. Kept by insert, erase and set_account_nonce, so
    // admission and pending_nonce need no walk over a queue that has a gap.
    std::uint64_t ready_end = 0;
  };
  // Node-based: a SenderQueue's address is stable while other senders come and go.
  using SenderMap = absl::node_hash_map<Address, SenderQueue, AddressHasher>;

  // The admission rules. `txid` is primitives::txid(tx); `verify` runs the rejection
  // cache lookup and check_transaction (add(tx)); otherwise the caller vouches for them.
  util::Result<AddResult, MempoolError> admit(Transaction tx, const Hash256& txid, std::uint64_t time_ms,
                                              AccountView& view, bool verify);
  util::Result<std::vector<PoolEntry*>, MempoolError> plan_eviction(const PoolEntry& incoming,
                                                                    const PoolEntry* replaced);
  // Builds m_by_rate from every entry (the first eviction plan after it was dropped).
  void build_rate_index();
  PoolEntry* insert(PoolEntry&& entry);
  // Sets the queue's account nonce and restores the ready_end invariant for it.
  static void set_account_nonce(SenderQueue& queue, std::uint64_t account_nonce);
  // ready_end = the first nonce from `from` that is not in the queue. REQUIRES: every
  // nonce in [account_nonce, from) is in it.
  static void extend_run(SenderQueue& queue, std::uint64_t from);
  // Erases one entry from every index; erases its sender queue when it empties.
  void erase(PoolEntry* entry);
  // Erases `entry` and the later nonces of its sender. Returns how many.
  std::size_t erase_with_descendants(PoolEntry* entry);
  // Erases entries below `account_nonce` and records it. May erase the queue itself.
  std::size_t drop_mined(SenderMap::iterator it, std::uint64_t account_nonce);
  // Revalidation of one sender against its account (see revalidate()).
  std::size_t revalidate_sender(SenderMap::iterator it, const state::Account& account);
  // revalidate_sender for each of `senders` still pooled, reading accounts from `view`.
  util::Result<std::size_t, MempoolError> revalidate_senders(std::span<const Address> senders, AccountView& view);
  void remember_rejection(const Hash256& txid, const std::string& detail);

  std::uint32_t m_chain_id;
  Limits m_limits;
  std::shared_ptr<crypto::KeyCache> m_keys;  // never null
  // Entries own their transaction; every other index points into this map, whose node
  // addresses are stable across rehashing.
  absl::node_hash_map<Hash256, PoolEntry, state::Hash256Hasher> m_entries;
  SenderMap m_senders;
  // B-trees: a node holds many keys, so an insert or erase touches a few cache lines and
  // seldom allocates (std::set/std::map: one allocation and ~log2(n) scattered nodes).
  // The eviction order is kept only while eviction is near (docs/mempool.md, "Limits
  // and eviction"): built by the first eviction plan that needs it, dropped when the pool
  // falls under a quarter of both limits. A pool far from full (the usual case) pays
  // nothing for it; keeping it cost ~2 % of a validator under load.
  absl::btree_set<RateKey> m_by_rate;
  bool m_by_rate_kept = false;
  absl::btree_map<std::pair<std::uint64_t, std::uint64_t>, PoolEntry*> m_by_arrival;  // (arrival_ms, sequence)
  std::size_t m_bytes = 0;
  std::uint64_t m_next_sequence = 0;
  std::uint64_t m_signature_checks = 0;
  // Txids that failed check_transaction, with the reason; oldest forgotten first.
  std::unordered_map<Hash256, std::string, state::Hash256Hasher> m_rejected;
  std::deque<Hash256> m_rejected_order;
};

/// How many txids of transactions that failed check_transaction the pool remembers.
inline constexpr std::size_t kRejectCacheSize = 10'000;

/// fee + amount for transfer and stake, fee for the other kinds; nullopt on overflow.
std::optional<std::uint64_t> transaction_cost(const Transaction& tx);

}  // namespace cloudchain::mempool
