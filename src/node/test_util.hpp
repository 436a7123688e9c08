#pragma once
// Helpers shared by the node layer's tests (not part of the library).

#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "crypto/address.hpp"
#include "crypto/keys.hpp"

namespace cloudchain::node::test {

/// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() /
             ("cloudchain-node-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

/// A distinct valid key per index (a small scalar, so always in [1, n-1]).
inline crypto::PrivateKey key_of(std::uint32_t index) {
  util::ByteArray<32> secret{};
  secret[0] = 0x02;
  secret[28] = static_cast<std::uint8_t>(index >> 24);
  secret[29] = static_cast<std::uint8_t>(index >> 16);
  secret[30] = static_cast<std::uint8_t>(index >> 8);
  secret[31] = static_cast<std::uint8_t>(index);
  return *crypto::PrivateKey::from_bytes(secret);
}

inline crypto::Address address_of(std::uint32_t index) { return crypto::address_of(key_of(index).public_key()); }

/// The wall clock in Unix milliseconds (genesis times of test chains).
inline std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

/// Log lines (debug and up) into a string stream, so tests can look for them.
struct CapturedLog {
  std::shared_ptr<std::ostringstream> stream = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> logger;
  CapturedLog() {
    logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream));
    logger->set_level(spdlog::level::debug);
  }
  std::string text() const {
    logger->flush();
    return stream->str();
  }
};

/// Polls `pred` every 10 ms until it holds or `timeout` passed; its last answer.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

inline std::string address_text(std::uint32_t index, std::string_view network = "ccdev") {
  return crypto::encode_address(network, address_of(index));
}

}  // namespace cloudchain::node::test
