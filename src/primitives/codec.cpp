#include "primitives/codec.hpp"

namespace cloudchain::primitives {

std::string_view to_string(CodecError e) {
  switch (e) {
    case CodecError::kTruncated: return "codec_truncated";
    case CodecError::kTrailingBytes: return "codec_trailing_bytes";
    case CodecError::kLengthTooLarge: return "codec_length_too_large";
    case CodecError::kListTooLong: return "codec_list_too_long";
    case CodecError::kUnknownVersion: return "codec_unknown_version";
    case CodecError::kUnknownTxKind: return "codec_unknown_tx_kind";
    case CodecError::kUnknownSealKind: return "codec_unknown_seal_kind";
    case CodecError::kUnknownVoteType: return "codec_unknown_vote_type";
    case CodecError::kBlockTooLarge: return "codec_block_too_large";
    case CodecError::kCompactNegative: return "codec_compact_negative";
    case CodecError::kCompactZero: return "codec_compact_zero";
    case CodecError::kCompactOverflow: return "codec_compact_overflow";
    case CodecError::kCompactNotNormalized: return "codec_compact_not_normalized";
    case CodecError::kNilProposal: return "codec_nil_proposal";
    case CodecError::kBadValidRound: return "codec_bad_valid_round";
  }
  return "codec_unknown";
}

void Reader::set_error(CodecError code, std::string_view field) {
  if (!m_error) m_error = util::Error<CodecError>{code, std::string(field)};
}

const std::uint8_t* Reader::take(std::size_t n, std::string_view field) {
  if (m_error) return nullptr;
  if (remaining() < n) {
    set_error(CodecError::kTruncated, field);
    return nullptr;
  }
  const std::uint8_t* p = m_in.data() + m_pos;
  m_pos += n;
  return p;
}

void Reader::u8(std::uint8_t& v, std::string_view field) {
  const std::uint8_t* p = take(1, field);
  v = p ? p[0] : 0;
}

void Reader::u32(std::uint32_t& v, std::string_view field) {
  v = 0;
  if (const std::uint8_t* p = take(4, field)) {
    for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  }
}

void Reader::u64(std::uint64_t& v, std::string_view field) {
  v = 0;
  if (const std::uint8_t* p = take(8, field)) {
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  }
}

void Reader::bytes(Bytes& b, std::size_t max, std::string_view field) {
  b.clear();
  std::uint32_t len = 0;
  u32(len, field);
  if (len > max) {
    set_error(CodecError::kLengthTooLarge, field);
    return;
  }
  if (const std::uint8_t* p = take(len, field)) b.assign(p, p + len);
}

void Reader::count(std::size_t& n, std::size_t max, std::size_t min_item_size, std::string_view field) {
  n = 0;
  std::uint32_t raw = 0;
  u32(raw, field);
  if (raw > max) {
    set_error(CodecError::kListTooLong, field);
    return;
  }
  // Before anyone reserves `raw` items: they must at least fit in what is left.
  if (min_item_size != 0 && raw > remaining() / min_item_size) {
    set_error(CodecError::kTruncated, field);
    return;
  }
  if (ok()) n = raw;
}

void Reader::require(bool ok_value, CodecError code, std::string_view field) {
  if (!ok_value) set_error(code, field);
}

void Reader::finish(std::string_view what) {
  if (ok() && remaining() != 0) set_error(CodecError::kTrailingBytes, what);
}

util::Result<void, CodecError> Reader::status() const {
  if (m_error) return std::unexpected(*m_error);
  return {};
}

}  // namespace cloudchain::primitives
