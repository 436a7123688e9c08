// The keystore directory on a real file system: modes, crash-safe saves, no overwrites,
// lookups, and files left behind by crashes or other tools.

#include "wallet/keystore_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "wallet/test_util.hpp"

namespace cloudchain::wallet {
namespace {

namespace fs = std::filesystem;
using test::file_of;
using test::TempDir;

mode_t mode_of(const fs::path& p) {
  struct stat st{};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Sets the process umask for one scope (tests in this binary run one at a time).
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : m_old(::umask(mask)) {}
  ~ScopedUmask() { ::umask(m_old); }

 private:
  mode_t m_old;
};

TEST(WalletKeystoreDir, CreateMakesA0700DirectoryWhateverTheUmask) {
  TempDir tmp;
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{0777}}) {
    ScopedUmask umask(mask);
    const fs::path dir = tmp.path() / ("keys-" + std::to_string(mask)) / "nested";
    const auto ks = Keystore::create(dir);
    ASSERT_TRUE(ks.has_value()) << ks.error().detail;
    EXPECT_EQ(mode_of(dir), 0700u) << "umask " << mask;
    EXPECT_EQ(ks->dir(), dir);
  }
}

TEST(WalletKeystoreDir, CreateAndOpenExistingDirectories) {
  TempDir tmp;  // mkdtemp: 0700
  EXPECT_TRUE(Keystore::create(tmp.path()).has_value());
  EXPECT_TRUE(Keystore::open(tmp.path()).has_value());

  const auto missing = Keystore::open(tmp.path() / "missing");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, KeystoreError::kNotFound);

  const fs::path file = tmp.path() / "plain-file";
  write_text(file, "x");
  for (const auto& r : {Keystore::open(file), Keystore::create(file)}) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, KeystoreError::kIo);
    EXPECT_NE(r.error().detail.find("not a directory"), std::string::npos);
  }
}

TEST(WalletKeystoreDir, DirectoriesOthersCanAccessAreRefused) {
  TempDir tmp;
  for (const mode_t mode : {mode_t{0755}, mode_t{0750}, mode_t{0701}, mode_t{0770}}) {
    const fs::path dir = tmp.path() / ("open-" + std::to_string(mode));
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(dir.c_str(), mode), 0);
    for (const auto& r : {Keystore::open(dir), Keystore::create(dir)}) {
      ASSERT_FALSE(r.has_value()) << mode;
      EXPECT_EQ(r.error().code, KeystoreError::kIo);
      EXPECT_NE(r.error().detail.find("chmod 700"), std::string::npos) << r.error().detail;
    }
    EXPECT_EQ(mode_of(dir), mode);  // reported, not silently changed
  }
}

TEST(WalletKeystoreDir, SaveWritesA0600FileAndNothingElse) {
  TempDir tmp;
  ScopedUmask umask(0);  // would make a plain open() create 0666
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  const KeystoreFile f = file_of(1, "alice");
  const auto path = ks.save(f);
  ASSERT_TRUE(path.has_value()) << path.error().detail;
  EXPECT_EQ(*path, ks.dir() / (f.address + ".json"));
  EXPECT_EQ(mode_of(*path), 0600u);
  EXPECT_EQ(read_text(*path), to_json(f));
  EXPECT_EQ(names_in(ks.dir()), std::vector<std::string>{f.address + ".json"});  // no temporary left
  EXPECT_EQ(read_keystore_file(*path).value(), f);
}

TEST(WalletKeystoreDir, ListLoadByAddressAndByLabel) {
  TempDir tmp;
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  const KeystoreFile a = file_of(1, "alice");
  const KeystoreFile b = file_of(2, "bob");
  const KeystoreFile c = file_of(3, "");
  for (const auto* f : {&a, &b, &c}) ASSERT_TRUE(ks.save(*f).has_value());

  const auto entries = ks.list().value();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end(),
                             [](const KeyEntry& x, const KeyEntry& y) { return x.file < y.file; }));
  for (const KeyEntry& e : entries) {
    EXPECT_FALSE(e.error.has_value());
    EXPECT_EQ(e.file, ks.dir() / (e.address + ".json"));
    const KeystoreFile& expected = e.address == a.address ? a : e.address == b.address ? b : c;
    EXPECT_EQ(e.label, expected.label);
  }

  EXPECT_EQ(ks.load(a.address).value(), a);
  EXPECT_EQ(ks.load("alice").value(), a);
  EXPECT_EQ(ks.load("bob").value(), b);
  EXPECT_EQ(ks.load(c.address).value(), c);
  // And what was loaded still decrypts.
  EXPECT_EQ(decrypt_key(ks.load("bob").value(), test::kPassword, test::kHrp).value().bytes(), test::key_of(2).bytes());

  for (const std::string_view missing : {"carol", "", "ALICE", "cctest1qqqq"}) {
    const auto r = ks.load(missing);
    ASSERT_FALSE(r.has_value()) << missing;
    EXPECT_EQ(r.error().code, KeystoreError::kNotFound);
  }
}

TEST(WalletKeystoreDir, AnExistingKeyIsNeverOverwritten) {
  TempDir tmp;
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  const KeystoreFile original = file_of(1, "alice");
  const fs::path path = ks.save(original).value();
  const std::string before = read_text(path);

  // Same key, re-encrypted under another label (and so other salt, nonce, ciphertext).
  const auto again = ks.save(file_of(1, "alice-2"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, KeystoreError::kExists);
  // Another key under a label already taken.
  const auto label = ks.save(file_of(2, "alice"));
  ASSERT_FALSE(label.has_value());
  EXPECT_EQ(label.error().code, KeystoreError::kExists);

  EXPECT_EQ(read_text(path), before);
  EXPECT_EQ(names_in(ks.dir()), std::vector<std::string>{original.address + ".json"});
}

TEST(WalletKeystoreDir, SameAddressUnderAnotherFileNameIsStillDetected) {
  TempDir tmp;
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  const KeystoreFile f = file_of(1, "alice");
  write_text(ks.dir() / "backup-copy.json", to_json(f));
  const auto r = ks.save(file_of(1, "other"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, KeystoreError::kExists);
}

TEST(WalletKeystoreDir, UnreadableFileUnderTheTargetNameBlocksTheRenameAndLeavesNoTemporary) {
  // list() cannot see whose key a corrupt <address>.json is, so the address check passes
  // and it is the no-replace rename that refuses; the temporary must then be removed.
  TempDir tmp;
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  const KeystoreFile f = file_of(1);
  const fs::path target = ks.dir() / (f.address + ".json");
  write_text(target, "{\"version\": 1, \"addr");
  const auto r = ks.save(f);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, KeystoreError::kExists);
  EXPECT_EQ(read_text(target), "{\"version\": 1, \"addr");
  EXPECT_EQ(names_in(ks.dir()), std::vector<std::string>{f.address + ".json"});
}

TEST(WalletKeystoreDir, InvalidFilesAreNotSaved) {
  TempDir tmp;
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  KeystoreFile bad_key = file_of(1);
  bad_key.public_key[0] = 0x04;
  KeystoreFile bad_kdf = file_of(1);
  bad_kdf.kdf.memlimit = 1ULL << 40;
  KeystoreFile bad_label = file_of(1);
  bad_label.label = "a\nb";
  KeystoreFile traversal = file_of(1);
  traversal.address = "../../evil";
  for (const KeystoreFile* f : {&bad_key, &bad_kdf, &bad_label, &traversal}) {
    EXPECT_FALSE(ks.save(*f).has_value());
  }
  EXPECT_TRUE(names_in(ks.dir()).empty());
}

TEST(WalletKeystoreDir, CrashLeftoversAreReportedNotFatal) {
  TempDir tmp;
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  const KeystoreFile good = file_of(1, "alice");
  ASSERT_TRUE(ks.save(good).has_value());
  // What a non-atomic writer killed mid-write would leave, and other debris.
  const std::string full = to_json(file_of(2, "bob"));
  write_text(ks.dir() / "truncated.json", full.substr(0, full.size() / 2));
  write_text(ks.dir() / "empty.json", "");
  write_text(ks.dir() / "huge.json", std::string(kMaxKeystoreBytes + 10, ' '));
  fs::create_symlink(ks.dir() / (good.address + ".json"), ks.dir() / "link.json");
  fs::create_directory(ks.dir() / "dir.json");
  ASSERT_EQ(::mkfifo((ks.dir() / "fifo.json").c_str(), 0600), 0);
  // Ignored: our own temporaries (complete or not) and files that are not *.json.
  write_text(ks.dir() / ("." + good.address + ".json.tmp-abc123"), full.substr(0, 10));
  write_text(ks.dir() / "notes.txt", "hello");

  const auto entries = ks.list();
  ASSERT_TRUE(entries.has_value());
  std::map<std::string, KeyEntry> by_name;
  for (const KeyEntry& e : *entries) by_name[e.file.filename().string()] = e;
  ASSERT_EQ(by_name.size(), 7u);
  const std::pair<const char*, KeystoreError> expected[] = {
      {"truncated.json", KeystoreError::kMalformedJson},
      {"empty.json", KeystoreError::kMalformedJson},
      {"huge.json", KeystoreError::kMalformedJson},
      {"link.json", KeystoreError::kIo},
      {"dir.json", KeystoreError::kIo},
      {"fifo.json", KeystoreError::kIo},
  };
  for (const auto& [name, code] : expected) {
    const KeyEntry& e = by_name.at(name);
    ASSERT_TRUE(e.error.has_value()) << name;
    EXPECT_EQ(e.error->code, code) << name << ": " << e.error->detail;
    EXPECT_NE(e.error->detail.find(name), std::string::npos) << e.error->detail;  // names the file
    EXPECT_TRUE(e.address.empty());
  }
  EXPECT_FALSE(by_name.at(good.address + ".json").error.has_value());

  // The good key is still usable, and the broken ones never match.
  EXPECT_EQ(ks.load("alice").value(), good);
  EXPECT_EQ(ks.load("bob").error().code, KeystoreError::kNotFound);
  // Saving still works next to the debris.
  EXPECT_TRUE(ks.save(file_of(3, "carol")).has_value());
}

TEST(WalletKeystoreDir, AmbiguousLabelsAreReported) {
  // Two files with one label can only arise outside save() (copied in by hand, or two
  // saves racing); load() must not pick one silently.
  TempDir tmp;
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  ASSERT_TRUE(ks.save(file_of(1, "shared")).has_value());
  write_text(ks.dir() / "copied.json", to_json(file_of(2, "shared")));
  const auto r = ks.load("shared");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, KeystoreError::kAmbiguous);
  // The addresses remain unambiguous.
  EXPECT_TRUE(ks.load(file_of(2).address).has_value());
  // An address wins over a label spelled like it.
  const KeystoreFile a = file_of(3);
  ASSERT_TRUE(ks.save(a).has_value());
  write_text(ks.dir() / "impostor.json", to_json(file_of(4, a.address)));
  EXPECT_EQ(ks.load(a.address).value(), a);
}

TEST(WalletKeystoreDir, ConcurrentSavesOfOneAddressLetExactlyOneWin) {
  TempDir tmp;
  const Keystore ks = Keystore::create(tmp.path() / "keys").value();
  for (int round = 0; round < 5; ++round) {
    const auto b = static_cast<std::uint8_t>(10 + round);
    std::vector<KeystoreFile> files;
    for (int i = 0; i < 4; ++i) files.push_back(file_of(b));  // same address, different ciphertexts
    std::atomic<int> ready{0};
    std::vector<util::Result<fs::path, KeystoreError>> results(files.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < files.size(); ++i) {
      threads.emplace_back([&, i] {
        ready.fetch_add(1);
        while (ready.load() < static_cast<int>(files.size())) std::this_thread::yield();
        results[i] = ks.save(files[i]);
      });
    }
    for (auto& t : threads) t.join();
    int wins = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i]) {
        ++wins;
        EXPECT_EQ(read_text(*results[i]), to_json(files[i]));  // the winner's bytes, whole
      } else {
        EXPECT_EQ(results[i].error().code, KeystoreError::kExists) << results[i].error().detail;
      }
    }
    EXPECT_EQ(wins, 1) << "round " << round;
  }
  for (const std::string& name : names_in(ks.dir())) EXPECT_FALSE(name.starts_with('.')) << name;
  EXPECT_EQ(names_in(ks.dir()).size(), 5u);
}

}  // namespace
}  // namespace cloudchain::wallet
