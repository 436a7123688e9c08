#include "api/routes.hpp"

#include <string>

namespace cloudchain::api {

Problem storage_problem(const util::Error<storage::StorageError>& e) {
  return problem(500, storage::to_string(e.code), e.detail);
}

std::expected<void, Problem> no_query(const Request& req) {
  if (req.query.empty()) return {};
  return std::unexpected(problem(ApiError::kBadParam, "this route takes no query parameters"));
}

}  // namespace cloudchain::api
