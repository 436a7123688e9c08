// SHA-256 compression with the x86 SHA extensions (SHA-NI). Only the functions in
// this file are compiled for "sha,sse4.1", so the rest of the build needs no -msha and
// runs on any x86-64; callers check cpu_has_sha_ni() first.
//
// The SHA-NI state is held as two vectors, ABEF and CDGH (the order
// _mm_sha256rnds2_epu32 wants); each _mm_sha256rnds2_epu32 does two rounds.

#include <array>
#include <cstdlib>

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

}  // namespace

[[gnu::target("sha,sse4.1")]] void compress_shani(Sha256State& state, const std::uint8_t* data, std::size_t blocks) {
  Lanes s = load_state(state);
  for (std::size_t b = 0; b < blocks; ++b, data += 64) compress_block(s, data);
  store_state(s, state);
}

[[gnu::target("sha,sse4.1")]] Sha256State double_hash_shani(const Sha256State& midstate, const std::uint8_t* tail) {
  Lanes s = load_state(midstate);
  compress_block(s, tail);
  // The first hash, read big-endian, is its state words: the second block's first two
  // message vectors come straight from the registers, the padding is constant.
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

}  // namespace cloudchain::crypto::detail

#else  // not x86: cpu_has_sha_ni() is false, so these are never reached.

namespace cloudchain::crypto::detail {
void compress_shani(Sha256State&, const std::uint8_t*, std::size_t) { std::abort(); }
Sha256State double_hash_shani(const Sha256State&, const std::uint8_t*) { std::abort(); }
}  // namespace cloudchain::crypto::detail

#endif
