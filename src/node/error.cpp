#include "node/error.hpp"

namespace cloudchain::node {

std::string_view to_string(ConfigError e) {
  switch (e) {
    case ConfigError::kFileMissing: return "file_missing";
    case ConfigError::kIo: return "io";
    case ConfigError::kSyntax: return "syntax";
    case ConfigError::kUnknownKey: return "unknown_key";
    case ConfigError::kMissingKey: return "missing_key";
    case ConfigError::kWrongType: return "wrong_type";
    case ConfigError::kOutOfRange: return "out_of_range";
    case ConfigError::kBadValue: return "bad_value";
    case ConfigError::kInconsistent: return "inconsistent";
    case ConfigError::kHomeExists: return "home_exists";
  }
  return "unknown";
}

std::string_view to_string(NodeError e) {
  switch (e) {
    case NodeError::kConfig: return "config";
    case NodeError::kStorage: return "storage";
    case NodeError::kGenesisMismatch: return "genesis_mismatch";
    case NodeError::kChain: return "chain";
    case NodeError::kApi: return "api";
    case NodeError::kNetwork: return "network";
    case NodeError::kAlreadyStarted: return "already_started";
  }
  return "unknown";
}

}  // namespace cloudchain::node
