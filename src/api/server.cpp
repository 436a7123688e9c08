// The transport: Boost.Beast HTTP/1.1 sessions on an Asio io_context. Everything about
// requests (routes, errors, auth, CORS) is in router.cpp; this file reads requests,
// enforces the connection-level limits, writes responses, and owns the threads.
//
// Concurrency: each connection is a Session whose operations run on its own strand, so
// a session's members are touched by one thread at a time without locks. Sessions are
// owned by the handlers of their pending operations (shared_ptr); when the io_context is
// destroyed, pending handlers are destroyed with them and every socket is closed. The
// only state shared across connections is immutable (Shared) or atomic (the connection
// count).

#include "api/server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "api/query.hpp"
#include "api/request_counter.hpp"
#include "api/router.hpp"
#include "api/routes.hpp"
#include "crypto/sha256.hpp"
#include "node/events.hpp"
#include "node/service.hpp"
#include "util/thread_name.hpp"

namespace cloudchain::api {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// How long a connection closed after an error keeps reading (and discarding) what the
// client still sends ("lingering close", RFC 9112 section 9.6): closing a socket with
// unread data makes the kernel send a reset, which on a real network can destroy the
// error response before the client has read it. (Loopback delivers the response before
// the reset, so the tests cannot tell the difference.)
constexpr std::chrono::seconds kLingerTime{1};

// The pause before accepting again after an accept error.
constexpr std::chrono::milliseconds kAcceptBackoff{50};

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

// What every session reads; immutable once the server has started.
struct Shared {
  Shared(node::NodeService& service, ServerConfig cfg) : config(std::move(cfg)), ctx{service, config} {
    ctx.admin_enabled = !config.admin_token.empty();
    ctx.admin_token_hash = crypto::sha256(util::as_bytes(config.admin_token));
    ctx.requests = &requests;
    ctx.streams = &streams;
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  const ServerConfig config;
  Context ctx;  // refers to `config`
  RequestCounter requests;
  StreamCounters streams;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::uint64_t> escaped_exceptions{0};  // thrown out of io_context::run (a bug)
  // Deferred answers arrive on other threads; once the server stops they are dropped, so
  // nothing is posted to an io_context that is being destroyed.
  std::mutex gate;
  bool stopped = false;  // guarded by gate
};

std::string refusal_response() {
  const std::string body = problem_json(problem(ApiError::kTooManyConnections, "too many open connections"));
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nConnection: close\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Reads and discards until the peer closes or kLingerTime passes, then lets the stream
// go (closing it). Used after shutdown(send) on an error path.
template <typename Owner>
void linger(const std::shared_ptr<Owner>& owner, beast::tcp_stream& stream, std::array<char, 4096>& scratch) {
  stream.expires_after(kLingerTime);
  stream.async_read_some(asio::buffer(scratch), [owner, &stream, &scratch](beast::error_code ec, std::size_t) {
    if (!ec) linger(owner, stream, scratch);
  });
}

// A connection over max_connections: answered 503 and closed.
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(tcp::socket socket, const std::string& message) : m_stream(std::move(socket)), m_message(message) {}
  void start() {
    m_stream.expires_after(kLingerTime);
    asio::async_write(m_stream, asio::buffer(m_message),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ec)) return;
                        linger(self, self->m_stream, self->m_scratch);
                      });
  }

 private:
  beast::tcp_stream m_stream;
  const std::string& m_message;  // the Impl's canned response; outlives every Refusal
  std::array<char, 4096> m_scratch{};
};

// An event stream's unsent events, between the hub's sink (publishing threads) and the
// session's strand.
struct EventQueue {
  std::mutex mutex;  // guards everything below
  std::deque<std::shared_ptr<const node::Event>> events;
  std::size_t bytes = 0;     // of `events`, as written
  bool overflow = false;     // a bound was exceeded: the client is to be dropped
  bool wake_posted = false;  // a drain is posted to the strand and has not taken the queue yet
};

// The bytes one event takes on the wire, besides its id.
std::size_t wire_size(const node::Event& e) { return e.type.size() + e.data.size() + 32; }

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : m_stream(std::move(socket)), m_timer(m_stream.get_executor()), m_shared(std::move(shared)) {
    m_shared->connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() {
    if (m_hub != nullptr) {
      m_hub->unsubscribe(m_subscription);
      if (!m_stream_closed) m_shared->streams.open.fetch_sub(1, std::memory_order_relaxed);
    }
    m_shared->connections.fetch_sub(1, std::memory_order_relaxed);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    asio::dispatch(m_stream.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this()));
  }

 private:
  const ServerConfig& config() const { return m_shared->config; }

  void read() {
    m_route = {};
    auto& parser = m_parser.emplace();
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(config().max_header_bytes, UINT32_MAX)));
    parser.body_limit(config().max_body_bytes);
    m_stream.expires_after(config().idle_timeout);
    http::async_read_header(m_stream, m_buffer, parser,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  // The head is in: answer "Expect: 100-continue" (curl sends it for bodies over 1 KiB and
  // would otherwise wait a second), then read the body.
  void on_header(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return on_read_error(ec);
    if (!m_parser) return close(false);  // unreachable: read() made one
    auto& parser = *m_parser;
    if (parser.is_done()) return on_read(ec, 0);  // no body
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      auto& interim = m_continue.emplace(http::status::continue_, 11);
      http::async_write(m_stream, interim, [self = shared_from_this()](beast::error_code wec, std::size_t) {
        if (wec) return self->close(false);
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    if (!m_parser) return close(false);  // unreachable: read() made one
    http::async_read(m_stream, m_buffer, *m_parser, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) return reply_and_close(ApiError::kBodyTooLarge, "the body exceeds the limit");
    if (ec == http::error::header_limit) {
      return reply_and_close(ApiError::kHeaderTooLarge, "the request head exceeds the limit");
    }
    // A malformed message (bad method, target, version, field, chunk, ...): its framing
    // cannot be trusted, so answer and close. A message cut short, a timeout or a reset
    // leaves nobody to answer.
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return reply_and_close(ApiError::kBadRequest, "malformed HTTP request: " + ec.message());
    }
    close(false);
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return on_read_error(ec);
    if (!m_parser) return close(false);  // unreachable: read() made one
    const auto& msg = m_parser->get();
    Request req;
    switch (msg.method()) {
      case http::verb::get: req.method = Method::kGet; break;
      case http::verb::post: req.method = Method::kPost; break;
      case http::verb::options: req.method = Method::kOptions; break;
      default: req.method = Method::kOther; break;
    }
    const std::string_view target = view(msg.target());
    const std::size_t q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    req.body = msg.body();
    req.authorization = view(msg[http::field::authorization]);
    req.content_type = view(msg[http::field::content_type]);
    req.origin = view(msg[http::field::origin]);
    req.access_control_request_method = view(msg[http::field::access_control_request_method]);
    Response r = handle(m_shared->ctx, req);
    m_route = r.route;
    if (r.event_stream) return start_stream(r);
    if (r.deferred) return defer(r.deferred, msg.keep_alive());
    send(std::move(r), msg.keep_alive(), false);
  }

  // The answer comes from another thread. The timer's pending wait owns the session
  // meanwhile (so a stopping server destroys it with the io_context); the reply holds
  // only a weak reference and posts the answer to the session's strand, where the
  // request's number tells a late answer (after the timeout's 503) from the current one.
  void defer(const std::function<void(Reply)>& deferred, bool keep_alive) {
    const std::uint64_t request = ++m_deferred;
    m_awaiting = true;
    m_timer.expires_after(config().deferred_timeout);
    m_timer.async_wait([self = shared_from_this(), keep_alive, request](beast::error_code ec) {
      if (ec || !self->awaiting(request)) return;  // answered (the wait was cancelled) or stopping
      self->m_awaiting = false;
      self->send(problem_response(problem(ApiError::kTimeout, "the node did not answer in time")), keep_alive, false);
    });
    std::weak_ptr<Session> weak = weak_from_this();
    deferred([weak = std::move(weak), shared = m_shared, keep_alive, request](Response answer) {
      std::lock_guard lock(shared->gate);
      if (shared->stopped) return;
      std::shared_ptr<Session> self = weak.lock();
      if (!self) return;
      auto executor = self->m_stream.get_executor();
      asio::post(executor, [self = std::move(self), keep_alive, request, answer = std::move(answer)]() mutable {
        if (!self->awaiting(request)) return;  // timed out already
        self->m_awaiting = false;
        self->m_timer.cancel();
        self->send(std::move(answer), keep_alive, false);
      });
    });
  }
  bool awaiting(std::uint64_t request) const { return m_awaiting && m_deferred == request; }

  // --- Event streams (GET /v1/events, docs/api.md) ---------------------------------------
  // The connection serves nothing else from now on. The hub's sink only queues (under
  // the queue's own mutex) and posts one drain to the strand; the strand writes what is
  // queued, one write at a time. A client that does not read stalls the write; events
  // then pile up in the queue until a bound is exceeded and the client is dropped. The
  // publisher never waits: the queue is bounded and the write is the strand's.
  void start_stream(const Response& r) {
    node::EventHub* hub = m_shared->ctx.service.events();
    if (hub == nullptr) return close(false);  // unreachable: the handler checked
    m_shared->requests.count(m_route, 200);
    m_shared->streams.open.fetch_add(1, std::memory_order_relaxed);
    m_events = std::make_shared<EventQueue>();
    m_hub = hub;
    m_subscription = hub->subscribe(
        [weak = weak_from_this(), queue = m_events, shared = m_shared, max_events = config().event_queue_events,
         max_bytes = config().event_queue_bytes](const std::shared_ptr<const node::Event>& e) {
          {
            std::lock_guard lock(queue->mutex);
            if (queue->overflow) return;
            const std::size_t size = wire_size(*e);
            if (queue->events.size() >= max_events || queue->bytes + size > max_bytes) {
              queue->overflow = true;  // wake the strand even while a write is stalled
            } else {
              queue->events.push_back(e);
              queue->bytes += size;
              if (queue->wake_posted) return;
            }
            queue->wake_posted = true;
          }
          std::lock_guard lock(shared->gate);
          if (shared->stopped) return;
          std::shared_ptr<Session> self = weak.lock();
          if (!self) return;
          auto executor = self->m_stream.get_executor();
          // Moved, so this thread holds no reference once posted: the session is never
          // destroyed here, inside the hub's lock (its destructor unsubscribes).
          asio::post(executor, [self = std::move(self)] { self->drain_events(); });
        });

    m_stream.expires_never();
    beast::error_code ignored;
    [[maybe_unused]] const auto set =
        m_stream.socket().set_option(asio::socket_base::send_buffer_size(config().event_send_buffer), ignored);
    m_out =
        "HTTP/1.1 200 OK\r\nServer: cloudchain\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\n";
    for (const auto& [name, value] : r.headers) {
      m_out.append(name).append(": ").append(value).append("\r\n");
    }
    m_out += "\r\n";
    write_stream();
    watch_for_close();
    arm_keepalive();
  }

  // Takes everything queued and writes it, unless a write is in flight (its completion
  // drains again).
  void drain_events() {
    if (m_stream_closed || m_writing_stream) return;
    std::deque<std::shared_ptr<const node::Event>> batch;
    bool overflow = false;
    {
      std::lock_guard lock(m_events->mutex);
      overflow = m_events->overflow;
      batch.swap(m_events->events);
      m_events->bytes = 0;
      m_events->wake_posted = false;
    }
    if (overflow) return drop_stream();
    if (batch.empty()) return;
    m_out.clear();
    for (const auto& e : batch) {
      m_out.append("id: ").append(std::to_string(++m_event_id)).append("\nevent: ").append(e->type);
      m_out.append("\ndata: ").append(e->data).append("\n\n");
    }
    write_stream();
  }

  void write_stream() {
    m_writing_stream = true;
    m_write_started = std::chrono::steady_clock::now();
    asio::async_write(m_stream, asio::buffer(m_out), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->m_writing_stream = false;
      if (ec) return self->close_stream();
      self->drain_events();
    });
  }

  // The client sends nothing more; a read completes when it closes (or resets).
  void watch_for_close() {
    m_stream.async_read_some(asio::buffer(m_scratch), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close_stream();
      self->watch_for_close();
    });
  }

  // Every event_keepalive: a comment line when idle; a client whose write has been
  // stalled for longer than idle_timeout is dropped (its queue may never fill when
  // events are rare).
  void arm_keepalive() {
    m_timer.expires_after(config().event_keepalive);
    m_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->m_stream_closed) return;
      if (self->m_writing_stream) {
        if (std::chrono::steady_clock::now() - self->m_write_started > self->config().idle_timeout) {
          return self->drop_stream();
        }
      } else {
        self->m_out = ": keep-alive\n\n";
        self->write_stream();
      }
      self->arm_keepalive();
    });
  }

  void drop_stream() {
    if (m_stream_closed) return;
    m_shared->streams.dropped.fetch_add(1, std::memory_order_relaxed);
    close_stream();
  }

  void close_stream() {
    if (m_stream_closed) return;
    m_stream_closed = true;
    m_shared->streams.open.fetch_sub(1, std::memory_order_relaxed);
    m_hub->unsubscribe(m_subscription);
    m_timer.cancel();
    beast::error_code ignored;
    [[maybe_unused]] const auto r1 = m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    [[maybe_unused]] const auto r2 = m_stream.socket().close(ignored);
  }

  void reply_and_close(ApiError e, std::string detail) {
    send(problem_response(problem(e, std::move(detail))), false, true);
  }

  void send(Response r, bool keep_alive, bool linger_after) {
    m_shared->requests.count(m_route, r.status);
    m_response = {};
    m_response.version(11);
    m_response.result(r.status);
    m_response.set(http::field::server, "cloudchain");
    switch (r.content_type) {
      case ContentType::kJson: m_response.set(http::field::content_type, "application/json"); break;
      case ContentType::kProblemJson: m_response.set(http::field::content_type, "application/problem+json"); break;
      case ContentType::kPrometheusText:
        m_response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        break;
      case ContentType::kNone: break;
    }
    m_response.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) m_response.set(beast::string_view(name.data(), name.size()), value);
    m_response.body() = std::move(r.body);
    m_response.keep_alive(keep_alive);
    m_response.prepare_payload();
    m_after_write = std::move(r.after_write);
    m_keep_alive = keep_alive;
    m_linger = linger_after;
    if (r.delay.count() > 0) {
      m_timer.expires_after(r.delay);
      m_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec) return;  // the server is stopping
        self->write();
      });
      return;
    }
    write();
  }

  void write() {
    m_stream.expires_after(config().idle_timeout);
    http::async_write(m_stream, m_response, beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    if (m_after_write) std::exchange(m_after_write, nullptr)();
    if (ec) return close(false);
    if (!m_keep_alive) return close(m_linger);
    read();
  }

  // Half-closes; with `linger`, keeps reading for a moment so that the client gets the
  // response rather than a reset for the bytes it already sent (an over-limit body).
  void close(bool do_linger) {
    beast::error_code ec;
    if (m_stream.socket().shutdown(tcp::socket::shutdown_send, ec)) return;  // already gone
    if (do_linger) linger(shared_from_this(), m_stream, m_scratch);
  }

  beast::tcp_stream m_stream;
  asio::steady_timer m_timer;  // the delay before a 401; the deadline of a deferred answer
  std::shared_ptr<Shared> m_shared;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::string_body>> m_parser;
  std::optional<http::response<http::empty_body>> m_continue;
  http::response<http::string_body> m_response;
  std::function<void()> m_after_write;
  std::string_view m_route;  // the current request's route template (empty: none matched)
  // An event stream (null / false until start_stream).
  node::EventHub* m_hub = nullptr;
  std::uint64_t m_subscription = 0;
  std::shared_ptr<EventQueue> m_events;
  std::string m_out;  // what the stream writes now
  std::uint64_t m_event_id = 0;
  bool m_writing_stream = false;
  bool m_stream_closed = false;
  std::chrono::steady_clock::time_point m_write_started;
  bool m_awaiting = false;       // a deferred answer is due (the timer waits for it)
  std::uint64_t m_deferred = 0;  // the number of the last deferred request
  bool m_keep_alive = false;
  bool m_linger = false;
  std::array<char, 4096> m_scratch{};
};

// "host:port" or "[v6]:port".
std::optional<tcp::endpoint> parse_listen(std::string_view listen) {
  std::string_view host;
  std::string_view port;
  if (!listen.empty() && listen.front() == '[') {
    const std::size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') return std::nullopt;
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // a bare IPv6 address needs brackets
  }
  const auto port_number = parse_decimal(port);
  if (!port_number || *port_number > 65535) return std::nullopt;
  beast::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return tcp::endpoint(address, static_cast<std::uint16_t>(*port_number));
}

}  // namespace

std::string_view to_string(ServerError e) {
  switch (e) {
    case ServerError::kBadListenAddress: return "api_bad_listen_address";
    case ServerError::kBadConfig: return "api_bad_config";
    case ServerError::kBindFailed: return "api_bind_failed";
    case ServerError::kAlreadyStarted: return "api_already_started";
  }
  return "api_unknown";
}

struct Server::Impl {
  Impl(node::NodeService& service, ServerConfig config)
      : shared(std::make_shared<Shared>(service, std::move(config))), refusal(refusal_response()) {}

  void accept() {
    acceptor->async_accept(asio::make_strand(*io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;  // stopping
      if (!ec) {
        if (shared->connections.load(std::memory_order_relaxed) >= shared->config.max_connections) {
          std::make_shared<Refusal>(std::move(socket), refusal)->start();
        } else {
          std::make_shared<Session>(std::move(socket), shared)->start();
        }
        return accept();
      }
      // An accept error (e.g. out of file descriptors) clears as connections close;
      // retrying at once would spin on it.
      accept_backoff->expires_after(kAcceptBackoff);
      accept_backoff->async_wait([this](beast::error_code wec) {
        if (!wec) accept();
      });
    });
  }

  void stop() {
    {
      std::lock_guard lock(shared->gate);
      shared->stopped = true;
    }
    if (io) io->stop();
    for (auto& t : threads) t.join();
    threads.clear();
    accept_backoff.reset();
    acceptor.reset();
    // Destroys the handlers still queued, and with them every session and its socket.
    io.reset();
  }

  std::shared_ptr<Shared> shared;
  const std::string refusal;
  bool started = false;
  // Declared before the acceptor: destroyed after it.
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> accept_backoff;  // used by the accept loop only
  std::vector<std::thread> threads;
};

Server::Server(node::NodeService& service, ServerConfig config)
    : m_impl(std::make_unique<Impl>(service, std::move(config))) {}

Server::~Server() { stop(); }

util::Result<std::uint16_t, ServerError> Server::start() {
  Impl& s = *m_impl;
  if (s.started) return util::fail(ServerError::kAlreadyStarted);
  s.started = true;
  const ServerConfig& cfg = s.shared->config;
  if (cfg.threads == 0 || cfg.max_connections == 0 || cfg.max_body_bytes == 0 || cfg.max_header_bytes == 0) {
    return util::fail(ServerError::kBadConfig, "threads, max_connections, max_body_bytes, max_header_bytes >= 1");
  }
  const auto endpoint = parse_listen(cfg.listen);
  if (!endpoint) return util::fail(ServerError::kBadListenAddress, cfg.listen);

  s.io = std::make_unique<asio::io_context>(static_cast<int>(cfg.threads));
  s.acceptor = std::make_unique<tcp::acceptor>(*s.io);
  beast::error_code ec;
  tcp::acceptor& acceptor = *s.acceptor;
  const bool listening =
      !acceptor.open(endpoint->protocol(), ec) && !acceptor.set_option(asio::socket_base::reuse_address(true), ec) &&
      !acceptor.bind(*endpoint, ec) && !acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!listening) {
    s.acceptor.reset();
    s.io.reset();
    return util::fail(ServerError::kBindFailed, cfg.listen + ": " + ec.message());
  }
  const std::uint16_t port = s.acceptor->local_endpoint().port();
  s.accept_backoff = std::make_unique<asio::steady_timer>(*s.io);
  s.accept();
  for (unsigned i = 0; i < cfg.threads; ++i) {
    s.threads.emplace_back([io = s.io.get(), shared = s.shared.get()] {
      util::name_this_thread("api");
      // Handlers do not throw (the router turns exceptions into 500s); should one escape
      // anyway, this thread goes on serving rather than ending the process.
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception&) {
          shared->escaped_exceptions.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  return port;
}

void Server::stop() { m_impl->stop(); }

std::size_t Server::connections() const { return m_impl->shared->connections.load(std::memory_order_relaxed); }

}  // namespace cloudchain::api
