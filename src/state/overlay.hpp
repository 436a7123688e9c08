#pragma once
// StateOverlay: the working set of one block. It reads records from a state root in a
// NodeStore, caches every record it touches, takes writes in memory, and at the end
// commits all changed records as ONE batch update of the tree, returning the new root
// and the new nodes, which the caller writes atomically with the rest of the block.
// The store is never written.
//
// Checkpoints make a transaction all-or-nothing: apply_transaction (state/rules.hpp)
// takes a checkpoint and rolls back to it when a rule fails, so a rejected transaction
// leaves no trace.
//
// Thread-safety: one thread at a time. The store and the root must stay valid (no
// pruning of that root) while the overlay lives.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "state/node_store.hpp"
#include "state/records.hpp"

namespace cloudchain::state {

struct CommitResult {
  Hash256 root{};
  std::vector<StoredNode> new_nodes;  // sorted by hash; write them all, or none
  std::uint64_t hashes = 0;           // tree hashes the commit cost
};

/// Tree values of one state root kept flat (key -> value or absent), so a read skips the
/// walk down the tree. The overlay asks it first and tells it what it read; an
/// implementation answers only for the root it holds (`root` lets it check) and ignores
/// reads of any other root. Same thread as the overlay.
class ValueCache {
 public:
  virtual ~ValueCache() = default;
  /// The value of `key` under `root` (an engaged optional holding nullopt: absent), or
  /// nullopt when the cache does not know it.
  virtual std::optional<std::optional<TreeValue>> find(const Hash256& root, const Hash256& key) const = 0;
  /// `key` has `value` under `root` (read from the tree).
  virtual void remember(const Hash256& root, const Hash256& key, const std::optional<TreeValue>& value) = 0;
};

class StateOverlay {
 public:
  /// Reads the state whose root is `root` from `store` (which must outlive this object),
  /// through `cache` when given (which must outlive it too).
  StateOverlay(const NodeStore& store, const Hash256& root, ValueCache* cache = nullptr)
      : m_store(store), m_root(root), m_cache(cache) {}

  const Hash256& base_root() const { return m_root; }

  /// The account of `address` (the zero account when absent). Errors: kMissingNode,
  /// kCorruptNode, kCorruptRecord.
  util::Result<Account, StateError> account(const Address& address);
  /// The validator record of a consensus key, or nullopt. Errors: as account().
  util::Result<std::optional<ValidatorRecord>, StateError> validator(const PublicKey& key);
  /// The height at which an evidence id was used, or nullopt. Errors: as account().
  util::Result<std::optional<std::uint64_t>, StateError> used_evidence(const Hash256& evidence_id);

  /// The candidate keys, ascending (empty when the record is absent). Errors: as account().
  util::Result<std::vector<PublicKey>, StateError> candidates();
  /// Whether `key` is a candidate, and how many there are. Errors: as account().
  util::Result<bool, StateError> is_candidate(const PublicKey& key);
  util::Result<std::size_t, StateError> candidate_count();
  /// Adds `key` to the candidates (nothing when it is one) or removes it (nothing when it
  /// is not). No bound is checked here: the rules check kMaxCandidates. Journaled per key,
  /// so a rolled-back transaction costs O(log n), not a copy of the list. Errors: as
  /// account() (reading the record the first time).
  util::Result<void, StateError> add_candidate(const PublicKey& key);
  util::Result<void, StateError> remove_candidate(const PublicKey& key);
  /// The active set record, or nullopt (a PoW chain has none). Errors: as account().
  util::Result<std::optional<ActiveSet>, StateError> active_set();

  void set_account(const Address& address, const Account& account);
  void set_validator(const PublicKey& key, const ValidatorRecord& record);
  void set_used_evidence(const Hash256& evidence_id, std::uint64_t height);
  void set_active_set(const ActiveSet& set);

  /// A mark to roll back to. Marks nest: rolling back to an earlier mark undoes later ones.
  std::size_t checkpoint() const { return m_journal.size(); }
  /// Undoes every write made after `mark` was taken.
  void rollback(std::size_t mark);

  /// The root of the state with every write applied and the nodes that root needs beyond
  /// the base store. Leaves the overlay unchanged. Errors: those of StateTree::update.
  util::Result<CommitResult, StateError> commit() const;

  /// The tree updates commit() applies: every written record, keys ascending (a zero
  /// account and an empty candidate list are deletions). Writes that restore a record's old value are included.
  std::vector<TreeUpdate> changes() const;

 private:
  // Always built with both fields ({value, dirty}). No default member initializer:
  // clang-19 crashes ("cannot compile this scalar expression yet") on `->dirty` of an
  // std::optional<Slot<...>> member when `dirty` has one.
  template <typename V>
  struct Slot {
    V value;
    bool dirty;
  };
  template <typename K, typename V>
  struct Undo {
    K key;
    std::optional<Slot<V>> previous;  // nullopt: the record was not cached
  };
  struct Candidates {
    std::set<PublicKey> keys;
    bool dirty = false;
  };
  struct CandidateUndo {
    PublicKey key;
    bool added = false;  // the write added `key` (else it removed it)
    bool was_dirty = false;
  };
  struct ActiveSetUndo {
    std::optional<Slot<std::optional<ActiveSet>>> previous;  // nullopt: the record was not cached
  };
  using Journal = std::variant<Undo<Address, Account>, Undo<PublicKey, std::optional<ValidatorRecord>>,
                               Undo<Hash256, std::optional<std::uint64_t>>, CandidateUndo, ActiveSetUndo>;

  template <typename K, typename V>
  void write(std::map<K, Slot<V>>& cache, const K& key, V value);

  // Reads the candidates record into m_candidates once; the loaded list (never null).
  util::Result<Candidates*, StateError> load_candidates();

  // The tree value of `key`, through the cache when there is one.
  util::Result<std::optional<TreeValue>, StateError> read(const Hash256& key) const;

  const NodeStore& m_store;
  Hash256 m_root;
  ValueCache* m_cache;
  // Ordered maps: commit iterates them, and a deterministic order costs nothing here.
  std::map<Address, Slot<Account>> m_accounts;
  std::map<PublicKey, Slot<std::optional<ValidatorRecord>>> m_validators;
  std::map<Hash256, Slot<std::optional<std::uint64_t>>> m_used_evidence;
  std::optional<Candidates> m_candidates;                      // nullopt: not read yet
  std::optional<Slot<std::optional<ActiveSet>>> m_active_set;  // nullopt: not read yet
  std::vector<Journal> m_journal;
};

}  // namespace cloudchain::state
