// Headers-first sync (docs/p2p.md "Sync"). Io thread only.

#include "p2p/network_impl.hpp"

namespace cloudchain::p2p {

void Network::Impl::sync_peer_ready(Peer& /*p*/) {}
void Network::Impl::sync_block_announced(Peer& /*p*/, const Hash256& /*hash*/) {}
void Network::Impl::sync_headers(Peer& /*p*/, Headers /*headers*/) {}
void Network::Impl::sync_block(Peer& p, primitives::Block /*block*/) {
  misbehave(p, P2pError::kUnrequestedData, "a block not asked for");
}
void Network::Impl::sync_notfound(Peer& /*p*/, const Hash256& /*hash*/) {}
void Network::Impl::sync_peer_gone(std::uint64_t /*id*/) {}
void Network::Impl::sync_tick(SteadyClock::time_point /*now*/) {}
std::uint32_t Network::Impl::blocks_in_flight(std::uint64_t /*id*/) const { return 0; }
void Network::Impl::announce_new_block(const Hash256& hash, std::uint64_t /*height*/) {
  announce(InvItem{InvKind::kBlock, hash}, 0);
}

}  // namespace cloudchain::p2p
