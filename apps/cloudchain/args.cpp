#include "args.hpp"

#include <algorithm>

#include "amount.hpp"
#include "primitives/transaction.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// bech32m of 20 bytes: 32 data characters plus 6 checksum characters.
constexpr std::size_t kAddressDataChars = 32 + 6;

}  // namespace

util::Result<crypto::Address, util::Bech32Error> parse_address(std::string_view text, std::string_view hrp) {
  using util::Bech32Error;
  auto decoded = crypto::decode_address(text, hrp);
  if (decoded) return *decoded;
  const std::string a = "address " + quote(text);
  const std::string expected =
      " (expected " + std::string(hrp) + "1 followed by " + std::to_string(kAddressDataChars) + " characters)";
  std::string detail;
  switch (decoded.error().code) {
    case Bech32Error::kBadChecksum: detail = a + " has a bad checksum: it is probably mistyped"; break;
    case Bech32Error::kWrongPrefix:
      detail = a + " belongs to network \"" + address_prefix(text) + "\", but this network's prefix is \"" +
               std::string(hrp) + "\"";
      break;
    case Bech32Error::kNoSeparator: detail = quote(text) + " is not an address" + expected; break;
    case Bech32Error::kMixedCase: detail = a + " mixes upper and lower case letters"; break;
    case Bech32Error::kBadCharacter:
      detail = a +
               " contains a character outside the bech32 alphabet (after the prefix and '1', the letters b, i, "
               "o and the digit 1 never occur)";
      break;
    case Bech32Error::kBadHrp: detail = a + " has an invalid prefix" + expected; break;
    case Bech32Error::kTooLong:
    case Bech32Error::kTooShort:
    case Bech32Error::kWrongDataLength:
    case Bech32Error::kBadPadding: detail = a + " has the wrong length for an address" + expected; break;
  }
  return util::fail(decoded.error().code, detail);
}

std::string address_prefix(std::string_view address) {
  const auto sep = address.rfind('1');
  if (sep == std::string_view::npos) return {};
  std::string out(address.substr(0, sep));
  std::ranges::transform(out, out.begin(),
                         [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

std::string_view to_string(ArgError e) {
  switch (e) {
    case ArgError::kBadHash: return "bad_hash";
    case ArgError::kBadBlockId: return "bad_block_id";
    case ArgError::kBadNetwork: return "bad_network";
    case ArgError::kMemoTooLong: return "memo_too_long";
  }
  return "arg_unknown";
}

util::Result<util::Hash256, ArgError> parse_hash(std::string_view text, std::string_view what) {
  auto hash = util::from_hex_array<32>(text);
  if (hash) return *hash;
  std::string why;
  switch (hash.error().code) {
    case util::HexError::kBadCharacter: why = "contains a character that is not a hex digit"; break;
    case util::HexError::kOddLength:
    case util::HexError::kWrongLength: why = "has " + std::to_string(text.size()) + " characters"; break;
  }
  return util::fail(ArgError::kBadHash,
                    std::string(what) + " must be 64 hex digits (32 bytes); " + quote(text) + " " + why);
}

util::Result<BlockId, ArgError> parse_block_id(std::string_view text) {
  const bool all_digits = !text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
  if (all_digits && text.size() != 64) {
    auto height = parse_amount(text, "height");
    if (!height) return util::fail(ArgError::kBadBlockId, height.error().detail);
    return BlockId{*height};
  }
  if (text.size() == 64) {
    auto hash = parse_hash(text, "block hash");
    if (!hash) return util::fail(ArgError::kBadBlockId, hash.error().detail);
    return BlockId{*hash};
  }
  return util::fail(ArgError::kBadBlockId,
                    quote(text) + " is neither a block height (a decimal number) nor a block hash (64 hex digits)");
}

util::Result<std::string, ArgError> parse_network(std::string_view text) {
  const bool ok = !text.empty() && text.size() <= 83 &&
                  std::ranges::all_of(text, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
  if (!ok) {
    return util::fail(ArgError::kBadNetwork, "network prefix " + quote(text) +
                                                 " must be 1 to 83 lower-case letters or digits (e.g. cc, cctest, "
                                                 "ccdev)");
  }
  return std::string(text);
}

util::Result<util::Bytes, ArgError> parse_memo(std::string_view text) {
  if (text.size() > primitives::kMaxMemoSize) {
    return util::fail(ArgError::kMemoTooLong, "memo is " + std::to_string(text.size()) + " bytes; at most " +
                                                  std::to_string(primitives::kMaxMemoSize) + " are allowed");
  }
  const auto bytes = util::as_bytes(text);
  return util::Bytes(bytes.begin(), bytes.end());
}

}  // namespace cloudchain::cli
