#pragma once
// Helpers shared by the storage layer's tests (not part of the library): a fresh
// directory per test, and small structurally valid blocks (unsigned: the codec and the
// indexes never look at signatures).

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "primitives/block.hpp"
#include "storage/database.hpp"

namespace cloudchain::storage::test {

/// Byte literals for range-for loops (a braced int list would narrow).
using U8List = std::initializer_list<std::uint8_t>;

/// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  /// The database directory inside it.
  std::filesystem::path db() const { return m_path / "db"; }

 private:
  std::filesystem::path m_path;
};

/// A distinct public key per `n` (not a curve point; nothing here verifies it).
crypto::PublicKey key_of(std::uint32_t n);
/// The address of key_of(n).
crypto::Address address_of_key(std::uint32_t n);

primitives::Transaction transfer(std::uint32_t from, const crypto::Address& to, std::uint64_t nonce,
                                 std::uint64_t amount = 10);
primitives::Transaction anchor(std::uint32_t from, const util::Hash256& digest, std::uint64_t nonce);
primitives::Transaction unstake(std::uint32_t from, std::uint64_t nonce);

/// A PoW block at `height` over `parent` holding `txs`, with its real tx_root.
primitives::Block make_block(std::uint64_t height, const util::Hash256& parent,
                             std::vector<primitives::Transaction> txs);

/// Every (column family, key) -> value of the closed database at `db`, read with raw
/// RocksDB (so a test sees exactly what is on disk, not what the typed API shows).
using Dump = std::map<std::pair<std::string, std::string>, std::string>;
Dump raw_dump(const std::filesystem::path& db);
/// Writes `value` under `key` in column family `cf` of the closed database at `db` with
/// raw RocksDB, bypassing every codec (how the corruption tests damage a database).
void raw_put(const std::filesystem::path& db, const std::string& cf, const std::string& key, const std::string& value);

inline std::string str(util::ByteSpan b) { return std::string(b.begin(), b.end()); }

/// Database::open, reporting a failure to the running test (then null).
std::unique_ptr<Database> open_ok(const std::filesystem::path& path, const Options& options = {});

}  // namespace cloudchain::storage::test
