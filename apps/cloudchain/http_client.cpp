#include "http_client.hpp"

// Boost.Beast is confined to this file (see http_client.hpp).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <optional>

namespace cloudchain::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string_view to_string(HttpError e) {
  switch (e) {
    case HttpError::kBadUrl: return "http_bad_url";
    case HttpError::kResolve: return "http_resolve";
    case HttpError::kConnectionRefused: return "http_connection_refused";
    case HttpError::kConnect: return "http_connect";
    case HttpError::kTimeout: return "http_timeout";
    case HttpError::kSend: return "http_send";
    case HttpError::kReceive: return "http_receive";
    case HttpError::kResponseTooLarge: return "http_response_too_large";
  }
  return "http_unknown";
}

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = s[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != prefix[i]) return false;
  }
  return true;
}

util::Result<std::string, HttpError> parse_port(std::string_view text) {
  const bool digits =
      !text.empty() && text.size() <= 5 && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoul(std::string(text)) == 0 || std::stoul(std::string(text)) > 65535) {
    return util::fail(HttpError::kBadUrl, "port \"" + std::string(text) + "\" is not a number in 1..65535");
  }
  return std::string(text);
}

}  // namespace

util::Result<Url, HttpError> parse_url(std::string_view text) {
  Url url;
  url.text = std::string(text);
  std::string_view rest = text;
  if (starts_with_ci(rest, "http://")) {
    rest.remove_prefix(7);
  } else if (starts_with_ci(rest, "https://")) {
    return util::fail(HttpError::kBadUrl, "https is not supported; use http:// (put a TLS proxy in front if needed)");
  } else if (rest.find("://") != std::string_view::npos) {
    return util::fail(HttpError::kBadUrl, "only http:// URLs are supported");
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return util::fail(HttpError::kBadUrl, "user information (user@host) is not supported");
  }
  if (path.find_first_of("?# ") != std::string_view::npos) {
    return util::fail(HttpError::kBadUrl, "the path must not contain '?', '#' or spaces");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  url.base_path = std::string(path);

  std::string_view port = "80";
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return util::fail(HttpError::kBadUrl, "unclosed '[' in an IPv6 address");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return util::fail(HttpError::kBadUrl, "unexpected text after ']'");
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return util::fail(HttpError::kBadUrl, "the host is missing");
  auto checked_port = parse_port(port);
  if (!checked_port) return std::unexpected(checked_port.error());
  url.port = *checked_port;
  return url;
}

namespace {

// A connection and the request in flight on it. Operations are asynchronous only so that
// a single deadline can bound all of them (Beast's synchronous calls have no timeout);
// run() drives the io_context until they finish or the deadline passes.
struct Connection {
  asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool open = false;
  std::size_t opened = 0;

  // One request's progress.
  struct Exchange {
    http::response_parser<http::string_body> parser;
    std::optional<util::Error<HttpError>> error;
    bool done = false;

    void fail(HttpError code, const beast::error_code& ec) {
      if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
        error = util::Error<HttpError>{HttpError::kTimeout, {}};
      } else {
        error = util::Error<HttpError>{code, ec.message()};
      }
    }
  };

  void close() {
    beast::error_code ignored;
    stream.socket().close(ignored);
    buffer.clear();
    open = false;
  }

  // Sends `request` (connecting first unless a connection is open) and reads the answer.
  // The connection stays open only after a complete response that allows it.
  util::Result<HttpResponse, HttpError> run(const Url& url, http::request<http::string_body>& request,
                                            std::chrono::milliseconds timeout) {
    Exchange x;
    x.parser.body_limit(kMaxResponseBytes);
    x.parser.header_limit(64 * 1024);
    stream.expires_after(timeout);
    if (open) {
      send(request, x);
    } else {
      ++opened;
      resolver.async_resolve(
          url.host, url.port, [this, &request, &x](beast::error_code ec, const tcp::resolver::results_type& r) {
            if (ec) return x.fail(HttpError::kResolve, ec);
            stream.async_connect(r, [this, &request, &x](beast::error_code ec2, const tcp::endpoint&) {
              if (ec2 == asio::error::connection_refused) {
                return x.fail(HttpError::kConnectionRefused, ec2);
              }
              if (ec2) return x.fail(HttpError::kConnect, ec2);
              open = true;
              send(request, x);
            });
          });
    }
    ioc.restart();
    // The stream's own timer ends connect/write/read; this bound also covers a name lookup
    // that hangs (the resolver has no timer of its own).
    ioc.run_for(timeout + std::chrono::milliseconds(200));
    if (!ioc.stopped()) {
      // Past the deadline with work pending: cancel it and let the handlers finish
      // (they refer to `x`, which lives until this returns).
      resolver.cancel();
      close();
      ioc.restart();
      ioc.run();
      if (!x.error) x.error = util::Error<HttpError>{HttpError::kTimeout, {}};
    }
    if (x.error || !x.done) {
      close();
      if (x.error) return std::unexpected(*x.error);
      return util::fail(HttpError::kTimeout);
    }
    auto& message = x.parser.get();
    if (!message.keep_alive()) close();
    HttpResponse response;
    response.status = message.result_int();
    response.reason = std::string(message.reason());
    if (auto it = message.find(http::field::content_type); it != message.end()) {
      response.content_type = std::string(it->value());
    }
    response.body = std::move(message.body());
    return response;
  }

  void send(http::request<http::string_body>& request, Exchange& x) {
    http::async_write(stream, request, [this, &x](beast::error_code ec, std::size_t) {
      if (ec) return x.fail(HttpError::kSend, ec);
      http::async_read_header(stream, buffer, x.parser, [this, &x](beast::error_code ec2, std::size_t) {
        if (ec2) return on_read(x, ec2);
        // Beast 1.74 enforces body_limit on the bytes it reads but not on a Content-Length
        // announced in advance; check that here, before reading any of the body.
        if (auto length = x.parser.content_length(); length && *length > kMaxResponseBytes) {
          x.error = util::Error<HttpError>{HttpError::kResponseTooLarge, {}};
          return;
        }
        http::async_read(stream, buffer, x.parser, [this, &x](beast::error_code ec3, std::size_t) { on_read(x, ec3); });
      });
    });
  }

  static void on_read(Exchange& x, beast::error_code ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      x.error = util::Error<HttpError>{HttpError::kResponseTooLarge, {}};
      return;
    }
    if (ec) return x.fail(HttpError::kReceive, ec);
    x.done = true;
  }
};

std::string host_header(const Url& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  return url.port == "80" ? host : host + ":" + url.port;
}

}  // namespace

util::Result<HttpResponse, HttpError> HttpClient::get(std::string_view path) const {
  return request(false, path, {}, {});
}

util::Result<HttpResponse, HttpError> HttpClient::post(std::string_view path, std::string_view content_type,
                                                       std::string_view body) const {
  return request(true, path, content_type, body);
}

namespace {

http::request<http::string_body> make_request(const Url& url, bool post, std::string_view path,
                                              std::string_view content_type, std::string_view body, bool keep_alive) {
  http::request<http::string_body> request(post ? http::verb::post : http::verb::get, url.base_path + std::string(path),
                                           11);
  request.set(http::field::host, host_header(url));
  request.set(http::field::user_agent, "cloudchain-cli/0.1");
  request.set(http::field::accept, "application/json, application/problem+json");
  request.keep_alive(keep_alive);
  if (post) {
    request.set(http::field::content_type, std::string(content_type));
    request.body() = std::string(body);
  }
  request.prepare_payload();
  return request;
}

}  // namespace

util::Result<HttpResponse, HttpError> HttpClient::request(bool post, std::string_view path,
                                                          std::string_view content_type, std::string_view body) const {
  auto request = make_request(m_url, post, path, content_type, body, false);
  Connection connection;
  return connection.run(m_url, request, m_timeout);
}

struct HttpSession::Impl {
  Url url;
  std::chrono::milliseconds timeout;
  Connection connection;

  util::Result<HttpResponse, HttpError> request(bool post, std::string_view path, std::string_view content_type,
                                                std::string_view body) {
    auto request = make_request(url, post, path, content_type, body, true);
    const bool reused = connection.open;
    auto r = connection.run(url, request, timeout);
    // An idle connection the server closed fails on send or on the first read: once more
    // on a new one.
    if (!r && reused && (r.error().code == HttpError::kSend || r.error().code == HttpError::kReceive)) {
      r = connection.run(url, request, timeout);
    }
    return r;
  }
};

HttpSession::HttpSession(Url url, std::chrono::milliseconds timeout)
    : m_impl(std::make_unique<Impl>(std::move(url), timeout)) {}
HttpSession::~HttpSession() = default;
HttpSession::HttpSession(HttpSession&&) noexcept = default;
HttpSession& HttpSession::operator=(HttpSession&&) noexcept = default;

const Url& HttpSession::url() const { return m_impl->url; }

util::Result<HttpResponse, HttpError> HttpSession::get(std::string_view path) {
  return m_impl->request(false, path, {}, {});
}

util::Result<HttpResponse, HttpError> HttpSession::post(std::string_view path, std::string_view content_type,
                                                        std::string_view body) {
  return m_impl->request(true, path, content_type, body);
}

std::size_t HttpSession::connections_opened() const { return m_impl->connection.opened; }

std::string describe(const util::Error<HttpError>& error, const Url& url) {
  const std::string at = "cannot reach node at " + url.text + ": ";
  switch (error.code) {
    case HttpError::kBadUrl: return "bad node URL \"" + url.text + "\": " + error.detail;
    case HttpError::kResolve: return at + "cannot resolve host \"" + url.host + "\" (" + error.detail + ")";
    case HttpError::kConnectionRefused: return at + "connection refused (is cloudchaind running?)";
    case HttpError::kConnect: return at + error.detail;
    case HttpError::kTimeout: return at + "no answer in time (the node may be overloaded; see --timeout)";
    case HttpError::kSend: return "lost the connection to the node at " + url.text + " while sending: " + error.detail;
    case HttpError::kReceive:
      return "lost the connection to the node at " + url.text + " while receiving: " + error.detail;
    case HttpError::kResponseTooLarge:
      return "the node at " + url.text + " sent a response larger than " +
             std::to_string(kMaxResponseBytes / (std::size_t{1024} * 1024)) + " MiB";
  }
  return at + std::string(to_string(error.code));
}

}  // namespace cloudchain::cli
