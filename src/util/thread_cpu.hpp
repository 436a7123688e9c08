#pragma once
// CPU time the calling thread has used, in nanoseconds (CLOCK_THREAD_CPUTIME_ID): what
// the chain's ChainTimings and the key cache's sampled check times measure. Time the
// thread spends preempted or blocked does not count. A read costs ~0.3 µs here (a system
// call). 0 if the clock cannot be read (it always can on Linux).

#include <time.h>

#include <cstdint>

namespace cloudchain::util {

inline std::uint64_t thread_cpu_ns() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000U + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace cloudchain::util
