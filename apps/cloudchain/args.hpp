#pragma once
// Validation of the command-line values that name chain objects: addresses, 32-byte
// hashes (txids, digests, block hashes), block ids, network prefixes and anchor memos.
// Each failure carries a detail that is a complete sentence for the user: what was
// given, what was expected and, where it can be told, what probably went wrong (a bad
// bech32m checksum almost always means a mistyped address).
//
// Pure functions, thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "crypto/address.hpp"
#include "util/bech32m.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace cloudchain::cli {

/// Decodes a bech32m address of network `hrp`. Errors: the Bech32Error of the first rule
/// broken (kBadChecksum: probably mistyped; kWrongPrefix: another network's address;
/// kWrongDataLength / kTooShort / kTooLong: not a 20-byte address; ...), with a sentence.
util::Result<crypto::Address, util::Bech32Error> parse_address(std::string_view text, std::string_view hrp);

/// The prefix of a well-formed bech32 string (the part before its last '1'), lower-cased;
/// empty when there is no '1'. Does not check the checksum.
std::string address_prefix(std::string_view address);

enum class ArgError {
  kBadHash,      // a txid, digest or block hash is 64 hex digits (32 bytes)
  kBadBlockId,   // a block is named by its height (decimal) or its hash (64 hex digits)
  kBadNetwork,   // a network prefix is 1..83 characters of [a-z0-9] (a lower-case bech32m HRP)
  kMemoTooLong,  // an anchor memo is at most 64 bytes (protocol.md section 5)
};
std::string_view to_string(ArgError e);

/// A 32-byte hash as 64 hex digits (either case). `what` names it in the message ("txid").
util::Result<util::Hash256, ArgError> parse_hash(std::string_view text, std::string_view what);

/// A block height or a block hash.
using BlockId = std::variant<std::uint64_t, util::Hash256>;
/// All digits (at most 20, no leading zero unless "0", within u64): a height; 64 hex
/// digits: a hash. Errors: kBadBlockId.
util::Result<BlockId, ArgError> parse_block_id(std::string_view text);

/// A network prefix for --network. Errors: kBadNetwork.
util::Result<std::string, ArgError> parse_network(std::string_view text);

/// An anchor memo (UTF-8 text, used as bytes). Errors: kMemoTooLong.
util::Result<util::Bytes, ArgError> parse_memo(std::string_view text);

}  // namespace cloudchain::cli
