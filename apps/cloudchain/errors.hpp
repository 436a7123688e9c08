#pragma once
// How a command ends when it cannot succeed. The CLI is an edge of the system (STYLE.md
// rule 3), so commands throw these and run_cli() turns them into a message on stderr and
// an exit code; the reusable pieces below the commands (amounts, addresses, the HTTP
// client, receipt verification) return util::Result instead.
//
// Exit codes (docs/cli.md): 0 success, 1 failure (node error, rejected transaction,
// verification failed, I/O), 2 usage error (bad flag, bad amount, bad address).

#include <stdexcept>
#include <string>

namespace cloudchain::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// A command failed. `what()` is printed after "error: ".
class CommandError : public std::runtime_error {
 public:
  CommandError(int exit_code, const std::string& message) : std::runtime_error(message), m_exit_code(exit_code) {}
  int exit_code() const { return m_exit_code; }

 private:
  int m_exit_code;
};

/// The user asked for something malformed: exit code 2.
inline CommandError usage_error(const std::string& message) { return CommandError(kExitUsage, message); }
/// Well-formed request that did not succeed: exit code 1.
inline CommandError failure(const std::string& message) { return CommandError(kExitFailure, message); }

}  // namespace cloudchain::cli
