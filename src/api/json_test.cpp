// Unit tests of the pieces under the routes: the JSON writer, depth-limited parsing,
// query strings and the problem document.

#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "api/error.hpp"
#include "api/json.hpp"
#include "api/json_body.hpp"
#include "api/json_writer.hpp"
#include "api/query.hpp"

namespace cloudchain::api {
namespace {

using nlohmann::json;

TEST(JsonWriter, WritesCompactJsonWithCommasInPlace) {
  JsonWriter w;
  const util::Bytes bytes{0x00, 0xab, 0xff};
  w.begin_object()
      .field("n", std::uint64_t{18446744073709551615ULL})
      .field("s", "x")
      .field("t", true)
      .hex_field("h", bytes)
      .decimal_field("d", 42)
      .key("a")
      .begin_array()
      .value(std::uint64_t{1})
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .end_array()
      .key("raw")
      .raw(R"({"k":null})")
      .end_object();
  EXPECT_EQ(w.str(),
            R"({"n":18446744073709551615,"s":"x","t":true,"h":"00abff","d":"42","a":[1,{},[]],"raw":{"k":null}})");
  EXPECT_TRUE(json::accept(w.str()));
}

TEST(JsonWriter, EscapesEverythingIntoAsciiJson) {
  JsonWriter w;
  const std::string nasty = std::string("q\"b\\c\n\x01\x1f") + "\xc3\xa9" + '\0';
  w.begin_object().field("s", nasty).end_object();
  EXPECT_EQ(w.str(), R"({"s":"q\"b\\c\u000a\u0001\u001f??\u0000"})");
  EXPECT_EQ(json::parse(w.str()).at("s"), std::string("q\"b\\c\n\x01\x1f??") + '\0');
}

TEST(JsonBody, DepthIsLimitedAtSixteen) {
  const auto nest = [](std::size_t d) { return std::string(d, '[') + std::string(d, ']'); };
  EXPECT_TRUE(parse_json_body(nest(16)).has_value());
  auto deep = parse_json_body(nest(17));
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().code, "json_too_deep");
  EXPECT_EQ(deep.error().status, 400u);
  // Objects count the same way, mixed with arrays.
  std::string mixed = "1";
  for (int i = 0; i < 16; ++i) mixed = (i % 2 == 0 ? "[" + mixed + "]" : "{\"k\":" + mixed + "}");
  EXPECT_TRUE(parse_json_body(mixed).has_value());
  EXPECT_EQ(parse_json_body("[" + mixed + "]").error().code, "json_too_deep");
  // Scalars have no depth; the limit is a parameter.
  EXPECT_TRUE(parse_json_body("\"s\"", 0).has_value());
  EXPECT_EQ(parse_json_body("[]", 0).error().code, "json_too_deep");
  // Refused at the 17th level even when the rest is not even JSON.
  EXPECT_EQ(parse_json_body(std::string(17, '[') + "garbage").error().code, "json_too_deep");
}

TEST(JsonBody, BuildsTheSameDocumentAsNlohmann) {
  const std::string text = R"( {"a": [1, -2, 3.5, "x", true, false, null, {"b": {}}, []], "c": {"d": [[]]}} )";
  auto doc = parse_json_body(text);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(*doc, json::parse(text));
}

TEST(JsonBody, RefusesMalformedInput) {
  for (const std::string bad : {"", " ", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "tru", "1 2", "{} x", "\"\\x\"",
                                "{\"a\":1,\"a\":2}", "[{\"k\":1,\"k\":1}]"}) {
    auto r = parse_json_body(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, "malformed_json") << bad;
  }
  // The same key in different objects is fine.
  EXPECT_TRUE(parse_json_body(R"([{"k":1},{"k":2}])").has_value());
}

TEST(JsonBody, ObjectsNeedTheJsonMediaTypeAndKnownFields) {
  EXPECT_TRUE(parse_json_object("application/json", "{}").has_value());
  EXPECT_TRUE(parse_json_object(" APPLICATION/JSON ; charset=utf-8", "{}").has_value());
  for (const std::string ct : {"", "text/plain", "application/jsonx", "application/json-patch+json"}) {
    EXPECT_EQ(parse_json_object(ct, "{}").error().code, "unsupported_media_type") << ct;
  }
  EXPECT_EQ(parse_json_object("application/json", "[]").error().code, "bad_field");
  const json doc = {{"a", 1}, {"b", 2}};
  EXPECT_TRUE(only_fields(doc, {"a", "b", "c"}).has_value());
  EXPECT_EQ(only_fields(doc, {"a"}).error().code, "bad_field");
}

TEST(JsonBody, AnObjectRequestIsRefusedAtItsFirstFault) {
  Request req;
  req.content_type = "application/json";
  req.body = R"({"a":1})";
  EXPECT_EQ(json_object_request(req, {"a"}).value().at("a"), 1);
  EXPECT_EQ(json_object_request(req, {"b"}).error().code, "bad_field");  // an unknown key
  req.body = "{";
  EXPECT_EQ(json_object_request(req, {"a"}).error().code, "malformed_json");
  req.content_type = "text/plain";
  EXPECT_EQ(json_object_request(req, {"a"}).error().code, "unsupported_media_type");
  req.query = "x=1";  // checked first: the other faults do not hide it
  EXPECT_EQ(json_object_request(req, {"a"}).error().code, "bad_param");
}

TEST(Query, ParsesDecodesAndRefusesStrictly) {
  auto q = Query::parse("limit=5&cursor=a%2Fb+c&&", {"limit", "cursor"});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(*q->get("cursor"), "a/b c");
  EXPECT_EQ(q->limit().value(), 5u);
  EXPECT_EQ(q->get("other"), nullptr);
  EXPECT_TRUE(Query::parse("", {}).has_value());
  for (const std::string bad :
       {"x=1", "limit=1&limit=2", "=1", "limit=%", "limit=%2", "limit=%zz", "li%6dit=1&limit=2"}) {
    auto r = Query::parse(bad, {"limit"});
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, "bad_param") << bad;
  }
}

TEST(Query, LimitAndIntegers) {
  const auto limit = [](const std::string& text) { return Query::parse(text, {"limit", "n"}).value().limit(); };
  EXPECT_EQ(limit("").value(), kDefaultLimit);
  EXPECT_EQ(limit("limit=1").value(), 1u);
  EXPECT_EQ(limit("limit=1000").value(), 1000u);
  for (const std::string bad : {"limit=0", "limit=1001", "limit=", "limit=-1", "limit=+5", "limit=05", "limit=1e3"}) {
    EXPECT_EQ(limit(bad).error().code, "bad_limit") << bad;
  }
  EXPECT_EQ(Query::parse("limit=100", {"limit"}).value().limit(20, 100).value(), 100u);
  EXPECT_EQ(Query::parse("limit=101", {"limit"}).value().limit(20, 100).error().code, "bad_limit");

  const auto n = [](const std::string& text) { return Query::parse(text, {"n"}).value().integer("n", 10); };
  EXPECT_EQ(n("").value(), std::nullopt);
  EXPECT_EQ(n("n=0").value(), 0u);
  EXPECT_EQ(n("n=10").value(), 10u);
  EXPECT_EQ(n("n=11").error().code, "bad_param");
  EXPECT_EQ(n("n=x").error().code, "bad_param");
}

TEST(Query, DecimalsAreCanonical) {
  EXPECT_EQ(parse_decimal("0"), 0u);
  EXPECT_EQ(parse_decimal("18446744073709551615"), UINT64_MAX);
  for (const std::string bad :
       {"", "00", "01", "-0", "+1", " 1", "1 ", "18446744073709551616", "99999999999999999999", "1.0", "0x10"}) {
    EXPECT_FALSE(parse_decimal(bad).has_value()) << bad;
  }
}

TEST(Query, HashesAreSixtyFourHexDigits) {
  EXPECT_TRUE(parse_hash(std::string(64, 'A'), "h").has_value());
  EXPECT_EQ(parse_hash(std::string(62, 'a'), "h").error().code, "hex_wrong_length");
  EXPECT_EQ(parse_hash(std::string(63, 'a'), "h").error().code, "hex_odd_length");
  EXPECT_EQ(parse_hash(std::string(64, 'g'), "h").error().code, "hex_bad_character");
}

TEST(Problem, DocumentFollowsRfc9457) {
  const json doc = json::parse(problem_json(problem(ApiError::kBodyTooLarge, "too \"big\"")));
  EXPECT_EQ(doc, (json{{"type", "https://cloudchain.dev/problems/body_too_large"},
                       {"title", "Content Too Large"},
                       {"status", 413},
                       {"code", "body_too_large"},
                       {"detail", "too \"big\""}}));
  // Every code has a distinct stable name and a 4xx/5xx status.
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(ApiError::kInternal); ++i) {
    const auto e = static_cast<ApiError>(i);
    EXPECT_TRUE(names.insert(to_string(e)).second) << to_string(e);
    EXPECT_GE(status_of(e), 400u);
    EXPECT_NE(reason_phrase(status_of(e)), "Error");
  }
}

TEST(JsonShapes, BitsAreEightHexDigits) {
  EXPECT_EQ(bits_hex(0x207fffff), "207fffff");
  EXPECT_EQ(bits_hex(0x1d00ffff), "1d00ffff");
  EXPECT_EQ(bits_hex(0x0300ffff), "0300ffff");
}

}  // namespace
}  // namespace cloudchain::api
