#include "node/pos_driver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <variant>

#include "consensus/pos_engine.hpp"
#include "node/home.hpp"
#include "state/overlay.hpp"
#include "util/file_io.hpp"
#include "util/hex.hpp"

namespace cloudchain::node {

namespace pos = consensus::pos;

namespace {

std::string short_hex(const util::Hash256& h) { return util::to_hex(h).substr(0, 12); }

// The active set record in the tip's state: the set of height tip + 1.
std::expected<state::ActiveSet, std::string> active_set_of(const chain::TipInfo& tip) {
  state::StateOverlay overlay(*tip.state_nodes, tip.header.state_root);
  auto set = overlay.active_set();
  if (!set) return std::unexpected("reading the active validator set: " + set.error().detail);
  std::optional<state::ActiveSet>& found = *set;
  if (!found) return std::unexpected(std::string("the state holds no active validator set (not a PoS chain?)"));
  return std::move(*found);
}

}  // namespace

// --- keys --------------------------------------------------------------------------------

std::expected<crypto::PrivateKey, std::string> load_validator_key(const std::filesystem::path& path) {
  auto hex = load_hex_secret(path);
  if (!hex) return std::unexpected(path.string() + ": " + hex.error().detail);
  auto bytes = util::from_hex_array<32>(*hex);
  if (!bytes) return std::unexpected(path.string() + ": expected 64 lower-case hex digits");
  auto key = crypto::PrivateKey::from_bytes(*bytes);
  if (!key) return std::unexpected(path.string() + ": not a valid secp256k1 private key");
  return *key;
}

std::expected<void, std::string> save_validator_key(const std::filesystem::path& path, const crypto::PrivateKey& key) {
  if (auto w = util::write_file_atomic(path, util::to_hex(key.bytes()) + "\n", 0600); !w) {
    return std::unexpected(path.string() + ": " + w.error().detail);
  }
  return {};
}

// --- lifecycle ---------------------------------------------------------------------------

std::expected<std::unique_ptr<PosDriver>, std::string> PosDriver::create(Options options, PosDriverHost host,
                                                                         std::shared_ptr<spdlog::logger> logger) {
  std::optional<pos::VoteSigner> signer;
  if (options.key) {
    auto opened = pos::VoteSigner::open(options.signer_path, *options.key, options.chain_id);
    if (!opened) {
      return std::unexpected("the signing guard " + options.signer_path.string() + ": " +
                             std::string(pos::to_string(opened.error().code)) + ": " + opened.error().detail);
    }
    signer.emplace(std::move(*opened));
  }
  return std::unique_ptr<PosDriver>(
      new PosDriver(std::move(options), std::move(host), std::move(logger), std::move(signer)));
}

PosDriver::PosDriver(Options options, PosDriverHost host, std::shared_ptr<spdlog::logger> logger,
                     std::optional<pos::VoteSigner> signer)
    : m_options(std::move(options)), m_host(std::move(host)), m_log(std::move(logger)), m_signer(std::move(signer)) {
  if (m_options.key) m_key = m_options.key->public_key();
  m_view.store(std::make_shared<View>());
  m_status.store(std::make_shared<ConsensusStatus>());
}

void PosDriver::start() {
  const std::optional<pos::LastSigned> last = m_signer ? m_signer->last_signed() : std::nullopt;
  if (m_key && last) {
    m_log->info("consensus: validator {}, last signed height {} round {} step {}", util::to_hex(*m_key), last->height,
                last->round, pos::to_string(last->step));
  } else if (m_key) {
    m_log->info("consensus: validator {}, nothing signed yet", util::to_hex(*m_key));
  } else {
    m_log->info("consensus: following (no HOME/validator.key: this node does not vote)");
  }
  load_commit();
  enter_height();
  m_host.post_after(kRebroadcastInterval, [this] { rebroadcast(); });
}

void PosDriver::save_commit(const util::Hash256& block_hash, const primitives::LastCommit& commit) {
  if (m_options.commit_path.empty()) return;
  std::string bytes(block_hash.begin(), block_hash.end());
  const util::Bytes encoded = primitives::encode(commit);
  bytes.append(encoded.begin(), encoded.end());
  if (auto w = util::write_file_atomic(m_options.commit_path, bytes, 0644); !w) {
    m_log->warn(
        "consensus: cannot save the tip's commit to {}: {} (after a restart this validator skips its "
        "proposer turns until it decides a height)",
        m_options.commit_path.string(), w.error().detail);
  }
}

void PosDriver::load_commit() {
  std::error_code ec;
  if (m_options.commit_path.empty() || !std::filesystem::exists(m_options.commit_path, ec)) return;
  auto bytes = util::read_file(m_options.commit_path, 32 + primitives::kMaxBlockSize);
  const auto tip = m_host.tip();
  if (!bytes || bytes->size() < 32) {
    m_log->warn("consensus: {} unreadable or truncated; ignored", m_options.commit_path.string());
    return;
  }
  util::Hash256 hash{};
  std::copy_n(bytes->begin(), 32, hash.begin());
  if (hash != tip->hash) return;  // the commit of an older block: of no use
  auto commit = primitives::decode_last_commit(
      util::ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes->data()) + 32, bytes->size() - 32));
  if (!commit) {
    m_log->warn("consensus: {}: {}; ignored", m_options.commit_path.string(), commit.error().detail);
    return;
  }
  m_last_commit.emplace(tip->height, std::move(*commit));
  m_log->info("consensus: holding the commit of the tip (height {}) from {}", tip->height,
              m_options.commit_path.string());
}

void PosDriver::rebroadcast() {
  if (m_machine && !m_own_votes.empty()) {
    const std::uint32_t latest = m_own_votes.back().round;
    for (const primitives::Vote& vote : m_own_votes) {
      if (vote.height == m_machine->height() && vote.round == latest) m_host.broadcast_vote(vote);
    }
  }
  if (m_machine && m_own_proposal && m_own_proposal->height == m_machine->height() &&
      m_own_proposal->round == m_machine->round()) {
    if (const auto block = m_blocks.find(m_own_proposal->block_hash); block != m_blocks.end()) {
      m_host.broadcast_proposal(*m_own_proposal, block->second);
    }
  }
  m_host.post_after(kRebroadcastInterval, [this] { rebroadcast(); });
}

void PosDriver::enter_height() {
  const auto tip = m_host.tip();
  auto record = active_set_of(*tip);
  if (!record) {
    m_log->error("consensus: height {}: {}", tip->height + 1, record.error());
    m_machine.reset();
    return;
  }
  std::vector<pos::Validator> validators;
  for (const state::ActiveValidator& v : record->validators) validators.push_back({v.key, v.power});
  auto set = pos::ValidatorSet::create(std::move(validators), record->effective_height);
  if (!set) {
    m_log->error("consensus: height {}: the active set is unusable: {}", tip->height + 1,
                 pos::to_string(set.error().code));
    m_machine.reset();
    return;
  }
  auto machine = pos::Tendermint::create(m_options.bft, m_options.chain_id, tip->height + 1, *set, m_key);
  if (!machine) {
    m_log->error("consensus: height {}: {}", tip->height + 1, machine.error().detail);
    m_machine.reset();
    return;
  }
  m_machine.emplace(std::move(*machine));
  m_active = std::move(*record);
  m_blocks.clear();
  m_own_votes.clear();
  m_own_proposal.reset();
  m_pending.reset();
  m_last_round = 0;
  m_view.store(std::make_shared<View>(View{tip->height + 1, std::make_shared<const pos::ValidatorSet>(*set)}));
  m_log->debug("consensus: height {} with {} validator(s), total power {}", tip->height + 1, set->size(),
               set->total_power());

  std::vector<pos::Action> actions = m_machine->start();
  run(std::move(actions));
  // What arrived early for this height, in arrival order; the rest is dropped.
  auto votes = std::exchange(m_future_votes, {});
  auto proposals = std::exchange(m_future_proposals, {});
  for (auto& [proposal, block] : proposals) on_proposal(proposal, std::move(block));
  for (const primitives::Vote& vote : votes) on_vote(vote);
}

void PosDriver::on_tip_changed() {
  if (m_committing) return;  // our own commit: decide() moves on
  const auto tip = m_host.tip();
  if (m_machine && tip->height + 1 == m_machine->height()) return;
  if (m_pending && m_pending->height == tip->height && m_pending->block_hash == tip->hash) {
    // The block we decided without having it came by sync: its precommits are ours.
    m_last_commit.emplace(m_pending->height, pos::to_last_commit(*m_pending));
    save_commit(tip->hash, m_last_commit->second);
    m_decided += 1;
  } else if (!m_last_commit || m_last_commit->first != tip->height) {
    m_last_commit.reset();
  }
  if (tip->height >= 1) {
    m_log->debug("consensus: following the chain to height {}", tip->height + 1);
  }
  enter_height();
}

void PosDriver::on_block_connected(const primitives::Block& block) {
  if (!block.last_commit || block.header.height < 2) return;
  std::vector<crypto::PublicKey> signers;
  signers.reserve(block.last_commit->sigs.size());
  for (const primitives::CommitSig& sig : block.last_commit->sigs) signers.push_back(sig.validator);
  std::lock_guard lock(m_missed_mutex);
  m_signers.push_back(std::move(signers));
  if (m_signers.size() > kMissedWindow) m_signers.pop_front();
}

std::map<crypto::PublicKey, std::uint32_t> PosDriver::missed_blocks() const {
  std::map<crypto::PublicKey, std::uint32_t> out;
  const auto view = m_view.load();
  if (!view->set) return out;
  std::lock_guard lock(m_missed_mutex);
  for (const consensus::pos::Validator& v : view->set->validators()) {
    std::uint32_t missed = 0;
    for (const auto& signers : m_signers) {
      // Commit signatures are sorted by key (a protocol rule).
      if (!std::binary_search(signers.begin(), signers.end(), v.key)) ++missed;
    }
    out.emplace(v.key, missed);
  }
  return out;
}

// --- messages ----------------------------------------------------------------------------

ConsensusCheck PosDriver::precheck_vote(const primitives::Vote& vote) const {
  ConsensusCheck out;
  const auto view = m_view.load();
  if (vote.chain_id != m_options.chain_id) {
    out.code = "wrong_chain";
    out.sender_at_fault = true;
    return out;
  }
  if (!view->set || vote.height < view->height || vote.height > view->height + 1) {
    out.code = "not_current_height";  // late or early: no one's fault
    return out;
  }
  const bool known = view->set->contains(vote.validator);
  if (vote.height == view->height && !known) {
    out.code = "not_a_validator";
    return out;
  }
  if (auto ok = primitives::verify_vote(vote); !ok) {
    out.code = "bad_signature";
    out.sender_at_fault = true;
    return out;
  }
  out.accept = true;
  out.relay = known;  // an unknown key's vote for the next height is kept, not spread
  return out;
}

ConsensusCheck PosDriver::precheck_proposal(const primitives::Proposal& proposal,
                                            const primitives::Block& block) const {
  ConsensusCheck out;
  const auto view = m_view.load();
  if (proposal.chain_id != m_options.chain_id || block.header.height != proposal.height) {
    out.code = proposal.chain_id != m_options.chain_id ? "wrong_chain" : "block_height_mismatch";
    out.sender_at_fault = true;
    return out;
  }
  if (!view->set || proposal.height < view->height || proposal.height > view->height + 1) {
    out.code = "not_current_height";
    return out;
  }
  // Unlike a vote, a proposal carries up to 4 MiB: only validators of the current set
  // are heard, for the next height too (a newcomer's early proposal comes again: every
  // proposer re-sends its proposal each second).
  if (!view->set->contains(proposal.proposer)) {
    out.code = "not_a_validator";
    return out;
  }
  if (auto ok = primitives::verify_proposal(proposal); !ok) {
    out.code = "bad_signature";
    out.sender_at_fault = true;
    return out;
  }
  out.accept = true;
  out.relay = true;
  return out;
}

void PosDriver::on_proposal(const primitives::Proposal& proposal, primitives::Block block) {
  if (!m_machine) return;
  const std::uint64_t height = m_machine->height();
  if (proposal.height == height + 1) {
    if (m_future_proposals.size() < kMaxFutureProposals) m_future_proposals.emplace_back(proposal, std::move(block));
    return;
  }
  if (proposal.height != height) return;
  // Only the round's proposer is heard (the machine checks it too); this bounds the blocks kept.
  if (proposal.round > m_machine->round() + pos::kMaxProposalRoundsAhead ||
      m_machine->proposer(proposal.round) != proposal.proposer) {
    return;
  }
  const util::Hash256 hash = proposal.block_hash;
  bool valid = true;
  if (!m_blocks.contains(hash)) {
    auto checked = m_host.check_proposal(block);
    valid = checked.has_value();
    if (!valid) {
      m_log->warn("consensus: proposal {} at height {} round {} refused: {}: {}", short_hex(hash), height,
                  proposal.round, chain::to_string(checked.error().code), checked.error().detail);
    } else if (m_blocks.size() < kMaxBlocks) {
      m_blocks.emplace(hash, std::move(block));
    }
  }
  pos::Proposal p{proposal.height, proposal.round, hash, proposal.valid_round, proposal.proposer};
  run(m_machine->on_proposal(p, valid));
  // A decision that waited for this block can now be committed.
  if (m_pending && m_pending->block_hash == hash && m_blocks.contains(hash)) {
    const pos::Decide pending = *m_pending;
    m_pending.reset();
    decide(pending);
  }
}

void PosDriver::on_vote(const primitives::Vote& vote) {
  if (!m_machine) return;
  if (vote.height == m_machine->height() + 1) {
    if (m_future_votes.size() < kMaxFutureVotes) m_future_votes.push_back(vote);
    return;
  }
  if (vote.height != m_machine->height()) return;
  run(m_machine->on_vote(vote));
}

// --- actions -----------------------------------------------------------------------------

void PosDriver::run(std::vector<pos::Action> actions) {
  std::deque<pos::Action> queue(std::make_move_iterator(actions.begin()), std::make_move_iterator(actions.end()));
  const std::uint64_t height = m_machine ? m_machine->height() : 0;
  while (!queue.empty() && m_machine && m_machine->height() == height) {
    pos::Action action = std::move(queue.front());
    queue.pop_front();
    std::visit(
        [&](auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<A, pos::NeedValue>) {
            propose_block(a);
          } else if constexpr (std::is_same_v<A, pos::BroadcastProposal>) {
            broadcast_proposal(a, queue);
          } else if constexpr (std::is_same_v<A, pos::CastVote>) {
            cast_vote(a.vote, queue);
          } else if constexpr (std::is_same_v<A, pos::ScheduleTimeout>) {
            const pos::TimeoutEvent event = a.event;
            m_host.post_after(std::chrono::milliseconds(a.duration_ms), [this, event] {
              if (!m_machine || m_machine->height() != event.height) return;
              run(m_machine->on_timeout(event));
            });
          } else if constexpr (std::is_same_v<A, pos::Decide>) {
            decide(a);
          } else if constexpr (std::is_same_v<A, pos::Evidence>) {
            m_log->warn("consensus: validator {} signed two different {}s at height {} round {}",
                        util::to_hex(a.vote_a.validator), primitives::to_string(a.vote_a.type), a.vote_a.height,
                        a.vote_a.round);
            m_host.evidence(a.vote_a, a.vote_b);
          }
        },
        action);
    // A NeedValue answered inside propose_block feeds its own actions here.
  }
  if (m_machine && m_machine->round() != m_last_round) {
    m_rounds_failed += m_machine->round() - std::min(m_machine->round(), m_last_round);
    m_last_round = m_machine->round();
  }
  publish_status();
}

void PosDriver::propose_block(const pos::NeedValue& need) {
  if (!m_signer || !m_active || !m_key || !m_options.key || !m_machine) return;
  const std::uint64_t height = need.height;
  primitives::LastCommit last_commit;
  if (height >= 2) {
    if (!m_last_commit || m_last_commit->first != height - 1) {
      m_log->info(
          "consensus: height {} round {}: our turn to propose, but we hold no commit of height {} "
          "(decided without us); the round will time out",
          height, need.round, height - 1);
      return;
    }
    last_commit = m_last_commit->second;
  }
  const auto self = std::find_if(m_active->validators.begin(), m_active->validators.end(),
                                 [&](const state::ActiveValidator& v) { return v.key == *m_key; });
  if (self == m_active->validators.end()) return;
  std::optional<primitives::Block> block = m_host.build_block(self->payout);
  if (!block) return;
  auto& seal = std::get<primitives::PosSeal>(block->header.seal);
  seal.round = need.round;
  seal.last_commit_hash = primitives::commit_hash(last_commit);
  block->last_commit = std::move(last_commit);
  // The header's own signature is not guarded: only the proposal message below, which is
  // what validators act on, goes through the signing guard (docs/consensus-pos.md).
  seal.proposer_sig = m_options.key->sign(primitives::proposal_signing_hash(block->header));
  const util::Hash256 hash = primitives::block_hash(block->header);
  m_log->info("consensus: proposing block {} at height {} round {} with {} tx(s)", short_hex(hash), height, need.round,
              block->txs.size());
  m_blocks.insert_or_assign(hash, std::move(*block));
  run(m_machine->propose(hash));
}

void PosDriver::broadcast_proposal(const pos::BroadcastProposal& action, std::deque<pos::Action>& queue) {
  const auto block = m_blocks.find(action.block_hash);
  if (!m_signer || !m_key || !m_machine) return;
  if (block == m_blocks.end()) {
    m_log->error("consensus: cannot propose block {}: not held", short_hex(action.block_hash));
    return;
  }
  primitives::Proposal proposal;
  proposal.chain_id = m_options.chain_id;
  proposal.height = action.height;
  proposal.round = action.round;
  proposal.block_hash = action.block_hash;
  proposal.valid_round = static_cast<std::int32_t>(action.valid_round);
  proposal.proposer = *m_key;
  auto sig = m_signer->sign_proposal(action.height, action.round, primitives::signing_hash(proposal));
  if (!sig) {
    m_log->error("consensus: the signing guard refused a proposal at height {} round {}: {}: {}", action.height,
                 action.round, pos::to_string(sig.error().code), sig.error().detail);
    return;
  }
  proposal.signature = *sig;
  m_host.broadcast_proposal(proposal, block->second);
  m_own_proposal = proposal;
  pos::Proposal p{proposal.height, proposal.round, proposal.block_hash, action.valid_round, proposal.proposer};
  for (pos::Action& a : m_machine->on_proposal(p, true)) queue.push_back(std::move(a));
}

void PosDriver::cast_vote(primitives::Vote vote, std::deque<pos::Action>& queue) {
  if (!m_signer || !m_machine) return;
  if (auto signed_vote = m_signer->sign_vote(vote); !signed_vote) {
    // The guard never lets a restarted validator sign against what it signed before.
    m_log->warn("consensus: the signing guard refused a {} at height {} round {}: {}: {}",
                primitives::to_string(vote.type), vote.height, vote.round, pos::to_string(signed_vote.error().code),
                signed_vote.error().detail);
    return;
  }
  m_host.broadcast_vote(vote);
  m_own_votes.push_back(vote);
  for (pos::Action& a : m_machine->on_vote(vote)) queue.push_back(std::move(a));
}

void PosDriver::decide(const pos::Decide& decision) {
  const auto block = m_blocks.find(decision.block_hash);
  if (block == m_blocks.end()) {
    // Decided without the block: it comes with the proposal's gossip or by sync.
    m_log->info("consensus: height {} decided block {} (round {}); waiting for the block", decision.height,
                short_hex(decision.block_hash), decision.round);
    m_pending = decision;
    return;
  }
  const std::uint64_t block_time = block->second.header.timestamp_ms;
  m_committing = true;
  const bool committed = m_host.commit(block->second);
  m_committing = false;
  if (!committed) {
    // The host logged why; the machine stays decided and the block may come by sync.
    m_pending = decision;
    return;
  }
  m_decided += 1;
  m_last_commit.emplace(decision.height, pos::to_last_commit(decision));
  save_commit(decision.block_hash, m_last_commit->second);
  m_log->info("consensus: height {} final: block {} round {}, {} precommit(s)", decision.height,
              short_hex(decision.block_hash), decision.round, decision.precommits.size());
  // The next height starts block_time_ms after this block's timestamp (Tendermint's
  // timeout_commit): blocks come at the genesis pace, not as fast as votes travel, and
  // precommits that arrive meanwhile still reach this node's peers.
  const std::uint64_t now = m_host.now_ms();
  const std::uint64_t due = block_time + m_options.block_time_ms;
  const std::uint64_t wait = due > now ? std::min(due - now, m_options.block_time_ms) : 0;
  const std::uint64_t next = decision.height + 1;
  m_host.post_after(std::chrono::milliseconds(wait), [this, next] {
    if (!m_machine || m_machine->height() < next) enter_height();
  });
}

void PosDriver::publish_status() {
  auto status = std::make_shared<ConsensusStatus>();
  status->key = m_key;
  status->decided = m_decided;
  status->rounds_failed = m_rounds_failed;
  if (m_machine) {
    status->height = m_machine->height();
    status->round = m_machine->round();
    status->step = std::string(pos::to_string(m_machine->step()));
    status->validator = m_machine->is_validator();
    status->validators = m_machine->validator_set().size();
    status->total_power = m_machine->validator_set().total_power();
  }
  m_status.store(std::move(status));
}

}  // namespace cloudchain::node
