// GET /v1/events over real sockets: block and transaction events in order with
// increasing ids, keep-alive comments, and a client that never reads dropped while
// another keeps receiving and the publisher never waits.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/test_fixture.hpp"
#include "primitives/transaction.hpp"

namespace cloudchain::api::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct SseEvent {
  std::uint64_t id = 0;
  std::string type;
  std::string data;
};

// A raw event-stream client: sends the request, then parses what arrives.
class EventClient {
 public:
  /// `receive_buffer` > 0: SO_RCVBUF before connecting (a small window stalls the
  /// server's writes sooner when this client does not read).
  explicit EventClient(std::uint16_t port, int receive_buffer = 0) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (m_fd < 0) throw std::runtime_error("socket");
    if (receive_buffer > 0) ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect");
    const std::string request = "GET /v1/events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n";
    if (::send(m_fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      throw std::runtime_error("send");
    }
  }
  ~EventClient() { ::close(m_fd); }
  EventClient(const EventClient&) = delete;
  EventClient& operator=(const EventClient&) = delete;

  /// The response head (through the blank line); "" on close or timeout.
  std::string head(std::chrono::milliseconds timeout = 10s) {
    if (!fill_until("\r\n\r\n", timeout)) return {};
    const std::size_t end = m_buffer.find("\r\n\r\n") + 4;
    std::string h = m_buffer.substr(0, end);
    m_buffer.erase(0, end);
    return h;
  }
  /// The next event, or the next comment when `comments` (as type ":" with the text in
  /// data); nullopt on close or timeout.
  std::optional<SseEvent> next(std::chrono::milliseconds timeout = 10s, bool comments = false) {
    for (;;) {
      if (!fill_until("\n\n", timeout)) return std::nullopt;
      const std::size_t end = m_buffer.find("\n\n");
      const std::string block = m_buffer.substr(0, end);
      m_buffer.erase(0, end + 2);
      SseEvent e;
      std::size_t pos = 0;
      while (pos <= block.size()) {
        std::size_t nl = block.find('\n', pos);
        if (nl == std::string::npos) nl = block.size();
        const std::string line = block.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.starts_with(":")) {
          e.type = ":";
          e.data = line.substr(1);
        } else if (line.starts_with("id: ")) {
          e.id = std::stoull(line.substr(4));
        } else if (line.starts_with("event: ")) {
          e.type = line.substr(7);
        } else if (line.starts_with("data: ")) {
          e.data = line.substr(6);
        }
      }
      if (e.type != ":" || comments) return e;
    }
  }
  /// Reads and discards until the server closes; false on timeout.
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[65536];
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
      if (n <= 0) return true;  // EOF or reset
    }
  }

 private:
  bool fill_until(std::string_view marker, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (m_buffer.find(marker) == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[65536];
      const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      m_buffer.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  int m_fd = -1;
  std::string m_buffer;
};

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

using EventsTest = ServerTest;

TEST_F(EventsTest, TransactionAndBlockEventsArriveInOrder) {
  EventClient client(port);
  const std::string head = client.head();
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-store\r\n"), std::string::npos) << head;
  ASSERT_EQ(node->events()->subscribers(), 1u);

  const crypto::Address carol = crypto::address_of(node->keys().carol.public_key());
  const auto tx = node->transfer(node->keys().bob, carol, 250, 0);
  const auto submitted = post("/v1/txs", json{{"tx", util::to_hex(primitives::encode(tx))}}.dump());
  ASSERT_EQ(submitted.status, 202u) << submitted.body;
  const primitives::Block block = node->mine({tx});

  const auto first = client.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, 1u);
  EXPECT_EQ(first->type, "tx");
  EXPECT_EQ(json::parse(first->data), (json{{"txid", util::to_hex(primitives::txid(tx))}}));
  const auto second = client.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, 2u);
  EXPECT_EQ(second->type, "block");
  EXPECT_EQ(json::parse(second->data), (json{{"height", block.header.height},
                                             {"hash", util::to_hex(primitives::block_hash(block.header))},
                                             {"txs", 1},
                                             {"timestamp_ms", block.header.timestamp_ms}}));
  // The block's page answers by the time its event arrives.
  EXPECT_EQ(get("/v1/blocks/" + std::to_string(block.header.height)).status, 200u);

  // Counted as a request, and as an open stream.
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("cloudchain_api_requests_total{route=\"/v1/events\",status=\"200\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("\ncloudchain_api_event_clients 1\n"), std::string::npos) << metrics;
}

TEST_F(EventsTest, KeepAliveCommentsAndUnsubscribeOnClose) {
  config.event_keepalive = 50ms;
  restart();
  {
    EventClient client(port);
    ASSERT_FALSE(client.head().empty());
    const auto comment = client.next(5s, /*comments=*/true);
    ASSERT_TRUE(comment.has_value());
    EXPECT_EQ(comment->type, ":");
    EXPECT_EQ(comment->data, " keep-alive");
    EXPECT_EQ(node->events()->subscribers(), 1u);
  }
  // The client closed: the server notices and unsubscribes.
  EXPECT_TRUE(wait_until([&] { return node->events()->subscribers() == 0; }));
  EXPECT_TRUE(
      wait_until([&] { return get("/metrics").body.find("\ncloudchain_api_event_clients 0\n") != std::string::npos; }));
}

TEST_F(EventsTest, QueryParametersAreRefused) {
  expect_problem(get("/v1/events?since=1"), 400, "bad_param");
  EXPECT_EQ(node->events()->subscribers(), 0u);
}

// A client that never reads stalls the server's writes; its queue fills and it is
// dropped, while a client that reads gets every event, and publishing never waits.
TEST_F(EventsTest, ASlowClientIsDroppedAndNeverSlowsThePublisher) {
  config.event_queue_events = 1000;
  config.event_queue_bytes = std::size_t{1} << 20;
  restart();
  constexpr std::size_t kEvents = 3000;
  const std::string pad(1000, 'x');  // about 1 KiB per event: the slow queue fills in about 1,000

  EventClient slow(port, /*receive_buffer=*/4096);
  EventClient fast(port);
  ASSERT_FALSE(fast.head().empty());
  ASSERT_TRUE(wait_until([&] { return node->events()->subscribers() == 2; }));

  std::vector<SseEvent> received;
  std::thread reader([&] {
    while (received.size() < kEvents) {
      auto e = fast.next(20s);
      if (!e) return;
      received.push_back(std::move(*e));
    }
  });
  std::chrono::nanoseconds slowest{0};
  for (std::size_t i = 0; i < kEvents; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    node->events()->publish(node::Event{"tx", json{{"n", i}, {"pad", pad}}.dump()});
    slowest = std::max<std::chrono::nanoseconds>(slowest, std::chrono::steady_clock::now() - t0);
    if (i % 20 == 19) std::this_thread::sleep_for(1ms);  // a pace the reading client keeps up with
  }
  reader.join();

  // The reader got everything, in order, numbered 1, 2, 3, ...
  ASSERT_EQ(received.size(), kEvents);
  for (std::size_t i = 0; i < kEvents; ++i) {
    EXPECT_EQ(received[i].id, i + 1);
    EXPECT_EQ(json::parse(received[i].data).at("n"), i);
  }
  // The slow one was dropped: its connection ends once what the kernel holds is read.
  EXPECT_TRUE(slow.closed_within(10s));
  EXPECT_EQ(node->events()->subscribers(), 1u);
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("\ncloudchain_api_event_clients_dropped_total 1\n"), std::string::npos) << metrics;
  // Publishing only queues: no call waited for a client (generous for a loaded machine).
  EXPECT_LT(slowest, 100ms);

  // Blocks keep coming at full pace with the stream open, and reach the reader.
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) node->mine({});
  const auto block = fast.next();
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->type, "block");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

}  // namespace
}  // namespace cloudchain::api::test
