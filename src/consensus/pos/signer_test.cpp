// The signing guard: real files in a temporary directory, real secp256k1 keys.

#include "consensus/pos/signer.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "consensus/pos/test_util.hpp"
#include "crypto/sha256.hpp"
#include "util/file_io.hpp"

namespace cloudchain::consensus::pos {
namespace {

namespace fs = std::filesystem;
using primitives::Vote;
using primitives::VoteType;

constexpr std::uint32_t kChain = 7;

Hash256 hash_of(std::uint8_t b) {
  Hash256 h{};
  h.fill(b);
  return h;
}

Vote make_vote(VoteType type, std::uint64_t height, std::uint32_t round, std::uint8_t block) {
  Vote v;
  v.chain_id = kChain;
  v.type = type;
  v.height = height;
  v.round = round;
  v.block_hash = hash_of(block);
  return v;
}

std::string read_all(const fs::path& path) { return util::read_file(path, 1 << 20).value(); }

void write_all(const fs::path& path, const std::string& bytes) {
  ASSERT_TRUE(util::write_file_atomic(path, bytes, 0600));
}

std::string as_string(const util::Bytes& b) { return {b.begin(), b.end()}; }

class SignerTest : public ::testing::Test {
 protected:
  fs::path state() const { return m_dir.path() / "signer_state"; }
  util::Result<VoteSigner, SignerError> open(std::size_t key = 0, std::uint32_t chain = kChain) const {
    return VoteSigner::open(state(), test::key(key), chain);
  }
  VoteSigner must_open() const {
    auto s = open();
    if (!s) throw std::runtime_error(s.error().detail);
    return std::move(*s);
  }
  /// A state file with one valid message signed at (10, 2, prevote).
  void write_valid_state() {
    auto s = must_open();
    Vote v = make_vote(VoteType::kPrevote, 10, 2, 1);
    ASSERT_TRUE(s.sign_vote(v));
  }
  /// Expects open() to fail with `code`, the detail naming `field`, and the file untouched.
  void expect_open_error(SignerError code, std::string_view field, std::size_t key = 0, std::uint32_t chain = kChain) {
    const std::string before = read_all(state());
    auto s = open(key, chain);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, code) << s.error().detail;
    EXPECT_NE(s.error().detail.find(field), std::string::npos) << s.error().detail;
    EXPECT_NE(s.error().detail.find(state().string()), std::string::npos) << s.error().detail;
    EXPECT_EQ(read_all(state()), before) << "a failed open must never reset the file";
    // A failed open releases its lock.
    auto s2 = open(key, chain);
    ASSERT_FALSE(s2);
    EXPECT_EQ(s2.error().code, code);
  }

  test::TempDir m_dir;
};

TEST_F(SignerTest, FirstSignWorksAndPersistsBeforeReturning) {
  auto s = must_open();
  EXPECT_EQ(s.last_signed(), std::nullopt);
  EXPECT_FALSE(fs::exists(state()));
  Vote v = make_vote(VoteType::kPrevote, 5, 0, 1);
  ASSERT_TRUE(s.sign_vote(v));
  EXPECT_EQ(v.validator, test::key(0).public_key());
  EXPECT_TRUE(primitives::verify_vote(v));
  const LastSigned expected{5, 0, Step::kPrevote, primitives::signing_hash(v), v.signature};
  EXPECT_EQ(s.last_signed(), expected);
  // On disk already, in exactly the documented layout.
  const std::string file = read_all(state());
  EXPECT_EQ(file.size(), kSignerStateSize);
  EXPECT_EQ(file, as_string(encode_signer_state(kChain, test::key(0).public_key(), expected)));
  EXPECT_EQ(file.substr(0, 5), std::string("ccvs\x01", 5));
  // Nothing else left behind in the directory but the lock file.
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(m_dir.path())) {
    ++entries;
    EXPECT_TRUE(e.path() == state() || e.path() == fs::path(state().string() + ".lock")) << e.path();
  }
  EXPECT_EQ(entries, 2u);
}

TEST_F(SignerTest, ReopenAfterCloseKeepsTheGuard) {
  Vote v = make_vote(VoteType::kPrecommit, 5, 1, 1);
  {
    auto s = must_open();
    ASSERT_TRUE(s.sign_vote(v));
  }
  auto s = must_open();
  ASSERT_TRUE(s.last_signed());
  EXPECT_EQ(s.last_signed()->height, 5u);
  EXPECT_EQ(s.last_signed()->round, 1u);
  EXPECT_EQ(s.last_signed()->step, Step::kPrecommit);
  EXPECT_EQ(s.last_signed()->signature, v.signature);
  Vote earlier = make_vote(VoteType::kPrevote, 5, 1, 1);
  EXPECT_EQ(s.sign_vote(earlier).error().code, SignerError::kEarlier);
  Vote other = make_vote(VoteType::kPrecommit, 5, 1, 2);
  EXPECT_EQ(s.sign_vote(other).error().code, SignerError::kConflict);
}

TEST_F(SignerTest, SameStepSameHashReturnsTheStoredSignature) {
  Vote first = make_vote(VoteType::kPrevote, 3, 0, 9);
  {
    auto s = must_open();
    ASSERT_TRUE(s.sign_vote(first));
    Vote again = make_vote(VoteType::kPrevote, 3, 0, 9);
    ASSERT_TRUE(s.sign_vote(again));
    EXPECT_EQ(again, first);
  }
  const std::string before = read_all(state());
  auto s = must_open();  // a restart re-sending the vote it may have sent
  Vote again = make_vote(VoteType::kPrevote, 3, 0, 9);
  ASSERT_TRUE(s.sign_vote(again));
  EXPECT_EQ(again.signature, first.signature);
  EXPECT_EQ(read_all(state()), before);
}

TEST_F(SignerTest, SameStepOtherHashIsRefused) {
  auto s = must_open();
  Vote a = make_vote(VoteType::kPrecommit, 3, 2, 1);
  ASSERT_TRUE(s.sign_vote(a));
  const std::string before = read_all(state());
  Vote b = make_vote(VoteType::kPrecommit, 3, 2, 2);
  const Vote untouched = b;
  auto r = s.sign_vote(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SignerError::kConflict);
  EXPECT_EQ(to_string(r.error().code), "conflict");
  EXPECT_NE(r.error().detail.find("height 3 round 2 precommit"), std::string::npos) << r.error().detail;
  EXPECT_EQ(b, untouched);
  Vote nil = make_vote(VoteType::kPrecommit, 3, 2, 0);  // nil is a different message too
  EXPECT_EQ(s.sign_vote(nil).error().code, SignerError::kConflict);
  EXPECT_EQ(s.sign_proposal(4, 0, hash_of(1)).has_value(), true);
  EXPECT_EQ(s.sign_proposal(4, 0, hash_of(2)).error().code, SignerError::kConflict);
  EXPECT_NE(read_all(state()), before);
}

TEST_F(SignerTest, EarlierPlacesAreRefusedAndChangeNothing) {
  auto s = must_open();
  ASSERT_TRUE(s.sign(10, 3, Step::kPrevote, hash_of(1)));
  const std::string before = read_all(state());
  const LastSigned last = *s.last_signed();
  struct Case {
    std::uint64_t height;
    std::uint32_t round;
    Step step;
  };
  for (const Case c : {Case{9, 3, Step::kPrevote}, Case{9, 100, Step::kPrecommit}, Case{10, 2, Step::kPrecommit},
                       Case{10, 3, Step::kPropose}, Case{0, 0, Step::kPropose}}) {
    auto r = s.sign(c.height, c.round, c.step, hash_of(1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, SignerError::kEarlier) << c.height << "/" << c.round;
    EXPECT_NE(r.error().detail.find("height 10 round 3 prevote"), std::string::npos) << r.error().detail;
  }
  EXPECT_EQ(s.last_signed(), last);
  EXPECT_EQ(read_all(state()), before);
}

TEST_F(SignerTest, LaterPlacesAreAcceptedAndPersisted) {
  auto s = must_open();
  ASSERT_TRUE(s.sign_proposal(10, 0, hash_of(1)));  // propose < prevote < precommit
  Vote prevote = make_vote(VoteType::kPrevote, 10, 0, 1);
  ASSERT_TRUE(s.sign_vote(prevote));
  Vote precommit = make_vote(VoteType::kPrecommit, 10, 0, 0);
  ASSERT_TRUE(s.sign_vote(precommit));
  ASSERT_TRUE(s.sign_proposal(10, 1, hash_of(2)));        // a later round, an earlier step
  Vote skip = make_vote(VoteType::kPrecommit, 10, 5, 3);  // rounds may be skipped
  ASSERT_TRUE(s.sign_vote(skip));
  Vote next = make_vote(VoteType::kPrevote, 11, 0, 4);  // a later height, round 0 again
  ASSERT_TRUE(s.sign_vote(next));
  EXPECT_TRUE(primitives::verify_vote(next));
  auto reopened = [&] {
    VoteSigner moved = std::move(s);  // closes the lock with `moved`
    return moved.last_signed();
  }();
  auto again = must_open();
  EXPECT_EQ(again.last_signed(), reopened);
  EXPECT_EQ(again.last_signed()->height, 11u);
  EXPECT_EQ(again.last_signed()->step, Step::kPrevote);
}

TEST_F(SignerTest, AVoteOfAnotherChainOrUnknownTypeIsRefused) {
  auto s = must_open();
  Vote v = make_vote(VoteType::kPrevote, 1, 0, 1);
  v.chain_id = kChain + 1;
  const Vote untouched = v;
  auto r = s.sign_vote(v);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SignerError::kWrongChain);
  EXPECT_NE(r.error().detail.find("vote.chain_id"), std::string::npos);
  EXPECT_EQ(v, untouched);
  Vote bad = make_vote(static_cast<VoteType>(3), 1, 0, 1);
  EXPECT_EQ(s.sign_vote(bad).error().code, SignerError::kBadVote);
  EXPECT_EQ(s.last_signed(), std::nullopt);
  EXPECT_FALSE(fs::exists(state()));
}

TEST_F(SignerTest, ASecondOpenWhileTheFirstHoldsTheLockFails) {
  auto first = must_open();
  auto second = open();
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, SignerError::kLocked);
  EXPECT_NE(second.error().detail.find(".lock"), std::string::npos);
  // Another key on the same file is locked out too: the lock is per file.
  EXPECT_EQ(open(1).error().code, SignerError::kLocked);

  // A second process as well (flock is per open file, so the child opens its own).
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = VoteSigner::open(state(), test::key(0), kChain);
    ::_exit(!s ? (s.error().code == SignerError::kLocked ? 10 : 11) : 12);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 10);

  // A moved-from signer does not release it; destroying the owner does.
  VoteSigner owner = std::move(first);
  EXPECT_EQ(open().error().code, SignerError::kLocked);
  // NOLINTNEXTLINE(bugprone-use-after-move): a moved-from signer must refuse to sign.
  EXPECT_EQ(first.sign(1, 0, Step::kPrevote, hash_of(1)).error().code, SignerError::kLocked);
  {
    VoteSigner gone = std::move(owner);
  }
  EXPECT_TRUE(open());
}

TEST_F(SignerTest, WrongChainIdInTheFileIsRefused) {
  write_valid_state();
  expect_open_error(SignerError::kWrongChain, "chain_id", 0, kChain + 1);
}

TEST_F(SignerTest, OtherKeyInTheFileIsRefused) {
  write_valid_state();
  expect_open_error(SignerError::kWrongKey, "validator", 1);
}

TEST_F(SignerTest, CorruptFileIsAnErrorNeverAReset) {
  write_valid_state();
  const std::string good = read_all(state());
  // One flipped bit anywhere: checksum or magic.
  for (const std::size_t at :
       {std::size_t{0}, std::size_t{20}, std::size_t{50}, std::size_t{100}, kSignerStateSize - 1}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    write_all(state(), bad);
    SCOPED_TRACE("byte " + std::to_string(at));
    expect_open_error(SignerError::kCorrupt, at == 0 ? "magic" : "checksum");
  }
  // Checksummed, but an unknown step, or a signature that does not verify.
  const auto key = test::key(0).public_key();
  LastSigned last{10, 2, static_cast<Step>(3), hash_of(1), test::key(0).sign(hash_of(1))};
  write_all(state(), as_string(encode_signer_state(kChain, key, last)));
  expect_open_error(SignerError::kCorrupt, "step");
  last.step = Step::kPrevote;
  last.signature = test::key(0).sign(hash_of(2));
  write_all(state(), as_string(encode_signer_state(kChain, key, last)));
  expect_open_error(SignerError::kCorrupt, "signature");
  // Not a file at all.
  fs::remove(state());
  fs::create_directory(state());
  auto dir = open();
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().code, SignerError::kIo);
}

TEST_F(SignerTest, TruncatedOrLongerFileIsCorrupt) {
  write_valid_state();
  const std::string good = read_all(state());
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{3}, std::size_t{5}, std::size_t{100}, kSignerStateSize - 1}) {
    write_all(state(), good.substr(0, size));
    SCOPED_TRACE("size " + std::to_string(size));
    expect_open_error(SignerError::kCorrupt, "truncated");
  }
  write_all(state(), good + '\0');
  expect_open_error(SignerError::kCorrupt, "trailing bytes");
  write_all(state(), good + std::string(10000, 'x'));
  expect_open_error(SignerError::kCorrupt, "trailing bytes");
}

TEST_F(SignerTest, UnknownVersionIsRefused) {
  write_valid_state();
  std::string v2 = read_all(state());
  v2[4] = 2;
  write_all(state(), v2);
  expect_open_error(SignerError::kUnknownVersion, "version: 2");
  write_all(state(), v2.substr(0, 5));  // even a short one: the version decides the layout
  expect_open_error(SignerError::kUnknownVersion, "version");
}

TEST_F(SignerTest, AFailedWriteSignsNothing) {
  auto s = must_open();
  ASSERT_TRUE(s.sign(1, 0, Step::kPrevote, hash_of(1)));
  const LastSigned last = *s.last_signed();
  // rename() cannot replace a non-empty directory: the write fails after the fsync.
  fs::remove(state());
  fs::create_directories(state() / "blocker");
  auto r = s.sign(2, 0, Step::kPrevote, hash_of(2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SignerError::kIo);
  EXPECT_EQ(s.last_signed(), last);
  for (const auto& e : fs::directory_iterator(m_dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << "temporary left: " << e.path();
  }
}

TEST_F(SignerTest, OpenInAMissingDirectoryIsAnIoError) {
  auto s = VoteSigner::open(m_dir.path() / "no" / "state", test::key(0), kChain);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, SignerError::kIo);
  EXPECT_NE(s.error().detail.find("state.lock"), std::string::npos);
}

}  // namespace
}  // namespace cloudchain::consensus::pos
