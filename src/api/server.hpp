#pragma once
// The HTTP API server (docs/api.md): HTTP/1.1 with keep-alive, JSON in and out, on its
// own Asio io_context served by `threads` worker threads. Boost.Beast stays inside
// server.cpp, so including this header costs nothing beyond the standard library.
//
//   api::Server server(node_service, config);
//   auto port = server.start();      // binds and starts serving; port 0 picks a free port
//   ...
//   server.stop();                   // or let the destructor do it
//
// Limits (each enforced per request or connection, each answered with problem+json):
// request head <= max_header_bytes (431 header_too_large), body <= max_body_bytes
// (413 body_too_large), JSON depth <= 16 (400 json_too_deep), at most max_connections
// open connections (a connection beyond is answered 503 too_many_connections and
// closed), a connection idle for idle_timeout is closed. A connection is also closed
// after a response to a request whose framing could not be trusted (bad HTTP, a head or
// body over its limit). Every other failure leaves the connection usable.
//
// Admin routes check "Authorization: Bearer <admin_token>" in constant time; a missing
// or wrong token is answered 401 after `auth_failure_delay` (a timer: the worker thread
// serves other connections meanwhile). An empty admin_token disables the admin routes
// (every call is 401).
//
// CORS: a request whose Origin is in cors_origins gets Access-Control-Allow-Origin for
// that origin, and its preflight (OPTIONS) is answered; other origins get no CORS
// headers, so browsers on other sites cannot read the answers.
//
// Thread-safety: start(), stop() and the destructor are called from one controlling
// thread, never from a request handler (stop() joins the worker threads).
// `service` must outlive the Server; the Server calls it from its worker threads.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace cloudchain::node {
class NodeService;
}

namespace cloudchain::api {

struct ServerConfig {
  /// "host:port"; an IPv6 host in brackets ("[::1]:8645"). Port 0 picks a free port.
  std::string listen = "127.0.0.1:8645";
  std::size_t max_connections = 256;
  std::size_t max_body_bytes = std::size_t{1} << 20;
  std::size_t max_header_bytes = std::size_t{8} << 10;
  std::chrono::milliseconds idle_timeout{30'000};
  /// Exact origins ("https://explorer.example:8443"), compared byte for byte.
  std::vector<std::string> cors_origins;
  /// The admin Bearer token; empty disables the admin routes.
  std::string admin_token;
  unsigned threads = 2;
  std::chrono::milliseconds auth_failure_delay{250};
  /// How long a deferred answer (a submitted transaction's admission) may take before
  /// the client gets 503 timeout.
  std::chrono::milliseconds deferred_timeout{30'000};
  /// GET /v1/events (docs/api.md): a client whose queue of unsent events exceeds either
  /// bound is dropped (its connection closed), so it can never slow the node.
  std::size_t event_queue_events = 1000;
  std::size_t event_queue_bytes = std::size_t{1} << 20;
  /// A comment line is sent after this long without an event (proxies keep the stream).
  std::chrono::milliseconds event_keepalive{15'000};
  /// The kernel send buffer of a stream's socket: what a stalled client can hold there,
  /// besides its queue.
  int event_send_buffer = 64 << 10;
};

enum class ServerError {
  kBadListenAddress,  // listen is "host:port" with an IP address host and a port in 0..65535
  kBadConfig,         // threads >= 1, max_connections >= 1, max_body_bytes >= 1, max_header_bytes >= 1
  kBindFailed,        // the address can be bound (not in use, permitted)
  kAlreadyStarted,    // start() is called once per Server
};
std::string_view to_string(ServerError e);

class Server {
 public:
  Server(node::NodeService& service, ServerConfig config);
  /// Stops the server if it is running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, listens and starts the worker threads; returns the bound port.
  /// Errors: kBadListenAddress, kBadConfig, kBindFailed (detail: the OS error),
  /// kAlreadyStarted (a second call, also after stop()).
  util::Result<std::uint16_t, ServerError> start();

  /// Stops accepting, closes every connection (a request being handled is finished
  /// first; responses not yet written are dropped) and joins the worker threads.
  /// Idempotent. REQUIRES: not called from a request handler.
  void stop();

  /// Connections open now (accepted, not yet closed).
  std::size_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace cloudchain::api
