#include "crypto/sha256.hpp"

// OpenSSL 3 marks the low-level SHA256_* calls deprecated in favour of EVP. They stay
// here on purpose: EVP's per-call fetch and context allocation cost more than hashing
// a 100-byte message, and a copyable SHA256_CTX is exactly the midstate we want.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace cloudchain::crypto {

Sha256::Sha256() { SHA256_Init(&m_ctx); }

Sha256& Sha256::update(ByteSpan data) {
  SHA256_Update(&m_ctx, data.data(), data.size());
  return *this;
}

Hash256 Sha256::finish() {
  Hash256 out;
  SHA256_Final(out.data(), &m_ctx);
  return out;
}

// Not OpenSSL's one-shot SHA256(): in OpenSSL 3 it goes through EVP_Q_digest, which
// fetches the algorithm on every call and made a 65-byte Merkle node hash 4x slower
// (~300 ns against ~70 ns for Init/Update/Final on the machine in docs/benchmarks.md).
Hash256 sha256(ByteSpan data) { return Sha256().update(data).finish(); }

Hash256 sha256d(ByteSpan data) {
  const Hash256 first = sha256(data);
  return sha256(first);
}

TaggedHasher::TaggedHasher(std::string_view tag) {
  const Hash256 tag_hash = sha256(util::as_bytes(tag));
  m_prefix.update(tag_hash).update(tag_hash);
}

Hash256 TaggedHasher::hash(ByteSpan data) const {
  Sha256 h = m_prefix;
  return h.update(data).finish();
}

Hash256 tagged_hash(std::string_view tag, ByteSpan data) { return TaggedHasher(tag).hash(data); }

}  // namespace cloudchain::crypto
