#pragma once
// A minimal HTTP/1.1 client over a raw POSIX socket for the API tests (not part of the
// library). Raw, so a test can send exactly the bytes it wants (malformed requests,
// oversized heads, pipelined requests) and see exactly when the server closes.
//
// Every read waits at most kReadTimeout, so a server that fails to answer fails the test
// instead of hanging it. Responses must carry Content-Length (the server always sets it).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cloudchain::api::test {

inline constexpr std::chrono::seconds kReadTimeout{10};

struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  /// The header's value, or "" when absent.
  std::string header(const std::string& lower_name) const;
  /// The body parsed as JSON (throws on malformed JSON: a test failure).
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

class Client {
 public:
  /// Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit Client(std::uint16_t port);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends all of `bytes`. Returns false if the connection is gone.
  bool send_raw(std::string_view bytes);
  /// The next response, skipping 1xx interim ones; nullopt when the server closed the
  /// connection (or reset it) before a whole response arrived.
  std::optional<HttpResponse> read_response();
  /// Reads until `marker` has arrived and consumes everything up to and including it;
  /// false on close or timeout.
  bool read_until(std::string_view marker);
  /// True when the server has closed the connection (reads EOF or a reset within the
  /// timeout, with no data pending).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::milliseconds{5000});

  /// Sends one request (HTTP/1.1, keep-alive) and reads its response; throws
  /// std::runtime_error if none comes. `extra_headers` are whole lines, each ending in
  /// "\r\n"; `content_type` is sent with a body or a POST unless empty.
  HttpResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                       std::string_view extra_headers = {}, std::string_view content_type = "application/json");

 private:
  // Reads what has arrived into m_buffer; false on EOF, error or the deadline.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int m_fd = -1;
  std::string m_buffer;  // bytes read past the last response
};

/// One request on a fresh connection.
HttpResponse get(std::uint16_t port, std::string_view target, std::string_view extra_headers = {});
HttpResponse post(std::uint16_t port, std::string_view target, std::string_view body,
                  std::string_view extra_headers = {}, std::string_view content_type = "application/json");

}  // namespace cloudchain::api::test
