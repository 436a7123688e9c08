#include "state/overlay.hpp"

#include <algorithm>

namespace cloudchain::state {

namespace {

// Decodes one record read from the tree; nullopt when the tree has no leaf for it.
template <typename T, typename Decode>
util::Result<std::optional<T>, StateError> decode_record(util::Result<std::optional<TreeValue>, StateError> value,
                                                         Decode decode) {
  if (!value) return std::unexpected(value.error());
  const std::optional<TreeValue>& leaf = *value;
  if (!leaf) return std::optional<T>{};
  auto record = decode(leaf->value);
  if (!record) return util::fail(StateError::kCorruptRecord, std::string(to_string(record.error().code)));
  return std::optional<T>{std::move(*record)};
}

}  // namespace

util::Result<std::optional<TreeValue>, StateError> StateOverlay::read(const Hash256& key) const {
  if (m_cache != nullptr) {
    if (auto cached = m_cache->find(m_root, key)) return std::move(*cached);
  }
  auto value = tree_get(m_store, m_root, key);
  if (value && m_cache != nullptr) m_cache->remember(m_root, key, *value);
  return value;
}

template <typename K, typename V>
void StateOverlay::write(std::map<K, Slot<V>>& cache, const K& key, V value) {
  auto it = cache.find(key);
  std::optional<Slot<V>> previous;
  if (it != cache.end()) previous = it->second;
  m_journal.emplace_back(Undo<K, V>{key, std::move(previous)});
  cache.insert_or_assign(key, Slot<V>{std::move(value), true});
}

util::Result<Account, StateError> StateOverlay::account(const Address& address) {
  if (auto it = m_accounts.find(address); it != m_accounts.end()) return it->second.value;
  auto record = decode_record<Account>(read(account_key(address)), decode_account);
  if (!record) return std::unexpected(record.error());
  const Account account = record->value_or(Account{});
  m_accounts.emplace(address, Slot<Account>{account, false});
  return account;
}

util::Result<std::optional<ValidatorRecord>, StateError> StateOverlay::validator(const PublicKey& key) {
  if (auto it = m_validators.find(key); it != m_validators.end()) return it->second.value;
  auto record = decode_record<ValidatorRecord>(read(validator_key(key)), decode_validator);
  if (!record) return record;
  m_validators.emplace(key, Slot<std::optional<ValidatorRecord>>{*record, false});
  return record;
}

util::Result<std::optional<std::uint64_t>, StateError> StateOverlay::used_evidence(const Hash256& evidence_id) {
  if (auto it = m_used_evidence.find(evidence_id); it != m_used_evidence.end()) return it->second.value;
  auto record = decode_record<std::uint64_t>(read(used_evidence_key(evidence_id)), decode_used_evidence);
  if (!record) return record;
  m_used_evidence.emplace(evidence_id, Slot<std::optional<std::uint64_t>>{*record, false});
  return record;
}

util::Result<StateOverlay::Candidates*, StateError> StateOverlay::load_candidates() {
  if (!m_candidates) {
    auto record = decode_record<std::vector<PublicKey>>(read(candidates_key()), decode_candidates);
    if (!record) return std::unexpected(record.error());
    Candidates loaded;
    if (const std::optional<std::vector<PublicKey>>& keys = *record) loaded.keys.insert(keys->begin(), keys->end());
    m_candidates = std::move(loaded);
  }
  return &*m_candidates;
}

util::Result<std::vector<PublicKey>, StateError> StateOverlay::candidates() {
  auto loaded = load_candidates();
  if (!loaded) return std::unexpected(loaded.error());
  const Candidates& c = **loaded;
  return std::vector<PublicKey>(c.keys.begin(), c.keys.end());
}

util::Result<bool, StateError> StateOverlay::is_candidate(const PublicKey& key) {
  auto loaded = load_candidates();
  if (!loaded) return std::unexpected(loaded.error());
  return (*loaded)->keys.contains(key);
}

util::Result<std::size_t, StateError> StateOverlay::candidate_count() {
  auto loaded = load_candidates();
  if (!loaded) return std::unexpected(loaded.error());
  return (*loaded)->keys.size();
}

util::Result<void, StateError> StateOverlay::add_candidate(const PublicKey& key) {
  auto loaded = load_candidates();
  if (!loaded) return std::unexpected(loaded.error());
  Candidates& c = **loaded;
  if (!c.keys.insert(key).second) return {};
  m_journal.emplace_back(CandidateUndo{key, true, c.dirty});
  c.dirty = true;
  return {};
}

util::Result<void, StateError> StateOverlay::remove_candidate(const PublicKey& key) {
  auto loaded = load_candidates();
  if (!loaded) return std::unexpected(loaded.error());
  Candidates& c = **loaded;
  if (c.keys.erase(key) == 0) return {};
  m_journal.emplace_back(CandidateUndo{key, false, c.dirty});
  c.dirty = true;
  return {};
}

util::Result<std::optional<ActiveSet>, StateError> StateOverlay::active_set() {
  if (m_active_set) return m_active_set->value;
  auto record = decode_record<ActiveSet>(read(active_set_key()), decode_active_set);
  if (!record) return record;
  m_active_set = Slot<std::optional<ActiveSet>>{*record, false};
  return record;
}

void StateOverlay::set_active_set(const ActiveSet& set) {
  m_journal.emplace_back(ActiveSetUndo{m_active_set});
  m_active_set = Slot<std::optional<ActiveSet>>{set, true};
}

void StateOverlay::set_account(const Address& address, const Account& account) { write(m_accounts, address, account); }

void StateOverlay::set_validator(const PublicKey& key, const ValidatorRecord& record) {
  write(m_validators, key, std::optional<ValidatorRecord>{record});
}

void StateOverlay::set_used_evidence(const Hash256& evidence_id, std::uint64_t height) {
  write(m_used_evidence, evidence_id, std::optional<std::uint64_t>{height});
}

void StateOverlay::rollback(std::size_t mark) {
  while (m_journal.size() > mark) {
    std::visit(
        [this](auto& undo) {
          using U = std::decay_t<decltype(undo)>;
          if constexpr (std::is_same_v<U, CandidateUndo>) {
            if (undo.added) {
              m_candidates->keys.erase(undo.key);
            } else {
              m_candidates->keys.insert(undo.key);
            }
            m_candidates->dirty = undo.was_dirty;
          } else if constexpr (std::is_same_v<U, ActiveSetUndo>) {
            m_active_set = std::move(undo.previous);
          } else {
            auto& cache = [this]() -> auto& {
              if constexpr (std::is_same_v<U, Undo<Address, Account>>) {
                return m_accounts;
              } else if constexpr (std::is_same_v<U, Undo<PublicKey, std::optional<ValidatorRecord>>>) {
                return m_validators;
              } else {
                return m_used_evidence;
              }
            }();
            if (undo.previous) {
              cache.insert_or_assign(undo.key, std::move(*undo.previous));
            } else {
              cache.erase(undo.key);
            }
          }
        },
        m_journal.back());
    m_journal.pop_back();
  }
}

std::vector<TreeUpdate> StateOverlay::changes() const {
  std::vector<TreeUpdate> batch;
  for (const auto& [address, slot] : m_accounts) {
    if (!slot.dirty) continue;
    // The zero account is absent from the tree: touching an address leaves no mark.
    batch.push_back({account_key(address),
                     slot.value.is_zero() ? std::nullopt : std::optional<TreeValue>{account_value(slot.value)}});
  }
  for (const auto& [key, slot] : m_validators) {
    if (slot.dirty && slot.value) batch.push_back({validator_key(key), validator_value(*slot.value)});
  }
  for (const auto& [id, slot] : m_used_evidence) {
    if (slot.dirty && slot.value) batch.push_back({used_evidence_key(id), used_evidence_value(*slot.value)});
  }
  if (m_candidates && m_candidates->dirty) {
    // An empty list is absent from the tree, like the zero account.
    const std::vector<PublicKey> keys(m_candidates->keys.begin(), m_candidates->keys.end());
    batch.push_back({candidates_key(), keys.empty() ? std::nullopt : std::optional<TreeValue>{candidates_value(keys)}});
  }
  if (m_active_set && m_active_set->dirty && m_active_set->value) {
    batch.push_back({active_set_key(), active_set_value(*m_active_set->value)});
  }
  std::sort(batch.begin(), batch.end(), [](const TreeUpdate& a, const TreeUpdate& b) { return a.key < b.key; });
  return batch;
}

util::Result<CommitResult, StateError> StateOverlay::commit() const {
  const std::vector<TreeUpdate> batch = changes();
  StagingNodeStore staging(m_store);
  StateTree tree(staging);
  auto root = tree.update(m_root, batch);
  if (!root) return std::unexpected(root.error());
  return CommitResult{*root, staging.take_nodes(), tree.hash_count()};
}

}  // namespace cloudchain::state
