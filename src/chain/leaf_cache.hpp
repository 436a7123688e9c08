#pragma once
// LeafCache: the tip's state values kept flat (key -> value, or known absent), so that
// reading an account costs one hash-map lookup instead of a walk down ~16 tree levels.
//
// It holds values of ONE state root. A connect on that root reads through it (and fills
// it with what it read); when the block is committed, apply() moves the cache to the
// new root by writing the block's changes, so every entry stays exact. Any other tip
// change (a reorg) resets it to the new root, empty. Reads of another root are ignored
// (find() answers nothing, remember() stores nothing): a connect on a side branch never
// sees or pollutes the tip's values.
//
// Bounded by `budget_bytes`: when full it is cleared (the next reads refill it).
// Thread-safety: none; the chain thread owns it.

#include <cstddef>
#include <optional>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "chain/connect.hpp"
#include "state/overlay.hpp"

namespace cloudchain::chain {

class LeafCache final : public state::ValueCache {
 public:
  explicit LeafCache(std::size_t budget_bytes) : m_budget(budget_bytes) {}

  std::optional<std::optional<state::TreeValue>> find(const util::Hash256& root,
                                                      const util::Hash256& key) const override;
  void remember(const util::Hash256& root, const util::Hash256& key,
                const std::optional<state::TreeValue>& value) override;

  /// The state `new_root` is the cached root's state with `changes` applied: write them.
  /// REQUIRES: the changes lead from root() to `new_root` (a committed block's diff).
  void apply(const util::Hash256& new_root, const std::vector<StateChange>& changes);
  /// Forget everything; hold `root`'s values from now on.
  void reset(const util::Hash256& root);

  const util::Hash256& root() const { return m_root; }
  std::size_t size() const { return m_values.size(); }

 private:
  void put(const util::Hash256& key, const std::optional<state::TreeValue>& value);

  const std::size_t m_budget;
  util::Hash256 m_root{};
  absl::flat_hash_map<util::Hash256, std::optional<state::TreeValue>, state::Hash256Hasher> m_values;
  std::size_t m_bytes = 0;
};

}  // namespace cloudchain::chain
