#include "crypto/sha256_compress.hpp"

#include <algorithm>
#include <cstdlib>

#include "crypto/sha256_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace cloudchain::crypto {

namespace {

bool detect_sha_ni() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool sse41 = (c & (1U << 19)) != 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  const bool sha = (b & (1U << 29)) != 0;
  return sse41 && sha;
#else
  return false;
#endif
}

void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

void store_nonce(std::uint8_t* p, std::uint64_t nonce) {
  for (std::size_t i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(nonce >> (8 * i));
}

}  // namespace

bool cpu_has_sha_ni() {
  static const bool kHas = detect_sha_ni();
  return kHas;
}

CompressImpl default_compress_impl() { return cpu_has_sha_ni() ? CompressImpl::kShaNi : CompressImpl::kPortable; }

void sha256_compress(Sha256State& state, const std::uint8_t* data, std::size_t blocks) {
  sha256_compress(default_compress_impl(), state, data, blocks);
}

void sha256_compress(CompressImpl impl, Sha256State& state, const std::uint8_t* data, std::size_t blocks) {
  if (impl == CompressImpl::kShaNi) {
    detail::compress_shani(state, data, blocks);
  } else {
    detail::compress_portable(state, data, blocks);
  }
}

PowHasher::PowHasher(util::ByteSpan preimage, std::size_t nonce_offset, CompressImpl impl)
    : m_impl(impl), m_midstate(kSha256Initial), m_nonce_pos(0) {
  const std::size_t full = preimage.size() / 64;
  const std::size_t rest = preimage.size() % 64;
  if (rest > 55 || nonce_offset < full * 64 || nonce_offset + 8 > preimage.size()) std::abort();
  if (impl == CompressImpl::kShaNi && !cpu_has_sha_ni()) std::abort();
  sha256_compress(impl, m_midstate, preimage.data(), full);
  // The tail block: remaining bytes, 0x80, zeros, then the message length in bits as a
  // 64-bit big-endian number (rest <= 55 leaves room for all of it in one block).
  std::copy(preimage.begin() + static_cast<std::ptrdiff_t>(full * 64), preimage.end(), m_tail.begin());
  m_tail[rest] = 0x80;
  const std::uint64_t bits = static_cast<std::uint64_t>(preimage.size()) * 8;
  store_be32(m_tail.data() + 56, static_cast<std::uint32_t>(bits >> 32));
  store_be32(m_tail.data() + 60, static_cast<std::uint32_t>(bits));
  m_nonce_pos = nonce_offset - full * 64;
}

util::Hash256 PowHasher::hash(std::uint64_t nonce) const {
  std::array<std::uint8_t, 64> block = m_tail;
  store_nonce(block.data() + m_nonce_pos, nonce);
  const Sha256State words = m_impl == CompressImpl::kShaNi ? detail::double_hash_shani(m_midstate, block.data())
                                                           : detail::double_hash_portable(m_midstate, block.data());
  util::Hash256 out{};
  for (std::size_t i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, words[i]);
  return out;
}

std::optional<std::uint64_t> PowHasher::search(std::uint64_t start, std::uint64_t count,
                                               const util::Hash256& target) const {
  // The comparison runs on state words, so the loop never serializes a hash.
  Sha256State target_words{};
  for (std::size_t i = 0; i < 8; ++i) target_words[i] = load_be32(target.data() + 4 * i);
  if (m_impl == CompressImpl::kShaNi) {
    return detail::search_shani(m_midstate, m_tail.data(), m_nonce_pos, start, count, target_words);
  }
  std::array<std::uint8_t, 64> block = m_tail;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t nonce = start + i;  // wraps modulo 2^64 by design
    store_nonce(block.data() + m_nonce_pos, nonce);
    if (detail::words_le(detail::double_hash_portable(m_midstate, block.data()), target_words)) return nonce;
  }
  return std::nullopt;
}

}  // namespace cloudchain::crypto
