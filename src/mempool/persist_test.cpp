// save() and load() on real files in a temp directory, and the pool file's parser on
// damaged input: truncation, bit flips, bad magic and version, wrong counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "crypto/sha256.hpp"

#include "mempool/mempool.hpp"
#include "mempool/pool_file.hpp"
#include "mempool/test_util.hpp"

namespace cloudchain::mempool {
namespace {

using test::kChainId;
using test::key_of;
using test::transfer;

constexpr std::size_t kNoByteLimit = std::size_t{1} << 30;

util::Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return util::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path& path, const util::Bytes& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// Where each entry of a pool file starts: 16 header bytes, then per entry
// 8 (arrival) + 4 (length) + length + 4 (check).
std::vector<std::size_t> entry_offsets(const util::Bytes& data) {
  std::vector<std::size_t> out;
  for (std::size_t at = 16; at + 12 <= data.size();) {
    out.push_back(at);
    const std::size_t len = data[at + 8] | std::size_t{data[at + 9]} << 8 | std::size_t{data[at + 10]} << 16 |
                            std::size_t{data[at + 11]} << 24;
    at += 8 + 4 + len + 4;
  }
  return out;
}

class MempoolPersist : public ::testing::Test {
 protected:
  MempoolPersist() : dir(::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    for (std::uint32_t i = 1; i <= 4; ++i) state.set(key_of(i), 1'000'000);
  }

  // Five transactions of three senders, one queued behind a gap, arrivals 1000..1004.
  void fill(Mempool& pool) {
    std::uint64_t t = 1000;
    for (const Transaction& tx :
         {transfer(key_of(1), 0, 1000), transfer(key_of(1), 1, 3000), test::anchor(key_of(2), 0, 2500, 30),
          transfer(key_of(3), 0, 1200), transfer(key_of(3), 2, 1200)}) {
      ASSERT_TRUE(pool.add(tx, t++, state.view));
    }
  }

  test::TempDir dir;
  test::TestState state;
  std::filesystem::path file() const { return dir.path() / "mempool.dat"; }
};

TEST_F(MempoolPersist, SaveThenLoadRestoresThePool) {
  Mempool pool(kChainId);
  fill(pool);
  auto saved = pool.save(file());
  ASSERT_TRUE(saved) << saved.error().detail;
  EXPECT_EQ(*saved, 5u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "mempool.dat.tmp"));

  Mempool restored(kChainId);
  auto loaded = restored.load(file(), 2000, state.view);
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_EQ(loaded->read, 5u);
  EXPECT_EQ(loaded->added, 5u);
  EXPECT_EQ(loaded->expired, 0u);
  EXPECT_EQ(loaded->rejected, 0u);
  EXPECT_EQ(restored.size(), pool.size());
  EXPECT_EQ(restored.bytes(), pool.bytes());
  for (const PoolEntry* e : pool.list(100)) {
    const PoolEntry* r = restored.get(e->txid);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->tx, e->tx);
    EXPECT_EQ(r->arrival_ms, e->arrival_ms);  // expiry keeps counting from the first arrival
  }
  const auto x = pool.select(100, kNoByteLimit), y = restored.select(100, kNoByteLimit);
  ASSERT_EQ(x.size(), 4u);  // key 3's nonce 2 waits for nonce 1
  ASSERT_EQ(y.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(*x[i], *y[i]);
  // The file is not trusted: every signature was checked again.
  EXPECT_EQ(restored.signature_checks(), 5u);
}

TEST_F(MempoolPersist, SaveReplacesAnOldFileAndAnEmptyPoolSavesAnEmptyFile) {
  Mempool pool(kChainId);
  fill(pool);
  ASSERT_TRUE(pool.save(file()));
  Mempool empty(kChainId);
  ASSERT_TRUE(empty.save(file()));
  EXPECT_EQ(read_file(file()).size(), 16u);
  Mempool restored(kChainId);
  auto loaded = restored.load(file(), 2000, state.view);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->read, 0u);
  EXPECT_EQ(restored.size(), 0u);
}

TEST_F(MempoolPersist, SaveIntoAMissingDirectoryIsAnIoError) {
  Mempool pool(kChainId);
  auto saved = pool.save(dir.path() / "no-such-dir" / "mempool.dat");
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, MempoolError::kIoError);
  EXPECT_FALSE(sender_at_fault(saved.error().code));
}

TEST_F(MempoolPersist, AMissingFileIsReportedAsSuch) {
  Mempool pool(kChainId);
  auto loaded = pool.load(file(), 0, state.view);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, MempoolError::kFileMissing);
  EXPECT_FALSE(sender_at_fault(loaded.error().code));
}

TEST_F(MempoolPersist, ATruncatedFileKeepsTheEntriesBeforeTheCut) {
  Mempool pool(kChainId);
  fill(pool);
  ASSERT_TRUE(pool.save(file()));
  util::Bytes data = read_file(file());
  // Cut inside the third entry.
  const std::size_t first_two = entry_offsets(data).at(2);
  data.resize(first_two + 20);
  write_file(file(), data);

  Mempool restored(kChainId);
  auto loaded = restored.load(file(), 2000, state.view);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, MempoolError::kCorruptFile);
  EXPECT_NE(loaded.error().detail.find("entry 2 at byte " + std::to_string(first_two)), std::string::npos)
      << loaded.error().detail;
  EXPECT_EQ(restored.size(), 2u);
}

TEST_F(MempoolPersist, AFlippedBitIsCaughtByTheEntryChecksum) {
  Mempool pool(kChainId);
  fill(pool);
  ASSERT_TRUE(pool.save(file()));
  util::Bytes data = read_file(file());
  // Entry 1's arrival time: the flip still decodes, only the checksum sees it.
  data[entry_offsets(data).at(1)] ^= 0x04;
  write_file(file(), data);

  Mempool restored(kChainId);
  auto loaded = restored.load(file(), 2000, state.view);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, MempoolError::kCorruptFile);
  EXPECT_NE(loaded.error().detail.find("checksum"), std::string::npos) << loaded.error().detail;
  EXPECT_EQ(restored.size(), 1u);
}

TEST_F(MempoolPersist, ExpiredEntriesAreNotLoaded) {
  Mempool pool(kChainId);
  fill(pool);
  ASSERT_TRUE(pool.save(file()));
  Limits limits;
  limits.expiry_ms = 10'000;
  Mempool restored(kChainId, limits);
  // At 11'002 the entries that arrived at 1000..1002 are 10'000 ms old or more.
  auto loaded = restored.load(file(), 11'002, state.view);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->read, 5u);
  EXPECT_EQ(loaded->expired, 3u);
  EXPECT_EQ(restored.size(), 2u);
}

TEST_F(MempoolPersist, EntriesTheTipNoLongerAllowsAreRejectedNotFatal) {
  Mempool pool(kChainId);
  fill(pool);
  ASSERT_TRUE(pool.save(file()));
  state.set(key_of(1), 1'000'000, 2);  // both of key 1's transactions were mined meanwhile
  Mempool restored(kChainId);
  auto loaded = restored.load(file(), 2000, state.view);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->added, 3u);
  EXPECT_EQ(loaded->rejected, 2u);
}

// --- the file format on its own ------------------------------------------------------

std::vector<StoredTx> sample_entries() {
  return {StoredTx{transfer(key_of(1), 0, 1000), 5}, StoredTx{test::anchor(key_of(2), 3, 900, 64), 6}};
}

TEST(MempoolFile, RoundTripsAndStartsWithMagicAndVersion) {
  const auto entries = sample_entries();
  const util::Bytes data = encode_pool_file(entries);
  ASSERT_GE(data.size(), 16u);
  EXPECT_EQ((util::Bytes(data.begin(), data.begin() + 8)), (util::Bytes{'C', 'C', 'M', 'P', 1, 0, 0, 0}));
  EXPECT_EQ(data[8], 2);
  const ParsedPoolFile parsed = parse_pool_file(data);
  EXPECT_FALSE(parsed.error);
  EXPECT_EQ(parsed.entries, entries);
}

TEST(MempoolFile, BadMagicOrVersionLoadsNothing) {
  util::Bytes data = encode_pool_file(sample_entries());
  util::Bytes bad_magic = data;
  bad_magic[0] = 'X';
  ParsedPoolFile parsed = parse_pool_file(bad_magic);
  ASSERT_TRUE(parsed.error);
  EXPECT_EQ(parsed.error->code, MempoolError::kCorruptFile);
  EXPECT_NE(parsed.error->detail.find("magic"), std::string::npos);
  EXPECT_TRUE(parsed.entries.empty());

  util::Bytes bad_version = data;
  bad_version[4] = 2;
  parsed = parse_pool_file(bad_version);
  ASSERT_TRUE(parsed.error);
  EXPECT_NE(parsed.error->detail.find("version 2"), std::string::npos);
  EXPECT_TRUE(parsed.entries.empty());

  parsed = parse_pool_file(util::Bytes(data.begin(), data.begin() + 10));
  ASSERT_TRUE(parsed.error);
  EXPECT_NE(parsed.error->detail.find("header"), std::string::npos);
}

TEST(MempoolFile, EveryTruncationIsCaughtAndKeepsTheWholeEntriesBeforeIt) {
  const auto entries = sample_entries();
  const util::Bytes data = encode_pool_file(entries);
  const std::size_t first_end = 16 + 8 + 4 + primitives::encoded_size(entries[0].tx) + 4;
  for (std::size_t n = 0; n < data.size(); ++n) {
    const ParsedPoolFile parsed = parse_pool_file(util::ByteSpan(data).first(n));
    ASSERT_TRUE(parsed.error) << n;
    EXPECT_EQ(parsed.error->code, MempoolError::kCorruptFile);
    EXPECT_EQ(parsed.entries.size(), n >= first_end ? 1u : 0u) << n;
  }
}

TEST(MempoolFile, CountAndLengthMismatchesAreDamage) {
  util::Bytes data = encode_pool_file(sample_entries());
  // One entry more announced than present: a file cut at an entry boundary.
  util::Bytes more = data;
  more[8] = 3;
  ParsedPoolFile parsed = parse_pool_file(more);
  ASSERT_TRUE(parsed.error);
  EXPECT_NE(parsed.error->detail.find("entry 2"), std::string::npos);
  EXPECT_EQ(parsed.entries.size(), 2u);

  // One fewer: the last entry becomes trailing bytes.
  util::Bytes fewer = data;
  fewer[8] = 1;
  parsed = parse_pool_file(fewer);
  ASSERT_TRUE(parsed.error);
  EXPECT_NE(parsed.error->detail.find("after the last entry"), std::string::npos);
  EXPECT_EQ(parsed.entries.size(), 1u);

  // A transaction length above the bound is refused before allocating.
  util::Bytes long_len = data;
  long_len[16 + 8 + 3] = 0x10;  // length 0x10000093
  parsed = parse_pool_file(long_len);
  ASSERT_TRUE(parsed.error);
  EXPECT_NE(parsed.error->detail.find("entry 0"), std::string::npos);
  EXPECT_TRUE(parsed.entries.empty());
}

TEST(MempoolFile, AnEntryThatFailsToDecodeStopsTheParse) {
  // A valid checksum over bytes that are not a transaction (version 9): only decoding
  // catches it.
  std::vector<StoredTx> entries = sample_entries();
  util::Bytes data = encode_pool_file(entries);
  const std::size_t tx_start = 16 + 8 + 4;
  data[tx_start] = 9;
  // Recompute the entry's check so that the decoder, not the checksum, must object.
  const std::size_t len = primitives::encoded_size(entries[0].tx);
  const util::Hash256 h = crypto::sha256(util::ByteSpan(data).subspan(16, 8 + 4 + len));
  std::copy(h.begin(), h.begin() + 4, data.begin() + static_cast<std::ptrdiff_t>(tx_start + len));
  const ParsedPoolFile parsed = parse_pool_file(data);
  ASSERT_TRUE(parsed.error);
  EXPECT_NE(parsed.error->detail.find("codec_unknown_version"), std::string::npos) << parsed.error->detail;
  EXPECT_TRUE(parsed.entries.empty());
}

}  // namespace
}  // namespace cloudchain::mempool
