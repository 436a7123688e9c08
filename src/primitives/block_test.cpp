#include "primitives/block.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/merkle.hpp"
#include "crypto/sha256.hpp"
#include "primitives/test_util.hpp"

namespace cloudchain::primitives {
namespace {

constexpr std::uint32_t kChain = 7;

crypto::PrivateKey key(std::uint8_t fill) {
  util::ByteArray<32> secret{};
  secret.fill(fill);
  return *crypto::PrivateKey::from_bytes(secret);
}

Transaction transfer(std::uint64_t nonce) {
  Transaction tx;
  tx.chain_id = kChain;
  tx.nonce = nonce;
  tx.fee = 1;
  tx.body = Transfer{.to = crypto::Address{}, .amount = 100 + nonce};
  sign(tx, key(0x01));
  return tx;
}

/// A PoW block with `n` distinct signed transfers and a matching tx_root.
Block pow_block(std::size_t n) {
  test::Rng rng(0x7300 + n);
  Block b;
  b.header = test::random_header(rng, false);
  b.header.chain_id = kChain;
  for (std::size_t i = 0; i < n; ++i) b.txs.push_back(transfer(i));
  b.header.tx_root = tx_root(b);
  return b;
}

/// A PoS block with a sorted two-signature commit and matching hashes.
Block pos_block() {
  test::Rng rng(0x7310);
  Block b;
  b.header = test::random_header(rng, true);
  b.header.chain_id = kChain;
  b.header.height = 5;
  b.txs = {transfer(0)};
  b.header.tx_root = tx_root(b);
  LastCommit commit{.round = 2, .sigs = {}};
  for (std::uint8_t k : test::U8List{0x03, 0x04}) {
    CommitSig sig{.validator = key(k).public_key(), .signature = {}};
    Vote v = commit_vote(b.header, commit.round, sig);
    sign(v, key(k));
    commit.sigs.push_back(CommitSig{.validator = v.validator, .signature = v.signature});
  }
  std::ranges::sort(commit.sigs, [](const CommitSig& x, const CommitSig& y) { return x.validator < y.validator; });
  std::get<PosSeal>(b.header.seal).last_commit_hash = commit_hash(commit);
  b.last_commit = commit;
  return b;
}

// --- codec ------------------------------------------------------------------

TEST(BlockCodec, RoundTripRandom) {
  test::Rng rng(0x7301);
  for (int i = 0; i < 300; ++i) {
    const Block b = test::random_block(rng, 12);
    const Bytes enc = encode(b);
    EXPECT_EQ(enc.size(), encoded_size(b));
    auto dec = decode_block(enc);
    ASSERT_TRUE(dec) << to_string(dec.error().code) << " " << dec.error().detail;
    EXPECT_EQ(*dec, b);
    EXPECT_EQ(encode(*dec), enc);
  }
}

TEST(BlockCodec, ReencodesEveryAcceptedMutation) {
  test::Rng rng(0x7302);
  int accepted = 0;
  for (int i = 0; i < 500; ++i) {
    Bytes b = encode(test::random_block(rng, 4));
    b[rng.below(b.size())] ^= static_cast<std::uint8_t>(1 + rng.below(255));
    if (auto dec = decode_block(b)) {
      ++accepted;
      EXPECT_EQ(encode(*dec), b);
    }
  }
  EXPECT_GT(accepted, 100);
}

TEST(BlockCodec, TruncationAtEveryOffset) {
  for (const Block& b : {pow_block(2), pos_block()}) {
    const Bytes enc = encode(b);
    for (std::size_t n = 0; n < enc.size(); ++n) {
      auto dec = decode_block(ByteSpan(enc).first(n));
      ASSERT_FALSE(dec);
      EXPECT_EQ(dec.error().code, CodecError::kTruncated) << n;
    }
  }
}

TEST(BlockCodec, TrailingByteRejected) {
  for (const Block& b : {pow_block(2), pos_block()}) {
    Bytes enc = encode(b);
    enc.push_back(0);
    EXPECT_EQ(decode_block(enc).error().code, CodecError::kTrailingBytes);
  }
}

TEST(BlockCodec, OversizeInputRejectedBeforeParsing) {
  const Bytes huge(kMaxBlockSize + 1, 0xff);
  auto dec = decode_block(huge);
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().code, CodecError::kBlockTooLarge);
}

TEST(BlockCodec, TxCountOverMaximumRejected) {
  Bytes enc = encode(pow_block(0));
  const std::uint32_t n = kMaxBlockTxs + 1;
  for (std::size_t i = 0; i < 4; ++i) enc[kPowHeaderSize + i] = static_cast<std::uint8_t>(n >> (8 * i));
  auto dec = decode_block(enc);
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().code, CodecError::kListTooLong);
  EXPECT_EQ(dec.error().detail, "block.txs");
}

TEST(BlockCodec, CommitSigCountOverMaximumRejected) {
  LastCommit c{.round = 0, .sigs = std::vector<CommitSig>(kMaxCommitSigs + 1)};
  auto dec = decode_last_commit(encode(c));
  ASSERT_FALSE(dec);
  EXPECT_EQ(dec.error().code, CodecError::kListTooLong);
  c.sigs.resize(kMaxCommitSigs);
  EXPECT_TRUE(decode_last_commit(encode(c)));
}

TEST(BlockCodec, LastCommitOnlyAfterPosSeal) {
  // A PoW block's bytes followed by a commit are trailing bytes, not a commit.
  Block b = pow_block(1);
  Bytes enc = encode(b);
  util::append(enc, encode(LastCommit{}));
  EXPECT_EQ(decode_block(enc).error().code, CodecError::kTrailingBytes);
  // A PoS block without its commit is truncated.
  const Block pos = pos_block();
  Block no_commit = pos;
  no_commit.last_commit.reset();
  EXPECT_EQ(decode_block(encode(no_commit)).error().code, CodecError::kTruncated);
}

// --- Merkle root ----------------------------------------------------------------

TEST(TxRoot, DefinitionFromTheSpec) {
  const Block b = pow_block(3);
  std::vector<Hash256> leaves;
  for (const auto& tx : b.txs) leaves.push_back(crypto::merkle_leaf_hash(txid(tx)));
  EXPECT_EQ(tx_root(b), crypto::merkle_root(leaves));
  EXPECT_EQ(tx_root(Block{}), crypto::sha256({}));
}

TEST(TxRoot, DuplicatedLastTxChangesTheRootAndIsRejected) {
  // CVE-2012-2459: with Bitcoin's tree, [a, b, c] and [a, b, c, c] share a root. RFC 6962
  // hashing gives them different roots, and the duplicate-txid rule rejects the copy.
  const Block b = pow_block(3);
  Block dup = b;
  dup.txs.push_back(b.txs.back());
  EXPECT_NE(tx_root(dup), tx_root(b));
  dup.header.tx_root = tx_root(b);
  EXPECT_EQ(check_block_body(dup).error().code, BlockCheckError::kTxRootMismatch);
  dup.header.tx_root = tx_root(dup);
  EXPECT_EQ(check_block_body(dup).error().code, BlockCheckError::kDuplicateTx);

  // Also for an even count ([a, b] vs [a, b, b]) and a duplicate that is not last.
  Block two = pow_block(2);
  Block two_dup = two;
  two_dup.txs.push_back(two.txs.back());
  EXPECT_NE(tx_root(two_dup), tx_root(two));
  Block middle = pow_block(3);
  middle.txs[2] = middle.txs[0];
  middle.header.tx_root = tx_root(middle);
  EXPECT_EQ(check_block_body(middle).error().code, BlockCheckError::kDuplicateTx);
}

// --- body checks ------------------------------------------------------------------

TEST(BlockCheck, WellFormedBlocksPass) {
  EXPECT_TRUE(check_block_body(pow_block(0)));
  EXPECT_TRUE(check_block_body(pow_block(5)));
  EXPECT_TRUE(check_block_body(pos_block()));
}

TEST(BlockCheck, CommitSignaturesAreParentPrecommits) {
  const Block b = pos_block();
  for (const auto& sig : b.last_commit->sigs) {
    const Vote v = commit_vote(b.header, b.last_commit->round, sig);
    EXPECT_EQ(v.type, VoteType::kPrecommit);
    EXPECT_EQ(v.height, b.header.height - 1);
    EXPECT_EQ(v.block_hash, b.header.parent);
    EXPECT_TRUE(verify_vote(v));
  }
}

TEST(BlockCheck, TxRootMismatch) {
  Block b = pow_block(2);
  b.header.tx_root[0] ^= 1;
  EXPECT_EQ(check_block_body(b).error().code, BlockCheckError::kTxRootMismatch);
  b = pow_block(2);
  std::swap(b.txs[0], b.txs[1]);  // order matters
  EXPECT_EQ(check_block_body(b).error().code, BlockCheckError::kTxRootMismatch);
}

TEST(BlockCheck, LastCommitPresenceMatchesSeal) {
  Block b = pow_block(1);
  b.last_commit = LastCommit{};
  EXPECT_EQ(check_block_body(b).error().code, BlockCheckError::kUnexpectedLastCommit);
  b = pos_block();
  b.last_commit.reset();
  EXPECT_EQ(check_block_body(b).error().code, BlockCheckError::kMissingLastCommit);
}

TEST(BlockCheck, CommitHashMismatch) {
  Block b = pos_block();
  b.last_commit->round += 1;
  EXPECT_EQ(check_block_body(b).error().code, BlockCheckError::kCommitHashMismatch);
  EXPECT_EQ(commit_hash(LastCommit{}), crypto::tagged_hash("cloudchain/commit", encode(LastCommit{})));
}

TEST(BlockCheck, CommitValidatorsStrictlyAscending) {
  for (bool duplicate : {false, true}) {
    Block b = pos_block();
    auto& sigs = b.last_commit->sigs;
    if (duplicate) {
      sigs[1] = sigs[0];
    } else {
      std::swap(sigs[0], sigs[1]);
    }
    std::get<PosSeal>(b.header.seal).last_commit_hash = commit_hash(*b.last_commit);
    EXPECT_EQ(check_block_body(b).error().code, BlockCheckError::kCommitNotSorted);
  }
}

TEST(BlockCheck, CountAndSizeLimits) {
  Block b = pow_block(1);
  b.txs.resize(kMaxBlockTxs + 1, b.txs[0]);
  EXPECT_EQ(check_block_body(b).error().code, BlockCheckError::kTooManyTxs);

  Block p = pos_block();
  p.last_commit->sigs.resize(kMaxCommitSigs + 1);
  EXPECT_EQ(check_block_body(p).error().code, BlockCheckError::kTooManyCommitSigs);

  // 20000 anchors with 64-byte memos encode to about 4.4 MB > 4 MiB.
  Block big = pow_block(0);
  Transaction anchor = transfer(0);
  anchor.body = Anchor{.digest = {}, .memo = Bytes(kMaxMemoSize, 0x61)};
  big.txs.assign(kMaxBlockTxs, anchor);
  ASSERT_GT(encoded_size(big), kMaxBlockSize);
  EXPECT_EQ(check_block_body(big).error().code, BlockCheckError::kBlockTooLarge);
  EXPECT_EQ(decode_block(encode(big)).error().code, CodecError::kBlockTooLarge);
}

TEST(BlockCheck, ErrorNamesAreDistinct) {
  std::set<std::string> names;
  const int last = static_cast<int>(BlockCheckError::kCommitNotSorted);
  for (int i = 0; i <= last; ++i) {
    const auto name = to_string(static_cast<BlockCheckError>(i));
    EXPECT_NE(name, "block_unknown");
    names.emplace(name);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(last) + 1);
}

}  // namespace
}  // namespace cloudchain::primitives
