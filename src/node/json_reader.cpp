#include "node/json_reader.hpp"

#include <algorithm>
#include <set>

#include "node/fields.hpp"

namespace cloudchain::node::detail {

std::string_view json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a non-integer number";
    case Json::value_t::binary:
    case Json::value_t::discarded: break;
  }
  return "an unknown value";
}

util::Result<Json, ConfigError> parse_json_strict(std::string_view text, std::string_view file) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start: open_objects.emplace_back(); break;
      case Json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() &&
            !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default: break;
    }
    return true;
  };
  try {
    Json doc = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true);
    if (!duplicate.empty()) {
      return config_fail(ConfigError::kSyntax, file, "", "duplicate key " + quote(duplicate));
    }
    return doc;
  } catch (const Json::exception& e) {
    // e.what() names the byte position of the error.
    return config_fail(ConfigError::kSyntax, file, "", std::string("not valid JSON: ") + e.what());
  }
}

JsonObject::JsonObject(const Json* object, ErrorSlot& errors, std::string_view file, std::string prefix)
    : m_object(object), m_errors(errors), m_file(file), m_prefix(std::move(prefix)) {
  if (m_object != nullptr && !m_object->is_object()) {
    m_errors.fail(ConfigError::kWrongType,
                  field_message(m_file, m_prefix.empty() ? "" : m_prefix,
                                "expected an object, got " + std::string(json_type_name(*m_object))));
    m_object = nullptr;
  }
}

std::string JsonObject::path(std::string_view key) const {
  return m_prefix.empty() ? std::string(key) : m_prefix + "." + std::string(key);
}

void JsonObject::fail(ConfigError code, std::string_view key, std::string_view message) {
  m_errors.fail(code, field_message(m_file, path(key), message));
}

const Json* JsonObject::value(std::string_view key) {
  m_known.emplace_back(key);
  if (m_object == nullptr || !ok()) return nullptr;
  const auto it = m_object->find(key);
  if (it == m_object->end()) {
    fail(ConfigError::kMissingKey, key, "required field is missing");
    return nullptr;
  }
  return &*it;
}

JsonObject JsonObject::object(std::string_view key) {
  const Json* v = value(key);
  return JsonObject(v, m_errors, m_file, path(key));
}

const Json* JsonObject::array(std::string_view key) {
  const Json* v = value(key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    fail(ConfigError::kWrongType, key, "expected an array, got " + std::string(json_type_name(*v)));
    return nullptr;
  }
  return v;
}

void JsonObject::get_uint(std::string_view key, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  const Json* v = value(key);
  if (v == nullptr) return;
  if (!v->is_number_unsigned()) {
    // Negative integers are number_integer; integers above 2^64 - 1 parse as floats.
    return fail(
        ConfigError::kWrongType, key,
        "expected a non-negative integer, got " + (v->is_number() ? v->dump() : std::string(json_type_name(*v))));
  }
  const auto n = v->get<std::uint64_t>();
  if (n < min || n > max) {
    return fail(
        ConfigError::kOutOfRange, key,
        "expected an integer in " + std::to_string(min) + ".." + std::to_string(max) + ", got " + std::to_string(n));
  }
  out = n;
}

void JsonObject::get_string(std::string_view key, std::string& out) {
  const Json* v = value(key);
  if (v == nullptr) return;
  if (!v->is_string()) {
    return fail(ConfigError::kWrongType, key, "expected a string, got " + std::string(json_type_name(*v)));
  }
  out = v->get<std::string>();
}

void JsonObject::get_amount(std::string_view key, std::uint64_t& out) {
  const Json* v = value(key);
  if (v == nullptr) return;
  if (!v->is_string()) {
    return fail(ConfigError::kWrongType, key,
                "expected a decimal string such as \"1000\", got " + std::string(json_type_name(*v)));
  }
  const auto text = v->get<std::string>();
  const std::optional<std::uint64_t> amount = parse_decimal_u64(text);
  if (!amount) {
    return fail(
        ConfigError::kBadValue, key,
        "expected a decimal amount (digits only, no leading zeros, at most 18446744073709551615), got " + quote(text));
  }
  out = *amount;
}

void JsonObject::finish() {
  if (m_object == nullptr || !ok()) return;
  std::vector<std::string> keys;
  for (const auto& item : m_object->items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    if (std::find(m_known.begin(), m_known.end(), key) != m_known.end()) continue;
    std::string known;
    for (const std::string& k : m_known) {
      if (!known.empty()) known += ", ";
      known += k;
    }
    return fail(ConfigError::kUnknownKey, key, "unknown field (expected: " + known + ")");
  }
}

}  // namespace cloudchain::node::detail
