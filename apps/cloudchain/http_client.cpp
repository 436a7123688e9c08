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

// One request's objects. Operations are asynchronous only so that a single deadline can
// bound all of them (Beast's synchronous calls have no timeout); the caller runs the
// io_context until they finish or the deadline passes.
struct Exchange {
  asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
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

  void start(const Url& url, std::chrono::milliseconds timeout) {
    stream.expires_after(timeout);
    resolver.async_resolve(url.host, url.port, [this](beast::error_code ec, const tcp::resolver::results_type& r) {
      if (ec) return fail(HttpError::kResolve, ec);
      stream.async_connect(r, [this](beast::error_code ec2, const tcp::endpoint&) { on_connect(ec2); });
    });
  }

  void on_connect(beast::error_code ec) {
    if (ec == asio::error::connection_refused) return fail(HttpError::kConnectionRefused, ec);
    if (ec) return fail(HttpError::kConnect, ec);
    http::async_write(stream, request, [this](beast::error_code ec2, std::size_t) {
      if (ec2) return fail(HttpError::kSend, ec2);
      http::async_read_header(stream, buffer, parser, [this](beast::error_code ec3, std::size_t) { on_header(ec3); });
    });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    // Beast 1.74 enforces body_limit on the bytes it reads but not on a Content-Length
    // announced in advance; check that here, before reading any of the body.
    if (auto length = parser.content_length(); length && *length > kMaxResponseBytes) {
      error = util::Error<HttpError>{HttpError::kResponseTooLarge, {}};
      return;
    }
    http::async_read(stream, buffer, parser, [this](beast::error_code ec2, std::size_t) { on_read(ec2); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      error = util::Error<HttpError>{HttpError::kResponseTooLarge, {}};
      return;
    }
    if (ec) return fail(HttpError::kReceive, ec);
    // The socket closes when the Exchange is destroyed ("Connection: close").
    done = true;
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

util::Result<HttpResponse, HttpError> HttpClient::request(bool post, std::string_view path,
                                                          std::string_view content_type, std::string_view body) const {
  Exchange x;
  const std::string target = m_url.base_path + std::string(path);
  x.request = http::request<http::string_body>(post ? http::verb::post : http::verb::get, target, 11);
  x.request.set(http::field::host, host_header(m_url));
  x.request.set(http::field::user_agent, "cloudchain-cli/0.1");
  x.request.set(http::field::accept, "application/json, application/problem+json");
  x.request.set(http::field::connection, "close");
  if (post) {
    x.request.set(http::field::content_type, std::string(content_type));
    x.request.body() = std::string(body);
  }
  x.request.prepare_payload();
  x.parser.body_limit(kMaxResponseBytes);
  x.parser.header_limit(64 * 1024);

  x.start(m_url, m_timeout);
  // The stream's own timer ends connect/write/read; this bound also covers a name lookup
  // that hangs (the resolver has no timer of its own).
  x.ioc.run_for(m_timeout + std::chrono::milliseconds(200));
  if (x.error) return std::unexpected(*x.error);
  if (!x.done) return util::fail(HttpError::kTimeout);

  auto& message = x.parser.get();
  HttpResponse response;
  response.status = message.result_int();
  response.reason = std::string(message.reason());
  if (auto it = message.find(http::field::content_type); it != message.end()) {
    response.content_type = std::string(it->value());
  }
  response.body = std::move(message.body());
  return response;
}

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
