#include "output.hpp"

#include <algorithm>
#include <ctime>
#include <ostream>

#include <nlohmann/json.hpp>

#include "amount.hpp"

namespace cloudchain::cli {

void Table::print(std::ostream& out) const {
  std::size_t width = 0;
  for (const auto& [key, value] : m_rows) width = std::max(width, key.size());
  for (const auto& [key, value] : m_rows) {
    out << key << ':' << std::string(width - key.size() + 1, ' ') << value << '\n';
  }
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
      const bool amount = name == "amount";
      t.add(name, amount ? format_amount_text(display(value)) : display(value));
    }
  }
}

}  // namespace cloudchain::cli
