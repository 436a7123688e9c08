#pragma once
// SHA-256 (FIPS 180-4) through OpenSSL, double SHA-256, and tagged hashes.
//
// Tagged hash (domain separation, as in BIP340):
//   tagged_hash(tag, m) = SHA256(SHA256(tag) || SHA256(tag) || m)
// The 64-byte prefix is one compression block, so a `TaggedHasher` keeps the state
// after it and each use costs only the compressions of `m`. Every tag used by the
// protocol is listed in docs/protocol.md.
//
// Thread-safety: all functions are pure; `Sha256` and `TaggedHasher` objects are not
// shared between threads (copy them instead).

#include <openssl/sha.h>

#include <string_view>

#include "util/bytes.hpp"

namespace cloudchain::crypto {

using util::ByteSpan;
using util::Hash256;

/// Incremental SHA-256. Cheap to copy (a midstate).
class Sha256 {
 public:
  Sha256();
  Sha256& update(ByteSpan data);
  Hash256 finish();  // the object must not be used after finish()

 private:
  SHA256_CTX m_ctx;
};

Hash256 sha256(ByteSpan data);
/// SHA256(SHA256(data)).
Hash256 sha256d(ByteSpan data);

/// A tag's precomputed state; `hash(m)` = tagged_hash(tag, m).
class TaggedHasher {
 public:
  explicit TaggedHasher(std::string_view tag);
  /// A fresh incremental hasher already holding the tag prefix.
  Sha256 begin() const { return m_prefix; }
  Hash256 hash(ByteSpan data) const;

 private:
  Sha256 m_prefix;
};

Hash256 tagged_hash(std::string_view tag, ByteSpan data);

}  // namespace cloudchain::crypto
