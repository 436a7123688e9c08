#include "output.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

namespace cloudchain::cli {
namespace {

TEST(CliOutput, TableAlignsValues) {
  Table t;
  t.add("height", "42").add("block hash", "00ab").add("memo", "");
  std::ostringstream out;
  t.print(out);
  EXPECT_EQ(out.str(), "height:     42\nblock hash: 00ab\nmemo:       \n");
}

TEST(CliOutput, ControlCharactersAreEscaped) {
  // An ANSI escape (ESC [ 2 J clears the screen), a newline, DEL, and C1 CSI (U+009B).
  EXPECT_EQ(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(printable("line\nnext\x7f"), "line\\x0anext\\x7f");
  EXPECT_EQ(printable("x\xc2\x9by"), "x\\x9by");
  // Ordinary UTF-8 passes through.
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  Table t;
  t.add("memo", "\x1b]0;owned\x07");
  std::ostringstream out;
  t.print(out);
  EXPECT_EQ(out.str(), "memo: \\x1b]0;owned\\x07\n");
}

TEST(CliOutput, MemoIsTextOnlyWhenPrintable) {
  const std::vector<std::uint8_t> text = {'a', 'u', 'd', 'i', 't'};
  EXPECT_EQ(display_memo(text), "audit");
  const std::vector<std::uint8_t> binary = {0x00, 0xff, 'a'};
  EXPECT_EQ(display_memo(binary), "0x00ff61");
  EXPECT_EQ(display_memo({}), "");
}

TEST(CliOutput, TimesAreUtcWithMilliseconds) {
  EXPECT_EQ(format_time_ms(0), "1970-01-01 00:00:00.000 UTC");
  EXPECT_EQ(format_time_ms(1764000000123), "2025-11-24 16:00:00.123 UTC");
  EXPECT_EQ(format_time_ms(1700000000007), "2023-11-14 22:13:20.007 UTC");
}

TEST(CliOutput, FieldsForDisplay) {
  const nlohmann::json doc{{"s", "text"}, {"n", 42}, {"b", true}};
  EXPECT_EQ(field_text(doc, "s"), "text");
  EXPECT_EQ(field_text(doc, "n"), "42");
  EXPECT_EQ(field_text(doc, "b"), "true");
  EXPECT_EQ(field_text(doc, "missing"), "-");
  EXPECT_EQ(field_text(nlohmann::json::array(), "s"), "-");
}

TEST(CliOutput, TransactionRowsFormatAmountsAndMemos) {
  const nlohmann::json tx{{"txid", "ab"}, {"kind", "anchor"}, {"sender_address", "ccdev1x"},
                          {"nonce", "3"}, {"fee", "25000"},   {"body", {{"digest", "cd"}, {"memo", "6175646974"}}}};
  Table t;
  add_tx_rows(t, tx);
  std::ostringstream out;
  t.print(out);
  EXPECT_EQ(out.str(),
            "txid:   ab\nkind:   anchor\nsender: ccdev1x\nnonce:  3\nfee:    25,000\ndigest: cd\nmemo:   audit\n");
}

}  // namespace
}  // namespace cloudchain::cli
