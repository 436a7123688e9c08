#pragma once
// The PoW miner: N threads search the nonce space of one block template at a time.
//
// A template is a PoW header (every field final except the nonce) plus the caller's
// generation number. Each thread takes a disjoint slice of the template's nonce range
// and runs crypto::PowHasher::search over it (midstate computed once per template, two
// SHA-256 compressions per nonce) in chunks of kChunkNonces. Between chunks it checks
// an atomic job id, so set_template() moves every thread to the new template within
// one chunk (a few milliseconds with SHA-NI).
//
// Results go to two callbacks, run on a miner thread:
//   on_found(header, generation)  a header whose block hash meets its bits' target;
//                                 at most once per template. The threads then idle
//                                 until the next set_template().
//   on_exhausted(generation)      every nonce of the template's range was tried without
//                                 success. The miner changes no header field itself:
//                                 the caller owns the consensus-relevant choices (a new
//                                 timestamp must stay above the median time past and
//                                 within the drift, which needs the chain and the clock),
//                                 so it builds a new template and calls set_template().
// Delivery is serialized and checked against the current template under a lock, so once
// set_template(), clear_template() or stop() has returned, no callback for an earlier
// template starts or is still running. The generation passed back is the caller's own,
// from BlockTemplate::generation.
//
// Threading: all public methods may be called from any thread, except stop() and the
// destructor, which must not be called from a callback (they join the miner threads;
// doing so aborts). Callbacks may call set_template(), clear_template() and hashes().
// A set_template() from outside waits for a running callback to return, so callbacks
// should be short (post the header to the node's chain actor and return); they must not
// throw (an exception on a miner thread terminates the process).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "primitives/header.hpp"
#include "util/error.hpp"

namespace cloudchain::consensus {

struct BlockTemplate {
  primitives::BlockHeader header;  // must hold a PowSeal; its nonce is ignored
  std::uint64_t generation = 0;    // the caller's id for this template, passed back in callbacks
  // The nonces to try, inclusive; the default is the whole u64 space. A caller running
  // several miners (processes or hosts) on one template gives each a disjoint range.
  std::uint64_t nonce_first = 0;
  std::uint64_t nonce_last = std::numeric_limits<std::uint64_t>::max();
};

enum class MinerError {
  kNotPow,      // the template header holds a PoW seal
  kBadBits,     // the seal's bits decode to a canonical target (protocol.md section 6)
  kEmptyRange,  // nonce_first <= nonce_last
};
std::string_view to_string(MinerError e);

class Miner {
 public:
  /// Nonces per search call between two checks for a new template.
  static constexpr std::uint64_t kChunkNonces = std::uint64_t{1} << 16;

  using FoundFn = std::function<void(const primitives::BlockHeader& header, std::uint64_t generation)>;
  using ExhaustedFn = std::function<void(std::uint64_t generation)>;

  /// The callbacks must stay callable until stop() or destruction; either may be empty.
  Miner(FoundFn on_found, ExhaustedFn on_exhausted);
  /// Stops and joins the threads.
  ~Miner();
  Miner(const Miner&) = delete;
  Miner& operator=(const Miner&) = delete;

  /// Starts `threads` miner threads (0: one per hardware thread, at least 1); if already
  /// running, restarts with the new count. A template set before start() is mined from
  /// the beginning of its range.
  void start(unsigned threads);
  /// Stops and joins all threads; the current template is kept for a later start().
  /// No-op when not running. Must not be called from a callback.
  void stop();

  /// Replaces the template: threads switch within one chunk. On error (the header is not
  /// PoW, its bits are not canonical, its nonce range is empty) nothing changes.
  util::Result<void, MinerError> set_template(const BlockTemplate& tpl);
  /// Drops the template; the threads idle until the next set_template().
  void clear_template();

  /// Nonces tried since construction, over all threads and templates (for hashrate).
  std::uint64_t hashes() const { return m_hashes.load(std::memory_order_relaxed); }
  bool running() const;
  unsigned thread_count() const;

 private:
  struct Job;

  void worker(unsigned index, unsigned count);
  void mine(const Job& job, unsigned index, unsigned count);
  // Runs `deliver` under m_deliver_mutex if `job` is still the current one.
  void deliver_if_current(const Job& job, const std::function<void()>& deliver);
  // Marks this thread's slice of `job` as searched; the last one reports exhaustion.
  void finish_slice(const Job& job, unsigned count);
  // Joins the threads. REQUIRES: m_control_mutex held.
  void stop_locked();
  // Installs `tpl` as the job every thread mines. REQUIRES: m_mutex held, tpl validated.
  void install(const BlockTemplate& tpl);
  // Locks m_deliver_mutex unless the calling thread is inside a callback (and holds it).
  std::unique_lock<std::mutex> lock_delivery();

  const FoundFn m_on_found;
  const ExhaustedFn m_on_exhausted;

  std::atomic<std::uint64_t> m_hashes{0};
  // The id of the job the threads should mine, 0 for none; read between chunks.
  std::atomic<std::uint64_t> m_active_id{0};
  // The thread running a callback right now (default id: none); lets a callback call
  // set_template() without re-locking m_deliver_mutex.
  std::atomic<std::thread::id> m_delivering_thread{};

  // Serializes callbacks and orders them against template changes.
  std::mutex m_deliver_mutex;
  // Serializes start() and stop() (each joins or spawns the threads as a whole).
  std::mutex m_control_mutex;

  mutable std::mutex m_mutex;  // guards the fields below
  std::condition_variable m_cv;
  std::shared_ptr<const Job> m_job;  // the current job, null when there is none
  std::uint64_t m_next_id = 1;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

}  // namespace cloudchain::consensus
