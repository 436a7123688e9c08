#pragma once
// Block headers (docs/protocol.md, section 6):
//
//   header    = version:u32 chain_id:u32 height:u64 parent:hash timestamp_ms:u64
//               tx_root:hash state_root:hash beneficiary:addr seal
//   seal      = 1:u8 bits:u32 nonce:u64                                   Proof of Work
//             | 2:u8 round:u32 last_commit_hash:hash proposer_sig:sig     Proof of Stake
//   version   = 1
//
//   block hash = SHA256d("cloudchain/hdr/1" || header)
//
// The PoW preimage is 16 + 153 = 169 bytes: two whole 64-byte blocks, then a 41-byte
// tail ending with the 8-byte nonce (offset kPowNonceOffset), so crypto::PowHasher
// computes each nonce's hash with two compressions after a midstate.
//
// `bits` is a compact target (Bitcoin's nBits: exponent byte, 23-bit mantissa, sign bit
// 0x00800000). Decoding rejects a non-canonical `bits` (target_from_bits rules), so
// every decoded PoW header has a well-defined target.

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include "crypto/address.hpp"
#include "crypto/keys.hpp"
#include "primitives/codec.hpp"

namespace cloudchain::primitives {

inline constexpr std::uint32_t kHeaderVersion = 1;
inline constexpr std::string_view kHeaderHashPrefix = "cloudchain/hdr/1";
inline constexpr std::size_t kHeaderFixedSize = 4 + 4 + 8 + 32 + 8 + 32 + 32 + 20;          // 140
inline constexpr std::size_t kPowHeaderSize = kHeaderFixedSize + 1 + 4 + 8;                 // 153
inline constexpr std::size_t kPosHeaderSize = kHeaderFixedSize + 1 + 4 + 32 + 64;           // 241
inline constexpr std::size_t kPowPreimageSize = kHeaderHashPrefix.size() + kPowHeaderSize;  // 169
inline constexpr std::size_t kPowNonceOffset = kPowPreimageSize - 8;                        // 161

enum class SealKind : std::uint8_t {
  kPow = 1,
  kPos = 2,
};
std::string_view to_string(SealKind k);

struct PowSeal {
  std::uint32_t bits = 0;  // compact target
  std::uint64_t nonce = 0;
  friend bool operator==(const PowSeal&, const PowSeal&) = default;
};

struct PosSeal {
  std::uint32_t round = 0;
  Hash256 last_commit_hash{};        // commit_hash(block.last_commit), section 7
  crypto::Signature proposer_sig{};  // over proposal_signing_hash(header)
  friend bool operator==(const PosSeal&, const PosSeal&) = default;
};

// The alternative order matches SealKind - 1.
using Seal = std::variant<PowSeal, PosSeal>;

struct BlockHeader {
  std::uint32_t version = kHeaderVersion;
  std::uint32_t chain_id = 0;
  std::uint64_t height = 0;
  Hash256 parent{};
  std::uint64_t timestamp_ms = 0;  // Unix time, milliseconds
  Hash256 tx_root{};
  Hash256 state_root{};
  crypto::Address beneficiary{};
  Seal seal;

  SealKind seal_kind() const { return std::holds_alternative<PowSeal>(seal) ? SealKind::kPow : SealKind::kPos; }
  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

/// Compact target rules: sign bit clear (kCompactNegative), target not zero
/// (kCompactZero), no mantissa byte above bit 255 (kCompactOverflow), and
/// bits_from_target(target) == bits (kCompactNotNormalized). Returns the target as a
/// 256-bit big-endian number.
util::Result<Hash256, CodecError> target_from_bits(std::uint32_t bits);
/// The normalized compact form of a big-endian target (precision beyond the 23-bit
/// mantissa is dropped, rounding down). Zero maps to 0 (which target_from_bits rejects).
std::uint32_t bits_from_target(const Hash256& target);
/// True when `hash`, read as a 256-bit big-endian number, is <= `target`.
bool hash_meets_target(const Hash256& hash, const Hash256& target);

/// The layout of a header; `with_proposer_sig = false` is the PoS proposal's signed prefix.
template <typename S, typename H>
void header_io(S& s, H& h, bool with_proposer_sig = true) {
  s.u32(h.version, "header.version");
  s.require(h.version == kHeaderVersion, CodecError::kUnknownVersion, "header.version");
  s.u32(h.chain_id, "header.chain_id");
  s.u64(h.height, "header.height");
  s.array(h.parent, "header.parent");
  s.u64(h.timestamp_ms, "header.timestamp_ms");
  s.array(h.tx_root, "header.tx_root");
  s.array(h.state_root, "header.state_root");
  s.array(h.beneficiary, "header.beneficiary");
  std::uint8_t kind = 0;
  if constexpr (!S::kReading) kind = static_cast<std::uint8_t>(h.seal_kind());
  s.u8(kind, "header.seal");
  s.require(kind == 1 || kind == 2, CodecError::kUnknownSealKind, "header.seal");
  if constexpr (S::kReading) {
    if (!s.ok()) return;
    h.seal = kind == 1 ? Seal{PowSeal{}} : Seal{PosSeal{}};
  }
  std::visit(
      [&s, with_proposer_sig](auto& seal) {
        if constexpr (std::is_same_v<std::remove_const_t<std::remove_reference_t<decltype(seal)>>, PowSeal>) {
          s.u32(seal.bits, "header.seal.bits");
          if constexpr (S::kReading) {
            if (auto target = target_from_bits(seal.bits); s.ok() && !target) {
              s.require(false, target.error().code, "header.seal.bits");
            }
          }
          s.u64(seal.nonce, "header.seal.nonce");
        } else {
          s.u32(seal.round, "header.seal.round");
          s.array(seal.last_commit_hash, "header.seal.last_commit_hash");
          if (with_proposer_sig) s.array(seal.proposer_sig, "header.seal.proposer_sig");
        }
      },
      h.seal);
}

Bytes encode(const BlockHeader& header);
/// Errors: kTruncated, kUnknownVersion, kUnknownSealKind, kCompact* (PoW bits),
/// kTrailingBytes.
util::Result<BlockHeader, CodecError> decode_header(ByteSpan in);

/// "cloudchain/hdr/1" || encode(header): the block hash preimage. For a PoW header it is
/// kPowPreimageSize bytes with the nonce at kPowNonceOffset (crypto::PowHasher's input).
Bytes pow_preimage(const BlockHeader& header);
/// SHA256d(pow_preimage(header)); for PoW also the proof-of-work hash.
Hash256 block_hash(const BlockHeader& header);

/// PoS: H_cloudchain/proposal(header encoding without proposer_sig). For a PoW header
/// (no proposer signature) it hashes the whole encoding; nothing signs that.
Hash256 proposal_signing_hash(const BlockHeader& header);
/// PoS: sets seal.proposer_sig. REQUIRES: header holds a PosSeal.
void sign_proposal(BlockHeader& header, const crypto::PrivateKey& key);
/// PoS: checks seal.proposer_sig against the proposer's consensus key (crypto::verify
/// rules). A PoW header fails with kBadSignature.
util::Result<void, crypto::SigError> verify_proposal(const BlockHeader& header, const crypto::PublicKey& proposer);

}  // namespace cloudchain::primitives
