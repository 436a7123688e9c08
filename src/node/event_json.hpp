#pragma once
// The node's events as node/events.hpp describes them, one JSON object each. Inline
// (header-only, like EventHub), so the API's test service publishes the same shapes
// without linking the node library.

#include <nlohmann/json.hpp>

#include <cstdint>

#include "node/events.hpp"
#include "p2p/hooks.hpp"
#include "primitives/block.hpp"
#include "util/bytes.hpp"
#include "util/hex.hpp"

namespace cloudchain::node {

// block: a block connected to the active chain. tx: a transaction admitted to the
// mempool. final: PoS, a block this node's consensus decided. peer: a peer connected or
// disconnected.

inline Event block_event(const primitives::Block& block, const util::Hash256& hash) {
  const nlohmann::json doc = {{"height", block.header.height},
                              {"hash", util::to_hex(hash)},
                              {"txs", block.txs.size()},
                              {"timestamp_ms", block.header.timestamp_ms}};
  return Event{"block", doc.dump()};
}

inline Event tx_event(const util::Hash256& txid) {
  const nlohmann::json doc = {{"txid", util::to_hex(txid)}};
  return Event{"tx", doc.dump()};
}

inline Event final_event(std::uint64_t height, const util::Hash256& hash) {
  const nlohmann::json doc = {{"height", height}, {"hash", util::to_hex(hash)}};
  return Event{"final", doc.dump()};
}

inline Event peer_event(const p2p::PeerEvent& event) {
  const nlohmann::json doc = {{"event", event.connected ? "connected" : "disconnected"},
                              {"id", event.id},
                              {"address", event.address},
                              {"inbound", event.inbound}};
  // Invalid UTF-8 cannot occur (an address is "ip:port"); replace rather than throw anyway.
  return Event{"peer", doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace cloudchain::node
