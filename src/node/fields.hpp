#pragma once
// Parsers for the string forms that config.toml, genesis.json and the command line
// share. Each returns nullopt (or an explanation) for anything but the exact documented
// form, so "1e3", " 5", "+5" and "0x10" are not amounts and "localhost" is not an
// endpoint. Pure functions; thread-safe.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/address.hpp"

namespace cloudchain::node {

/// A decimal integer of 1..20 digits without sign, spaces or leading zeros ("0" is fine)
/// that fits u64; nullopt otherwise.
std::optional<std::uint64_t> parse_decimal_u64(std::string_view text);

/// An address to listen on or connect to. `host` is an IPv4 address, a host name, or an
/// IPv6 address (written in brackets in text, stored without them).
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;  // 0: any free port (the API reports the one it bound)

  /// "host:port", or "[v6]:port".
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// HOST:PORT with PORT in 0..65535 (decimal) and HOST an IPv4 address, a DNS name
/// (letters, digits, '-', '.'; at most 253 characters) or a bracketed IPv6 address.
std::optional<Endpoint> parse_endpoint(std::string_view text);

/// True when `host` is an IPv4 or IPv6 address (not a name): what a listening socket
/// binds to without a DNS lookup.
bool is_ip_address(std::string_view host);

/// One of spdlog's level names: trace, debug, info, warn, error, critical, off.
bool is_log_level(std::string_view text);

/// A bech32m address of the network `hrp`, or an explanation for the error message
/// ("expected a bech32m address of network 'ccdev', got 'x' (bad_checksum)").
std::expected<crypto::Address, std::string> parse_address(std::string_view text, std::string_view hrp);

/// A network prefix usable as a bech32m HRP that is unambiguous to read: 1..16 characters
/// of lower-case letters and digits, starting with a letter.
bool is_network_name(std::string_view text);

/// `text` quoted for an error message, cut at 64 characters with "..." so a huge value
/// does not flood a log line; control characters are shown as '?'.
std::string quote(std::string_view text);

}  // namespace cloudchain::node
