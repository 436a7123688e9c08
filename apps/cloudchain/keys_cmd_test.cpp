// `cloudchain keys ...` run in-process against a real keystore directory on disk.

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "test_chain.hpp"
#include "test_server.hpp"
#include "util/hex.hpp"
#include "wallet/keystore_dir.hpp"

namespace cloudchain::cli {
namespace {

using test::run;
using test::RunResult;

class CliKeysCommand : public testing::Test {
 protected:
  CliKeysCommand() {
    m_password_file = m_dir.path() / "password";
    test::write_file(m_password_file, "s3cret password\n");
  }

  // Common flags: the temp keystore, a network (so no node is asked), the password file,
  // and the fast KDF where a key is encrypted.
  RunResult keys(std::vector<std::string> args, bool with_password = true) {
    std::vector<std::string> full = {"--keystore", keystore().string(), "--network", "ccdev"};
    if (with_password) {
      full.push_back("--password-file");
      full.push_back(m_password_file.string());
    }
    full.push_back("keys");
    full.insert(full.end(), args.begin(), args.end());
    if (args[0] == "new" || (args[0] == "import" && args.size() > 1 && args[1] == "--secret-hex")) {
      full.push_back("--kdf");
      full.push_back("minimal");
    }
    return run(full);
  }

  nlohmann::json new_key(const std::string& label) {
    auto r = keys({"new", "--label", label, "--json"});
    EXPECT_EQ(r.code, kExitOk) << r.err;
    return nlohmann::json::parse(r.out);
  }

  std::filesystem::path keystore() const { return m_dir.path() / "keys"; }
  const std::filesystem::path& password_file() const { return m_password_file; }
  const std::filesystem::path& dir() const { return m_dir.path(); }

 private:
  test::TempDir m_dir;
  std::filesystem::path m_password_file;
};

TEST_F(CliKeysCommand, NewKeyIsSavedEncryptedAndListed) {
  const auto key = new_key("alice");
  const std::string address = key["address"];
  EXPECT_EQ(address.rfind("ccdev1", 0), 0U);
  EXPECT_EQ(key["label"], "alice");
  EXPECT_EQ(key["public_key"].get<std::string>().size(), 66U);

  // The file is on disk, 0600, in a 0700 directory, and decrypts with the password.
  const auto path = keystore() / (address + ".json");
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  ASSERT_EQ(::stat(keystore().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  const auto file = wallet::read_keystore_file(path).value();
  EXPECT_TRUE(wallet::decrypt_key(file, "s3cret password", "ccdev").has_value());
  EXPECT_FALSE(wallet::decrypt_key(file, "s3cret password\n", "ccdev").has_value());

  auto listed = keys({"list"});
  EXPECT_EQ(listed.code, kExitOk);
  EXPECT_EQ(listed.out, address + "  alice\n");
  listed = keys({"list", "--json"});
  const auto list = nlohmann::json::parse(listed.out);
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0]["address"], address);
}

TEST_F(CliKeysCommand, ShowByLabelOrAddress) {
  const auto key = new_key("bob");
  for (const std::string& name : {std::string("bob"), key["address"].get<std::string>()}) {
    auto r = keys({"show", name});
    EXPECT_EQ(r.code, kExitOk) << r.err;
    EXPECT_NE(r.out.find("address:    " + key["address"].get<std::string>()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1 passes over 64 KiB"), std::string::npos) << r.out;
  }
  auto r = keys({"show", "carol"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("no key with address or label \"carol\""), std::string::npos) << r.err;
}

TEST_F(CliKeysCommand, ExportPrintsTheKeystoreAndImportRestoresIt) {
  const auto key = new_key("alice");
  auto exported = keys({"export", "alice"});
  ASSERT_EQ(exported.code, kExitOk);
  const auto parsed = wallet::parse_keystore(exported.out).value();
  EXPECT_EQ(parsed.address, key["address"].get<std::string>());

  // Into a second keystore, under a new label.
  const auto file = dir() / "exported.json";
  test::write_file(file, exported.out);
  const auto other = dir() / "other";
  auto r = run({"--keystore", other.string(), "--network", "ccdev", "keys", "import", file.string(), "--label",
                "alice-copy", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["address"], key["address"]);
  EXPECT_EQ(wallet::Keystore::open(other).value().load("alice-copy").value().address,
            key["address"].get<std::string>());

  // Importing the same key again is refused.
  r = run({"--keystore", other.string(), "--network", "ccdev", "keys", "import", file.string()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("already holds"), std::string::npos) << r.err;
}

TEST_F(CliKeysCommand, ImportRejectsAnInvalidOrForeignKeystoreFile) {
  const auto bad = dir() / "bad.json";
  test::write_file(bad, R"({"version": 2})");
  auto r = keys({"import", bad.string()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("not a valid keystore file"), std::string::npos) << r.err;

  const auto foreign = dir() / "foreign.json";
  test::write_file(
      foreign,
      wallet::to_json(wallet::encrypt_key(test::key_of(5), "pw", "cctest", wallet::KdfProfile::kMinimal, "").value()));
  r = keys({"import", foreign.string()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("belongs to network \"cctest\""), std::string::npos) << r.err;

  r = keys({"import", (dir() / "missing.json").string()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("No such file"), std::string::npos) << r.err;
}

TEST_F(CliKeysCommand, SecretExportRoundTripsThroughSecretImport) {
  const auto key = new_key("alice");
  auto r = keys({"export", "alice", "--secret", "--yes-i-understand"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(r.out.size(), 65U);  // 64 hex digits and a newline
  const auto secret_file = dir() / "secret.hex";
  test::write_file(secret_file, r.out);

  const auto other = dir() / "other";
  r = run({"--keystore", other.string(), "--network", "ccdev", "--password-file", password_file().string(), "keys",
           "import", "--secret-hex", secret_file.string(), "--kdf", "minimal", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["address"], key["address"]);
}

TEST_F(CliKeysCommand, SecretImportRejectsBadSecrets) {
  const auto file = dir() / "secret.hex";
  for (const std::string& text : {std::string(63, 'a'), std::string(64, 'x'), std::string(64, '0'),
                                  std::string(64, 'f')}) {  // short, not hex, zero, above the group order
    test::write_file(file, text);
    auto r = keys({"import", "--secret-hex", file.string()});
    EXPECT_EQ(r.code, kExitFailure) << text;
    EXPECT_NE(r.err.find(file.string()), std::string::npos) << r.err;
  }
  // The protocol's sample key imports, with a trailing newline.
  test::write_file(file, std::string(62, '0') + "01\n");
  auto r = keys({"import", "--secret-hex", file.string(), "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["public_key"],
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
}

TEST_F(CliKeysCommand, WrongPasswordIsRefused) {
  new_key("alice");
  test::write_file(password_file(), "not it\n");
  auto r = keys({"export", "alice", "--secret", "--yes-i-understand"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("wrong password"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CliKeysCommand, DuplicateLabelIsRefusedBeforeAskingForAPassword) {
  new_key("alice");
  auto r = keys({"new", "--label", "alice"}, /*with_password=*/false);
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("already used"), std::string::npos) << r.err;
}

TEST_F(CliKeysCommand, PasswordSources) {
  // No file, no environment, no terminal: a clear error, nothing written.
  auto r = keys({"new"}, /*with_password=*/false);
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("--password-file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CLOUDCHAIN_PASSWORD"), std::string::npos) << r.err;

  // The environment.
  const std::vector<std::string> base = {"--keystore", keystore().string(), "--network", "ccdev", "keys", "new",
                                         "--kdf",      "minimal",           "--json"};
  r = run(base, {{"CLOUDCHAIN_PASSWORD", "from env"}});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const std::string address = nlohmann::json::parse(r.out)["address"];
  EXPECT_TRUE(wallet::decrypt_key(wallet::Keystore::open(keystore()).value().load(address).value(), "from env", "ccdev")
                  .has_value());

  // A terminal: asked twice; a mismatch is refused; an empty password is refused.
  r = run(base, {}, {"typed", "typed"}, /*tty=*/true);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.err.find("Repeat the password"), std::string::npos);
  r = run(base, {}, {"typed", "tpyed"}, /*tty=*/true);
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("differ"), std::string::npos) << r.err;
  r = run(base, {}, {"", ""}, /*tty=*/true);
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;

  // A password file with Windows line ends: the "\r" is not part of the password.
  test::write_file(password_file(), "crlf\r\nsecond line ignored\n");
  r = keys({"new", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const std::string crlf_address = nlohmann::json::parse(r.out)["address"];
  EXPECT_TRUE(
      wallet::decrypt_key(wallet::Keystore::open(keystore()).value().load(crlf_address).value(), "crlf", "ccdev")
          .has_value());
}

TEST_F(CliKeysCommand, NetworkComesFromTheNodeOrDefaultsToDevnet) {
  // A node that says "cctest".
  test::TestServer node([](const test::Request&) {
    test::Response r;
    r.body = R"({"network": "cctest", "chain_id": 7})";
    return r;
  });
  auto r = run({"--keystore", keystore().string(), "--node", node.url(), "--password-file", password_file().string(),
                "keys", "new", "--kdf", "minimal", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["address"].get<std::string>().rfind("cctest1", 0), 0U);

  // No node: ccdev, with a note on stderr (stdout stays clean JSON).
  const std::string dead = "http://127.0.0.1:" + std::to_string(test::closed_port());
  r = run({"--keystore", keystore().string(), "--node", dead, "--password-file", password_file().string(), "keys",
           "new", "--kdf", "minimal", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["address"].get<std::string>().rfind("ccdev1", 0), 0U);
  EXPECT_NE(r.err.find("note: no node answered"), std::string::npos) << r.err;
}

TEST_F(CliKeysCommand, KeystoreLocationFromEnvironmentOrHome) {
  auto r = run({"--network", "ccdev", "keys", "new", "--kdf", "minimal"},
               {{"CLOUDCHAIN_KEYSTORE", keystore().string()}, {"CLOUDCHAIN_PASSWORD", "pw"}});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(wallet::Keystore::open(keystore()).value().list().value().size(), 1U);

  r = run({"--network", "ccdev", "keys", "new", "--kdf", "minimal"},
          {{"HOME", dir().string()}, {"CLOUDCHAIN_PASSWORD", "pw"}});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(wallet::Keystore::open(dir() / ".cloudchain" / "keys").value().list().value().size(), 1U);

  r = run({"keys", "list"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("HOME is not set"), std::string::npos) << r.err;
}

TEST_F(CliKeysCommand, ListOfAMissingKeystoreIsEmpty) {
  auto r = keys({"list", "--json"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::array());
  EXPECT_NE(r.err.find("no keystore"), std::string::npos);
}

TEST_F(CliKeysCommand, UnreadableFilesAreListedWithTheirError) {
  new_key("alice");
  test::write_file(keystore() / "junk.json", "{");
  auto r = keys({"list"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("junk.json  (unreadable: keystore_malformed_json"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cloudchain::cli
