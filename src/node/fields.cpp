#include "node/fields.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace cloudchain::node {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.front() == '.' || host.back() == '.' || host.front() == '-') return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
  });
}

}  // namespace

std::optional<std::uint64_t> parse_decimal_u64(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;  // above 2^64 - 1
  return value;
}

std::string Endpoint::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const std::optional<std::uint64_t> port = parse_decimal_u64(port_text);
  if (!port || *port > 65535) return std::nullopt;

  Endpoint out;
  out.port = static_cast<std::uint16_t>(*port);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    std::array<unsigned char, 16> buf{};
    const std::string h(host);
    if (::inet_pton(AF_INET6, h.c_str(), buf.data()) != 1) return std::nullopt;
    out.host = h;
    return out;
  }
  // An unbracketed colon in the host is an IPv6 address without brackets: ambiguous.
  if (host.find(':') != std::string_view::npos) return std::nullopt;
  const std::string h(host);
  std::array<unsigned char, 4> buf{};
  const bool dotted_digits =
      !h.empty() && std::all_of(h.begin(), h.end(), [](char c) { return is_digit(c) || c == '.'; });
  if (dotted_digits) {
    // Something that looks numeric must be a real IPv4 address ("1.2.3" or "300.1.1.1" is not).
    if (::inet_pton(AF_INET, h.c_str(), buf.data()) != 1) return std::nullopt;
  } else if (!is_dns_name(h)) {
    return std::nullopt;
  }
  out.host = h;
  return out;
}

bool is_ip_address(std::string_view host) {
  const std::string h(host);
  std::array<unsigned char, 16> buf{};
  return ::inet_pton(AF_INET, h.c_str(), buf.data()) == 1 || ::inet_pton(AF_INET6, h.c_str(), buf.data()) == 1;
}

bool is_log_level(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kLevels = {"trace", "debug",    "info", "warn",
                                                              "error", "critical", "off"};
  return std::find(kLevels.begin(), kLevels.end(), text) != kLevels.end();
}

std::expected<crypto::Address, std::string> parse_address(std::string_view text, std::string_view hrp) {
  auto decoded = crypto::decode_address(text, hrp);
  if (decoded) return *decoded;
  return std::unexpected(std::string("expected a bech32m address of network '") + std::string(hrp) + "', got " +
                         quote(text) + " (" + std::string(util::to_string(decoded.error().code)) + ")");
}

bool is_network_name(std::string_view text) {
  if (text.empty() || text.size() > 16 || !is_lower(text.front())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return is_lower(c) || is_digit(c); });
}

std::string quote(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const char c = text[i];
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (text.size() > kMax) out += "...";
  out += "'";
  return out;
}

}  // namespace cloudchain::node
