#include "node/toml_reader.hpp"

#include <algorithm>

namespace cloudchain::node::detail {

std::string_view toml_type_name(toml::value_t type) {
  switch (type) {
    case toml::value_t::empty: return "nothing";
    case toml::value_t::boolean: return "a boolean";
    case toml::value_t::integer: return "an integer";
    case toml::value_t::floating: return "a float";
    case toml::value_t::string: return "a string";
    case toml::value_t::offset_datetime:
    case toml::value_t::local_datetime:
    case toml::value_t::local_date:
    case toml::value_t::local_time: return "a date/time";
    case toml::value_t::array: return "an array";
    case toml::value_t::table: return "a table";
  }
  return "an unknown type";
}

TomlTable::TomlTable(const toml::value* table, ErrorSlot& errors, std::string_view file, std::string prefix)
    : m_table(table), m_errors(errors), m_file(file), m_prefix(std::move(prefix)) {}

std::string TomlTable::path(std::string_view key) const {
  return m_prefix.empty() ? std::string(key) : m_prefix + "." + std::string(key);
}

bool TomlTable::has(std::string_view key) const {
  return m_table != nullptr && m_table->as_table().contains(std::string(key));
}

const toml::value* TomlTable::find(std::string_view key) {
  m_known.emplace_back(key);
  if (m_table == nullptr || !m_errors.ok()) return nullptr;
  const auto& table = m_table->as_table();
  const auto it = table.find(std::string(key));
  return it == table.end() ? nullptr : &it->second;
}

void TomlTable::fail(ConfigError code, std::string_view key, std::string_view message) {
  m_errors.fail(code, field_message(m_file, path(key), message));
}

void TomlTable::wrong_type(std::string_view key, std::string_view expected, const toml::value& got) {
  fail(ConfigError::kWrongType, key,
       "expected " + std::string(expected) + ", got " + std::string(toml_type_name(got.type())));
}

TomlTable TomlTable::table(std::string_view key) {
  const toml::value* v = find(key);
  if (v != nullptr && !v->is_table()) {
    wrong_type(key, "a table", *v);
    v = nullptr;
  }
  return TomlTable(v, m_errors, m_file, path(key));
}

void TomlTable::get(std::string_view key, bool& out) {
  const toml::value* v = find(key);
  if (v == nullptr) return;
  if (!v->is_boolean()) return wrong_type(key, "a boolean (true or false)", *v);
  out = v->as_boolean();
}

void TomlTable::get(std::string_view key, std::string& out) {
  const toml::value* v = find(key);
  if (v == nullptr) return;
  if (!v->is_string()) return wrong_type(key, "a string", *v);
  out = v->as_string().str;
}

void TomlTable::get(std::string_view key, std::vector<std::string>& out) {
  const toml::value* v = find(key);
  if (v == nullptr) return;
  if (!v->is_array()) return wrong_type(key, "an array of strings", *v);
  std::vector<std::string> items;
  for (const toml::value& item : v->as_array()) {
    if (!item.is_string()) return wrong_type(key, "an array of strings", item);
    items.push_back(item.as_string().str);
  }
  out = std::move(items);
}

void TomlTable::get_int(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out) {
  const toml::value* v = find(key);
  if (v == nullptr) return;
  if (!v->is_integer()) return wrong_type(key, "an integer", *v);
  const std::int64_t value = v->as_integer();
  if (value < min || value > max) {
    return fail(ConfigError::kOutOfRange, key,
                "expected an integer in " + std::to_string(min) + ".." + std::to_string(max) + ", got " +
                    std::to_string(value));
  }
  out = value;
}

void TomlTable::finish() {
  if (m_table == nullptr || !m_errors.ok()) return;
  std::vector<std::string> keys;
  for (const auto& entry : m_table->as_table()) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    if (std::find(m_known.begin(), m_known.end(), key) != m_known.end()) continue;
    std::string known;
    for (const std::string& k : m_known) {
      if (!known.empty()) known += ", ";
      known += k;
    }
    std::string message = "unknown key (";
    message += m_prefix.empty() ? "the top level" : "[" + m_prefix + "]";
    message += " has: ";
    message += known;
    message += ")";
    return fail(ConfigError::kUnknownKey, key, message);
  }
}

}  // namespace cloudchain::node::detail
