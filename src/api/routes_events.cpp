// GET /v1/events: checks the request; the stream itself is the transport's (server.cpp,
// "Event streams"), which subscribes to the node's EventHub.

#include "api/routes.hpp"

namespace cloudchain::api {

Response get_events(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  if (ctx.service.events() == nullptr) {
    return problem_response(problem(ApiError::kNotFound, "this node publishes no events"));
  }
  Response r;
  r.event_stream = true;
  return r;
}

}  // namespace cloudchain::api
