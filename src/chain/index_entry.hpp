#pragma once
// Chain::Entry: one node of the in-memory block index (private to the chain's .cpp
// files). Owned by Chain::m_index; touched only on the chain thread.

#include <cstdint>
#include <vector>

#include "chain/chain.hpp"
#include "storage/records.hpp"

namespace cloudchain::chain {

struct Chain::Entry {
  Hash256 hash{};
  primitives::BlockHeader header;
  Uint256 work;             // cumulative: this block and all its ancestors
  std::uint8_t status = 0;  // storage::kStatus* flags, as stored (or about to be)
  Entry* parent = nullptr;  // null only for genesis
  std::vector<Entry*> children;

  std::uint64_t height() const { return header.height; }
  bool has(std::uint8_t flag) const { return (status & flag) != 0; }
  storage::BlockIndexEntry stored() const { return {header, work.to_be(), status}; }
};

}  // namespace cloudchain::chain
