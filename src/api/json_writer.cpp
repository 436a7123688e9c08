#include "api/json_writer.hpp"

#include <charconv>

namespace cloudchain::api {

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";
}

void JsonWriter::comma() {
  if (m_need_comma) m_out.push_back(',');
}

JsonWriter& JsonWriter::begin_object() {
  comma();
  m_out.push_back('{');
  m_need_comma = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  m_out.push_back('}');
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  comma();
  m_out.push_back('[');
  m_need_comma = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  m_out.push_back(']');
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  comma();
  quoted(k);
  m_out.push_back(':');
  m_need_comma = false;
  return *this;
}

void JsonWriter::quoted(std::string_view s) {
  m_out.push_back('"');
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      m_out.push_back('\\');
      m_out.push_back(c);
    } else if (u < 0x20) {
      m_out.append("\\u00");
      m_out.push_back(kHexDigits[u >> 4]);
      m_out.push_back(kHexDigits[u & 0x0f]);
    } else if (u >= 0x80) {
      m_out.push_back('?');
    } else {
      m_out.push_back(c);
    }
  }
  m_out.push_back('"');
}

JsonWriter& JsonWriter::value(std::string_view s) {
  comma();
  quoted(s);
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t n) {
  comma();
  char buf[20];
  const auto res = std::to_chars(buf, buf + sizeof buf, n);
  m_out.append(buf, res.ptr);
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  comma();
  m_out.append(b ? "true" : "false");
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::hex(util::ByteSpan bytes) {
  comma();
  m_out.push_back('"');
  const std::size_t at = m_out.size();
  m_out.resize(at + 2 * bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    m_out[at + 2 * i] = kHexDigits[bytes[i] >> 4];
    m_out[at + 2 * i + 1] = kHexDigits[bytes[i] & 0x0f];
  }
  m_out.push_back('"');
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::decimal(std::uint64_t n) {
  comma();
  char buf[20];
  const auto res = std::to_chars(buf, buf + sizeof buf, n);
  m_out.push_back('"');
  m_out.append(buf, res.ptr);
  m_out.push_back('"');
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  comma();
  m_out.append(json);
  m_need_comma = true;
  return *this;
}

}  // namespace cloudchain::api
