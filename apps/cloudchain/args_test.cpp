// Argument validation: the parsers of args.hpp, and run_cli's usage errors (exit code 2,
// reported before any node is contacted or any password asked for).

#include "args.hpp"

#include <gtest/gtest.h>

#include "errors.hpp"
#include "test_server.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {
namespace {

// The address of secret 0x01 x 32 (protocol.md section 3.1 uses the key G; this is alice).
const crypto::Address kAlice = [] {
  util::ByteArray<32> secret{};
  secret.fill(1);
  return crypto::address_of(crypto::PrivateKey::from_bytes(secret).value().public_key());
}();

TEST(CliParseAddress, AcceptsTheNetworksAddress) {
  const std::string text = crypto::encode_address("ccdev", kAlice);
  EXPECT_EQ(parse_address(text, "ccdev").value(), kAlice);
  // Upper case is a valid bech32m spelling too.
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(parse_address(upper, "ccdev").value(), kAlice);
}

TEST(CliParseAddress, BadChecksumSaysProbablyMistyped) {
  std::string text = crypto::encode_address("ccdev", kAlice);
  text[10] = text[10] == 'q' ? 'p' : 'q';
  auto r = parse_address(text, "ccdev");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, util::Bech32Error::kBadChecksum);
  EXPECT_NE(r.error().detail.find("probably mistyped"), std::string::npos) << r.error().detail;
}

TEST(CliParseAddress, AnotherNetworksAddressNamesBothNetworks) {
  auto r = parse_address(crypto::encode_address("cctest", kAlice), "ccdev");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, util::Bech32Error::kWrongPrefix);
  EXPECT_NE(r.error().detail.find("\"cctest\""), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("\"ccdev\""), std::string::npos) << r.error().detail;
}

TEST(CliParseAddress, EachMalformationHasItsReason) {
  struct Case {
    std::string text;
    util::Bech32Error code;
    std::string fragment;
  };
  const util::ByteArray<19> short_payload{};
  const std::string good = crypto::encode_address("ccdev", kAlice);
  std::string mixed = good;
  mixed[8] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[8])));
  std::string bad_char = good;
  bad_char[9] = 'b';  // 'b' is not in the bech32 alphabet
  const std::vector<Case> cases = {
      {"alice", util::Bech32Error::kNoSeparator, "not an address"},
      {mixed, util::Bech32Error::kMixedCase, "upper and lower case"},
      {bad_char, util::Bech32Error::kBadCharacter, "bech32 alphabet"},
      {util::bech32m_encode_bytes("ccdev", short_payload), util::Bech32Error::kWrongDataLength, "wrong length"},
      {"ccdev1qqqq", util::Bech32Error::kTooShort, "wrong length"},
      {good + std::string(60, 'q'), util::Bech32Error::kTooLong, "wrong length"},
  };
  for (const auto& c : cases) {
    auto r = parse_address(c.text, "ccdev");
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().code, c.code) << c.text << ": " << r.error().detail;
    EXPECT_NE(r.error().detail.find(c.fragment), std::string::npos) << r.error().detail;
  }
}

TEST(CliParseAddress, PrefixOfAnAddress) {
  EXPECT_EQ(address_prefix("ccdev1abc"), "ccdev");
  EXPECT_EQ(address_prefix("CCTEST1ABC"), "cctest");
  EXPECT_EQ(address_prefix("alice"), "");
}

TEST(CliParseHash, SixtyFourHexDigitsOnly) {
  const std::string hex(64, 'a');
  EXPECT_EQ(util::to_hex(parse_hash(hex, "txid").value()), hex);
  EXPECT_EQ(util::to_hex(parse_hash(std::string(64, 'A'), "txid").value()), hex);
  for (const std::string& bad : {std::string(63, 'a'), std::string(66, 'a'), std::string(64, 'g'), std::string()}) {
    auto r = parse_hash(bad, "txid");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ArgError::kBadHash);
    EXPECT_EQ(r.error().detail.rfind("txid must be 64 hex digits", 0), 0U) << r.error().detail;
  }
}

TEST(CliParseBlockId, HeightOrHash) {
  EXPECT_EQ(std::get<std::uint64_t>(parse_block_id("0").value()), 0U);
  EXPECT_EQ(std::get<std::uint64_t>(parse_block_id("42").value()), 42U);
  const std::string hash(64, '0');
  EXPECT_EQ(std::get<util::Hash256>(parse_block_id(hash).value()), util::Hash256{});
  for (const std::string& bad :
       std::vector<std::string>{"", "-1", "0x10", "042", "99999999999999999999", "tip", std::string(63, 'a')}) {
    auto r = parse_block_id(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ArgError::kBadBlockId) << bad;
  }
}

TEST(CliParseNetwork, LowerCaseBech32Prefixes) {
  EXPECT_EQ(parse_network("ccdev").value(), "ccdev");
  EXPECT_EQ(parse_network("cc").value(), "cc");
  for (const std::string& bad : std::vector<std::string>{"", "CC", "cc-dev", "cc dev", std::string(84, 'c')}) {
    EXPECT_EQ(parse_network(bad).error().code, ArgError::kBadNetwork) << bad;
  }
}

TEST(CliParseMemo, AtMostSixtyFourBytes) {
  EXPECT_EQ(parse_memo(std::string(64, 'm')).value().size(), 64U);
  EXPECT_TRUE(parse_memo("").value().empty());
  auto r = parse_memo(std::string(65, 'm'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ArgError::kMemoTooLong);
  EXPECT_NE(r.error().detail.find("65 bytes"), std::string::npos);
}

// --- the command line -------------------------------------------------------------

using test::run;

// A node URL nothing listens on: if a usage error were not caught before contacting the
// node, the run would fail with "cannot reach node" and exit code 1 instead of 2.
std::string dead_node() { return "http://127.0.0.1:" + std::to_string(test::closed_port()); }

void expect_usage(const std::vector<std::string>& args, std::string_view fragment) {
  std::vector<std::string> full = {"--node", dead_node(), "--keystore", "/nonexistent/cloudchain-keys"};
  full.insert(full.end(), args.begin(), args.end());
  const auto r = run(full);
  EXPECT_EQ(r.code, kExitUsage) << testing::PrintToString(args) << "\n" << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << testing::PrintToString(args) << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0U) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

const std::string kTo = crypto::encode_address("ccdev", kAlice);

TEST(CliCommandLine, MissingOrUnknownCommandsAreUsageErrors) {
  expect_usage({}, "subcommand is required");
  expect_usage({"frobnicate"}, "frobnicate");
  expect_usage({"keys"}, "subcommand is required");
  expect_usage({"status", "--no-such-flag"}, "--no-such-flag");
}

TEST(CliCommandLine, SendValidatesAmountsFirst) {
  const std::vector<std::string> base = {"send", "--from", "alice", "--to", kTo};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  expect_usage(with({"--amount", "1.5"}), "no fractions");
  expect_usage(with({"--amount=-5"}), "must not be negative");
  expect_usage(with({"--amount", "1,000"}), "separators");
  expect_usage(with({"--amount", "18446744073709551616"}), "larger than the maximum");
  expect_usage(with({"--amount", "0"}), "greater than 0");
  expect_usage(with({"--amount", "5", "--fee", "-1"}), "fee");
  expect_usage(with({"--amount", "18446744073709551615", "--fee", "1"}), "amount + fee");
  expect_usage(with({"--amount", "5", "--nonce", "x"}), "nonce");
  expect_usage({"send", "--from", "alice", "--to", kTo}, "--amount is required");
  expect_usage({"send", "--to", kTo, "--amount", "5"}, "--from is required");
}

TEST(CliCommandLine, NegativeAmountAsSeparateWordIsStillRejected) {
  const auto r = run({"--node", dead_node(), "send", "--from", "a", "--to", kTo, "--amount", "-5"});
  EXPECT_EQ(r.code, kExitUsage) << r.err;
}

TEST(CliCommandLine, ObjectIdsAreValidatedBeforeAnyRequest) {
  expect_usage({"tx", "1234"}, "txid must be 64 hex digits");
  expect_usage({"receipt", std::string(64, 'z')}, "txid must be 64 hex digits");
  expect_usage({"block", "tip"}, "neither a block height");
  expect_usage({"block", "-3"}, "");
}

TEST(CliCommandLine, GlobalOptionsAreChecked) {
  expect_usage({"--network", "CC", "status"}, "--network");
  expect_usage({"--timeout", "0", "status"}, "--timeout");
  expect_usage({"--node", "https://example.org", "status"}, "https is not supported");
  expect_usage({"--node", "http://host:99999", "status"}, "port");
  expect_usage({"--node", "http://user@host", "status"}, "user information");
}

TEST(CliCommandLine, AnchorChecksItsMemo) {
  expect_usage({"anchor", "/etc/hostname", "--from", "a", "--memo", std::string(65, 'm')}, "at most 64");
}

TEST(CliCommandLine, KeysArgumentsAreChecked) {
  expect_usage({"keys", "export", "alice", "--secret"}, "--yes-i-understand");
  expect_usage({"keys", "export", "alice", "--yes-i-understand"}, "only applies to --secret");
  expect_usage({"keys", "import"}, "exactly one");
  expect_usage({"keys", "import", "a.json", "--secret-hex", "s.hex"}, "exactly one");
  expect_usage({"keys", "new", "--kdf", "none"}, "--kdf");
  expect_usage({"keys", "new", "--label", std::string(65, 'x')}, "bad label");
  expect_usage({"keys", "new", "--label", "tab\there"}, "bad label");
  expect_usage({"keys", "show"}, "key is required");
}

TEST(CliCommandLine, HelpAndVersionSucceed) {
  auto r = run({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("anchor"), std::string::npos);
  r = run({"send", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("--amount"), std::string::npos);
  r = run({"--version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out, "0.1.0\n");
}

TEST(CliCommandLine, GlobalOptionsMayFollowTheCommand) {
  // --json after the subcommand reaches the global options: the dead node is reported,
  // which shows --node was taken from after the command, too.
  const auto r = run({"status", "--node", dead_node(), "--json"});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_NE(r.err.find("connection refused (is cloudchaind running?)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cloudchain::cli
