#pragma once
// Strict reading of TOML tables (internal to the node layer).
//
// As primitives::Reader does for bytes, a TomlTable keeps the FIRST error (in a shared
// ErrorSlot, so sub-tables report to the same place) and every later call is a no-op;
// a read function is a straight list of keys and the caller checks the slot once.
// Each get marks its key as known, and finish() reports the first key (in sorted order,
// so the message is deterministic) that no get asked for. Absent keys leave the output
// untouched, which is how defaults work. Every error names the file and the dotted key.

#include <toml.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/error.hpp"

namespace cloudchain::node::detail {

/// The first error of a parse, or none.
class ErrorSlot {
 public:
  bool ok() const { return !m_error.has_value(); }
  /// Records `code` and `detail` unless an error is already recorded.
  void fail(ConfigError code, std::string detail) {
    if (ok()) m_error = util::Error<ConfigError>{code, std::move(detail)};
  }
  util::Result<void, ConfigError> status() const {
    if (m_error) return std::unexpected(*m_error);
    return {};
  }

 private:
  std::optional<util::Error<ConfigError>> m_error;
};

/// "a table", "an integer", ... for messages.
std::string_view toml_type_name(toml::value_t type);

class TomlTable {
 public:
  /// `table` (a TOML table, or nullptr for an absent one: every get is then a no-op) and
  /// `errors` must outlive this reader. `prefix` is the table's dotted path ("" for the
  /// root).
  TomlTable(const toml::value* table, ErrorSlot& errors, std::string_view file, std::string prefix);

  /// A reader over the sub-table at `key` (over nothing when absent; kWrongType when not
  /// a table).
  TomlTable table(std::string_view key);
  /// Whether `key` is present (does not mark it known).
  bool has(std::string_view key) const;

  void get(std::string_view key, bool& out);
  void get(std::string_view key, std::string& out);
  void get(std::string_view key, std::vector<std::string>& out);
  /// An integer in [min, max] (kWrongType, kOutOfRange).
  void get_int(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out);
  template <typename T>
  void get_int(std::string_view key, std::int64_t min, std::int64_t max, T& out) {
    auto wide = static_cast<std::int64_t>(out);
    get_int(key, min, max, wide);
    out = static_cast<T>(wide);  // in [min, max], which the caller chose to fit T
  }
  /// Records an error about `key` of this table.
  void fail(ConfigError code, std::string_view key, std::string_view message);
  /// kUnknownKey for the first key no get asked for, listing the known ones.
  void finish();

  bool ok() const { return m_errors.ok(); }
  std::string path(std::string_view key) const;

 private:
  // The value at `key` (marking it known), or nullptr when absent or after an error.
  const toml::value* find(std::string_view key);
  void wrong_type(std::string_view key, std::string_view expected, const toml::value& got);

  const toml::value* m_table;
  ErrorSlot& m_errors;
  std::string m_file;
  std::string m_prefix;
  std::vector<std::string> m_known;  // in the order asked, for the message
};

}  // namespace cloudchain::node::detail
