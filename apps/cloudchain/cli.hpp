#pragma once
// The `cloudchain` command line: parses `args` (args[0] is the program name), runs the
// selected command and returns the process exit code (errors.hpp: 0 ok, 1 failure,
// 2 usage error). Never throws: every error is printed to io.err as "error: <message>".
// main() calls it with the real streams; tests call it in-process.

#include <string>
#include <vector>

#include "context.hpp"

namespace cloudchain::cli {

int run_cli(const std::vector<std::string>& args, Io& io);

}  // namespace cloudchain::cli
