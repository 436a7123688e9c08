#include "verify_rate.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

#include "crypto/keys.hpp"

namespace cloudchain::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Sample {
  crypto::PublicKey key;
  util::Hash256 digest{};
  crypto::Signature sig;
};

std::vector<Sample> make_samples(std::size_t count) {
  std::vector<Sample> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const crypto::PrivateKey key = crypto::PrivateKey::generate();
    util::Hash256 digest{};
    for (std::size_t b = 0; b < digest.size(); ++b) digest[b] = static_cast<std::uint8_t>((i * 31 + b * 7) & 0xff);
    out.push_back(Sample{key.public_key(), digest, key.sign(digest)});
  }
  return out;
}

// Verifications per second of `threads` threads verifying for `seconds`.
double rate(const std::vector<Sample>& samples, unsigned threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  const auto t0 = Clock::now();
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::uint64_t mine = 0;
      for (std::size_t i = t; !stop.load(std::memory_order_relaxed); i = (i + 1) % samples.size(), ++mine) {
        const Sample& s = samples[i];
        if (!crypto::verify(s.key, s.digest, s.sig)) failed.store(true);
      }
      done.fetch_add(mine);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  for (auto& thread : pool) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  // A signature that does not verify means the measurement measured something else.
  if (failed.load()) return 0.0;
  return static_cast<double>(done.load()) / elapsed;
}

}  // namespace

VerifyRate measure_verify_rate(double seconds, unsigned threads) {
  VerifyRate out;
  out.threads = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  const std::vector<Sample> samples = make_samples(256);
  out.one_core = rate(samples, 1, seconds / 2);
  out.all_cores = rate(samples, out.threads, seconds / 2);
  return out;
}

}  // namespace cloudchain::cli
