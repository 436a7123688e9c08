// Crypto layer throughput against this machine's own limits:
// - SHA-256 compressions/s: portable, SHA-NI, and OpenSSL (whose own SHA-NI/AVX code
//   is the reference for what the CPU can do);
// - PoW: PowHasher nonces/s next to two raw SHA-NI compressions (a nonce's whole cost
//   in theory), so their ratio shows the overhead of the nonce loop;
// - ECDSA sign/verify through crypto::keys next to libsecp256k1 called directly with
//   the same steps, so their ratio shows the wrapper's overhead.
// CLOUDCHAIN_BENCH_SMOKE (set by scripts/bench.sh --smoke) only shrinks batch sizes.

#include <benchmark/benchmark.h>
#include <secp256k1.h>

#include <cstdlib>
#include <vector>

#include "crypto/keys.hpp"
#include "crypto/sha256.hpp"
#include "crypto/sha256_compress.hpp"

namespace {

using namespace cloudchain;
using crypto::CompressImpl;

bool smoke() { return std::getenv("CLOUDCHAIN_BENCH_SMOKE") != nullptr; }

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return out;
}

benchmark::Counter rate(double count) { return benchmark::Counter(count, benchmark::Counter::kIsRate); }

// --- SHA-256 compressions -----------------------------------------------------------

void compress(benchmark::State& state, CompressImpl impl) {
  if (impl == CompressImpl::kShaNi && !crypto::cpu_has_sha_ni()) {
    state.SkipWithError("CPU has no SHA-NI");
    return;
  }
  const auto blocks = static_cast<std::size_t>(state.range(0));
  const auto data = pattern(64 * blocks);
  crypto::Sha256State s = crypto::kSha256Initial;
  for (auto _ : state) {
    crypto::sha256_compress(impl, s, data.data(), blocks);
    benchmark::DoNotOptimize(s);
  }
  state.counters["compressions"] = rate(static_cast<double>(state.iterations() * blocks));
}

void BM_Compress_Portable(benchmark::State& state) { compress(state, CompressImpl::kPortable); }
void BM_Compress_ShaNi(benchmark::State& state) { compress(state, CompressImpl::kShaNi); }
BENCHMARK(BM_Compress_Portable)->Arg(1)->Arg(64);
BENCHMARK(BM_Compress_ShaNi)->Arg(1)->Arg(64);

// OpenSSL update of 64*k bytes: exactly k compressions, no padding.
void BM_Compress_OpenSsl(benchmark::State& state) {
  const auto blocks = static_cast<std::size_t>(state.range(0));
  const auto data = pattern(64 * blocks);
  crypto::Sha256 h;
  for (auto _ : state) {
    h.update(data);
    benchmark::ClobberMemory();
  }
  state.counters["compressions"] = rate(static_cast<double>(state.iterations() * blocks));
}
BENCHMARK(BM_Compress_OpenSsl)->Arg(1)->Arg(64);

// One-shot crypto::sha256 of 64*k bytes: k + 1 compressions (the padding block).
void BM_Sha256_OpenSsl(benchmark::State& state) {
  const auto blocks = static_cast<std::size_t>(state.range(0));
  const auto data = pattern(64 * blocks);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::sha256(data));
  state.counters["compressions"] = rate(static_cast<double>(state.iterations() * (blocks + 1)));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Sha256_OpenSsl)->Arg(1)->Arg(64);

// --- Proof of work ------------------------------------------------------------------

// The header preimage shape of docs/protocol.md: 169 bytes, nonce in the last 8.
constexpr std::size_t kPreimage = 169;
constexpr std::size_t kNonceOffset = 161;

void pow_search(benchmark::State& state, CompressImpl impl) {
  if (impl == CompressImpl::kShaNi && !crypto::cpu_has_sha_ni()) {
    state.SkipWithError("CPU has no SHA-NI");
    return;
  }
  const auto pre = pattern(kPreimage);
  const crypto::PowHasher hasher(pre, kNonceOffset, impl);
  const util::Hash256 impossible{};  // only an all-zero hash would meet it
  const std::uint64_t batch = smoke() ? 64 : 4096;
  std::uint64_t start = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hasher.search(start, batch, impossible));
    start += batch;
  }
  state.counters["nonces"] = rate(static_cast<double>(state.iterations() * batch));
}

void BM_Pow_Search_Portable(benchmark::State& state) { pow_search(state, CompressImpl::kPortable); }
void BM_Pow_Search_ShaNi(benchmark::State& state) { pow_search(state, CompressImpl::kShaNi); }
BENCHMARK(BM_Pow_Search_Portable);
BENCHMARK(BM_Pow_Search_ShaNi);

// The ceiling for a nonce: two raw SHA-NI compressions, nothing else.
void BM_Pow_TwoRawCompressions_ShaNi(benchmark::State& state) {
  if (!crypto::cpu_has_sha_ni()) {
    state.SkipWithError("CPU has no SHA-NI");
    return;
  }
  const auto block = pattern(64);
  crypto::Sha256State s = crypto::kSha256Initial;
  for (auto _ : state) {
    crypto::sha256_compress(CompressImpl::kShaNi, s, block.data(), 1);
    crypto::sha256_compress(CompressImpl::kShaNi, s, block.data(), 1);
    benchmark::DoNotOptimize(s);
  }
  state.counters["nonces"] = rate(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Pow_TwoRawCompressions_ShaNi);

// PowHasher::hash (returns bytes) per nonce, for callers that check one nonce at a time.
void BM_Pow_Hash_ShaNi(benchmark::State& state) {
  if (!crypto::cpu_has_sha_ni()) {
    state.SkipWithError("CPU has no SHA-NI");
    return;
  }
  const auto pre = pattern(kPreimage);
  const crypto::PowHasher hasher(pre, kNonceOffset, CompressImpl::kShaNi);
  std::uint64_t nonce = 0;
  for (auto _ : state) benchmark::DoNotOptimize(hasher.hash(nonce++));
  state.counters["nonces"] = rate(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Pow_Hash_ShaNi);

// --- ECDSA ----------------------------------------------------------------------------

struct SigFixture {
  crypto::PrivateKey key = crypto::PrivateKey::from_bytes(crypto::tagged_hash("bench", {})).value();
  crypto::PublicKey pub = key.public_key();
  util::Hash256 digest = crypto::tagged_hash("cloudchain/tx", pattern(100));
  crypto::Signature sig = key.sign(digest);
};

void BM_Ecdsa_Sign_Wrapper(benchmark::State& state) {
  const SigFixture f;
  util::Hash256 digest = f.digest;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.key.sign(digest));
    ++digest[0];
  }
  state.counters["signs"] = rate(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Ecdsa_Sign_Wrapper);

void BM_Ecdsa_Sign_Direct(benchmark::State& state) {
  const SigFixture f;
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  const util::Hash256 seed = crypto::tagged_hash("bench-seed", {});
  if (secp256k1_context_randomize(ctx, seed.data()) != 1) std::abort();
  util::Hash256 digest = f.digest;
  for (auto _ : state) {
    secp256k1_ecdsa_signature sig;
    secp256k1_ecdsa_sign(ctx, &sig, digest.data(), f.key.bytes().data(), nullptr, nullptr);
    crypto::Signature out{};
    secp256k1_ecdsa_signature_serialize_compact(secp256k1_context_static, out.data(), &sig);
    benchmark::DoNotOptimize(out);
    ++digest[0];
  }
  secp256k1_context_destroy(ctx);
  state.counters["signs"] = rate(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Ecdsa_Sign_Direct);

void BM_Ecdsa_Verify_Wrapper(benchmark::State& state) {
  const SigFixture f;
  for (auto _ : state) {
    const bool ok = crypto::verify(f.pub, f.digest, f.sig).has_value();
    if (!ok) std::abort();
  }
  state.counters["verifies"] = rate(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Ecdsa_Verify_Wrapper);

// The same steps with no wrapper: parse key, parse signature, verify.
void BM_Ecdsa_Verify_Direct(benchmark::State& state) {
  const SigFixture f;
  const secp256k1_context* ctx = secp256k1_context_static;
  for (auto _ : state) {
    secp256k1_pubkey pk;
    secp256k1_ecdsa_signature sig;
    const bool ok = secp256k1_ec_pubkey_parse(ctx, &pk, f.pub.data(), f.pub.size()) == 1 &&
                    secp256k1_ecdsa_signature_parse_compact(ctx, &sig, f.sig.data()) == 1 &&
                    secp256k1_ecdsa_verify(ctx, &sig, f.digest.data(), &pk) == 1;
    if (!ok) std::abort();
  }
  state.counters["verifies"] = rate(static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Ecdsa_Verify_Direct);

}  // namespace
