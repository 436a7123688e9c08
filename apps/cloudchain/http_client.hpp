#pragma once
// A small synchronous HTTP/1.1 client for the node's JSON API (docs/api.md). HttpClient
// opens one connection per request; HttpSession keeps one open for many requests in turn
// (keep-alive, for `devnet load`). Plain HTTP only (a node's API listens on loopback or behind a
// TLS-terminating proxy). Boost.Beast does the protocol work; it stays inside
// http_client.cpp so no other file of the CLI compiles it.
//
// Each request has one deadline covering name resolution, connect, send and receive;
// responses larger than kMaxResponseBytes are refused. Failures are typed (HttpError) and
// describe() turns them into the message the user sees, e.g.
//   cannot reach node at http://127.0.0.1:8645: connection refused (is cloudchaind running?)
// An HTTP error status is not a failure here: the caller reads status and body.
//
// Thread-safety: an HttpClient is immutable; concurrent requests from several threads are
// fine (each runs on its own io_context). An HttpSession is one thread's at a time.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace cloudchain::cli {

/// Large enough for a 4 MiB block as hex inside its JSON, with room to spare.
inline constexpr std::size_t kMaxResponseBytes = std::size_t{32} * 1024 * 1024;

enum class HttpError {
  kBadUrl,             // the node URL is http://host[:port][/path] (scheme optional, no https, no user info)
  kResolve,            // the host name resolves
  kConnectionRefused,  // something listens on host:port
  kConnect,            // any other connect failure (unreachable network, reset, ...)
  kTimeout,            // the whole request completes within the deadline
  kSend,               // the request is written
  kReceive,            // a complete, well-formed HTTP response arrives before the peer closes
  kResponseTooLarge,   // the response is at most kMaxResponseBytes
};
std::string_view to_string(HttpError e);

struct Url {
  std::string host;       // name or address; an IPv6 literal without its brackets
  std::string port;       // decimal, "80" when the URL has none
  std::string base_path;  // "" or "/prefix" (no trailing slash); requests go to base_path + path
  std::string text;       // the URL as given, for messages
};

/// Parses "http://host[:port][/path]" or "host[:port][/path]". Errors: kBadUrl with the reason.
util::Result<Url, HttpError> parse_url(std::string_view text);

struct HttpResponse {
  unsigned status = 0;
  std::string reason;
  std::string content_type;  // the Content-Type header, "" when absent
  std::string body;
};

class HttpClient {
 public:
  HttpClient(Url url, std::chrono::milliseconds timeout) : m_url(std::move(url)), m_timeout(timeout) {}

  const Url& url() const { return m_url; }
  std::chrono::milliseconds timeout() const { return m_timeout; }

  /// GET base_path + path (path starts with '/'). Errors: every HttpError but kBadUrl.
  util::Result<HttpResponse, HttpError> get(std::string_view path) const;
  /// POST `body` with the given content type. Errors: as get().
  util::Result<HttpResponse, HttpError> post(std::string_view path, std::string_view content_type,
                                             std::string_view body) const;

 private:
  util::Result<HttpResponse, HttpError> request(bool post, std::string_view path, std::string_view content_type,
                                                std::string_view body) const;
  Url m_url;
  std::chrono::milliseconds m_timeout;
};

/// One keep-alive connection for a sequence of requests: it connects on the first request
/// and again after the server closed it or a request failed. Each request has the same
/// deadline and errors as HttpClient's. A request that fails to send or receive on a
/// connection opened for an earlier request is tried once more on a new connection (the
/// server may have closed an idle one; for POST /v1/txs a repeat is harmless: the node
/// answers a known transaction as such).
class HttpSession {
 public:
  HttpSession(Url url, std::chrono::milliseconds timeout);
  ~HttpSession();
  HttpSession(HttpSession&&) noexcept;
  HttpSession& operator=(HttpSession&&) noexcept;

  const Url& url() const;
  util::Result<HttpResponse, HttpError> get(std::string_view path);
  util::Result<HttpResponse, HttpError> post(std::string_view path, std::string_view content_type,
                                             std::string_view body);
  /// Connections opened so far (tests: a reused connection opens no new one).
  std::size_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// The user-facing sentence for a failed request to `url`, e.g. "cannot reach node at
/// http://127.0.0.1:8645: connection refused (is cloudchaind running?)".
std::string describe(const util::Error<HttpError>& error, const Url& url);

}  // namespace cloudchain::cli
