#include "test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace cloudchain::cli::test {

Response problem(unsigned status, const std::string& code, const std::string& detail) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = nlohmann::json{
      {"type", "https://cloudchain.dev/problems/" + code},
      {"title", code},
      {"status", status},
      {"code", code},
      {"detail",
       detail}}.dump();
  return r;
}

TestServer::TestServer(Handler handler, std::size_t requests_per_connection)
    : m_handler(std::move(handler)), m_requests_per_connection(std::max<std::size_t>(1, requests_per_connection)) {
  m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (m_listen_fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen_fd, 16) != 0) {
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  m_port = ntohs(addr.sin_port);
  m_thread = std::thread([this] { serve(); });
}

TestServer::~TestServer() {
  m_stop = true;
  m_thread.join();
  ::close(m_listen_fd);
}

std::vector<Request> TestServer::requests() const {
  std::lock_guard lock(m_mutex);
  return m_requests;
}

void TestServer::serve() {
  while (!m_stop) {
    pollfd p{m_listen_fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++m_connections;
    std::string buffer;
    for (std::size_t i = 1; !m_stop && handle(fd, buffer, i == m_requests_per_connection); ++i) {
    }
    ::close(fd);
  }
}

namespace {

// Reads until `done(buffer)` or the peer closes; false on close before done.
template <typename Done>
bool read_until(int fd, std::string& buffer, Done done) {
  char chunk[4096];
  while (!done(buffer)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

std::string lower(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void write_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool TestServer::handle(int fd, std::string& buffer, bool last) {
  if (!read_until(fd, buffer, [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; })) {
    return false;
  }
  const std::size_t head_end = buffer.find("\r\n\r\n");
  std::istringstream head(buffer.substr(0, head_end));
  Request req;
  std::string line;
  std::getline(head, line);
  std::istringstream first(line);
  first >> req.method >> req.target;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    req.headers[lower(line.substr(0, colon))] = value;
  }
  std::size_t length = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) length = std::stoul(it->second);
  const std::size_t total = head_end + 4 + length;
  if (!read_until(fd, buffer, [total](const std::string& b) { return b.size() >= total; })) return false;
  req.body = buffer.substr(head_end + 4, length);
  buffer.erase(0, total);
  {
    std::lock_guard lock(m_mutex);
    m_requests.push_back(req);
  }
  const Response r = m_handler(req);
  if (r.hang) {
    while (!m_stop) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return false;
  }
  if (!r.raw.empty()) {
    write_all(fd, r.raw);
    return false;
  }
  const bool keep = m_requests_per_connection > 1;
  const std::string reason = r.status < 300 ? "OK" : r.status == 404 ? "Not Found" : "Error";
  write_all(fd, "HTTP/1.1 " + std::to_string(r.status) + " " + reason + "\r\nContent-Type: " + r.content_type +
                    "\r\nContent-Length: " + std::to_string(r.body.size()) +
                    (keep && !r.say_close ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n") + r.body);
  return keep && !last;
}

std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "cloudchain-cli-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

RunResult run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              std::vector<std::string> secret_lines, bool tty) {
  std::ostringstream out;
  std::ostringstream err;
  std::size_t next_secret = 0;
  Io io{out, err,
        [&env](const std::string& name) -> std::optional<std::string> {
          auto it = env.find(name);
          if (it == env.end()) return std::nullopt;
          return it->second;
        },
        [&](std::string_view prompt) -> std::optional<std::string> {
          if (!tty || next_secret >= secret_lines.size()) return std::nullopt;
          err << prompt;
          return secret_lines[next_secret++];
        }};
  std::vector<std::string> argv{"cloudchain"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult result;
  result.code = run_cli(argv, io);
  result.out = out.str();
  result.err = err.str();
  return result;
}

}  // namespace cloudchain::cli::test
