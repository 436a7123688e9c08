#pragma once
// Test support: a real HTTP/1.1 server on a loopback TCP port, one thread, one request
// per connection (the client sends "Connection: close"), written on plain POSIX sockets
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
};

/// A problem document (api.md) with `status` and `code`.
Response problem(unsigned status, const std::string& code, const std::string& detail);

class TestServer {
 public:
  using Handler = std::function<Response(const Request&)>;
  /// Listens on 127.0.0.1 on a free port and serves until destroyed.
  explicit TestServer(Handler handler);
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  ~TestServer();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  std::uint16_t port() const { return m_port; }
  /// Every request received so far.
  std::vector<Request> requests() const;

 private:
  void serve();
  void handle(int fd);

  Handler m_handler;
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
