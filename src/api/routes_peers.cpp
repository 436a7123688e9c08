// GET /v1/peers and the admin routes that manage peers: POST /v1/admin/peers (dial),
// POST /v1/admin/peers/ban, POST /v1/admin/peers/unban (docs/api.md "Peers").

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

#include <algorithm>

#include "api/json_body.hpp"
#include "api/json_writer.hpp"
#include "api/routes.hpp"

namespace cloudchain::api {

namespace {

// A ban lasts at most a year (the bound of p2p.ban_seconds in config.toml).
constexpr std::uint64_t kMaxBanSeconds = std::uint64_t{365} * 24 * 3600;
constexpr std::uint64_t kDefaultBanSeconds = 3600;
constexpr std::size_t kMaxHostLength = 253;

bool is_ip(std::string_view text) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(std::string(text), ec);
  return !ec;
}

/// "host:port" to dial: an IPv4 address or DNS name (letters, digits, '-', '.'), or a
/// bracketed IPv6 address; port 1..65535 without sign or leading zeros.
bool is_dial_address(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.front() == '0' ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  if (std::stoul(std::string(port)) > 65535) return false;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
    return host.find(':') != std::string_view::npos && is_ip(host);
  }
  return host.size() <= kMaxHostLength && std::all_of(host.begin(), host.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
         });
}

Problem p2p_disabled() {
  return problem(503, "p2p_disabled", "this node runs without a P2P network (p2p.enabled = false in config.toml)");
}

/// The string field `name` of a body that has exactly `allowed` fields.
std::expected<std::string, Problem> string_field(const nlohmann::json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || !it->is_string()) {
    return std::unexpected(problem(ApiError::kBadField, fmt::format("\"{}\": a string is required", name)));
  }
  return it->get<std::string>();
}

std::string double_text(double v) { return fmt::format("{:.2f}", v); }

}  // namespace

void write_sync(JsonWriter& w, const std::optional<p2p::SyncStatus>& sync, std::uint64_t tip_height) {
  // Without a network the node is trivially in sync with itself: the same shape, so
  // clients need no special case.
  const p2p::SyncStatus s = sync.value_or(p2p::SyncStatus{false, tip_height, tip_height, 100.0, 0.0, std::nullopt});
  w.begin_object()
      .field("syncing", s.syncing)
      .field("height", s.height)
      .field("target_height", s.target_height)
      .key("percent")
      .raw(double_text(s.percent))
      .key("blocks_per_second")
      .raw(double_text(s.blocks_per_second))
      .key("eta_seconds");
  if (s.eta_seconds) {
    w.value(*s.eta_seconds);
  } else {
    w.raw("null");
  }
  w.end_object();
}

Response get_peers(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  const auto peers = ctx.service.peers();
  const auto bans = ctx.service.bans();
  JsonWriter w(256 + 256 * peers.size());
  w.begin_object().field("enabled", ctx.service.sync_status().has_value()).key("peers").begin_array();
  for (const p2p::PeerInfo& p : peers) {
    w.begin_object()
        .field("id", p.id)
        .field("address", p.address)
        .field("inbound", p.inbound)
        .field("ready", p.ready)
        .field("best_height", p.best_height)
        .field("user_agent", p.user_agent)
        .field("score", p.score)
        .field("bytes_sent", p.bytes_sent)
        .field("bytes_received", p.bytes_received)
        .field("connected_ms", p.connected_ms)
        .key("ping_rtt_ms");
    if (p.ping_rtt_ms) {
      w.value(*p.ping_rtt_ms);
    } else {
      w.raw("null");
    }
    w.field("blocks_in_flight", p.blocks_in_flight).end_object();
  }
  w.end_array().key("bans").begin_array();
  for (const p2p::BanInfo& b : bans) {
    w.begin_object().field("ip", b.ip).field("until_ms", b.until_ms).field("reason", b.reason).end_object();
  }
  w.end_array().end_object();
  return json_response(200, w.take());
}

Response admin_connect_peer(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  auto body = json_object_request(req, {"address"});
  if (!body) return problem_response(body.error());
  auto address = string_field(*body, "address");
  if (!address) return problem_response(address.error());
  if (!is_dial_address(*address)) {
    return problem_response(problem(ApiError::kBadField,
                                    "\"address\": expected HOST:PORT (an IP address, [IPv6] or a DNS name; port "
                                    "1..65535)"));
  }
  if (!ctx.service.connect_peer(*address)) return problem_response(p2p_disabled());
  JsonWriter w(128);
  w.begin_object().field("status", "connecting").field("address", *address).end_object();
  return json_response(202, w.take());
}

Response admin_ban_peer(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  auto body = json_object_request(req, {"ip", "seconds"});
  if (!body) return problem_response(body.error());
  auto ip = string_field(*body, "ip");
  if (!ip) return problem_response(ip.error());
  if (!is_ip(*ip)) return problem_response(problem(ApiError::kBadField, "\"ip\": expected an IPv4 or IPv6 address"));
  std::uint64_t seconds = kDefaultBanSeconds;
  if (const auto it = body->find("seconds"); it != body->end()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 1 || it->get<std::uint64_t>() > kMaxBanSeconds) {
      return problem_response(
          problem(ApiError::kBadField, fmt::format("\"seconds\": an integer in 1..{} (a year)", kMaxBanSeconds)));
    }
    seconds = it->get<std::uint64_t>();
  }
  if (!ctx.service.ban_peer(*ip, std::chrono::seconds(seconds))) return problem_response(p2p_disabled());
  JsonWriter w(128);
  w.begin_object().field("status", "banned").field("ip", *ip).field("seconds", seconds).end_object();
  return json_response(200, w.take());
}

Response admin_unban_peer(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  auto body = json_object_request(req, {"ip"});
  if (!body) return problem_response(body.error());
  auto ip = string_field(*body, "ip");
  if (!ip) return problem_response(ip.error());
  if (!is_ip(*ip)) return problem_response(problem(ApiError::kBadField, "\"ip\": expected an IPv4 or IPv6 address"));
  if (!ctx.service.unban_peer(*ip)) return problem_response(p2p_disabled());
  JsonWriter w(128);
  w.begin_object().field("status", "unbanned").field("ip", *ip).end_object();
  return json_response(200, w.take());
}

}  // namespace cloudchain::api
