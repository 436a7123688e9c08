#include "util/bech32m.hpp"

#include <array>

namespace cloudchain::util {

namespace {

constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::uint32_t kBech32mConst = 0x2bc830a3;
constexpr std::size_t kMaxLength = 90;
constexpr std::size_t kChecksumLength = 6;

constexpr std::array<std::int8_t, 128> make_reverse() {
  std::array<std::int8_t, 128> rev{};
  for (auto& r : rev) r = -1;
  for (std::size_t i = 0; i < kCharset.size(); ++i) {
    const auto c = static_cast<unsigned char>(kCharset[i]);
    rev[c] = static_cast<std::int8_t>(i);
    if (c >= 'a' && c <= 'z') rev[c - 'a' + 'A'] = static_cast<std::int8_t>(i);
  }
  return rev;
}
constexpr auto kReverse = make_reverse();

std::uint32_t polymod(const std::vector<std::uint8_t>& values) {
  static constexpr std::array<std::uint32_t, 5> kGen{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::uint32_t chk = 1;
  for (const std::uint8_t v : values) {
    const std::uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (std::size_t i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

std::vector<std::uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<std::uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (const char c : hrp) out.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) >> 5));
  out.push_back(0);
  for (const char c : hrp) out.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) & 31));
  return out;
}

}  // namespace

std::string_view to_string(Bech32Error e) {
  switch (e) {
    case Bech32Error::kTooLong: return "bech32_too_long";
    case Bech32Error::kMixedCase: return "bech32_mixed_case";
    case Bech32Error::kNoSeparator: return "bech32_no_separator";
    case Bech32Error::kBadHrp: return "bech32_bad_hrp";
    case Bech32Error::kBadCharacter: return "bech32_bad_character";
    case Bech32Error::kTooShort: return "bech32_too_short";
    case Bech32Error::kBadChecksum: return "bech32_bad_checksum";
    case Bech32Error::kBadPadding: return "bech32_bad_padding";
    case Bech32Error::kWrongPrefix: return "bech32_wrong_prefix";
    case Bech32Error::kWrongDataLength: return "bech32_wrong_data_length";
  }
  return "bech32_unknown";
}

std::string bech32m_encode(std::string_view hrp, std::span<const std::uint8_t> data5) {
  std::vector<std::uint8_t> values = hrp_expand(hrp);
  values.insert(values.end(), data5.begin(), data5.end());
  values.resize(values.size() + kChecksumLength, 0);
  const std::uint32_t mod = polymod(values) ^ kBech32mConst;
  std::string out(hrp);
  out.reserve(hrp.size() + 1 + data5.size() + kChecksumLength);
  out.push_back('1');
  for (const std::uint8_t v : data5) out.push_back(kCharset[v & 31]);
  for (std::size_t i = 0; i < kChecksumLength; ++i) out.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
  return out;
}

Result<Bech32Decoded, Bech32Error> bech32m_decode(std::string_view text) {
  if (text.size() > kMaxLength) return fail(Bech32Error::kTooLong, std::to_string(text.size()) + " characters");
  bool lower = false;
  bool upper = false;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126) return fail(Bech32Error::kBadCharacter, "character outside US-ASCII 33..126");
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return fail(Bech32Error::kMixedCase);
  const auto sep = text.rfind('1');
  if (sep == std::string_view::npos) return fail(Bech32Error::kNoSeparator);
  if (sep == 0 || sep > 83) return fail(Bech32Error::kBadHrp, "HRP length " + std::to_string(sep));
  if (text.size() - sep - 1 < kChecksumLength) return fail(Bech32Error::kTooShort);

  Bech32Decoded out;
  out.hrp.reserve(sep);
  for (std::size_t i = 0; i < sep; ++i) {
    const char c = text[i];
    out.hrp.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  std::vector<std::uint8_t> values = hrp_expand(out.hrp);
  for (std::size_t i = sep + 1; i < text.size(); ++i) {
    const std::int8_t v = kReverse[static_cast<unsigned char>(text[i])];
    if (v < 0) return fail(Bech32Error::kBadCharacter, "data character at offset " + std::to_string(i));
    values.push_back(static_cast<std::uint8_t>(v));
  }
  if (polymod(values) != kBech32mConst) return fail(Bech32Error::kBadChecksum);
  const std::size_t data_len = text.size() - sep - 1 - kChecksumLength;
  out.data.assign(values.end() - static_cast<std::ptrdiff_t>(data_len + kChecksumLength),
                  values.end() - static_cast<std::ptrdiff_t>(kChecksumLength));
  return out;
}

Result<Bytes, Bech32Error> convert_bits(std::span<const std::uint8_t> in, int from_bits, int to_bits, bool pad) {
  std::uint32_t acc = 0;
  int bits = 0;
  const std::uint32_t maxv = (1U << to_bits) - 1;
  Bytes out;
  out.reserve(in.size() * static_cast<std::size_t>(from_bits) / static_cast<std::size_t>(to_bits) + 1);
  for (const std::uint8_t value : in) {
    if ((value >> from_bits) != 0) return fail(Bech32Error::kBadCharacter, "value exceeds bit width");
    acc = (acc << from_bits) | value;
    bits += from_bits;
    while (bits >= to_bits) {
      bits -= to_bits;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(static_cast<std::uint8_t>((acc << (to_bits - bits)) & maxv));
  } else if (bits >= from_bits || ((acc << (to_bits - bits)) & maxv) != 0) {
    return fail(Bech32Error::kBadPadding);
  }
  return out;
}

std::string bech32m_encode_bytes(std::string_view hrp, ByteSpan bytes) {
  const auto data5 = convert_bits(bytes, 8, 5, true);  // cannot fail for 8-bit input
  return bech32m_encode(hrp, *data5);
}

Result<Bytes, Bech32Error> bech32m_decode_bytes(std::string_view text, std::string_view expected_hrp) {
  auto decoded = bech32m_decode(text);
  if (!decoded) return std::unexpected(decoded.error());
  if (decoded->hrp != expected_hrp) {
    return fail(Bech32Error::kWrongPrefix, "expected '" + std::string(expected_hrp) + "', got '" + decoded->hrp + "'");
  }
  return convert_bits(decoded->data, 5, 8, false);
}

}  // namespace cloudchain::util
