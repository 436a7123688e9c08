#include "consensus/miner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "consensus/pow.hpp"
#include "consensus/test_util.hpp"
#include "crypto/sha256_compress.hpp"

namespace cloudchain::consensus {
namespace {

using namespace std::chrono_literals;
using test::header_with_bits;
using test::kEasyBits;
using test::kImpossibleBits;

// Timeouts are generous: they only turn a hang into a failure, never measure speed.
constexpr auto kTimeout = 60s;

// Collects what the miner reports, from its threads.
class Recorder {
 public:
  struct Found {
    primitives::BlockHeader header;
    std::uint64_t generation;
  };

  Miner::FoundFn found_fn() {
    return [this](const primitives::BlockHeader& h, std::uint64_t gen) {
      std::lock_guard lock(m_mutex);
      m_found.push_back({h, gen});
      m_cv.notify_all();
    };
  }
  Miner::ExhaustedFn exhausted_fn() {
    return [this](std::uint64_t gen) {
      std::lock_guard lock(m_mutex);
      m_exhausted.push_back(gen);
      m_cv.notify_all();
    };
  }

  bool wait_found(std::size_t n) {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, kTimeout, [&] { return m_found.size() >= n; });
  }
  bool wait_exhausted(std::size_t n) {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, kTimeout, [&] { return m_exhausted.size() >= n; });
  }
  std::vector<Found> found() const {
    std::lock_guard lock(m_mutex);
    return m_found;
  }
  std::vector<std::uint64_t> exhausted() const {
    std::lock_guard lock(m_mutex);
    return m_exhausted;
  }

 private:
  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  std::vector<Found> m_found;
  std::vector<std::uint64_t> m_exhausted;
};

BlockTemplate make_template(std::uint32_t bits, std::uint64_t generation) {
  BlockTemplate t;
  t.header = header_with_bits(bits);
  t.header.timestamp_ms += generation;  // templates of different generations differ
  t.generation = generation;
  return t;
}

bool wait_until(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

PowParams params_for(std::uint32_t bits) {
  PowParams p = test::devnet_params();
  p.pow_limit = Uint256::max().to_be();
  p.genesis_bits = bits;
  return p;
}

void expect_same_except_nonce(const primitives::BlockHeader& found, const primitives::BlockHeader& tpl) {
  primitives::BlockHeader copy = found;
  std::get<primitives::PowSeal>(copy.seal).nonce = std::get<primitives::PowSeal>(tpl.seal).nonce;
  EXPECT_EQ(copy, tpl);
}

TEST(Miner, FindsAValidNonce) {
  Recorder rec;
  Miner miner(rec.found_fn(), rec.exhausted_fn());
  const std::uint32_t bits = 0x1f00ffff;  // about 1 hash in 65536 meets it: several chunks
  const BlockTemplate tpl = make_template(bits, 7);
  ASSERT_TRUE(miner.set_template(tpl));
  miner.start(2);
  ASSERT_TRUE(rec.wait_found(1));
  const auto found = rec.found();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].generation, 7u);
  EXPECT_TRUE(check_pow(found[0].header, params_for(bits)));
  expect_same_except_nonce(found[0].header, tpl.header);
  EXPECT_GT(miner.hashes(), 0u);
  // One result per template: the threads idle afterwards.
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(rec.found().size(), 1u);
  miner.stop();
}

TEST(Miner, SetTemplateSwitchesThreadsMidSearch) {
  Recorder rec;
  Miner miner(rec.found_fn(), rec.exhausted_fn());
  ASSERT_TRUE(miner.set_template(make_template(kImpossibleBits, 1)));
  miner.start(2);
  // Both threads are busy on the impossible template...
  ASSERT_TRUE(wait_until([&] { return miner.hashes() > 4 * Miner::kChunkNonces; }));
  // ...and move to the new one: only it can produce a result, and does.
  const BlockTemplate easy = make_template(0x1f00ffff, 2);
  ASSERT_TRUE(miner.set_template(easy));
  ASSERT_TRUE(rec.wait_found(1));
  const auto found = rec.found();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].generation, 2u);
  expect_same_except_nonce(found[0].header, easy.header);
  EXPECT_TRUE(check_pow(found[0].header, params_for(0x1f00ffff)));
  EXPECT_TRUE(rec.exhausted().empty());
}

// The delivery guarantee: once set_template(g) has returned, no callback for an
// earlier generation runs. Templates are easy (about every 256th hash), so results race
// with the switches all the time.
TEST(Miner, NoResultForAnOldTemplateAfterSwitching) {
  std::atomic<std::uint64_t> returned{0};  // the last generation whose set_template returned
  std::atomic<int> stale{0};
  std::atomic<int> results{0};
  Miner miner(
      [&](const primitives::BlockHeader&, std::uint64_t gen) {
        if (gen < returned.load()) stale.fetch_add(1);
        results.fetch_add(1);
      },
      {});
  miner.start(2);
  for (std::uint64_t gen = 1; gen <= 1000; ++gen) {
    ASSERT_TRUE(miner.set_template(make_template(0x2000ffff, gen)));
    returned.store(gen);
    if (gen % 3 == 0) std::this_thread::sleep_for(200us);
  }
  miner.stop();
  EXPECT_EQ(stale.load(), 0);
  EXPECT_GT(results.load(), 0);
}

TEST(Miner, StopJoinsPromptly) {
  Recorder rec;
  Miner miner(rec.found_fn(), rec.exhausted_fn());
  ASSERT_TRUE(miner.set_template(make_template(kImpossibleBits, 1)));
  miner.start(2);
  EXPECT_TRUE(miner.running());
  EXPECT_EQ(miner.thread_count(), 2u);
  ASSERT_TRUE(wait_until([&] { return miner.hashes() > 0; }));
  const auto before = std::chrono::steady_clock::now();
  miner.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 10s);  // one chunk per thread, in practice ms
  EXPECT_FALSE(miner.running());
  const std::uint64_t after_stop = miner.hashes();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(miner.hashes(), after_stop);  // nothing runs any more
  miner.stop();                           // a second stop is a no-op
}

TEST(Miner, HashesCounterIncreases) {
  Miner miner({}, {});
  EXPECT_EQ(miner.hashes(), 0u);
  ASSERT_TRUE(miner.set_template(make_template(kImpossibleBits, 1)));
  miner.start(1);
  std::uint64_t last = 0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(wait_until([&] { return miner.hashes() > last; }));
    last = miner.hashes();
  }
  miner.stop();
}

TEST(Miner, IdlesWithoutATemplate) {
  Miner miner({}, {});
  miner.start(2);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(miner.hashes(), 0u);
  ASSERT_TRUE(miner.set_template(make_template(kImpossibleBits, 1)));
  ASSERT_TRUE(wait_until([&] { return miner.hashes() > 0; }));
  miner.clear_template();
  // After clear_template the threads finish at most their current chunk, then idle.
  const std::uint64_t settled = miner.hashes() + 2 * Miner::kChunkNonces;
  std::this_thread::sleep_for(50ms);
  EXPECT_LE(miner.hashes(), settled);
  const std::uint64_t idle = miner.hashes();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(miner.hashes(), idle);
}

// Exhaustion: every nonce of the range tried exactly once (the hash count proves the
// slices neither overlap nor leave gaps), then one on_exhausted; the header is not
// changed by the miner.
TEST(Miner, ExhaustedRangeIsSignalledOnce) {
  Recorder rec;
  Miner miner(rec.found_fn(), rec.exhausted_fn());
  BlockTemplate tpl = make_template(kImpossibleBits, 9);
  tpl.nonce_first = 1000;
  tpl.nonce_last = 1000 + 3 * Miner::kChunkNonces + 16;  // not a multiple of the chunk or thread count
  miner.start(3);
  ASSERT_TRUE(miner.set_template(tpl));
  ASSERT_TRUE(rec.wait_exhausted(1));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rec.exhausted(), std::vector<std::uint64_t>{9});
  EXPECT_TRUE(rec.found().empty());
  EXPECT_EQ(miner.hashes(), tpl.nonce_last - tpl.nonce_first + 1);
}

TEST(Miner, RangeEndingAtTheLastNonce) {
  Recorder rec;
  Miner miner(rec.found_fn(), rec.exhausted_fn());
  BlockTemplate tpl = make_template(kImpossibleBits, 3);
  tpl.nonce_first = std::numeric_limits<std::uint64_t>::max() - 10;  // no wrap-around past 2^64 - 1
  miner.start(2);
  ASSERT_TRUE(miner.set_template(tpl));
  ASSERT_TRUE(rec.wait_exhausted(1));
  EXPECT_EQ(miner.hashes(), 11u);
}

TEST(Miner, MoreThreadsThanNonces) {
  // The one nonce of the range meets the target: whichever thread owns it finds it; the
  // threads with empty slices neither search nor report exhaustion.
  BlockTemplate tpl = make_template(0x1f00ffff, 4);
  primitives::BlockHeader mined = tpl.header;
  test::mine(mined);
  const std::uint64_t nonce = std::get<primitives::PowSeal>(mined.seal).nonce;
  tpl.nonce_first = nonce;
  tpl.nonce_last = nonce;
  Recorder rec;
  Miner miner(rec.found_fn(), rec.exhausted_fn());
  miner.start(4);
  ASSERT_TRUE(miner.set_template(tpl));
  ASSERT_TRUE(rec.wait_found(1));
  EXPECT_EQ(rec.found()[0].header, mined);
  EXPECT_EQ(miner.hashes(), 1u);
  std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(rec.exhausted().empty());

  // The same one-nonce range one below: nothing to find, exhaustion reported once.
  tpl.generation = 5;
  tpl.nonce_first = tpl.nonce_last = nonce - 1;
  ASSERT_TRUE(miner.set_template(tpl));
  ASSERT_TRUE(rec.wait_exhausted(1));
  EXPECT_EQ(rec.exhausted(), std::vector<std::uint64_t>{5});
}

TEST(Miner, CallbackMaySetTheNextTemplate) {
  // The caller's usual loop: on a found block, build on it. Runs set_template from
  // inside on_found (no deadlock on the delivery lock).
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::uint64_t> gens;
  Miner* self = nullptr;
  Miner miner(
      [&](const primitives::BlockHeader&, std::uint64_t gen) {
        if (gen < 5) {
          EXPECT_TRUE(self->set_template(make_template(kEasyBits, gen + 1)));
        }
        std::lock_guard lock(mutex);
        gens.push_back(gen);
        cv.notify_all();
      },
      {});
  self = &miner;
  ASSERT_TRUE(miner.set_template(make_template(kEasyBits, 1)));
  miner.start(2);
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, kTimeout, [&] { return gens.size() >= 5; }));
  EXPECT_EQ(gens, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  lock.unlock();
  miner.stop();
}

TEST(Miner, RestartKeepsTheTemplate) {
  Miner miner({}, {});
  ASSERT_TRUE(miner.set_template(make_template(kImpossibleBits, 2)));
  miner.start(1);
  ASSERT_TRUE(wait_until([&] { return miner.hashes() > 0; }));
  miner.start(3);  // restart while running: the range is split anew between 3 threads
  EXPECT_EQ(miner.thread_count(), 3u);
  miner.stop();
  const std::uint64_t stopped = miner.hashes();
  miner.start(2);  // after stop(): the kept template is mined again without set_template
  ASSERT_TRUE(wait_until([&] { return miner.hashes() > stopped; }));
  EXPECT_EQ(miner.thread_count(), 2u);
}

TEST(Miner, BadTemplatesAreRejectedAndChangeNothing) {
  Recorder rec;
  Miner miner(rec.found_fn(), rec.exhausted_fn());
  BlockTemplate pos = make_template(kEasyBits, 1);
  pos.header.seal = primitives::PosSeal{};
  auto r = miner.set_template(pos);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, MinerError::kNotPow);

  r = miner.set_template(make_template(0x04000001, 1));  // not normalized
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, MinerError::kBadBits);

  BlockTemplate empty = make_template(kEasyBits, 1);
  empty.nonce_first = 10;
  empty.nonce_last = 9;
  r = miner.set_template(empty);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, MinerError::kEmptyRange);

  // None of them was installed: started threads find nothing to mine.
  miner.start(1);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(miner.hashes(), 0u);
  EXPECT_TRUE(rec.found().empty());
  EXPECT_EQ(to_string(MinerError::kNotPow), "not_pow");
  EXPECT_EQ(to_string(MinerError::kBadBits), "bad_bits");
  EXPECT_EQ(to_string(MinerError::kEmptyRange), "empty_range");
}

}  // namespace
}  // namespace cloudchain::consensus
