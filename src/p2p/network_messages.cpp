// What the network does with each message after the handshake, and gossip
// (docs/p2p.md "Gossip"). Io thread only.

#include <fmt/format.h>

#include <atomic>
#include <variant>

#include "crypto/sha256.hpp"
#include "p2p/network_impl.hpp"

namespace cloudchain::p2p {

void Network::Impl::on_message(Connection& c, Message message, const Frame& frame) {
  Peer* p = find(c.id());
  if (p == nullptr) return;
  std::visit(
      [this, p, &frame](auto&& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Version> || std::is_same_v<T, Verack> || std::is_same_v<T, Ping> ||
                      std::is_same_v<T, Pong>) {
          // The connection handles these itself; never here.
        } else if constexpr (std::is_same_v<T, ProposalMsg>) {
          consensus_in(*p, frame, [&] { return hooks.on_proposal(m.proposal, m.block); });
        } else if constexpr (std::is_same_v<T, VoteMsg>) {
          consensus_in(*p, frame, [&] { return hooks.on_vote(m.vote); });
        } else {
          handle(*p, std::forward<decltype(m)>(m));
        }
      },
      std::move(message));
}

// --- transactions and blocks announced ------------------------------------------------

void Network::Impl::handle(Peer& p, const Inv& inv) {
  GetData want;
  std::vector<Hash256> blocks;
  const auto now = SteadyClock::now();
  // All recorded first, their probes' cache misses overlapped (KnownInventory::insert_each).
  std::vector<Hash256> hashes;
  hashes.reserve(inv.items.size());
  for (const InvItem& item : inv.items) hashes.push_back(item.hash);
  p.known.insert_each(hashes, [](std::size_t) { return false; }, [](std::size_t) {});
  // The node is asked about the transactions not in flight all at once (its lookups
  // overlap their cache misses). Nothing leaves tx_in_flight meanwhile, so an item not in
  // flight below was not in flight here either and has its answer.
  std::vector<Hash256> unknown;
  std::vector<std::size_t> answer(inv.items.size());
  for (std::size_t i = 0; i < inv.items.size(); ++i) {
    const InvItem& item = inv.items[i];
    if (item.kind != InvKind::kTx || tx_in_flight.contains(item.hash)) continue;
    answer[i] = unknown.size();
    unknown.push_back(item.hash);
  }
  const std::vector<bool> have = hooks.has_txs(unknown);
  for (std::size_t i = 0; i < inv.items.size(); ++i) {
    const InvItem& item = inv.items[i];
    if (item.kind == InvKind::kBlock) {
      blocks.push_back(item.hash);
      continue;
    }
    if (p.tx_requests.size() >= kMaxTxRequestsPerPeer || tx_in_flight.contains(item.hash) ||
        (answer[i] < have.size() && have[answer[i]])) {
      continue;
    }
    p.tx_requests.emplace(item.hash, now);
    tx_in_flight.emplace(item.hash, p.conn->id());
    want.items.push_back(item);
  }
  if (!want.items.empty()) p.conn->send(want);
  if (blocks.size() > kMaxBlockAnnouncementsPerInv) {
    blocks.erase(blocks.begin(), blocks.end() - static_cast<std::ptrdiff_t>(kMaxBlockAnnouncementsPerInv));
  }
  if (!blocks.empty()) sync_blocks_announced(p, blocks);
}

void Network::Impl::handle(Peer& p, TxMsg msg) {
  const Hash256 id = primitives::txid(msg.tx);
  if (p.tx_requests.erase(id) == 0) return misbehave(p, P2pError::kUnrequestedData, "a transaction not asked for");
  // (Asked for because `p` announced it: its inv put the txid in p.known already.)
  // Handed to the node with the others that arrive meanwhile: frames are handled one
  // per io handler, so the flush goes behind the next round of handlers while new ones
  // keep coming (bounded by kMaxRelayBatch and kMaxRelayRounds).
  relayed_txs.push_back(RelayedTx{std::move(msg.tx), id, p.conn->id()});
  if (relayed_txs.size() >= kMaxRelayBatch) return submit_relayed();
  if (relay_flush_posted) return;
  relay_flush_posted = true;
  relay_flush_seen = relayed_txs.size();
  relay_flush_rounds = 0;
  asio::post(io, [this] { on_relay_flush(); });
}

void Network::Impl::on_relay_flush() {
  // The first run was posted by a frame's handler before that connection posted its next
  // frame: it goes behind it once, then again for as long as frames bring more.
  const bool grew = relay_flush_rounds == 0 || relayed_txs.size() > relay_flush_seen;
  if (grew && relay_flush_rounds < kMaxRelayRounds) {
    relay_flush_seen = relayed_txs.size();
    ++relay_flush_rounds;
    asio::post(io, [this] { on_relay_flush(); });
    return;
  }
  relay_flush_posted = false;
  submit_relayed();
}

void Network::Impl::submit_relayed() {
  if (relayed_txs.empty()) return;
  struct Verdicts {
    std::vector<std::pair<std::uint64_t, Hash256>> from;  // (peer, txid) per transaction
    std::vector<Verdict> verdicts;
    std::atomic<std::size_t> remaining{0};
  };
  auto out = std::make_shared<Verdicts>();
  std::vector<primitives::Transaction> txs;
  std::vector<Hash256> ids;
  txs.reserve(relayed_txs.size());
  ids.reserve(relayed_txs.size());
  out->from.reserve(relayed_txs.size());
  for (RelayedTx& r : relayed_txs) {
    txs.push_back(std::move(r.tx));
    ids.push_back(r.id);
    out->from.emplace_back(r.peer, r.id);
  }
  relayed_txs.clear();
  out->verdicts.resize(txs.size());
  out->remaining = txs.size();
  // The verdicts come back together: one post to this thread per batch.
  hooks.submit_txs(std::move(txs), ids, [post_gate = gate, this, out](std::size_t i, Verdict v) {
    out->verdicts.at(i) = std::move(v);
    if (out->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    post_gate->post([this, out] {
      std::vector<Hash256> accepted;
      std::vector<std::uint64_t> senders;
      for (std::size_t k = 0; k < out->verdicts.size(); ++k) {
        const auto& [peer, id] = out->from[k];
        const Verdict& verdict = out->verdicts[k];
        if (verdict.accepted) {
          accepted.push_back(id);
          senders.push_back(peer);
        } else if (Peer* from = find(peer); from != nullptr && verdict.sender_at_fault) {
          misbehave(*from, P2pError::kInvalidTx, fmt::format("{}: {}", verdict.code, verdict.detail));
        }
      }
      announce_txs(accepted, senders);
    });
  });
  // The node knows them now (checked or queued): no longer in flight.
  for (const auto& [peer, id] : out->from) tx_in_flight.erase(id);
}

void Network::Impl::handle(Peer& p, const NotFound& notfound) {
  std::vector<Hash256> blocks;
  for (const InvItem& item : notfound.items) {
    if (item.kind == InvKind::kTx) {
      if (p.tx_requests.erase(item.hash) != 0) tx_in_flight.erase(item.hash);
    } else {
      blocks.push_back(item.hash);
    }
  }
  if (!blocks.empty()) sync_notfound(p, blocks);
}

void Network::Impl::expire_tx_requests(SteadyClock::time_point now) {
  for (auto& [id, p] : peers) {
    for (auto it = p.tx_requests.begin(); it != p.tx_requests.end();) {
      if (now - it->second < kTxRequestTimeout) {
        ++it;
        continue;
      }
      tx_in_flight.erase(it->first);
      p.tx_requests.erase(it++);
    }
  }
}

// A block is announced at once. Transactions are collected per peer and announced by one
// inv per peer from a flush posted behind the handlers already queued on the network
// thread: a burst of admissions (the actor admits a batch, each verdict a handler) leaves
// as one inv instead of one inv, one getdata and two wake-ups per transaction per peer,
// and a lone transaction waits for nothing.
void Network::Impl::announce(const InvItem& item, std::uint64_t except_peer) {
  if (item.kind == InvKind::kTx) {
    const std::uint64_t from[] = {except_peer};
    announce_txs(std::span(&item.hash, 1), from);
    return;
  }
  std::shared_ptr<const Bytes> frame;
  for (auto& [id, p] : peers) {
    if (id == except_peer || !p.conn->ready() || p.conn->closed() || !p.known.insert(item.hash)) continue;
    if (!frame) frame = std::make_shared<const Bytes>(encode_frame(magic, Inv{{item}}));
    p.conn->send_frame(frame);
  }
}

// Peer by peer rather than transaction by transaction: KnownInventory::insert_each
// overlaps the cache misses of a peer's probes (each is likely one: ~3 % of a validator
// under load when they ran one at a time).
void Network::Impl::announce_txs(std::span<const Hash256> txids, std::span<const std::uint64_t> from) {
  if (txids.empty()) return;
  for (auto& entry : peers) {
    const std::uint64_t peer_id = entry.first;
    Peer& p = entry.second;
    if (!p.conn->ready() || p.conn->closed()) continue;
    p.known.insert_each(
        txids, [&](std::size_t i) { return !from.empty() && from[i] == peer_id; },
        [&](std::size_t i) {
          p.pending_tx_inv.push_back(txids[i]);
          if (p.pending_tx_inv.size() >= kMaxInvItems) flush_tx_inv(p);
        });
  }
  if (!tx_inv_flush_posted) {
    tx_inv_flush_posted = true;
    asio::post(io, [this] {
      tx_inv_flush_posted = false;
      for (auto& [id, p] : peers) flush_tx_inv(p);
    });
  }
}

void Network::Impl::flush_tx_inv(Peer& p) {
  if (p.pending_tx_inv.empty()) return;
  if (!p.conn->closed()) {
    Inv inv;
    inv.items.reserve(p.pending_tx_inv.size());
    for (const Hash256& txid : p.pending_tx_inv) inv.items.push_back(InvItem{InvKind::kTx, txid});
    p.conn->send(inv);
  }
  p.pending_tx_inv.clear();
}

// --- data asked for -------------------------------------------------------------------

void Network::Impl::handle(Peer& p, const GetData& getdata) {
  NotFound dropped;
  for (const InvItem& item : getdata.items) {
    if (p.pending_getdata.size() >= kMaxPendingGetData) {
      dropped.items.push_back(item);
    } else {
      p.pending_getdata.push_back(item);
    }
  }
  if (!dropped.items.empty()) p.conn->send(dropped);
  serve_getdata(p);
}

// Serves queued getdata items while the peer's send queue is below the budget; the rest
// waits for on_drained (or the next tick).
void Network::Impl::serve_getdata(Peer& p) {
  NotFound missing;
  std::vector<Hash256> wanted_txs;
  while (!p.pending_getdata.empty() && p.conn->queued_bytes() < kServeBudgetBytes && !p.conn->closed()) {
    const InvItem item = p.pending_getdata.front();
    p.pending_getdata.pop_front();
    if (item.kind == InvKind::kBlock) {
      auto bytes = hooks.block_bytes(item.hash);
      if (!bytes) {
        missing.items.push_back(item);
        continue;
      }
      p.known.insert(item.hash);
      p.conn->send_frame(std::make_shared<const Bytes>(
          encode_raw_frame(magic, static_cast<std::uint16_t>(MessageType::kBlock), *bytes)));
      continue;
    }
    wanted_txs.push_back(item.hash);
  }
  if (!wanted_txs.empty()) {
    // One lookup on the chain actor for all the transactions of this pass, one post back.
    hooks.fetch_txs(wanted_txs,
                    [post_gate = gate, this, peer = p.conn->id(), hashes = wanted_txs](NodeHooks::FetchedTxs txs) {
                      post_gate->post([this, peer, hashes, txs = std::move(txs)] {
                        Peer* to = find(peer);
                        if (to == nullptr) return;
                        NotFound absent;
                        const auto have = [&txs](std::size_t i) { return i < txs.size() && txs[i]; };
                        to->known.insert_each(hashes, [&](std::size_t i) { return !have(i); }, [](std::size_t) {});
                        for (std::size_t i = 0; i < hashes.size(); ++i) {
                          if (!have(i)) {
                            absent.items.push_back(InvItem{InvKind::kTx, hashes[i]});
                            continue;
                          }
                          to->conn->send(TxMsg{*txs[i]});
                        }
                        if (!absent.items.empty()) to->conn->send(absent);
                      });
                    });
  }
  if (!missing.items.empty()) p.conn->send(missing);
}

void Network::Impl::handle(Peer& p, const GetHeaders& getheaders) {
  Headers reply;
  reply.headers = hooks.headers_after(getheaders.locator, getheaders.stop, kMaxHeaders);
  if (reply.headers.size() > kMaxHeaders) reply.headers.resize(kMaxHeaders);
  p.conn->send(reply);
}

void Network::Impl::handle(Peer& p, Headers headers) { sync_headers(p, std::move(headers)); }

void Network::Impl::handle(Peer& p, BlockMsg block) { sync_block(p, std::move(block.block)); }

// --- consensus messages ---------------------------------------------------------------

// De-duplicated and relayed by the frame's payload bytes and SHA-256 (computed by the
// decoder for the checksum): nothing re-encoded or hashed again. One seen set for both
// kinds: a proposal payload (149 bytes and a block) and a vote payload (146 bytes)
// never have the same bytes, so they never share a hash.
void Network::Impl::consensus_in(Peer& p, const Frame& frame, const std::function<ConsensusVerdict()>& ask) {
  if (!consensus_seen.insert(frame.payload_sha256)) return;
  const auto type = static_cast<MessageType>(frame.type);
  const ConsensusVerdict v = ask();
  if (v.relay) send_consensus(type, frame.payload, frame.payload_sha256, p.conn->id());
  if (v.sender_at_fault) misbehave(p, P2pError::kInvalidConsensus, fmt::format("{}: {}", to_string(type), v.code));
}

void Network::Impl::broadcast_consensus(MessageType type, const Bytes& payload) {
  const Hash256 digest = crypto::sha256(payload);
  consensus_seen.insert(digest);
  send_consensus(type, payload, digest, 0);
}

// A proposal (up to 4 MiB and 149 bytes) goes only to a peer whose send queue holds less
// than kServeBudgetBytes (the getdata rule for blocks) and has room for it under the
// queue limit: one that is that far behind in reading would get it late anyway, and
// must not be closed (kSendQueueFull) for gossip it did not ask for. It gets the block
// by sync once decided. A vote (160 bytes framed) always goes: a peer that does not read
// even those is closed by the queue limit, as for any other message.
void Network::Impl::send_consensus(MessageType type, const Bytes& payload, const Hash256& payload_sha256,
                                   std::uint64_t except_peer) {
  const auto frame =
      std::make_shared<const Bytes>(encode_raw_frame(magic, static_cast<std::uint16_t>(type), payload, payload_sha256));
  for (auto& [id, p] : peers) {
    if (id == except_peer || !p.conn->ready() || p.conn->closed()) continue;
    const std::size_t queued = p.conn->queued_bytes();
    if (type == MessageType::kProposal &&
        (queued >= kServeBudgetBytes || queued + frame->size() > limits.max_send_queue_bytes)) {
      log->debug("p2p: peer {}: proposal not sent ({} bytes queued to it)", id, queued);
      continue;
    }
    p.conn->send_frame(frame);
  }
}

// --- addresses ------------------------------------------------------------------------

void Network::Impl::handle(Peer& p, const GetAddr& /*getaddr*/) {
  // Once per connection: answering every getaddr would let a peer map our book cheaply.
  if (p.getaddr_answered) return;
  p.getaddr_answered = true;
  Addr reply;
  {
    const std::lock_guard lock(book_mutex);
    reply.addrs = book.sample(kMaxAddrs, unix_ms());
  }
  p.conn->send(reply);
}

// Unsolicited addresses are rate limited per peer, and what they name is filtered: never
// unusable addresses, local ones (loopback, private) only from a peer that is itself
// local (a devnet on 127.0.0.1, a LAN testnet). The book then ranks them below what we
// saw ourselves and keeps a bounded number per telling IP.
void Network::Impl::handle(Peer& p, const Addr& addr) {
  const auto now = SteadyClock::now();
  const double elapsed = std::chrono::duration<double>(now - p.addr_tokens_at).count();
  p.addr_tokens = std::min(static_cast<double>(kMaxAddrs), p.addr_tokens + elapsed * kAddrPerSecond);
  p.addr_tokens_at = now;
  const auto source = parse_ip(p.conn->ip());
  if (!source) return;
  const bool local_peer = is_local(*source);
  std::size_t ignored = 0;
  const std::lock_guard lock(book_mutex);
  const std::uint64_t now_ms = unix_ms();
  for (const NetAddress& n : addr.addrs) {
    if (p.addr_tokens < 1.0) {
      ++ignored;
      continue;
    }
    p.addr_tokens -= 1.0;
    if (is_unusable(n.ip) || (is_local(n.ip) && !local_peer)) continue;
    book.add_gossiped(n, now_ms, *source);
  }
  if (ignored > 0) log->debug("p2p: peer {}: {} addresses over its rate ignored", p.conn->id(), ignored);
}

}  // namespace cloudchain::p2p
