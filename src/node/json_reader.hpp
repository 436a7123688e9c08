#pragma once
// Strict reading of JSON objects (internal to the node layer), the counterpart of
// toml_reader.hpp: the first error goes to a shared ErrorSlot and makes later calls
// no-ops; every key is REQUIRED (genesis.json has no defaults); finish() reports the
// first key (sorted) that no get asked for. Errors name the file and the dotted field.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/toml_reader.hpp"

namespace cloudchain::node::detail {

using Json = nlohmann::json;

/// Parses `text`, rejecting duplicate keys in any object (nlohmann would keep the last
/// one silently, and two nodes must never read one file two ways). Errors: kSyntax.
util::Result<Json, ConfigError> parse_json_strict(std::string_view text, std::string_view file);

class JsonObject {
 public:
  /// `object` (nullptr: every get is a no-op) and `errors` must outlive this reader.
  /// A non-object `object` is reported as kWrongType.
  JsonObject(const Json* object, ErrorSlot& errors, std::string_view file, std::string prefix);

  /// The value at `key`, or nullptr after an error (kMissingKey when absent).
  const Json* value(std::string_view key);
  /// A reader over the object at `key` (kMissingKey, kWrongType).
  JsonObject object(std::string_view key);
  /// The array at `key` (kMissingKey, kWrongType), or nullptr after an error.
  const Json* array(std::string_view key);
  /// An unsigned JSON integer in [min, max] (kWrongType, kOutOfRange).
  void get_uint(std::string_view key, std::uint64_t min, std::uint64_t max, std::uint64_t& out);
  template <typename T>
  void get_uint(std::string_view key, std::uint64_t min, std::uint64_t max, T& out) {
    std::uint64_t wide = 0;
    get_uint(key, min, max, wide);
    if (ok()) out = static_cast<T>(wide);  // in [min, max], which the caller chose to fit T
  }
  void get_string(std::string_view key, std::string& out);
  /// A decimal string that fits u64 (kWrongType, kBadValue).
  void get_amount(std::string_view key, std::uint64_t& out);

  void fail(ConfigError code, std::string_view key, std::string_view message);
  /// kUnknownKey for the first key no get asked for.
  void finish();

  bool ok() const { return m_errors.ok(); }
  std::string path(std::string_view key) const;
  std::string_view file() const { return m_file; }
  ErrorSlot& errors() { return m_errors; }

 private:
  const Json* m_object;
  ErrorSlot& m_errors;
  std::string m_file;
  std::string m_prefix;
  std::vector<std::string> m_known;
};

/// "an object", "a string", ... for messages.
std::string_view json_type_name(const Json& value);

}  // namespace cloudchain::node::detail
