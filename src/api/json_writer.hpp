#pragma once
// A compact JSON writer appending to one string: responses are written field by field
// without building a document tree, so a response costs one growing buffer instead of a
// map node per field (the read routes are the ones load tests hammer).
//
// Usage: w.begin_object().field("height", 42).key("txs").begin_array() ... .end_array()
// .end_object(); w.take(). Commas are placed automatically. The caller nests begin/end
// correctly; keys are written as given (they are ASCII literals of this layer).
//
// Strings are escaped for JSON: '"', '\\' and control characters; bytes >= 0x80 are
// written as '?' so that the output is always ASCII and valid JSON, whatever bytes a
// detail message carries (every value this API produces is ASCII by construction).
//
// Thread-safety: one writer per thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "util/bytes.hpp"

namespace cloudchain::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve = 256) { m_out.reserve(reserve); }

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(bool b);
  /// Lower-case hex of `bytes`, as a string.
  JsonWriter& hex(util::ByteSpan bytes);
  /// A 64-bit amount, nonce or work as a decimal string (docs/api.md conventions).
  JsonWriter& decimal(std::uint64_t n);
  /// Appends already-serialized JSON (REQUIRES: one valid JSON value).
  JsonWriter& raw(std::string_view json);

  // Integer fields are unsigned (uint32 widens); a plain int literal is ambiguous on
  // purpose, so every number's width is chosen at the call site.
  JsonWriter& field(std::string_view k, std::string_view v) { return key(k).value(v); }
  JsonWriter& field(std::string_view k, const char* v) { return key(k).value(v); }
  JsonWriter& field(std::string_view k, std::uint64_t v) { return key(k).value(v); }
  JsonWriter& field(std::string_view k, std::uint32_t v) { return key(k).value(std::uint64_t{v}); }
  JsonWriter& field(std::string_view k, bool v) { return key(k).value(v); }
  JsonWriter& hex_field(std::string_view k, util::ByteSpan bytes) {
    key(k);
    return hex(bytes);
  }
  JsonWriter& decimal_field(std::string_view k, std::uint64_t n) {
    key(k);
    return decimal(n);
  }

  const std::string& str() const { return m_out; }
  std::string take() { return std::move(m_out); }

 private:
  void comma();
  void quoted(std::string_view s);

  std::string m_out;
  bool m_need_comma = false;  // a value was written at this level and another one follows
};

}  // namespace cloudchain::api
