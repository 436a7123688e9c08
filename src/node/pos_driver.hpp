#pragma once
// PosDriver: the node's Proof-of-Stake consensus (docs/consensus-pos.md, "The node's
// driver"). It runs the Tendermint round state machine (consensus/pos/tendermint.hpp) for
// the height above the chain's tip and carries out its actions: it builds and signs this
// validator's proposals, signs votes through the signing guard (VoteSigner: on disk
// before sent), gossips both, sets the round timers, and commits decided blocks to the
// chain (Chain::commit_final) with their precommits kept as the next block's last_commit.
//
// Threads: everything except precheck_*() and status() runs on the node's chain actor
// (the host's callbacks are called there too). precheck_*() run on the network thread
// and read only an immutable snapshot of (height, validator set); status() any thread.
//
// Heights: the machine always runs at tip height + 1. A tip change the driver did not
// make (a block synced from peers) moves it there (on_tip_changed). Messages of the next
// height are kept (bounded) and handed over when the machine gets there; older ones are
// dropped. A decision whose block never arrived waits for that block to come by sync.
//
// Proposing needs the precommits of the parent (the block's last_commit): the driver
// has them only for a height it decided itself, so after a restart or a synced tip it
// skips its proposer turns (the round times out and the next proposer proposes) until
// it decides a height.

#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chain/chain.hpp"
#include "consensus/pos/signer.hpp"
#include "consensus/pos/tendermint.hpp"
#include "node/service.hpp"
#include "node/snapshot.hpp"
#include "primitives/proposal.hpp"
#include "state/records.hpp"

namespace spdlog {
class logger;
}

namespace cloudchain::node {

/// What the driver needs from the node; every callback is called on the actor thread.
struct PosDriverHost {
  std::function<std::shared_ptr<const chain::TipInfo>()> tip;
  std::function<std::uint64_t()> now_ms;
  /// Chain::check_proposal of a peer's proposed block.
  std::function<util::Result<void, chain::BlockError>(const primitives::Block&)> check_proposal;
  /// A block on the tip paying `beneficiary`, with transactions from the pool; nullopt
  /// when none can be built (the host logs why).
  std::function<std::optional<primitives::Block>(const crypto::Address& beneficiary)> build_block;
  /// Commits a decided block (Chain::commit_final and everything a tip change does in
  /// the node); true when it is on the active chain afterwards.
  std::function<bool(const primitives::Block&)> commit;
  std::function<void(const primitives::Proposal&, const primitives::Block&)> broadcast_proposal;
  std::function<void(const primitives::Vote&)> broadcast_vote;
  /// Runs `task` on the actor thread after `delay`.
  std::function<void(std::chrono::milliseconds, std::function<void()>)> post_after;
  /// Two conflicting votes of one validator (vote_a's encoding sorts first).
  std::function<void(const primitives::Vote&, const primitives::Vote&)> evidence;
};

/// What the network thread's quick check says of a consensus message.
struct ConsensusCheck {
  bool accept = false;           // post it to the driver
  bool relay = false;            // send it on to the other peers
  bool sender_at_fault = false;  // it proves the sender misbehaved (a bad signature)
  std::string code;              // why it was refused
};

class PosDriver {
 public:
  struct Options {
    consensus::pos::BftParams bft;
    std::uint32_t chain_id = 0;
    /// Genesis pos.block_time_ms: a height starts this long after the last block's timestamp.
    std::uint64_t block_time_ms = 0;
    /// This node's consensus key (HOME/validator.key); nullopt: a follower that decides
    /// with the others but never signs.
    std::optional<crypto::PrivateKey> key;
    /// The signing guard's state file (HOME/data/validator_state); used with a key.
    std::filesystem::path signer_path;
    /// The precommits that decided the tip (HOME/data/last_commit): block hash (32 bytes)
    /// then the LastCommit encoding, rewritten (temporary file, fsync, rename) after each
    /// decision, so that a restarted validator can propose on its tip.
    std::filesystem::path commit_path;
  };

  /// Opens the signing guard (with a key). Errors: a sentence naming the state file
  /// (locked by another process, corrupt, another chain or key, unreadable).
  static std::expected<std::unique_ptr<PosDriver>, std::string> create(Options options, PosDriverHost host,
                                                                       std::shared_ptr<spdlog::logger> logger);

  // --- actor thread ---------------------------------------------------------------------
  /// Starts the machine at tip + 1.
  void start();
  /// A proposal (and its block) that precheck_proposal accepted.
  void on_proposal(const primitives::Proposal& proposal, primitives::Block block);
  /// A vote that precheck_vote accepted.
  void on_vote(const primitives::Vote& vote);
  /// The tip moved (a block from a peer, a reorg): follow it.
  void on_tip_changed();
  /// A block joined the active chain: its last_commit says who signed its parent.
  void on_block_connected(const primitives::Block& block);

  // --- network thread -------------------------------------------------------------------
  /// Chain id, height (this one or the next), the signer in the height's set (this one;
  /// any key for the next: its set may differ), the signature.
  ConsensusCheck precheck_vote(const primitives::Vote& vote) const;
  /// The same for a proposal: chain id, height, block height, signature, and the
  /// proposer in the current set for both heights (a proposal carries a block).
  ConsensusCheck precheck_proposal(const primitives::Proposal& proposal, const primitives::Block& block) const;

  // --- any thread -----------------------------------------------------------------------
  std::shared_ptr<const ConsensusStatus> status() const { return m_status.load(); }
  /// For each validator of the current set: of the last kMissedWindow blocks this node
  /// connected, how many carried a last_commit without its signature. (Counted against
  /// the current set: across an epoch boundary a newcomer may count a block or two
  /// before it joined.)
  std::map<crypto::PublicKey, std::uint32_t> missed_blocks() const;
  static constexpr std::size_t kMissedWindow = 100;

  /// Kept per height for the next one: at most this many votes and proposals.
  static constexpr std::size_t kMaxFutureVotes = 4096;
  static constexpr std::size_t kMaxFutureProposals = 8;  // blocks of up to 4 MiB each
  /// Blocks of proposals kept for the height being decided.
  static constexpr std::size_t kMaxBlocks = 64;
  /// This validator's votes (and proposal) of its latest round are sent again this often:
  /// a peer that (re)connected after they went out, or was cut off, gets them (as
  /// Tendermint's vote gossip). Receivers that have them drop them by hash.
  static constexpr std::chrono::milliseconds kRebroadcastInterval{1000};

 private:
  struct View {  // what the network thread checks against
    std::uint64_t height = 0;
    std::shared_ptr<const consensus::pos::ValidatorSet> set;
  };

  PosDriver(Options options, PosDriverHost host, std::shared_ptr<spdlog::logger> logger,
            std::optional<consensus::pos::VoteSigner> signer);

  // Builds the machine for tip + 1 (replacing any other) and starts it.
  void enter_height();
  void run(std::vector<consensus::pos::Action> actions);
  void propose_block(const consensus::pos::NeedValue& need);
  void broadcast_proposal(const consensus::pos::BroadcastProposal& action, std::deque<consensus::pos::Action>& queue);
  void cast_vote(primitives::Vote vote, std::deque<consensus::pos::Action>& queue);
  void decide(const consensus::pos::Decide& decision);
  void publish_status();
  void rebroadcast();
  void save_commit(const util::Hash256& block_hash, const primitives::LastCommit& commit);
  void load_commit();

  Options m_options;
  PosDriverHost m_host;
  std::shared_ptr<spdlog::logger> m_log;
  std::optional<consensus::pos::VoteSigner> m_signer;
  std::optional<crypto::PublicKey> m_key;

  // --- actor thread ---
  std::optional<consensus::pos::Tendermint> m_machine;
  std::optional<state::ActiveSet> m_active;             // the record of m_machine's height (payouts)
  std::map<util::Hash256, primitives::Block> m_blocks;  // proposed blocks of this height
  std::vector<primitives::Vote> m_future_votes;         // of the next height
  std::vector<std::pair<primitives::Proposal, primitives::Block>> m_future_proposals;
  std::optional<consensus::pos::Decide> m_pending;  // decided; its block has not arrived
  // The precommits that decided the tip (its height, and the commit), for proposing on it.
  std::optional<std::pair<std::uint64_t, primitives::LastCommit>> m_last_commit;
  bool m_committing = false;  // inside m_host.commit: the tip change is ours
  std::uint64_t m_decided = 0;
  std::uint64_t m_rounds_failed = 0;
  std::uint32_t m_last_round = 0;
  std::vector<primitives::Vote> m_own_votes;           // signed and sent at this height
  std::optional<primitives::Proposal> m_own_proposal;  // the latest one sent at this height

  // --- any thread ---
  mutable std::mutex m_missed_mutex;                     // guards m_signers
  std::deque<std::vector<crypto::PublicKey>> m_signers;  // of the last kMissedWindow commits, newest last
  Snapshot<View> m_view;
  Snapshot<ConsensusStatus> m_status;
};

/// HOME/validator.key: the consensus private key as 64 lower-case hex digits and an
/// optional newline, mode 0600 (not readable by group or others). Errors: a sentence
/// naming the file.
std::expected<crypto::PrivateKey, std::string> load_validator_key(const std::filesystem::path& path);
/// Writes `key` there (temporary file, rename; mode 0600). Errors: a sentence.
std::expected<void, std::string> save_validator_key(const std::filesystem::path& path, const crypto::PrivateKey& key);

}  // namespace cloudchain::node
