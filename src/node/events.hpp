#pragma once
// EventHub: the node's events (new block, new transaction, finality, peer change) for
// the HTTP event stream GET /v1/events (docs/api.md "GET /v1/events").
//
// The node publishes from its actor and network threads; each subscriber (one per
// streaming HTTP connection) gets every event through its sink, which must only queue
// the event and return: publish() never waits for a client. A client too slow to keep
// its queue bounded is the subscriber's business (the API drops it), never the node's.
//
// Events (`data` is one JSON object on one line):
//   block  {"height": N, "hash": "<hex>", "txs": N, "timestamp_ms": N}  a block connected to the active chain
//   tx     {"txid": "<hex>"}                                            a transaction admitted to the mempool
//   final  {"height": N, "hash": "<hex>"}                               PoS: a block decided (final); none on PoW
//   peer   {"event": "connected"|"disconnected", "id": N, "address": "ip:port", "inbound": bool}
//
// Header-only: the API layer uses it without linking the node library.
//
// Thread-safety: every method may be called from any thread. Sinks run on the
// publishing thread with the hub's mutex held, so a sink must not call the hub, and
// after unsubscribe() returns its sink is never called again.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace cloudchain::node {

struct Event {
  std::string type;  // "block", "tx", "final", "peer"
  std::string data;  // one JSON object, no newline
};

class EventHub {
 public:
  using Sink = std::function<void(const std::shared_ptr<const Event>&)>;

  /// Registers `sink` for every event published from now on; returns its id.
  std::uint64_t subscribe(Sink sink) {
    const std::lock_guard lock(m_mutex);
    const std::uint64_t id = m_next++;
    m_sinks.emplace(id, std::move(sink));
    return id;
  }
  /// Idempotent; an unknown id is ignored.
  void unsubscribe(std::uint64_t id) {
    const std::lock_guard lock(m_mutex);
    m_sinks.erase(id);
  }
  /// Hands `event` to every sink (one shared copy for all). Non-blocking beyond the
  /// sinks' own queueing.
  void publish(Event event) {
    const auto shared = std::make_shared<const Event>(std::move(event));
    const std::lock_guard lock(m_mutex);
    for (const auto& [id, sink] : m_sinks) sink(shared);
  }
  std::size_t subscribers() const {
    const std::lock_guard lock(m_mutex);
    return m_sinks.size();
  }

 private:
  mutable std::mutex m_mutex;  // guards m_sinks, m_next
  std::map<std::uint64_t, Sink> m_sinks;
  std::uint64_t m_next = 1;
};

}  // namespace cloudchain::node
