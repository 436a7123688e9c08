#include "node/fields.hpp"

#include <gtest/gtest.h>

#include "node/test_util.hpp"

namespace cloudchain::node {
namespace {

TEST(Fields, DecimalAcceptsCanonicalU64) {
  EXPECT_EQ(parse_decimal_u64("0"), 0U);
  EXPECT_EQ(parse_decimal_u64("5000000000"), 5'000'000'000ULL);
  EXPECT_EQ(parse_decimal_u64("18446744073709551615"), ~std::uint64_t{0});
}

TEST(Fields, DecimalRejectsEverythingElse) {
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "01", "00", "1e3", "0x10", "1.0", "18446744073709551616",
                          "99999999999999999999", "123456789012345678901"}) {
    EXPECT_FALSE(parse_decimal_u64(bad).has_value()) << bad;
  }
}

TEST(Fields, EndpointForms) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:8645"), (Endpoint{"127.0.0.1", 8645}));
  EXPECT_EQ(parse_endpoint("0.0.0.0:0"), (Endpoint{"0.0.0.0", 0}));
  EXPECT_EQ(parse_endpoint("node-1.example:65535"), (Endpoint{"node-1.example", 65535}));
  EXPECT_EQ(parse_endpoint("[::1]:80"), (Endpoint{"::1", 80}));
  EXPECT_EQ((Endpoint{"::1", 80}).to_string(), "[::1]:80");
  EXPECT_EQ((Endpoint{"127.0.0.1", 1}).to_string(), "127.0.0.1:1");
}

TEST(Fields, EndpointRejects) {
  for (const char* bad : {"abc", ":80", "host:", "host:65536", "host:-1", "host:+80", "::1:80", "[::1:80", "[zz]:80",
                          "300.1.1.1:80", "1.2.3:80", "ho st:80", "-host:80", "host.:80", "h_st:80"}) {
    EXPECT_FALSE(parse_endpoint(bad).has_value()) << bad;
  }
}

TEST(Fields, LogLevels) {
  for (const char* ok : {"trace", "debug", "info", "warn", "error", "critical", "off"}) EXPECT_TRUE(is_log_level(ok));
  for (const char* bad : {"", "INFO", "warning", "verbose"}) EXPECT_FALSE(is_log_level(bad)) << bad;
}

TEST(Fields, AddressOfThisNetworkOnly) {
  const std::string dev = test::address_text(1, "ccdev");
  ASSERT_TRUE(parse_address(dev, "ccdev").has_value());
  EXPECT_EQ(*parse_address(dev, "ccdev"), test::address_of(1));

  auto other = parse_address(test::address_text(1, "cctest"), "ccdev");
  ASSERT_FALSE(other.has_value());
  EXPECT_NE(other.error().find("network 'ccdev'"), std::string::npos) << other.error();
  EXPECT_NE(other.error().find("wrong_prefix"), std::string::npos) << other.error();

  std::string typo = dev;
  typo.back() = typo.back() == 'q' ? 'p' : 'q';
  auto bad = parse_address(typo, "ccdev");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("bad_checksum"), std::string::npos) << bad.error();
}

TEST(Fields, NetworkNames) {
  for (const char* ok : {"cc", "ccdev", "cctest", "a", "net2"}) EXPECT_TRUE(is_network_name(ok)) << ok;
  for (const char* bad : {"", "2net", "CCDEV", "cc-dev", "cc dev", "abcdefghijklmnopq"}) {
    EXPECT_FALSE(is_network_name(bad)) << bad;
  }
}

TEST(Fields, QuoteCutsAndCleans) {
  EXPECT_EQ(quote("abc"), "'abc'");
  EXPECT_EQ(quote("a\nb"), "'a?b'");
  EXPECT_EQ(quote(std::string(100, 'x')), "'" + std::string(64, 'x') + "...'");
}

}  // namespace
}  // namespace cloudchain::node
