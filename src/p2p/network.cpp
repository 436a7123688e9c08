// Network life cycle: the io_context thread, the listener, the dialler with backoff,
// bans, the periodic tick and the snapshots the API reads. What each message does is
// in network_messages.cpp; sync in network_sync.cpp.

#include "p2p/network.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <future>

#include "p2p/network_impl.hpp"
#include "util/thread_name.hpp"

namespace cloudchain::p2p {

namespace {

using boost::system::error_code;

// The pause before accepting again after an accept error (e.g. out of descriptors).
constexpr std::chrono::milliseconds kAcceptBackoff{50};
// How long stop() waits for the io thread to close the peers before stopping it.
constexpr std::chrono::seconds kShutdownWait{2};

// "host:port" -> (host, port); nullopt if malformed. IPv6 hosts in brackets.
std::optional<std::pair<std::string, std::string>> split_host_port(const std::string& s) {
  std::string host;
  std::string port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos || close + 2 > s.size() || s[close + 1] != ':') return std::nullopt;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || s.find(':') != colon) return std::nullopt;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return std::pair{host, port};
}

// "ip:port" as an IP and a port; nullopt for "host:port" with a host name.
struct IpTarget {
  IpAddress ip{};
  std::uint32_t port = 0;
};
std::optional<IpTarget> ip_target(const std::string& target) {
  const auto hp = split_host_port(target);
  const auto ip = hp ? parse_ip(hp->first) : std::nullopt;
  if (!ip) return std::nullopt;
  IpTarget t{*ip, 0};
  // NOLINTNEXTLINE(bugprone-unused-return-value): split_host_port checked it
  std::from_chars(hp->second.data(), hp->second.data() + hp->second.size(), t.port);
  return t;
}

bool is_v4(const IpAddress& ip) {
  return std::all_of(ip.begin(), ip.begin() + 10, [](std::uint8_t b) { return b == 0; }) && ip[10] == 0xff &&
         ip[11] == 0xff;
}
bool is_unspecified(const IpAddress& ip) {
  return std::all_of(ip.begin() + (is_v4(ip) ? 12 : 0), ip.end(), [](std::uint8_t b) { return b == 0; });
}
bool is_loopback(const IpAddress& ip) {
  if (is_v4(ip)) return ip[12] == 127;
  return std::all_of(ip.begin(), ip.begin() + 15, [](std::uint8_t b) { return b == 0; }) && ip[15] == 1;
}

std::string ip_of(const tcp::endpoint& ep) {
  const auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return a.to_v6().to_v4().to_string();
  return a.to_string();
}

}  // namespace

std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now().time_since_epoch()).count());
}

bool PostGate::post(std::function<void()> fn) {
  const std::lock_guard lock(mutex);
  if (io == nullptr) return false;
  asio::post(*io, std::move(fn));
  return true;
}

void PostGate::close() {
  const std::lock_guard lock(mutex);
  io = nullptr;
}

Network::Impl::Impl(NetworkConfig cfg, NodeHooks& h, std::shared_ptr<spdlog::logger> l)
    : config(std::move(cfg)),
      hooks(h),
      log(l ? std::move(l) : spdlog::default_logger()),
      limits(limits_from(config)),
      planner(point_of(hooks.best()), steady_ms(), SyncLimits{},
              [&h](const Hash256& hash) -> std::optional<ChainPoint> {
                const auto stored = h.chain_point(hash);
                return stored ? std::optional(point_of(*stored)) : std::nullopt;
              }) {
  identity.chain_id = hooks.chain_id();
  identity.genesis = hooks.genesis_hash();
  identity.nonce = rng();
  magic = magic_for(identity.genesis);
  const auto shortest = std::min({limits.handshake_timeout, limits.ping_interval, limits.frame_timeout});
  tick_interval = std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
}

Network::Impl::~Impl() { stop(); }

util::Result<void, P2pError> Network::Impl::start() {
  const std::lock_guard lock(life_mutex);
  if (started) return util::fail(P2pError::kIo, "already started");
  started = true;
  if (config.enabled) {
    error_code ec;
    const auto address = asio::ip::make_address(config.listen_host, ec);
    if (ec) {
      started = false;
      return util::fail(P2pError::kIo, fmt::format("listen host {}: not an IP address", config.listen_host));
    }
    const tcp::endpoint endpoint(address, config.listen_port);
    auto& a = acceptor.emplace(io);
    const bool listening = !a.open(endpoint.protocol(), ec) &&
                           !a.set_option(asio::socket_base::reuse_address(true), ec) && !a.bind(endpoint, ec) &&
                           !a.listen(asio::socket_base::max_listen_connections, ec);
    if (!listening) {
      acceptor.reset();
      started = false;
      return util::fail(P2pError::kIo,
                        fmt::format("listen {}:{}: {}", config.listen_host, config.listen_port, ec.message()));
    }
    port = a.local_endpoint().port();
  }
  for (const auto& seed : config.seeds) {
    if (!split_host_port(seed)) {
      log->warn("p2p: seed '{}' is not host:port; ignored", seed);
      continue;
    }
    targets[seed].manual = true;
  }
  timer.emplace(io);
  accept_backoff.emplace(io);
  resolver.emplace(io);
  work.emplace(io.get_executor());
  {
    const std::lock_guard gate_lock(gate->mutex);
    gate->io = &io;
  }
  if (acceptor) accept();
  asio::post(io, [this] {
    dial_some();
    arm_tick();
  });
  thread = std::thread([this] {
    util::name_this_thread("p2p");
    run_thread();
  });
  if (acceptor) log->info("p2p: listening on {}:{}", config.listen_host, port.load());
  return {};
}

void Network::Impl::run_thread() {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      // Handlers do not throw by design; should one escape anyway, keep serving.
      log->error("p2p: exception escaped a handler: {}", e.what());
    }
  }
}

void Network::Impl::stop() {
  const std::lock_guard lock(life_mutex);
  if (!started || stopped || !thread.joinable()) return;
  stopped = true;
  gate->close();  // from now on post() and late NodeHooks callbacks are refused
  std::promise<void> closed;
  auto done = closed.get_future();
  asio::post(io, [this, &closed] {
    shutdown_all();
    // Behind the handlers the closes queued (aborted reads and writes, on_closed), which
    // run first on this one thread: each peer's disconnection is reported before stop()
    // returns, as a node that counts its peers expects.
    asio::post(io, [&closed] { closed.set_value(); });
  });
  if (done.wait_for(kShutdownWait) != std::future_status::ready) log->warn("p2p: shutdown did not finish in time");
  // The FINs are out (closing a socket sends them at once); anything queued later (a
  // reconnection timer's handler, say) need not run.
  io.stop();
  if (thread.joinable()) thread.join();
  work.reset();
  peers.clear();
  refresh_snapshot();
  log->info("p2p: stopped");
}

void Network::Impl::shutdown_all() {
  error_code ignored;
  if (acceptor) {
    [[maybe_unused]] const auto r = acceptor->close(ignored);  // stopping either way
  }
  if (timer) timer->cancel();
  if (accept_backoff) accept_backoff->cancel();
  if (resolver) resolver->cancel();
  for (auto& [id, p] : peers) p.conn->close({P2pError::kShutdown, "the node is stopping"});
}

void Network::Impl::accept() {
  if (!acceptor) return;
  acceptor->async_accept([this](const error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor || !acceptor->is_open()) return;
    if (ec) {
      accept_backoff->expires_after(kAcceptBackoff);
      accept_backoff->async_wait([this](const error_code& wec) {
        if (!wec) accept();
      });
      return;
    }
    error_code rec;
    const auto remote = socket.remote_endpoint(rec);
    const std::string ip = rec ? std::string("?") : ip_of(remote);
    std::size_t inbound = 0;
    for (const auto& [id, p] : peers) inbound += p.conn->inbound() ? 1 : 0;
    if (is_banned(ip)) {
      log->debug("p2p: refused {} (banned)", ip);
    } else if (inbound >= config.max_inbound) {
      log->debug("p2p: refused {} ({} inbound peers, the limit)", ip, inbound);
    } else {
      add_peer(std::move(socket), true, {});
    }
    // A refused socket closes here, at the end of its scope: accepted and closed, no
    // handshake (docs/p2p.md "Connection limits").
    accept();
  });
}

void Network::Impl::arm_tick() {
  if (!timer) return;
  timer->expires_after(tick_interval);
  timer->async_wait([this](const error_code& ec) {
    if (!ec) tick();
  });
}

void Network::Impl::tick() {
  const auto now = SteadyClock::now();
  {
    const std::lock_guard lock(book_mutex);
    book.expire(unix_ms());
  }
  expire_tx_requests(now);
  for (auto& [id, p] : peers) {
    if (!p.pending_getdata.empty()) serve_getdata(p);
  }
  sync_tick(now);
  dial_some();
  refresh_snapshot();
  arm_tick();
}

void Network::Impl::dial_some() {
  // A target whose node is connected another way waits until that connection is gone;
  // then a learned one is forgotten (the book still has it) and a manual one is dialled.
  for (auto it = targets.begin(); it != targets.end();) {
    DialTarget& d = it->second;
    if (!d.busy && is_own_address(it->first)) {
      log->warn("p2p: {} is this node's own listen address; not dialled", it->first);
      self_targets.insert(it->first);
      it = targets.erase(it);
      continue;
    }
    if (d.covered_by && !connected_to(*d.covered_by)) d.covered_by.reset();
    it = !d.manual && !d.busy && !d.covered_by ? targets.erase(it) : std::next(it);
  }
  std::size_t outbound = 0;
  for (const auto& [t, d] : targets) outbound += d.busy ? 1 : 0;
  const std::uint64_t now = unix_ms();
  // The operator's addresses first (seeds, connect()), banned or not ...
  for (auto& [target, d] : targets) {
    if (outbound >= config.max_outbound) return;
    if (d.busy || d.covered_by || !d.manual || !backoff.ready(target, now)) continue;
    // It dialled us first (its listen port is the target's)? Then not again.
    if (const auto node = node_listening_at(target)) {
      d.covered_by = node;
      continue;
    }
    ++outbound;
    dial(target);
  }
  if (outbound >= config.max_outbound) return;
  // ... then addresses learned from peers (the sample leaves banned IPs out).
  std::vector<NetAddress> candidates;
  {
    const std::lock_guard lock(book_mutex);
    candidates = book.sample(std::size_t{4} * config.max_outbound, now);
  }
  for (const NetAddress& a : candidates) {
    if (outbound >= config.max_outbound) return;
    const std::string target = format_endpoint(a.ip, a.port);
    if (self_targets.contains(target) || is_own_address(target) || !backoff.ready(target, now)) continue;
    if (const auto it = targets.find(target); it != targets.end() && (it->second.busy || it->second.covered_by)) {
      continue;
    }
    // Already connected to it (it dialled us, or under another name)? Then not again.
    if (node_listening_at(target)) continue;
    ++outbound;
    dial(target);
  }
}

void Network::Impl::dial(const std::string& target) {
  auto& d = targets[target];
  d.busy = true;
  const auto hp = split_host_port(target);
  if (!hp) return dial_failed(target, "not host:port");
  if (!resolver) return;
  log->debug("p2p: dialling {}", target);
  resolver->async_resolve(
      hp->first, hp->second, [this, target](const error_code& ec, const tcp::resolver::results_type& results) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) return dial_failed(target, "resolve: " + ec.message());
        auto socket = std::make_shared<tcp::socket>(io);
        // A dial that hangs (a filtered address) ends after the handshake timeout.
        auto deadline = std::make_shared<asio::steady_timer>(io, limits.handshake_timeout);
        deadline->async_wait([socket](const error_code& wec) {
          if (!wec) {
            error_code ignored;
            [[maybe_unused]] const auto r = socket->close(ignored);
          }
        });
        asio::async_connect(*socket, results,
                            [this, target, socket, deadline](const error_code& cec, const tcp::endpoint&) {
                              deadline->cancel();
                              if (cec) return dial_failed(target, "connect: " + cec.message());
                              add_peer(std::move(*socket), false, target);
                            });
      });
}

void Network::Impl::dial_failed(const std::string& target, const std::string& why) {
  backoff.failed(target, unix_ms());
  const auto it = targets.find(target);
  if (it != targets.end()) {
    it->second.busy = false;
    if (!it->second.manual) targets.erase(it);
  }
  log->debug("p2p: {} failed ({}); next try in {} ms", target, why, backoff.delay_ms(target));
}

Version Network::Impl::our_version() const {
  const ChainSummary best = hooks.best();
  Version v;
  v.chain_id = identity.chain_id;
  v.genesis = identity.genesis;
  v.best_height = best.height;
  v.best_hash = best.hash;
  v.nonce = identity.nonce;
  v.listen_port = port.load();
  v.user_agent = std::string(kUserAgent);
  return v;
}

void Network::Impl::add_peer(tcp::socket socket, bool inbound, const std::string& target) {
  const std::uint64_t id = next_id++;
  auto conn = std::make_shared<Connection>(std::move(socket), id, inbound, limits, identity, *this);
  auto [it, inserted] = peers.emplace(id, Peer(conn));
  it->second.target = target;
  log->debug("p2p: peer {} {} {}", id, inbound ? "from" : "to", conn->address());
  conn->start(our_version());
  refresh_snapshot();
}

std::optional<std::uint64_t> Network::Impl::node_listening_at(const std::string& target) const {
  const auto t = ip_target(target);
  if (!t) return std::nullopt;
  for (const auto& [id, p] : peers) {
    const auto& v = p.conn->version();
    if (!v || p.conn->closed() || v->listen_port != t->port) continue;
    if (parse_ip(p.conn->ip()) == t->ip) return v->nonce;
  }
  return std::nullopt;
}

bool Network::Impl::is_own_address(const std::string& target) const {
  const auto t = ip_target(target);
  const auto listen = parse_ip(config.listen_host);
  if (!t || !listen || port.load() == 0 || t->port != port.load()) return false;
  // Listening on every address, a loopback one is surely us; others (our LAN or public
  // IP) we learn by dialling them once (kSelfConnection).
  return t->ip == *listen || (is_unspecified(*listen) && is_loopback(t->ip));
}

bool Network::Impl::connected_to(std::uint64_t nonce, std::uint64_t except) const {
  return std::ranges::any_of(peers, [&](const auto& entry) {
    const Connection& c = *entry.second.conn;
    const auto& v = c.version();
    return entry.first != except && c.ready() && !c.closed() && v && v->nonce == nonce;
  });
}

// Two nodes that list each other as seeds dial each other, often at the same moment.
// Both ends apply one rule to the pair: of two connections in opposite directions, the
// one dialled by the node with the smaller nonce stays; of two in the same direction, the
// older. Only the node that dialled the dropped connection closes it (it knows which
// target to stop dialling); the other end just sees it close. So both ends drop the same
// connection, and a dial is never torn down before its own end completed the handshake
// (which would count as a failed dial and be retried, forever).
bool Network::Impl::close_if_duplicate(Peer& p) {
  const Connection& c = *p.conn;
  const auto& version = c.version();
  if (!version) return false;  // unreachable: ready means a version arrived
  const std::uint64_t node = version->nonce;
  for (auto& [id, other] : peers) {
    const Connection& o = *other.conn;
    const auto& other_version = o.version();
    if (id == c.id() || !o.ready() || o.closed() || !other_version || other_version->nonce != node) continue;
    Peer* drop = &p;  // same direction: the newer
    if (c.inbound() != o.inbound()) {
      const bool keep_ours = identity.nonce < node;  // keep the one we dialled
      Peer& ours = c.inbound() ? other : p;
      Peer& theirs = c.inbound() ? p : other;
      drop = keep_ours ? &theirs : &ours;
    }
    const Peer& keep = drop == &p ? other : p;
    if (drop->conn->inbound()) {
      log->debug("p2p: peer {} is a second connection to the node of peer {}; its dialler closes one", c.id(), id);
      return false;
    }
    drop->conn->close({P2pError::kDuplicateConnection,
                       fmt::format("the node is connected as peer {} ({})", keep.conn->id(), keep.conn->address())});
    return drop == &p;
  }
  return false;
}

Peer* Network::Impl::find(std::uint64_t id) {
  const auto it = peers.find(id);
  return it == peers.end() || it->second.conn->closed() ? nullptr : &it->second;
}

bool Network::Impl::is_banned(const std::string& ip) {
  const auto parsed = parse_ip(ip);
  const std::lock_guard lock(book_mutex);
  return parsed && book.is_banned(*parsed, unix_ms());
}

void Network::Impl::add_ban(const std::string& ip, std::chrono::seconds duration, std::string reason) {
  const auto parsed = parse_ip(ip);
  if (!parsed) return;
  const auto secs = static_cast<std::uint64_t>(duration.count());
  const std::lock_guard lock(book_mutex);
  book.ban(*parsed, unix_ms() + secs * 1000, std::move(reason));
}

void Network::Impl::learn(const std::string& ip, std::uint32_t listen_port, std::uint64_t last_seen_ms) {
  const auto parsed = parse_ip(ip);
  if (!parsed || listen_port == 0 || listen_port > 65535) return;
  const std::lock_guard lock(book_mutex);
  book.add(NetAddress{*parsed, listen_port, last_seen_ms}, unix_ms());
}

void Network::Impl::misbehave(Peer& p, P2pError code, const std::string& detail) {
  const std::uint32_t points = misbehaviour_score(code);
  if (points == 0 || p.banned) return;
  const std::uint32_t score = p.score.add(points, steady_ms());
  log->info("p2p: peer {} ({}) misbehaved: {} {} (score {})", p.conn->id(), p.conn->address(), to_string(code), detail,
            score);
  if (score < kBanScore) return;
  p.banned = true;
  add_ban(p.conn->ip(), std::chrono::seconds(config.ban_seconds), std::string(to_string(code)));
  log->warn("p2p: banned {} for {} s: {} {}", p.conn->ip(), config.ban_seconds, to_string(code), detail);
  p.conn->close({code, detail});
}

void Network::Impl::on_ready(Connection& c) {
  Peer* p = find(c.id());
  if (p == nullptr) return;
  const auto& version = c.version();
  if (!version) return;  // unreachable: ready means a version arrived
  const Version& v = *version;
  if (!p->target.empty()) backoff.succeeded(p->target);
  if (close_if_duplicate(*p)) return;
  p->best_height = v.best_height;
  p->reported = true;
  hooks.on_peer_event(PeerEvent{true, c.id(), c.address(), c.inbound()});
  log->info("p2p: peer {} {} ready ({}, height {})", c.id(), c.address(), v.user_agent, v.best_height);
  // A peer that listens tells us where: an address for the book (and for getaddr).
  if (v.listen_port != 0) learn(c.ip(), v.listen_port, unix_ms());
  if (!c.inbound()) {
    c.send(GetAddr{});
    p->addr_tokens += static_cast<double>(kMaxAddrs);  // its answer
  }
  sync_peer_ready(*p);
  refresh_snapshot();
}

void Network::Impl::on_closed(Connection& c, const P2pFailure& why) {
  const auto it = peers.find(c.id());
  if (it == peers.end()) return;
  Peer& p = it->second;
  // Errors the connection found itself (frames, handshake) are scored here.
  if (!p.banned && misbehaviour_score(why.code) > 0) {
    if (p.score.add(misbehaviour_score(why.code), steady_ms()) >= kBanScore) {
      p.banned = true;
      add_ban(c.ip(), std::chrono::seconds(config.ban_seconds), std::string(to_string(why.code)));
      log->warn("p2p: banned {} for {} s: {} {}", c.ip(), config.ban_seconds, to_string(why.code), why.detail);
    }
  }
  log->info("p2p: peer {} {} disconnected: {} {}", c.id(), c.address(), to_string(why.code), why.detail);
  if (p.reported) hooks.on_peer_event(PeerEvent{false, c.id(), c.address(), c.inbound()});
  if (!p.target.empty()) {
    const auto& v = c.version();
    if (why.code == P2pError::kSelfConnection) {
      self_targets.insert(p.target);  // ourselves: never again
      targets.erase(p.target);
    } else if (c.ready() && v && connected_to(v->nonce, c.id())) {
      // A duplicate (closed by us, or by the other end): the node is still connected.
      DialTarget& d = targets[p.target];
      d.busy = false;
      d.covered_by = v->nonce;
    } else {
      dial_failed(p.target, std::string(to_string(why.code)));
    }
  }
  for (auto r = tx_in_flight.begin(); r != tx_in_flight.end();) {
    if (r->second == c.id()) {
      tx_in_flight.erase(r++);  // a flat map's erase returns nothing; `r++` stays valid
    } else {
      ++r;
    }
  }
  const std::uint64_t id = c.id();
  peers.erase(it);
  sync_peer_gone(id);
  refresh_snapshot();
}

void Network::Impl::on_drained(Connection& c) {
  if (Peer* p = find(c.id()); p != nullptr && !p->pending_getdata.empty()) serve_getdata(*p);
}

void Network::Impl::refresh_snapshot() {
  std::vector<PeerInfo> infos;
  infos.reserve(peers.size());
  const std::uint64_t now_ms = steady_ms();
  for (const auto& [id, p] : peers) {
    const Connection& c = *p.conn;
    PeerInfo info;
    info.id = id;
    info.address = c.address();
    info.inbound = c.inbound();
    info.ready = c.ready();
    info.best_height = p.best_height;
    if (const auto& v = c.version()) info.user_agent = v->user_agent;
    info.score = p.score.value(now_ms);
    info.bytes_sent = c.bytes_sent();
    info.frames_sent = c.frames_sent();
    info.writes = c.writes();
    info.bytes_received = c.bytes_received();
    info.connected_ms = c.connected_ms();
    info.ping_rtt_ms = c.ping_rtt_ms();
    info.blocks_in_flight = blocks_in_flight(id);
    infos.push_back(std::move(info));
  }
  const std::lock_guard lock(snapshot_mutex);
  peer_snapshot = std::move(infos);
}

// --- Network --------------------------------------------------------------------------

Network::Network(NetworkConfig config, NodeHooks& hooks, std::shared_ptr<spdlog::logger> logger)
    : m_impl(std::make_unique<Impl>(std::move(config), hooks, std::move(logger))) {}

Network::~Network() { stop(); }

util::Result<void, P2pError> Network::start() { return m_impl->start(); }

void Network::stop() { m_impl->stop(); }

std::uint16_t Network::listen_port() const { return m_impl->port.load(); }

void Network::announce_block(const Hash256& hash, std::uint64_t height) {
  post([impl = m_impl.get(), hash, height] { impl->announce_new_block(hash, height); });
}

void Network::announce_tx(const Hash256& txid) {
  post([impl = m_impl.get(), txid] { impl->announce(InvItem{InvKind::kTx, txid}, 0); });
}

void Network::announce_txs(std::vector<Hash256> txids) {
  post([impl = m_impl.get(), txids = std::move(txids)] { impl->announce_txs(txids, {}); });
}

// Encoded here, on the caller's thread (encode_payload aborts on a block that is not the
// proposal's: a bug in the caller); the network thread only hashes and sends.
void Network::broadcast_proposal(const primitives::Proposal& proposal, const primitives::Block& block) {
  auto payload = std::make_shared<const Bytes>(encode_payload(ProposalMsg{proposal, block}));
  post([impl = m_impl.get(), payload] { impl->broadcast_consensus(MessageType::kProposal, *payload); });
}

void Network::broadcast_vote(const primitives::Vote& vote) {
  auto payload = std::make_shared<const Bytes>(encode_payload(VoteMsg{vote}));
  post([impl = m_impl.get(), payload] { impl->broadcast_consensus(MessageType::kVote, *payload); });
}

void Network::connect(const std::string& host_port) {
  post([impl = m_impl.get(), host_port] {
    if (!split_host_port(host_port)) {
      impl->log->warn("p2p: connect '{}': not host:port", host_port);
      return;
    }
    DialTarget& d = impl->targets[host_port];
    d.manual = true;
    if (!d.busy) impl->dial(host_port);
  });
}

void Network::ban(const std::string& ip, std::chrono::seconds duration) {
  if (!parse_ip(ip)) {
    m_impl->log->warn("p2p: ban '{}': not an IP address", ip);
    return;
  }
  m_impl->add_ban(ip, duration, "admin");
  post([impl = m_impl.get(), ip] {
    for (auto& [id, p] : impl->peers) {
      if (p.conn->ip() == ip) p.conn->close({P2pError::kBanned, "banned by the operator"});
    }
  });
}

void Network::unban(const std::string& ip) {
  const auto parsed = parse_ip(ip);
  if (!parsed) return;
  const std::lock_guard lock(m_impl->book_mutex);
  m_impl->book.unban(*parsed);
}

std::vector<PeerInfo> Network::peers() const {
  const std::lock_guard lock(m_impl->snapshot_mutex);
  return m_impl->peer_snapshot;
}

std::vector<BanInfo> Network::bans() const {
  std::vector<BanInfo> out;
  const std::lock_guard lock(m_impl->book_mutex);
  for (const Ban& b : m_impl->book.bans(unix_ms())) out.push_back(BanInfo{format_ip(b.ip), b.until_ms, b.reason});
  return out;
}

SyncStatus Network::sync_status() const {
  const std::lock_guard lock(m_impl->snapshot_mutex);
  return m_impl->sync_snapshot;
}

Traffic Network::traffic() const {
  return Traffic{m_impl->bytes_sent.load(std::memory_order_relaxed),
                 m_impl->bytes_received.load(std::memory_order_relaxed)};
}

bool Network::post(std::function<void()> fn) { return m_impl->gate->post(std::move(fn)); }

}  // namespace cloudchain::p2p
