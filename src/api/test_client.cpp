#include "api/test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace cloudchain::api::test {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string{} : it->second;
}

Client::Client(std::uint16_t port) {
  m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (m_fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(m_fd);
    throw std::runtime_error("connect failed");
  }
}

Client::~Client() {
  if (m_fd >= 0) ::close(m_fd);
}

bool Client::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Client::fill(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{m_fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[16384];
  const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  m_buffer.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool Client::read_until(std::string_view marker) {
  const auto deadline = std::chrono::steady_clock::now() + kReadTimeout;
  std::size_t at;
  while ((at = m_buffer.find(marker)) == std::string::npos) {
    if (!fill(deadline)) return false;
  }
  m_buffer.erase(0, at + marker.size());
  return true;
}

std::optional<HttpResponse> Client::read_response() {
  const auto deadline = std::chrono::steady_clock::now() + kReadTimeout;
  for (;;) {
    std::size_t head_end;
    while ((head_end = m_buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return std::nullopt;
    }
    HttpResponse r;
    const std::string head = m_buffer.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12 || status_line.compare(0, 9, "HTTP/1.1 ") != 0) {
      throw std::runtime_error("bad status line: " + status_line);
    }
    r.status = static_cast<unsigned>(std::stoul(status_line.substr(9, 3)));
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      r.headers[lower(line.substr(0, colon))] = trim(std::string_view(line).substr(colon + 1));
    }
    m_buffer.erase(0, head_end + 4);
    if (r.status >= 100 && r.status < 200) continue;  // interim (100 Continue)
    const std::string length = r.header("content-length");
    const std::size_t n = length.empty() ? 0 : std::stoul(length);
    while (m_buffer.size() < n) {
      if (!fill(deadline)) return std::nullopt;
    }
    r.body = m_buffer.substr(0, n);
    m_buffer.erase(0, n);
    return r;
  }
}

bool Client::wait_closed(std::chrono::milliseconds timeout) {
  pollfd p{m_fd, POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
    if (n <= 0) return true;  // EOF or reset
    m_buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

HttpResponse Client::request(std::string_view method, std::string_view target, std::string_view body,
                             std::string_view extra_headers, std::string_view content_type) {
  std::string req;
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  if (!body.empty() || method == "POST") {
    if (!content_type.empty()) req.append("Content-Type: ").append(content_type).append("\r\n");
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  req.append(extra_headers).append("\r\n").append(body);
  if (!send_raw(req)) throw std::runtime_error("send failed");
  auto r = read_response();
  if (!r) throw std::runtime_error("no response to " + std::string(method) + " " + std::string(target));
  return *r;
}

HttpResponse get(std::uint16_t port, std::string_view target, std::string_view extra_headers) {
  Client c(port);
  return c.request("GET", target, {}, extra_headers);
}

HttpResponse post(std::uint16_t port, std::string_view target, std::string_view body, std::string_view extra_headers,
                  std::string_view content_type) {
  Client c(port);
  return c.request("POST", target, body, extra_headers, content_type);
}

}  // namespace cloudchain::api::test
