#include "output.hpp"

#include <algorithm>
#include <ctime>
#include <ostream>

#include <nlohmann/json.hpp>

#include "amount.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9f;
    if (c < 0x20 || c == 0x7f || c1) {
      const auto b = c1 ? static_cast<unsigned char>(text[++i]) : c;
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void Table::print(std::ostream& out) const {
  std::size_t width = 0;
  for (const auto& [key, value] : m_rows) width = std::max(width, key.size());
  for (const auto& [key, value] : m_rows) {
    out << printable(key) << ':' << std::string(width - key.size() + 1, ' ') << printable(value) << '\n';
  }
}

std::string display_memo(std::span<const std::uint8_t> memo) {
  const bool ascii = std::ranges::all_of(memo, [](std::uint8_t b) { return b >= 0x20 && b < 0x7f; });
  if (ascii) return std::string(memo.begin(), memo.end());
  return "0x" + util::to_hex(memo);
}

void print_json(std::ostream& out, const nlohmann::json& doc) {
  // Invalid UTF-8 from a node must not abort the output: replace it.
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

std::string format_time_ms(std::uint64_t ms) {
  const auto seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (gmtime_r(&seconds, &tm) == nullptr) return std::to_string(ms) + " ms";
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string millis = std::to_string(ms % 1000);
  millis.insert(0, 3 - millis.size(), '0');
  return std::string(buf, n) + "." + millis + " UTC";
}

std::string display(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string field_text(const nlohmann::json& doc, const char* name) {
  if (!doc.is_object()) return "-";
  auto it = doc.find(name);
  return it == doc.end() ? "-" : display(*it);
}

void add_tx_rows(Table& t, const nlohmann::json& tx) {
  t.add("txid", field_text(tx, "txid"));
  t.add("kind", field_text(tx, "kind"));
  t.add("sender", field_text(tx, "sender_address"));
  t.add("nonce", field_text(tx, "nonce"));
  t.add("fee", format_amount_text(field_text(tx, "fee")));
  if (auto body = tx.find("body"); body != tx.end() && body->is_object()) {
    for (const auto& [name, value] : body->items()) {
      if (name == "amount") {
        t.add(name, format_amount_text(display(value)));
      } else if (auto memo = util::from_hex(display(value)); name == "memo" && memo) {
        t.add(name, display_memo(*memo));  // the API sends memos as hex
      } else {
        t.add(name, display(value));
      }
    }
  }
}

}  // namespace cloudchain::cli
