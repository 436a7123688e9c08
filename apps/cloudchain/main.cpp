// The `cloudchain` executable: real streams, environment and terminal around run_cli().

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "cli.hpp"

namespace {

// Reads one line from stdin with terminal echo off. nullopt when stdin is not a terminal.
std::optional<std::string> read_secret(std::string_view prompt) {
  if (isatty(STDIN_FILENO) == 0) return std::nullopt;
  termios old_mode{};
  if (tcgetattr(STDIN_FILENO, &old_mode) != 0) return std::nullopt;
  termios quiet = old_mode;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // the user still sees the line end
  std::cerr << prompt << std::flush;
  if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) return std::nullopt;
  std::string line;
  const bool ok = static_cast<bool>(std::getline(std::cin, line));
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
  if (!ok) return std::nullopt;
  return line;
}

std::optional<std::string> get_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): single-threaded CLI
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  cloudchain::cli::Io io{std::cout, std::cerr, get_env, read_secret};
  const int code = cloudchain::cli::run_cli(args, io);
  std::cout.flush();
  return code;
}
