#pragma once
// Internal to the storage layer: the transaction indexes (tx_index, account_txs) lag the
// tip (docs/chain.md, "An index that lags the tip"). A block's index records are kept
// in memory when its batch is written; once kIndexLag blocks wait, a background thread
// writes them as sorted SST files, the next write ingests those into the two column
// families (no memtable, no WAL) and meta "indexed_end" moves past them. Reads merge the records in memory with the
// column families. On open, the blocks from indexed_end to the tip are read back and
// their records rebuilt, so a crash loses nothing.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "crypto/address.hpp"
#include "primitives/block.hpp"
#include "util/bytes.hpp"

namespace cloudchain::storage::detail {

/// Blocks whose records wait in memory before they are written together.
inline constexpr std::size_t kIndexLag = 16;

/// One active block's index records, each list sorted by its key. Immutable once built.
struct BlockIndexRecords {
  struct Account {
    crypto::Address address{};
    std::uint32_t position = 0;
    util::Hash256 txid{};
  };
  std::uint64_t height = 0;
  util::Hash256 block_hash{};
  std::vector<std::pair<util::Hash256, std::uint32_t>> txs;  // (txid, position), by txid
  std::vector<Account> accounts;                             // by (address, position)
  // A blocked Bloom filter, ~16 bits per transaction in a power of two of 64-bit words:
  // a txid sets three bits (its bytes 8, 9 and 10, mod 64) of one word (its first 8
  // bytes, mod the size; txids are uniform). A bit clear means the txid is not in `txs`:
  // a lookup of a txid no block in memory holds (every transaction a peer announces)
  // costs one cache line per block instead of a binary search (~1 % false positives,
  // which do the search; one bit per txid let ~6 % through, a binary search of ~10,000
  // entries each at the PoS devnet's load). Empty when `txs` is.
  std::vector<std::uint64_t> tx_filter;

  static std::size_t tx_word(const util::Hash256& txid, std::size_t filter_words) {
    std::uint64_t head = 0;
    std::memcpy(&head, txid.data(), sizeof head);
    return static_cast<std::size_t>(head & (filter_words - 1));
  }
  static std::uint64_t tx_bits(const util::Hash256& txid) {
    return (std::uint64_t{1} << (txid[8] & 63U)) | (std::uint64_t{1} << (txid[9] & 63U)) |
           (std::uint64_t{1} << (txid[10] & 63U));
  }
  bool may_hold_tx(const util::Hash256& txid) const {
    if (tx_filter.empty()) return false;
    const std::uint64_t bits = tx_bits(txid);
    return (tx_filter[tx_word(txid, tx_filter.size())] & bits) == bits;
  }
};

/// The order of BlockIndexRecords::accounts: by address, then position.
inline bool account_order(const BlockIndexRecords::Account& a, const BlockIndexRecords::Account& b) {
  if (a.address != b.address) return util::less_by_prefix(a.address, b.address);
  return a.position < b.position;
}

/// Visits the elements of `runs`, each sorted by `less`, in one sorted sequence:
/// `visit(element, run index)`. Elements that compare equal come in run order. A heap of
/// one cursor per run: n log(runs) comparisons, nothing moved (a lagging-index flush
/// merges the sorted records of its blocks instead of sorting them all again).
template <typename T, typename Less, typename Visit>
void merge_sorted_runs(std::span<const std::span<const T>> runs, Less less, Visit visit) {
  struct Cursor {
    const T* at;
    const T* end;
    std::size_t run;
  };
  std::vector<Cursor> heap;
  heap.reserve(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (!runs[r].empty()) heap.push_back({runs[r].data(), runs[r].data() + runs[r].size(), r});
  }
  // std's heap functions keep the greatest on top: "greater" here is "comes later".
  const auto later = [&less](const Cursor& a, const Cursor& b) {
    if (less(*b.at, *a.at)) return true;
    if (less(*a.at, *b.at)) return false;
    return a.run > b.run;
  };
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    Cursor& c = heap.back();
    visit(*c.at, c.run);
    if (++c.at == c.end) {
      heap.pop_back();
    } else {
      std::push_heap(heap.begin(), heap.end(), later);
    }
  }
}

/// The records index_block writes for `block` at `height`: the sender of each
/// transaction, and a transfer's recipient when it is another account.
/// `txids`: empty, or primitives::txids(block) already computed (not hashed again).
BlockIndexRecords index_records(const primitives::Block& block, std::uint64_t height, const util::Hash256& block_hash,
                                std::span<const util::Hash256> txids = {});

/// What the column families do not hold yet: heights below `indexed_end` are there; the
/// blocks from it up are in `blocks`, in height order. `retired` keeps the records of
/// the blocks the last flush wrote and of blocks disconnected since, for readers whose
/// database snapshot is older than this version (each reader keeps a record only if its
/// block is on the active chain it sees, and skips those heights in the column
/// families). Published whole (copy on write).
struct PendingIndex {
  std::uint64_t indexed_end = 0;
  std::vector<std::shared_ptr<const BlockIndexRecords>> blocks;
  std::vector<std::shared_ptr<const BlockIndexRecords>> retired;
};

}  // namespace cloudchain::storage::detail
