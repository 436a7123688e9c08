#pragma once
// Transactions (docs/protocol.md, section 5):
//
//   tx        = version:u8 chain_id:u32 kind:u8 sender:pubkey nonce:u64 fee:u64 body signature:sig
//   version   = 1
//   kind      = 1 transfer | 2 stake | 3 unstake | 4 anchor | 5 evidence | 6 unjail
//   body(1)   = to:addr amount:u64
//   body(2)   = amount:u64 validator:pubkey
//   body(3)   = amount:u64
//   body(4)   = digest:hash memo:bytes(64)
//   body(5)   = vote_a:vote vote_b:vote
//   body(6)   = validator:pubkey
//
//   txid    = H_cloudchain/txid(tx)                       (signature included)
//   sighash = H_cloudchain/tx(tx without signature)       (what the sender signs)
//
// The kind is not stored separately: it is the alternative held by `body`.
// Context-free validity (`check_transaction`) needs no state; balance, nonce and stake
// rules belong to the state layer.

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "crypto/address.hpp"
#include "crypto/key_cache.hpp"
#include "crypto/keys.hpp"
#include "primitives/codec.hpp"
#include "primitives/vote.hpp"

namespace cloudchain::primitives {

using Amount = std::uint64_t;  // base units; sums are overflow-checked by their users
using crypto::Address;

inline constexpr std::uint8_t kTxVersion = 1;
inline constexpr std::size_t kMaxMemoSize = 64;

enum class TxKind : std::uint8_t {
  kTransfer = 1,
  kStake = 2,
  kUnstake = 3,
  kAnchor = 4,
  kEvidence = 5,
  kUnjail = 6,
};
std::string_view to_string(TxKind k);

struct Transfer {
  Address to{};
  Amount amount = 0;
  friend bool operator==(const Transfer&, const Transfer&) = default;
};

/// Bonds `amount` of the sender's balance to the validator consensus key `validator`.
struct Stake {
  Amount amount = 0;
  crypto::PublicKey validator{};
  friend bool operator==(const Stake&, const Stake&) = default;
};

/// Starts unbonding `amount` of the sender's stake.
struct Unstake {
  Amount amount = 0;
  friend bool operator==(const Unstake&, const Unstake&) = default;
};

/// Commits a 32-byte digest (e.g. a file's SHA-256) with a short memo (<= 64 bytes).
struct Anchor {
  Hash256 digest{};
  Bytes memo;
  friend bool operator==(const Anchor&, const Anchor&) = default;
};

/// Double-sign evidence: two conflicting votes by one validator (section 8).
struct Evidence {
  Vote a;
  Vote b;
  friend bool operator==(const Evidence&, const Evidence&) = default;
};

/// Lifts the jail of the validator consensus key `validator`, whose record names the
/// sender's account, once its jail has served its time (state rules, section 9.5).
struct Unjail {
  crypto::PublicKey validator{};
  friend bool operator==(const Unjail&, const Unjail&) = default;
};

// The alternative order matches TxKind - 1.
using TxBody = std::variant<Transfer, Stake, Unstake, Anchor, Evidence, Unjail>;

struct Transaction {
  std::uint8_t version = kTxVersion;
  std::uint32_t chain_id = 0;
  crypto::PublicKey sender{};
  std::uint64_t nonce = 0;
  Amount fee = 0;
  TxBody body;
  crypto::Signature signature{};

  TxKind kind() const {
    static constexpr TxKind kByIndex[] = {TxKind::kTransfer, TxKind::kStake,    TxKind::kUnstake,
                                          TxKind::kAnchor,   TxKind::kEvidence, TxKind::kUnjail};
    return kByIndex[body.index()];
  }
  friend bool operator==(const Transaction&, const Transaction&) = default;
};

/// The layout of one body, by type (the `kind` byte is written by tx_io).
template <typename S, typename B>
void body_io(S& s, B& body) {
  using T = std::remove_const_t<B>;
  if constexpr (std::is_same_v<T, Transfer>) {
    s.array(body.to, "tx.transfer.to");
    s.u64(body.amount, "tx.transfer.amount");
  } else if constexpr (std::is_same_v<T, Stake>) {
    s.u64(body.amount, "tx.stake.amount");
    s.array(body.validator, "tx.stake.validator");
  } else if constexpr (std::is_same_v<T, Unstake>) {
    s.u64(body.amount, "tx.unstake.amount");
  } else if constexpr (std::is_same_v<T, Anchor>) {
    s.array(body.digest, "tx.anchor.digest");
    s.bytes(body.memo, kMaxMemoSize, "tx.anchor.memo");
  } else if constexpr (std::is_same_v<T, Evidence>) {
    vote_io(s, body.a);
    vote_io(s, body.b);
  } else {
    static_assert(std::is_same_v<T, Unjail>);
    s.array(body.validator, "tx.unjail.validator");
  }
}

/// An empty body of the kind with this wire value, or nullopt for an unknown kind.
std::optional<TxBody> make_body(std::uint8_t kind);

/// The layout of a transaction; `with_signature = false` is the signed prefix.
template <typename S, typename T>
void tx_io(S& s, T& tx, bool with_signature = true) {
  s.u8(tx.version, "tx.version");
  s.require(tx.version == kTxVersion, CodecError::kUnknownVersion, "tx.version");
  s.u32(tx.chain_id, "tx.chain_id");
  std::uint8_t kind = 0;
  if constexpr (!S::kReading) kind = static_cast<std::uint8_t>(tx.kind());
  s.u8(kind, "tx.kind");
  if constexpr (S::kReading) {
    if (!s.ok()) return;
    std::optional<TxBody> body = make_body(kind);
    s.require(body.has_value(), CodecError::kUnknownTxKind, "tx.kind");
    if (!body) return;
    tx.body = std::move(*body);
  }
  s.array(tx.sender, "tx.sender");
  s.u64(tx.nonce, "tx.nonce");
  s.u64(tx.fee, "tx.fee");
  std::visit([&s](auto& body) { body_io(s, body); }, tx.body);
  if (with_signature) s.array(tx.signature, "tx.signature");
}

/// Smallest possible encoding (an unstake): bounds list counts before reserving.
inline constexpr std::size_t kMinTxSize = 1 + 4 + 1 + 33 + 8 + 8 + 8 + 64;

Bytes encode(const Transaction& tx);
/// Number of bytes `encode(tx)` returns, computed without allocating.
std::size_t encoded_size(const Transaction& tx);
/// Errors: kTruncated, kUnknownVersion, kUnknownTxKind, kLengthTooLarge (memo),
/// kUnknownVoteType (evidence), kTrailingBytes.
util::Result<Transaction, CodecError> decode_transaction(ByteSpan in);

/// H_cloudchain/txid(encode(tx)).
Hash256 txid(const Transaction& tx);
/// H_cloudchain/tx(encoding without the signature): the digest the sender signs.
Hash256 signing_hash(const Transaction& tx);
/// Sets `tx.sender` to the key's public key, then signs.
void sign(Transaction& tx, const crypto::PrivateKey& key);
/// The sender's account address.
Address sender_address(const Transaction& tx);

enum class TxCheckError {
  kUnsupportedVersion,         // version = 1 (what the codec accepts)
  kWrongChain,                 // chain_id equals this network's chain id
  kZeroAmount,                 // transfer, stake, unstake: amount > 0
  kBadValidatorKey,            // stake, unjail: validator is a valid compressed public key
  kMemoTooLong,                // anchor: memo <= 64 bytes (what the codec accepts)
  kBadSenderKey,               // sender is a valid compressed public key
  kBadSignatureEncoding,       // signature r and s in [1, n-1]
  kHighS,                      // signature s <= n/2
  kInvalidSignature,           // signature verifies for sender and sighash
  kEvidenceWrongChain,         // evidence: both votes carry the transaction's chain id
  kEvidenceTypeMismatch,       // evidence: same vote type
  kEvidenceHeightMismatch,     // evidence: same height
  kEvidenceRoundMismatch,      // evidence: same round
  kEvidenceValidatorMismatch,  // evidence: same validator
  kEvidenceSameBlock,          // evidence: different block_hash
  kEvidenceNotOrdered,         // evidence: encode(vote_a) < encode(vote_b), strictly
  kEvidenceBadSignature,       // evidence: each vote's signature is valid (crypto::verify rules)
};
std::string_view to_string(TxCheckError e);

/// Context-free checks (section 5) for a network whose chain id is `chain_id`, in
/// this order: version, chain id, body rules (amount, validator key, memo, evidence),
/// then the sender's signature. The first rule broken is returned; the detail names
/// the field. Costs one signature verification (three for evidence). With `keys`, the
/// sender's signature is checked through that cache (same verdict, the key decoded
/// once: crypto/key_cache.hpp); evidence votes always decode theirs.
util::Result<void, TxCheckError> check_transaction(const Transaction& tx, std::uint32_t chain_id,
                                                   crypto::KeyCache* keys = nullptr);

/// The evidence rules of section 8 on their own (used by check_transaction).
util::Result<void, TxCheckError> check_evidence(const Evidence& evidence, std::uint32_t chain_id);

}  // namespace cloudchain::primitives
