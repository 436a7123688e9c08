#pragma once
// This machine's own limit for the load harnesses: how many secp256k1 signature
// verifications per second crypto::verify does, on one core and on all cores. The
// harnesses (devnet load, scripts/bench-sync.sh) divide their tx/s by it, so figures
// from a shared, noisy machine compare as ratios (docs/benchmarks.md).

#include <cstdint>

namespace cloudchain::cli {

struct VerifyRate {
  unsigned threads = 0;    // all cores: std::thread::hardware_concurrency()
  double all_cores = 0.0;  // verifications per second, every thread together
  double one_core = 0.0;   // verifications per second, one thread alone
};

/// Verifies pre-made signatures for about `seconds` (half with one thread, half with all
/// threads). `threads` 0: hardware_concurrency.
VerifyRate measure_verify_rate(double seconds, unsigned threads = 0);

}  // namespace cloudchain::cli
