#include "primitives/transaction.hpp"

#include <algorithm>
#include <string>

#include "crypto/sha256.hpp"

namespace cloudchain::primitives {

std::string_view to_string(TxKind k) {
  switch (k) {
    case TxKind::kTransfer: return "transfer";
    case TxKind::kStake: return "stake";
    case TxKind::kUnstake: return "unstake";
    case TxKind::kAnchor: return "anchor";
    case TxKind::kEvidence: return "evidence";
    case TxKind::kUnjail: return "unjail";
  }
  return "unknown";
}

std::string_view to_string(TxCheckError e) {
  switch (e) {
    case TxCheckError::kUnsupportedVersion: return "tx_unsupported_version";
    case TxCheckError::kWrongChain: return "tx_wrong_chain";
    case TxCheckError::kZeroAmount: return "tx_zero_amount";
    case TxCheckError::kBadValidatorKey: return "tx_bad_validator_key";
    case TxCheckError::kMemoTooLong: return "tx_memo_too_long";
    case TxCheckError::kBadSenderKey: return "tx_bad_sender_key";
    case TxCheckError::kBadSignatureEncoding: return "tx_bad_signature_encoding";
    case TxCheckError::kHighS: return "tx_high_s";
    case TxCheckError::kInvalidSignature: return "tx_invalid_signature";
    case TxCheckError::kEvidenceWrongChain: return "tx_evidence_wrong_chain";
    case TxCheckError::kEvidenceTypeMismatch: return "tx_evidence_type_mismatch";
    case TxCheckError::kEvidenceHeightMismatch: return "tx_evidence_height_mismatch";
    case TxCheckError::kEvidenceRoundMismatch: return "tx_evidence_round_mismatch";
    case TxCheckError::kEvidenceValidatorMismatch: return "tx_evidence_validator_mismatch";
    case TxCheckError::kEvidenceSameBlock: return "tx_evidence_same_block";
    case TxCheckError::kEvidenceNotOrdered: return "tx_evidence_not_ordered";
    case TxCheckError::kEvidenceBadSignature: return "tx_evidence_bad_signature";
  }
  return "tx_unknown";
}

std::optional<TxBody> make_body(std::uint8_t kind) {
  switch (kind) {
    case 1: return Transfer{};
    case 2: return Stake{};
    case 3: return Unstake{};
    case 4: return Anchor{};
    case 5: return Evidence{};
    case 6: return Unjail{};
    default: return std::nullopt;
  }
}

Bytes encode(const Transaction& tx) {
  return encode_with(tx, [](auto& s, const Transaction& t) { tx_io(s, t); });
}

std::size_t encoded_size(const Transaction& tx) {
  Sizer sizer;
  tx_io(sizer, tx);
  return sizer.size();
}

util::Result<Transaction, CodecError> decode_transaction(ByteSpan in) {
  return decode_with<Transaction>(in, [](Reader& r, Transaction& t) { tx_io(r, t); }, "tx");
}

Hash256 txid(const Transaction& tx) {
  static const crypto::TaggedHasher kHasher("cloudchain/txid");
  return kHasher.hash(encode(tx));
}

Hash256 signing_hash(const Transaction& tx) {
  static const crypto::TaggedHasher kHasher("cloudchain/tx");
  Writer w(encoded_size(tx));
  tx_io(w, tx, /*with_signature=*/false);
  return kHasher.hash(w.bytes_written());
}

void sign(Transaction& tx, const crypto::PrivateKey& key) {
  tx.sender = key.public_key();
  tx.signature = key.sign(signing_hash(tx));
}

Address sender_address(const Transaction& tx) { return crypto::address_of(tx.sender); }

namespace {

util::Result<void, TxCheckError> check_amount(Amount amount, std::string_view field) {
  if (amount == 0) return util::fail(TxCheckError::kZeroAmount, std::string(field));
  return {};
}

util::Result<void, TxCheckError> check_body(const Transaction& tx) {
  return std::visit(
      [&tx](const auto& body) -> util::Result<void, TxCheckError> {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, Transfer>) {
          return check_amount(body.amount, "tx.transfer.amount");
        } else if constexpr (std::is_same_v<T, Stake>) {
          if (auto r = check_amount(body.amount, "tx.stake.amount"); !r) return r;
          if (!crypto::is_valid_public_key(body.validator)) {
            return util::fail(TxCheckError::kBadValidatorKey, "tx.stake.validator");
          }
          return {};
        } else if constexpr (std::is_same_v<T, Unstake>) {
          return check_amount(body.amount, "tx.unstake.amount");
        } else if constexpr (std::is_same_v<T, Anchor>) {
          if (body.memo.size() > kMaxMemoSize) return util::fail(TxCheckError::kMemoTooLong, "tx.anchor.memo");
          return {};
        } else if constexpr (std::is_same_v<T, Evidence>) {
          return check_evidence(body, tx.chain_id);
        } else {
          static_assert(std::is_same_v<T, Unjail>);
          if (!crypto::is_valid_public_key(body.validator)) {
            return util::fail(TxCheckError::kBadValidatorKey, "tx.unjail.validator");
          }
          return {};
        }
      },
      tx.body);
}

}  // namespace

util::Result<void, TxCheckError> check_evidence(const Evidence& evidence, std::uint32_t chain_id) {
  const Vote& a = evidence.a;
  const Vote& b = evidence.b;
  using E = TxCheckError;
  if (a.chain_id != chain_id || b.chain_id != chain_id) return util::fail(E::kEvidenceWrongChain, "evidence.chain_id");
  if (a.type != b.type) return util::fail(E::kEvidenceTypeMismatch, "evidence.type");
  if (a.height != b.height) return util::fail(E::kEvidenceHeightMismatch, "evidence.height");
  if (a.round != b.round) return util::fail(E::kEvidenceRoundMismatch, "evidence.round");
  if (a.validator != b.validator) return util::fail(E::kEvidenceValidatorMismatch, "evidence.validator");
  if (a.block_hash == b.block_hash) return util::fail(E::kEvidenceSameBlock, "evidence.block_hash");
  // One canonical order per pair, so the same double-sign is one evidence (one txid).
  if (!std::ranges::lexicographical_compare(encode(a), encode(b))) {
    return util::fail(E::kEvidenceNotOrdered, "evidence.order");
  }
  if (auto r = verify_vote(a); !r) {
    return util::fail(E::kEvidenceBadSignature, "evidence.vote_a: " + std::string(crypto::to_string(r.error().code)));
  }
  if (auto r = verify_vote(b); !r) {
    return util::fail(E::kEvidenceBadSignature, "evidence.vote_b: " + std::string(crypto::to_string(r.error().code)));
  }
  return {};
}

util::Result<void, TxCheckError> check_transaction(const Transaction& tx, std::uint32_t chain_id,
                                                   crypto::KeyCache* keys) {
  if (tx.version != kTxVersion) return util::fail(TxCheckError::kUnsupportedVersion, "tx.version");
  if (tx.chain_id != chain_id) return util::fail(TxCheckError::kWrongChain, "tx.chain_id");
  if (auto r = check_body(tx); !r) return r;
  const Hash256 sighash = signing_hash(tx);
  if (auto r = keys != nullptr ? keys->verify(tx.sender, sighash, tx.signature)
                               : crypto::verify(tx.sender, sighash, tx.signature);
      !r) {
    switch (r.error().code) {
      case crypto::SigError::kBadPublicKey: return util::fail(TxCheckError::kBadSenderKey, "tx.sender");
      case crypto::SigError::kBadSignature: return util::fail(TxCheckError::kBadSignatureEncoding, "tx.signature");
      case crypto::SigError::kHighS: return util::fail(TxCheckError::kHighS, "tx.signature");
      case crypto::SigError::kBadPrivateKey:  // not returned by verify
      case crypto::SigError::kInvalidSignature: return util::fail(TxCheckError::kInvalidSignature, "tx.signature");
    }
  }
  return {};
}

}  // namespace cloudchain::primitives
