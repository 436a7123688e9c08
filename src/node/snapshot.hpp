#pragma once
// Snapshot<T>: an immutable value that one thread replaces as a whole and any thread
// reads, e.g. the node's TipInfo. Readers get a shared_ptr to a const T that stays valid
// (and unchanged) for as long as they hold it, whatever is published meanwhile.
//
// Why a mutex and not std::atomic<std::shared_ptr<const T>>: libstdc++ 12 implements
// the atomic's load() with a lock bit that it releases with a relaxed store, so a load
// followed by a store() in another thread is formally a data race on the pointer (and
// ThreadSanitizer reports it). The mutex is held only to copy a shared_ptr (two words
// and a reference count), never while a T is built or destroyed.
//
// Thread-safety: load() and store() may be called from any thread at once.

#include <memory>
#include <mutex>
#include <utility>

namespace cloudchain::node {

template <typename T>
class Snapshot {
 public:
  std::shared_ptr<const T> load() const {
    std::lock_guard lock(m_mutex);
    return m_value;
  }

  void store(std::shared_ptr<const T> value) {
    {
      std::lock_guard lock(m_mutex);
      m_value.swap(value);
    }
    // `value` now holds the old snapshot: if this was its last reference, it is freed
    // here, outside the lock.
  }

 private:
  mutable std::mutex m_mutex;  // guards m_value
  std::shared_ptr<const T> m_value;
};

}  // namespace cloudchain::node
