// Crash consistency of the signing guard: a child process signs proposals and votes at
// ever later (height, round, step) and reports each signature on a pipe only after the
// signer returned it (the moment it could have been sent); the parent SIGKILLs it at a
// random moment, reopens the state file and checks that it is never behind the last
// reported signature. Each round's child signs different block hashes than the rounds
// before, so a state file that lost a signature would let the next child sign a second,
// different message at a reported place: the parent records every reported signature
// by place and fails on any such pair.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <random>
#include <thread>
#include <tuple>

#include "consensus/pos/signer.hpp"
#include "consensus/pos/test_util.hpp"
#include "crypto/sha256.hpp"
#include "util/pipe_reader.hpp"

namespace cloudchain::consensus::pos {
namespace {

constexpr std::uint32_t kChain = 3;

// One report; 80 bytes, below PIPE_BUF, so each write() is atomic.
struct Report {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  std::uint32_t step = 0;
  crypto::Signature signature{};
};
static_assert(sizeof(Report) == 80);

using Place = std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>;

Hash256 message(int run, std::uint64_t height, std::uint32_t round, Step step) {
  std::uint8_t buf[16] = {};
  std::memcpy(buf, &height, 8);
  std::memcpy(buf + 8, &round, 4);
  buf[12] = static_cast<std::uint8_t>(step);
  buf[13] = static_cast<std::uint8_t>(run);
  return crypto::tagged_hash("cloudchain/test-signer-crash", util::ByteSpan(buf, sizeof buf));
}

// The child: continues after the stored state forever; the parent kills it.
[[noreturn]] void run_signer(const std::filesystem::path& path, int run, int report_fd) {
  auto signer = VoteSigner::open(path, test::key(0), kChain);
  if (!signer) ::_exit(3);
  std::uint64_t height = signer->last_signed() ? signer->last_signed()->height + 1 : 1;
  for (;; ++height) {
    // A few rounds per height, some with a proposal of this validator.
    for (std::uint32_t round = 0; round <= height % 3; ++round) {
      for (const Step step : {Step::kPropose, Step::kPrevote, Step::kPrecommit}) {
        if (step == Step::kPropose && (height + round) % 2 != 0) continue;
        Report r{height, round, static_cast<std::uint32_t>(step), {}};
        if (step == Step::kPropose) {
          auto sig = signer->sign_proposal(height, round, message(run, height, round, step));
          if (!sig) ::_exit(4);
          r.signature = *sig;
        } else {
          primitives::Vote v;
          v.chain_id = kChain;
          v.type = step == Step::kPrevote ? primitives::VoteType::kPrevote : primitives::VoteType::kPrecommit;
          v.height = height;
          v.round = round;
          v.block_hash = message(run, height, round, step);
          if (!signer->sign_vote(v)) ::_exit(5);
          r.signature = v.signature;
        }
        if (::write(report_fd, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) ::_exit(6);
      }
    }
  }
}

// The child's reports, one per signature returned.
using ReportReader = util::PipeReader<Report>;

TEST(SignerCrash, KillDuringSigningNeverLosesAReportedSignature) {
  test::TempDir dir;
  const auto path = dir.path() / "signer_state";
  const std::uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::map<Place, crypto::Signature> sent;  // every signature ever reported, by place
  std::optional<Place> last_sent;
  constexpr int kRounds = 8;
  for (int run = 0; run < kRounds; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      run_signer(path, run, fds[1]);
    }
    ::close(fds[1]);
    ReportReader reports(fds[0]);
    // A random number of signatures, then a random instant later: often in the middle
    // of writing, fsyncing or renaming the next state.
    const std::size_t wait_for = 1 + rng() % 40;
    while (reports.count < wait_for) {
      if (!reports.read_one(std::chrono::seconds(20))) break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    // Every report written before death is still in the pipe.
    while (reports.read_one(std::chrono::milliseconds(0))) {
    }
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "signer exited by itself, status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    ASSERT_GE(reports.count, wait_for) << "signer stalled";

    for (const Report& r : reports.records) {
      const Place place{r.height, r.round, r.step};
      auto [it, inserted] = sent.emplace(place, r.signature);
      EXPECT_TRUE(inserted) << "place signed twice: height " << r.height << " round " << r.round << " step " << r.step;
      if (last_sent) {
        EXPECT_GT(place, *last_sent) << "the child went backwards";
      }
      last_sent = place;
    }

    // The killed child released the lock; the state is at or after the last report.
    auto signer = VoteSigner::open(path, test::key(0), kChain);
    ASSERT_TRUE(signer) << signer.error().detail;
    ASSERT_TRUE(signer->last_signed());
    const LastSigned& last = *signer->last_signed();
    const Place stored{last.height, last.round, static_cast<std::uint32_t>(last.step)};
    ASSERT_TRUE(last_sent);
    EXPECT_GE(stored, *last_sent) << "the state file is behind a signature that was sent";
    // Ahead is fine: killed between the rename and the report, the child signed a
    // message nobody saw, and the next child starts at the height after it.
    if (stored == *last_sent) {
      EXPECT_EQ(last.signature, sent.at(*last_sent));
    }
    // The last sent message cannot be signed differently any more.
    const auto& [h, r, st] = *last_sent;
    auto other = signer->sign(h, r, static_cast<Step>(st), message(100, h, r, static_cast<Step>(st)));
    ASSERT_FALSE(other);
    EXPECT_TRUE(other.error().code == SignerError::kConflict || other.error().code == SignerError::kEarlier);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace cloudchain::consensus::pos
