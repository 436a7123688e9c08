#include "primitives/header.hpp"

#include <algorithm>
#include <cstdlib>

#include "crypto/sha256.hpp"

namespace cloudchain::primitives {

namespace {
constexpr std::uint32_t kCompactSignBit = 0x00800000;
constexpr std::uint32_t kCompactMantissaMask = 0x007fffff;
}  // namespace

std::string_view to_string(SealKind k) {
  switch (k) {
    case SealKind::kPow: return "pow";
    case SealKind::kPos: return "pos";
  }
  return "unknown";
}

util::Result<Hash256, CodecError> target_from_bits(std::uint32_t bits) {
  if ((bits & kCompactSignBit) != 0) return util::fail(CodecError::kCompactNegative, "bits sign bit set");
  const std::uint32_t exponent = bits >> 24;
  const std::uint32_t mantissa = bits & kCompactMantissaMask;
  if (mantissa == 0) return util::fail(CodecError::kCompactZero, "bits mantissa zero");
  // target = mantissa * 256^(exponent - 3); mantissa byte i lands at little-endian byte
  // position exponent - 3 + i. Bytes below position 0 are shifted out (then the bits
  // are not normalized, caught below).
  Hash256 target{};
  for (std::uint32_t i = 0; i < 3; ++i) {
    const auto byte = static_cast<std::uint8_t>(mantissa >> (8 * i));
    if (byte == 0 || exponent + i < 3) continue;
    const std::uint32_t pos = exponent + i - 3;
    if (pos >= 32) return util::fail(CodecError::kCompactOverflow, "bits target above 2^256");
    target[31 - pos] = byte;
  }
  if (std::all_of(target.begin(), target.end(), [](std::uint8_t b) { return b == 0; })) {
    return util::fail(CodecError::kCompactZero, "bits target zero");
  }
  if (bits_from_target(target) != bits) return util::fail(CodecError::kCompactNotNormalized, "bits not normalized");
  return target;
}

std::uint32_t bits_from_target(const Hash256& target) {
  const auto first = static_cast<std::size_t>(
      std::find_if(target.begin(), target.end(), [](std::uint8_t b) { return b != 0; }) - target.begin());
  if (first == target.size()) return 0;
  auto size = static_cast<std::uint32_t>(target.size() - first);
  std::uint32_t mantissa = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    mantissa = (mantissa << 8) | (first + i < target.size() ? target[first + i] : 0u);
  }
  // The top mantissa bit is the sign: move one byte into the exponent instead.
  if ((mantissa & kCompactSignBit) != 0) {
    mantissa >>= 8;
    ++size;
  }
  return (size << 24) | mantissa;
}

bool hash_meets_target(const Hash256& hash, const Hash256& target) {
  return !std::ranges::lexicographical_compare(target, hash);
}

Bytes encode(const BlockHeader& header) {
  return encode_with(header, [](auto& s, const BlockHeader& h) { header_io(s, h); });
}

util::Result<BlockHeader, CodecError> decode_header(ByteSpan in) {
  return decode_with<BlockHeader>(in, [](Reader& r, BlockHeader& h) { header_io(r, h); }, "header");
}

Bytes pow_preimage(const BlockHeader& header) {
  Writer w(kHeaderHashPrefix.size() + kPosHeaderSize);
  for (char c : kHeaderHashPrefix) w.u8(static_cast<std::uint8_t>(c), "prefix");
  header_io(w, header);
  return w.take();
}

Hash256 block_hash(const BlockHeader& header) { return crypto::sha256d(pow_preimage(header)); }

Hash256 proposal_signing_hash(const BlockHeader& header) {
  static const crypto::TaggedHasher kHasher("cloudchain/proposal");
  Writer w(kPosHeaderSize);
  header_io(w, header, /*with_proposer_sig=*/false);
  return kHasher.hash(w.bytes_written());
}

void sign_proposal(BlockHeader& header, const crypto::PrivateKey& key) {
  auto* seal = std::get_if<PosSeal>(&header.seal);
  if (seal == nullptr) std::abort();  // programming error: only PoS headers are proposals
  seal->proposer_sig = key.sign(proposal_signing_hash(header));
}

util::Result<void, crypto::SigError> verify_proposal(const BlockHeader& header, const crypto::PublicKey& proposer) {
  const auto* seal = std::get_if<PosSeal>(&header.seal);
  if (seal == nullptr) return util::fail(crypto::SigError::kBadSignature, "header has no proposer signature");
  return crypto::verify(proposer, proposal_signing_hash(header), seal->proposer_sig);
}

}  // namespace cloudchain::primitives
