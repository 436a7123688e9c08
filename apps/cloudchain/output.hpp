#pragma once
// Human-readable output: aligned "key: value" lines, amounts with thousands separators,
// UTC times. Machine output (--json) is the node's JSON or an object the command builds,
// printed by print_json. Both go to stdout; notes and errors go to stderr.

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cloudchain::cli {

/// Collects key/value rows and prints them with the values aligned (control characters
/// in keys or values, which a hostile node or memo could use to drive the terminal, are
/// printed as \xNN escapes):
///   height:    42
///   tip hash:  00ab...
class Table {
 public:
  Table& add(std::string key, std::string value) {
    m_rows.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  void print(std::ostream& out) const;

 private:
  std::vector<std::pair<std::string, std::string>> m_rows;
};

/// `text` with C0 controls, DEL and the UTF-8 encodings of C1 controls (U+0080..U+009F)
/// replaced by \xNN escapes: safe to print to a terminal whatever a node or file sent.
std::string printable(std::string_view text);

/// Memo bytes for display: the text when every byte is printable ASCII, else "0x" + hex.
std::string display_memo(std::span<const std::uint8_t> memo);

/// Two-space indented JSON and a newline.
void print_json(std::ostream& out, const nlohmann::json& doc);

/// "2025-11-24 16:00:00.000 UTC" for a Unix time in milliseconds.
std::string format_time_ms(std::uint64_t ms);

/// A JSON value as display text: strings without quotes, numbers as digits, others dumped.
std::string display(const nlohmann::json& value);

/// A field of a node document for display; "-" when missing (a display stays useful with
/// a node that sends a subset of the fields).
std::string field_text(const nlohmann::json& doc, const char* name);

/// Rows describing a transaction document (api.md "Transaction"): txid, kind, sender,
/// nonce, fee and the body's fields, amounts with separators. Used by `tx` and `block`.
void add_tx_rows(Table& t, const nlohmann::json& tx);

}  // namespace cloudchain::cli
