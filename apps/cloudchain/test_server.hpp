#pragma once
// Test support: a real HTTP/1.1 server on a loopback TCP port, one thread, one request
// per connection (the client sends "Connection: close") unless told to keep connections
// for more (keep-alive clients), written on plain POSIX sockets
// so the tests do not share code with the client under test. The handler decides each
// answer; it can also answer with raw bytes or not at all (to test timeouts).
//
// Plus the in-process CLI runner and temporary directories used by the command tests.

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"

namespace cloudchain::cli::test {

struct Request {
  std::string method;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string raw;    // when set, sent verbatim instead of status/content_type/body
  bool hang = false;  // when set, nothing is sent until the server stops
  // Keep-alive servers only: say "Connection: close" yet keep reading the connection, so
  // a client that ignored the header would be served on it again (tests that it does not).
  bool say_close = false;
};

/// A problem document (api.md) with `status` and `code`.
Response problem(unsigned status, const std::string& code, const std::string& detail);

class TestServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  /// Listens on 127.0.0.1 on a free port and serves until destroyed. With
  /// `requests_per_connection` > 1 it answers without "Connection: close" and reads the
  /// next request on the same connection, closing it after that many (as a server drops
  /// an idle keep-alive connection) or when the client does.
  explicit TestServer(Handler handler, std::size_t requests_per_connection = 1);
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  ~TestServer();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  std::uint16_t port() const { return m_port; }
  /// Every request received so far.
  std::vector<Request> requests() const;
  /// Connections accepted so far.
  std::size_t connections() const { return m_connections; }

 private:
  void serve();
  // One request on `fd`; false when the connection is to be closed.
  bool handle(int fd, std::string& buffer, bool last);

  Handler m_handler;
  std::size_t m_requests_per_connection = 1;
  std::atomic<std::size_t> m_connections{0};
  int m_listen_fd = -1;
  std::uint16_t m_port = 0;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::vector<Request> m_requests;  // guarded by m_mutex
  std::thread m_thread;
};

/// A loopback port with nothing listening on it (bound, then closed).
std::uint16_t closed_port();

/// A fresh directory removed on destruction.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

/// Writes `text` to `path`.
void write_file(const std::filesystem::path& path, const std::string& text);

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs the CLI in-process with `env` as the whole environment and no terminal (or
/// `secret_lines` answering the password prompts in order, as if typed).
RunResult run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
              std::vector<std::string> secret_lines = {}, bool tty = false);

}  // namespace cloudchain::cli::test
