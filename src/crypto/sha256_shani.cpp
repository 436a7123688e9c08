// SHA-256 compression with the x86 SHA extensions (SHA-NI). Only the functions in
// this file are compiled for "sha,sse4.1", so the rest of the build needs no -msha and
// runs on any x86-64; callers check cpu_has_sha_ni() first.
//
// The SHA-NI state is held as two vectors, ABEF and CDGH (the order
// _mm_sha256rnds2_epu32 wants); each _mm_sha256rnds2_epu32 does two rounds.

#include <algorithm>
#include <array>
#include <cstdlib>
#include <optional>

#include "crypto/sha256_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

namespace cloudchain::crypto::detail {

namespace {

alignas(16) constexpr std::array<std::uint32_t, 64> kK = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

struct Lanes {
  __m128i abef;
  __m128i cdgh;
};

[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline Lanes load_state(const Sha256State& s) {
  const __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data()));
  const __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + 4));
  const __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  return {_mm_alignr_epi8(cdab, efgh, 8), _mm_blend_epi16(efgh, cdab, 0xF0)};
}

/// Back to word order: `words[0]` holds A..D (lane 0 = A), `words[1]` E..H.
struct Words {
  __m128i dcba;
  __m128i hgfe;
};

[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline Words to_words(const Lanes& l) {
  const __m128i feba = _mm_shuffle_epi32(l.abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(l.cdgh, 0xB1);
  return {_mm_blend_epi16(feba, dchg, 0xF0), _mm_alignr_epi8(dchg, feba, 8)};
}

[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void quad_round(Lanes& s, __m128i msg, std::size_t j) {
  __m128i m = _mm_add_epi32(msg, _mm_load_si128(reinterpret_cast<const __m128i*>(kK.data() + 4 * j)));
  // After two rounds the old ABEF is the new CDGH, so the two registers swap roles
  // and swap back on the second call.
  s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, m);
  m = _mm_shuffle_epi32(m, 0x0E);
  s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, m);
}

/// W[4j..4j+3] from the previous four message vectors (oldest first).
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline __m128i schedule(__m128i w0, __m128i w1, __m128i w2,
                                                                          __m128i w3) {
  return _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4)), w3);
}

/// The 64 rounds of one block given as four vectors of big-endian-decoded words.
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void rounds(Lanes& s, __m128i m0, __m128i m1, __m128i m2,
                                                                     __m128i m3) {
  quad_round(s, m0, 0);
  quad_round(s, m1, 1);
  quad_round(s, m2, 2);
  quad_round(s, m3, 3);
  for (std::size_t j = 4; j < 16; j += 4) {
    m0 = schedule(m0, m1, m2, m3);
    quad_round(s, m0, j);
    m1 = schedule(m1, m2, m3, m0);
    quad_round(s, m1, j + 1);
    m2 = schedule(m2, m3, m0, m1);
    quad_round(s, m2, j + 2);
    m3 = schedule(m3, m0, m1, m2);
    quad_round(s, m3, j + 3);
  }
}

[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void compress_block(Lanes& s, const std::uint8_t* data) {
  // Byte swap inside each 32-bit word: the message is big-endian.
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  const auto* p = reinterpret_cast<const __m128i*>(data);
  const Lanes saved = s;
  rounds(s, _mm_shuffle_epi8(_mm_loadu_si128(p), bswap), _mm_shuffle_epi8(_mm_loadu_si128(p + 1), bswap),
         _mm_shuffle_epi8(_mm_loadu_si128(p + 2), bswap), _mm_shuffle_epi8(_mm_loadu_si128(p + 3), bswap));
  s.abef = _mm_add_epi32(s.abef, saved.abef);
  s.cdgh = _mm_add_epi32(s.cdgh, saved.cdgh);
}

[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void store_state(const Lanes& l, Sha256State& s) {
  const Words w = to_words(l);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(s.data()), w.dcba);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(s.data() + 4), w.hgfe);
}

/// Where the nonce goes in the tail block, prepared once per search: each message
/// vector (already byte-swapped to word order) is `base | shuffle(nonce, mask)`.
/// Four message vectors: one 64-byte block as 16 words.
struct Block {
  __m128i v[4];
};

struct NonceLayout {
  Block base;  // tail words with the nonce bytes zero
  Block mask;  // picks nonce byte k into the lane byte holding it, else 0x80 (zero)
};

[[gnu::target("sha,sse4.1")]] NonceLayout make_layout(const std::uint8_t* tail, std::size_t nonce_pos) {
  std::array<std::uint8_t, 64> zeroed{};
  std::copy_n(tail, zeroed.size(), zeroed.begin());
  std::fill_n(zeroed.begin() + static_cast<std::ptrdiff_t>(nonce_pos), 8, 0);
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  NonceLayout layout{};
  for (std::size_t v = 0; v < 4; ++v) {
    layout.base.v[v] =
        _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(zeroed.data() + 16 * v)), bswap);
    std::array<std::uint8_t, 16> mask{};
    for (std::size_t b = 0; b < 16; ++b) {
      const std::size_t raw = 16 * v + (b ^ 3);  // lane byte b holds this block byte after the swap
      mask[b] = raw >= nonce_pos && raw < nonce_pos + 8 ? static_cast<std::uint8_t>(raw - nonce_pos) : 0x80;
    }
    layout.mask.v[v] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(mask.data()));
  }
  return layout;
}

/// The rounds of N independent blocks side by side, starting at quad-round `first`
/// (the earlier ones are already in `s`). Interleaving independent nonces hides the
/// latency of sha256rnds2, which a single chain of rounds cannot.
template <std::size_t N>
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline void rounds_n(std::array<Lanes, N>& s, std::array<Block, N>& m,
                                                                       std::size_t first) {
  for (std::size_t q = first; q < 4; ++q) {
    for (std::size_t i = 0; i < N; ++i) quad_round(s[i], m[i].v[q], q);
  }
  for (std::size_t j = 4; j < 16; j += 4) {
    for (std::size_t i = 0; i < N; ++i) {
      m[i].v[0] = schedule(m[i].v[0], m[i].v[1], m[i].v[2], m[i].v[3]);
      quad_round(s[i], m[i].v[0], j);
    }
    for (std::size_t i = 0; i < N; ++i) {
      m[i].v[1] = schedule(m[i].v[1], m[i].v[2], m[i].v[3], m[i].v[0]);
      quad_round(s[i], m[i].v[1], j + 1);
    }
    for (std::size_t i = 0; i < N; ++i) {
      m[i].v[2] = schedule(m[i].v[2], m[i].v[3], m[i].v[0], m[i].v[1]);
      quad_round(s[i], m[i].v[2], j + 2);
    }
    for (std::size_t i = 0; i < N; ++i) {
      m[i].v[3] = schedule(m[i].v[3], m[i].v[0], m[i].v[1], m[i].v[2]);
      quad_round(s[i], m[i].v[3], j + 3);
    }
  }
}

/// Nonces hashed side by side. sha256rnds2 has a latency of several cycles but can
/// start about every other cycle, so one chain of rounds leaves the unit idle; on the
/// AMD EPYC (Zen 4) measured, 2 ways gave 1.1x, 4 gave 1.5x, 8 gave 1.9x the rate of two
/// back-to-back compressions, and 12 or 16 no more than 8.
constexpr std::size_t kWays = 8;

struct PowPlan {
  NonceLayout layout;
  Lanes midstate;
  Lanes after_constant;  // midstate advanced through the quad-rounds before the nonce
  std::size_t first_quad;
  Lanes initial;
};

/// SHA256d of N consecutive nonces from `nonce`; results as hash words.
template <std::size_t N>
[[gnu::target("sha,sse4.1"), gnu::always_inline]] inline std::array<Sha256State, N> hash_n(const PowPlan& plan,
                                                                                           std::uint64_t nonce) {
  const __m128i pad0 = _mm_set_epi64x(0, 0x80000000LL);  // W8 = 0x80000000, W9..W11 = 0
  const __m128i pad1 = _mm_set_epi64x(256LL << 32, 0);   // W12..W14 = 0, W15 = 256 bits
  std::array<Lanes, N> s;
  std::array<Block, N> m;
  for (std::size_t i = 0; i < N; ++i) {
    const std::uint64_t this_nonce = nonce + i;  // wraps modulo 2^64 like the nonce space
    const __m128i n = _mm_cvtsi64_si128(static_cast<long long>(this_nonce));
    for (std::size_t v = 0; v < 4; ++v) {
      m[i].v[v] = _mm_or_si128(plan.layout.base.v[v], _mm_shuffle_epi8(n, plan.layout.mask.v[v]));
    }
    s[i] = plan.after_constant;
  }
  rounds_n<N>(s, m, plan.first_quad);
  for (std::size_t i = 0; i < N; ++i) {
    s[i].abef = _mm_add_epi32(s[i].abef, plan.midstate.abef);
    s[i].cdgh = _mm_add_epi32(s[i].cdgh, plan.midstate.cdgh);
    // The first hash, read big-endian, is its state words: they are the second
    // block's first two message vectors, the padding is constant.
    const Words first = to_words(s[i]);
    m[i] = Block{{first.dcba, first.hgfe, pad0, pad1}};
    s[i] = plan.initial;
  }
  rounds_n<N>(s, m, 0);
  std::array<Sha256State, N> out;
  for (std::size_t i = 0; i < N; ++i) {
    s[i].abef = _mm_add_epi32(s[i].abef, plan.initial.abef);
    s[i].cdgh = _mm_add_epi32(s[i].cdgh, plan.initial.cdgh);
    store_state(s[i], out[i]);
  }
  return out;
}

}  // namespace

[[gnu::target("sha,sse4.1")]] void compress_shani(Sha256State& state, const std::uint8_t* data, std::size_t blocks) {
  Lanes s = load_state(state);
  for (std::size_t b = 0; b < blocks; ++b, data += 64) compress_block(s, data);
  store_state(s, state);
}

[[gnu::target("sha,sse4.1")]] Sha256State double_hash_shani(const Sha256State& midstate, const std::uint8_t* tail) {
  Lanes s = load_state(midstate);
  compress_block(s, tail);
  const Words first = to_words(s);
  const __m128i pad0 = _mm_set_epi64x(0, 0x80000000LL);  // W8 = 0x80000000, W9..W11 = 0
  const __m128i pad1 = _mm_set_epi64x(256LL << 32, 0);   // W12..W14 = 0, W15 = 256 bits
  const Lanes init = load_state(kSha256Initial);
  Lanes t = init;
  rounds(t, first.dcba, first.hgfe, pad0, pad1);
  t.abef = _mm_add_epi32(t.abef, init.abef);
  t.cdgh = _mm_add_epi32(t.cdgh, init.cdgh);
  Sha256State out;
  store_state(t, out);
  return out;
}

[[gnu::target("sha,sse4.1")]] std::optional<std::uint64_t> search_shani(const Sha256State& midstate,
                                                                        const std::uint8_t* tail, std::size_t nonce_pos,
                                                                        std::uint64_t start, std::uint64_t count,
                                                                        const Sha256State& target) {
  PowPlan plan{make_layout(tail, nonce_pos), load_state(midstate), {}, nonce_pos / 16, load_state(kSha256Initial)};
  // Message vectors before the one holding the nonce's first byte are the same for
  // every nonce, and so are the rounds that use only them.
  plan.after_constant = plan.midstate;
  for (std::size_t q = 0; q < plan.first_quad; ++q) quad_round(plan.after_constant, plan.layout.base.v[q], q);

  std::uint64_t i = 0;
  for (; count - i >= kWays; i += kWays) {
    const auto h = hash_n<kWays>(plan, start + i);
    for (std::size_t k = 0; k < kWays; ++k) {
      if (words_le(h[k], target)) return start + i + k;
    }
  }
  for (; i < count; ++i) {
    if (words_le(hash_n<1>(plan, start + i)[0], target)) return start + i;
  }
  return std::nullopt;
}

}  // namespace cloudchain::crypto::detail

#else  // not x86: cpu_has_sha_ni() is false, so these are never reached.

namespace cloudchain::crypto::detail {
void compress_shani(Sha256State&, const std::uint8_t*, std::size_t) { std::abort(); }
Sha256State double_hash_shani(const Sha256State&, const std::uint8_t*) { std::abort(); }
std::optional<std::uint64_t> search_shani(const Sha256State&, const std::uint8_t*, std::size_t, std::uint64_t,
                                          std::uint64_t, const Sha256State&) {
  std::abort();
}
}  // namespace cloudchain::crypto::detail

#endif
