// POST /v1/admin/mining and POST /v1/admin/shutdown (the router checked the token).

#include "api/json_body.hpp"
#include "api/json_writer.hpp"
#include "api/routes.hpp"

namespace cloudchain::api {

namespace {

void write_mining(JsonWriter& w, const node::MiningStatus& m) {
  w.begin_object().field("enabled", m.enabled).field("threads", m.threads).field("hashrate", m.hashrate).end_object();
}

}  // namespace

Response admin_mining(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  auto body = json_object_request(req, {"enabled"});
  if (!body) return problem_response(body.error());
  const auto enabled = body->find("enabled");
  if (enabled == body->end() || !enabled->is_boolean()) {
    return problem_response(problem(ApiError::kBadField, "\"enabled\": true or false"));
  }
  ctx.service.set_mining(enabled->get<bool>());
  JsonWriter w(128);
  w.begin_object().key("mining");
  write_mining(w, ctx.service.mining());
  w.end_object();
  return json_response(200, w.take());
}

Response admin_shutdown(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  // No fields are defined; an empty body or an empty JSON object both mean "shut down".
  if (!req.body.empty()) {
    auto body = parse_json_object(req.content_type, req.body);
    if (!body) return problem_response(body.error());
    if (auto only = only_fields(*body, {}); !only) return problem_response(only.error());
  }
  Response r = json_response(202, R"({"status":"shutting_down"})");
  // After the answer is on the wire: the node's shutdown stops this server, which would
  // otherwise drop the response.
  node::NodeService& service = ctx.service;
  r.after_write = [&service] { service.request_shutdown(); };
  return r;
}

}  // namespace cloudchain::api
