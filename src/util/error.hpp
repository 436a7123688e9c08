#pragma once
// Errors: every domain (codec, hex, bech32m, signature, state rule, ...) has its own
// `enum class` of codes, each commented with the rule it enforces. A failure is an
// `Error<Code>`: the code (stable, machine-readable) plus a human detail that names
// the field or value at fault. Functions return `std::expected<T, Error<Code>>`.
//
// Each domain also provides `std::string_view to_string(Code)` returning the stable
// snake_case name of the code (used in logs, API problem documents and tests).

#include <expected>
#include <string>
#include <utility>

namespace cloudchain::util {

template <typename Code>
struct Error {
  Code code;
  std::string detail;

  friend bool operator==(const Error& a, const Error& b) = default;
};

template <typename T, typename Code>
using Result = std::expected<T, Error<Code>>;

/// `return fail(Code::kX, "field foo");` inside a function returning Result<T, Code>.
template <typename Code>
std::unexpected<Error<Code>> fail(Code code, std::string detail = {}) {
  return std::unexpected<Error<Code>>(Error<Code>{code, std::move(detail)});
}

}  // namespace cloudchain::util
