#include "p2p/addrman.hpp"

#include <gtest/gtest.h>

#include <set>

namespace cloudchain::p2p {
namespace {

IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

NetAddress addr(std::uint8_t last, std::uint32_t port, std::uint64_t seen) {
  return NetAddress{v4(10, 0, 0, last), port, seen};
}

constexpr std::uint64_t kNow = 1'000'000;

TEST(IpText, ParseAndFormat) {
  EXPECT_EQ(parse_ip("127.0.0.1"), v4(127, 0, 0, 1));
  EXPECT_EQ(parse_ip("::ffff:127.0.0.1"), v4(127, 0, 0, 1));
  const auto v6 = parse_ip("2001:db8::1");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ((*v6)[0], 0x20);
  EXPECT_EQ((*v6)[15], 1);
  EXPECT_EQ(format_ip(*v6), "2001:db8::1");
  EXPECT_EQ(format_ip(v4(192, 168, 1, 20)), "192.168.1.20");
  EXPECT_EQ(format_endpoint(v4(127, 0, 0, 1), 8646), "127.0.0.1:8646");
  EXPECT_EQ(format_endpoint(*v6, 8646), "[2001:db8::1]:8646");
  for (const char* bad : {"", "localhost", "1.2.3", "1.2.3.256", "127.0.0.1:80", "::g", " 1.2.3.4"}) {
    EXPECT_FALSE(parse_ip(bad).has_value()) << bad;
  }
}

TEST(AddressBook, AddDeduplicatesByIpAndPort) {
  AddressBook book(1);
  EXPECT_TRUE(book.add(addr(1, 8646, 100), kNow));
  EXPECT_FALSE(book.add(addr(1, 8646, 50), kNow));  // known: an older sighting changes nothing
  EXPECT_EQ(book.find(v4(10, 0, 0, 1), 8646)->last_seen_ms, 100u);
  EXPECT_FALSE(book.add(addr(1, 8646, 200), kNow));  // a newer one raises last_seen
  EXPECT_EQ(book.find(v4(10, 0, 0, 1), 8646)->last_seen_ms, 200u);
  EXPECT_TRUE(book.add(addr(1, 8647, 100), kNow));  // other port: another entry
  EXPECT_EQ(book.size(), 2u);
}

TEST(AddressBook, RejectsInvalidPortsAndClampsFutureTimes) {
  AddressBook book(1);
  EXPECT_FALSE(book.add(addr(1, 0, 1), kNow));
  EXPECT_FALSE(book.add(addr(1, 65536, 1), kNow));
  EXPECT_TRUE(book.add(addr(2, 65535, kNow + 999'999), kNow));
  EXPECT_EQ(book.find(v4(10, 0, 0, 2), 65535)->last_seen_ms, kNow);
  EXPECT_EQ(book.size(), 1u);
}

TEST(AddressBook, AtCapacityTheLeastRecentlySeenGoes) {
  AddressBook book(1, 3);
  EXPECT_TRUE(book.add(addr(1, 1, 10), kNow));
  EXPECT_TRUE(book.add(addr(2, 1, 30), kNow));
  EXPECT_TRUE(book.add(addr(3, 1, 20), kNow));
  EXPECT_FALSE(book.add(addr(4, 1, 5), kNow));  // older than everything: dropped
  EXPECT_FALSE(book.contains(v4(10, 0, 0, 4), 1));
  EXPECT_TRUE(book.add(addr(5, 1, 40), kNow));  // evicts .1 (seen at 10)
  EXPECT_EQ(book.size(), 3u);
  EXPECT_FALSE(book.contains(v4(10, 0, 0, 1), 1));
  EXPECT_TRUE(book.contains(v4(10, 0, 0, 3), 1));
  EXPECT_TRUE(book.add(addr(6, 1, 50), kNow));  // evicts .3 (seen at 20)
  EXPECT_FALSE(book.contains(v4(10, 0, 0, 3), 1));
  EXPECT_TRUE(book.contains(v4(10, 0, 0, 2), 1));
}

TEST(AddressBook, StaysBoundedUnderAFlood) {
  AddressBook book(9, 100);
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const NetAddress a{v4(10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1), 8646, i};
    book.add(a, kNow);
    ASSERT_LE(book.size(), 100u);
  }
  // The newest 100 survive.
  for (std::uint32_t i = 4900; i < 5000; ++i) {
    EXPECT_TRUE(book.contains(v4(10, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1), 8646));
  }
}

TEST(AddressBook, RemoveKeepsTheRestConsistent) {
  AddressBook book(1);
  for (std::uint8_t i = 1; i <= 5; ++i) book.add(addr(i, 1, i), kNow);
  EXPECT_TRUE(book.remove(v4(10, 0, 0, 2), 1));
  EXPECT_FALSE(book.remove(v4(10, 0, 0, 2), 1));
  EXPECT_EQ(book.size(), 4u);
  for (const int i : {1, 3, 4, 5})
    EXPECT_EQ(book.find(v4(10, 0, 0, static_cast<std::uint8_t>(i)), 1)->last_seen_ms, static_cast<std::uint64_t>(i));
  EXPECT_EQ(book.sample(10, kNow).size(), 4u);
}

TEST(AddressBook, SampleIsDistinctRandomAndBounded) {
  AddressBook book(5, 4096);
  for (std::uint32_t i = 0; i < 2000; ++i) {
    book.add(NetAddress{v4(10, 1, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)), 1, 1}, kNow);
  }
  const auto first = book.sample(kMaxAddrs, kNow);
  ASSERT_EQ(first.size(), kMaxAddrs);
  std::set<IpAddress> distinct;
  for (const auto& a : first) distinct.insert(a.ip);
  EXPECT_EQ(distinct.size(), kMaxAddrs);
  const auto second = book.sample(kMaxAddrs, kNow);
  EXPECT_NE(first, second);  // random order and choice (probability of equality ~ 0)
  EXPECT_EQ(book.sample(5000, kNow).size(), 2000u);
  EXPECT_TRUE(book.sample(0, kNow).empty());
}

TEST(AddressBook, SameSeedSameSample) {
  AddressBook a(77), b(77);
  for (std::uint8_t i = 1; i <= 50; ++i) {
    a.add(addr(i, 1, 1), kNow);
    b.add(addr(i, 1, 1), kNow);
  }
  EXPECT_EQ(a.sample(10, kNow), b.sample(10, kNow));
}

TEST(AddressBook, BannedIpsAreLeftOutOfSamples) {
  AddressBook book(1);
  book.add(addr(1, 1, 1), kNow);
  book.add(addr(1, 2, 1), kNow);
  book.add(addr(2, 1, 1), kNow);
  book.ban(v4(10, 0, 0, 1), kNow + 10, "p2p_bad_magic");
  const auto s = book.sample(10, kNow);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].ip, v4(10, 0, 0, 2));
  EXPECT_EQ(book.sample(10, kNow + 10).size(), 3u);  // the ban has ended
}

TEST(AddressBook, BanExpiresAtItsEnd) {
  AddressBook book(1);
  const IpAddress ip = v4(1, 2, 3, 4);
  EXPECT_FALSE(book.is_banned(ip, kNow));
  book.ban(ip, kNow + 3'600'000, "p2p_oversize_frame");
  EXPECT_TRUE(book.is_banned(ip, kNow));
  EXPECT_TRUE(book.is_banned(ip, kNow + 3'599'999));
  EXPECT_FALSE(book.is_banned(ip, kNow + 3'600'000));
  EXPECT_FALSE(book.is_banned(v4(1, 2, 3, 5), kNow));
  ASSERT_EQ(book.bans(kNow).size(), 1u);
  EXPECT_EQ(book.bans(kNow)[0], (Ban{ip, kNow + 3'600'000, "p2p_oversize_frame"}));
  EXPECT_TRUE(book.bans(kNow + 3'600'000).empty());
  book.expire(kNow + 3'600'000);
  EXPECT_FALSE(book.unban(ip));  // expire() dropped it
}

TEST(AddressBook, LongerBanWinsAndUnbanLifts) {
  AddressBook book(1);
  const IpAddress ip = v4(1, 2, 3, 4);
  book.ban(ip, kNow + 100, "p2p_unrequested_data");
  book.ban(ip, kNow + 50, "admin");  // shorter: ignored
  EXPECT_EQ(book.bans(kNow)[0].until_ms, kNow + 100);
  EXPECT_EQ(book.bans(kNow)[0].reason, "p2p_unrequested_data");
  book.ban(ip, kNow + 500, "admin");
  EXPECT_EQ(book.bans(kNow)[0].until_ms, kNow + 500);
  EXPECT_EQ(book.bans(kNow)[0].reason, "admin");
  EXPECT_TRUE(book.unban(ip));
  EXPECT_FALSE(book.is_banned(ip, kNow));
  EXPECT_FALSE(book.unban(ip));
}

TEST(AddressBook, BanListIsBounded) {
  AddressBook book(1);
  for (std::uint32_t i = 0; i <= AddressBook::kMaxBans; ++i) {
    book.ban(
        v4(10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)),
        kNow + 1000 + i, "admin");
  }
  EXPECT_EQ(book.bans(kNow).size(), AddressBook::kMaxBans);
  EXPECT_FALSE(book.is_banned(v4(10, 0, 0, 0), kNow));  // the ban ending first was dropped
  EXPECT_TRUE(book.is_banned(v4(10, 0, 0, 1), kNow));
}

TEST(IpClass, UnusableAndLocal) {
  for (const auto& ip : {v4(0, 0, 0, 0), v4(0, 1, 2, 3), v4(224, 0, 0, 1), v4(239, 1, 1, 1), v4(240, 0, 0, 1),
                         v4(255, 255, 255, 255), *parse_ip("::"), *parse_ip("ff02::1")}) {
    EXPECT_TRUE(is_unusable(ip)) << format_ip(ip);
  }
  for (const auto& ip :
       {v4(127, 0, 0, 1), v4(127, 9, 9, 9), v4(10, 1, 2, 3), v4(172, 16, 0, 1), v4(172, 31, 255, 1), v4(192, 168, 1, 1),
        v4(100, 64, 0, 1), v4(169, 254, 1, 1), *parse_ip("::1"), *parse_ip("fd00::1"), *parse_ip("fe80::1")}) {
    EXPECT_TRUE(is_local(ip)) << format_ip(ip);
    EXPECT_FALSE(is_unusable(ip)) << format_ip(ip);
  }
  for (const auto& ip :
       {v4(1, 2, 3, 4), v4(172, 32, 0, 1), v4(100, 128, 0, 1), v4(223, 255, 255, 255), *parse_ip("2001:db8::1")}) {
    EXPECT_FALSE(is_local(ip)) << format_ip(ip);
    EXPECT_FALSE(is_unusable(ip)) << format_ip(ip);
  }
}

TEST(AddressBook, ToldAddressesRankTwoHoursBelowWhatWeSaw) {
  constexpr std::uint64_t now = 100'000'000;
  AddressBook book(1);
  const IpAddress source = v4(1, 1, 1, 1);
  EXPECT_TRUE(book.add_gossiped(NetAddress{v4(2, 2, 2, 2), 8646, now + 5'000}, now, source));
  EXPECT_EQ(book.find(v4(2, 2, 2, 2), 8646)->last_seen_ms, now - AddressBook::kGossipPenaltyMs);
  // Seeing it ourselves lifts it.
  EXPECT_FALSE(book.add(NetAddress{v4(2, 2, 2, 2), 8646, now}, now));
  EXPECT_EQ(book.find(v4(2, 2, 2, 2), 8646)->last_seen_ms, now);
}

TEST(AddressBook, OneSourceKeepsABoundedNumberOfToldEntries) {
  AddressBook book(1);
  const IpAddress source = v4(1, 1, 1, 1);
  std::size_t kept = 0;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    kept += book.add_gossiped(
                NetAddress{v4(3, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)), 8646, kNow},
                kNow * 10'000, source)
                ? 1
                : 0;
  }
  EXPECT_EQ(kept, AddressBook::kMaxPerSource);
  // Another source still gets its share; forgetting one of the first frees a place.
  EXPECT_TRUE(book.add_gossiped(NetAddress{v4(4, 0, 0, 1), 8646, kNow}, kNow * 10'000, v4(5, 5, 5, 5)));
  ASSERT_TRUE(book.remove(v4(3, 0, 0, 0), 8646));
  EXPECT_TRUE(book.add_gossiped(NetAddress{v4(3, 9, 9, 9), 8646, kNow}, kNow * 10'000, source));
}

TEST(AddressBook, AFloodOfToldAddressesNeverEvictsSeenOnes) {
  // 5 messages of 1000 from 50 sources used to replace every entry.
  AddressBook book(1, 64);
  constexpr std::uint64_t now = 100'000'000;
  for (std::uint8_t i = 0; i < 8; ++i) ASSERT_TRUE(book.add(NetAddress{v4(9, 9, 9, i), 8646, now - 86'400'000}, now));
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const IpAddress source = v4(1, 1, 1, static_cast<std::uint8_t>(i % 50));
    const NetAddress a{v4(6, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 1), 8646, now};
    book.add_gossiped(a, now, source);
  }
  EXPECT_EQ(book.size(), 64u);
  for (std::uint8_t i = 0; i < 8; ++i) EXPECT_TRUE(book.contains(v4(9, 9, 9, i), 8646)) << int{i};
}

TEST(DialBackoff, DoublesFromOneSecondToSixty) {
  DialBackoff b;
  const std::string t = "127.0.0.1:8646";
  EXPECT_TRUE(b.ready(t, 0));
  const std::uint64_t expected[] = {1'000, 2'000, 4'000, 8'000, 16'000, 32'000, 60'000, 60'000};
  std::uint64_t now = kNow;
  for (const std::uint64_t delay : expected) {
    b.failed(t, now);
    EXPECT_EQ(b.delay_ms(t), delay);
    EXPECT_EQ(b.next_attempt_ms(t), now + delay);
    EXPECT_FALSE(b.ready(t, now + delay - 1));
    EXPECT_TRUE(b.ready(t, now + delay));
    now += delay;
  }
  EXPECT_TRUE(b.ready("127.0.0.1:8647", kNow));  // per target
}

TEST(DialBackoff, SuccessResets) {
  DialBackoff b;
  b.failed("a:1", kNow);
  b.failed("a:1", kNow);
  EXPECT_EQ(b.delay_ms("a:1"), 2'000u);
  b.succeeded("a:1");
  EXPECT_TRUE(b.ready("a:1", kNow));
  EXPECT_EQ(b.delay_ms("a:1"), 0u);
  b.failed("a:1", kNow);
  EXPECT_EQ(b.delay_ms("a:1"), 1'000u);
}

TEST(DialBackoff, TargetCountIsBounded) {
  DialBackoff b;
  for (std::size_t i = 0; i <= DialBackoff::kMaxTargets; ++i) b.failed("t" + std::to_string(i), kNow + i);
  EXPECT_EQ(b.size(), DialBackoff::kMaxTargets);
  EXPECT_EQ(b.delay_ms("t0"), 0u);  // its wait ended first: forgotten
  EXPECT_EQ(b.delay_ms("t1"), 1'000u);
}

}  // namespace
}  // namespace cloudchain::p2p
