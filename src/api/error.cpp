#include "api/error.hpp"

#include "api/json_writer.hpp"

namespace cloudchain::api {

std::string_view to_string(ApiError e) {
  switch (e) {
    case ApiError::kNotFound: return "not_found";
    case ApiError::kMethodNotAllowed: return "method_not_allowed";
    case ApiError::kBadRequest: return "bad_request";
    case ApiError::kHeaderTooLarge: return "header_too_large";
    case ApiError::kBodyTooLarge: return "body_too_large";
    case ApiError::kUnsupportedMediaType: return "unsupported_media_type";
    case ApiError::kMalformedJson: return "malformed_json";
    case ApiError::kJsonTooDeep: return "json_too_deep";
    case ApiError::kBadField: return "bad_field";
    case ApiError::kBadParam: return "bad_param";
    case ApiError::kBadLimit: return "bad_limit";
    case ApiError::kBadCursor: return "bad_cursor";
    case ApiError::kBadBlockId: return "bad_block_id";
    case ApiError::kBlockNotFound: return "block_not_found";
    case ApiError::kTxNotFound: return "tx_not_found";
    case ApiError::kTxPending: return "tx_pending";
    case ApiError::kUnauthorized: return "unauthorized";
    case ApiError::kTooManyConnections: return "too_many_connections";
    case ApiError::kTimeout: return "timeout";
    case ApiError::kInternal: return "internal_error";
  }
  return "internal_error";
}

unsigned status_of(ApiError e) {
  switch (e) {
    case ApiError::kNotFound:
    case ApiError::kBlockNotFound:
    case ApiError::kTxNotFound:
    case ApiError::kTxPending: return 404;
    case ApiError::kMethodNotAllowed: return 405;
    case ApiError::kHeaderTooLarge: return 431;
    case ApiError::kBodyTooLarge: return 413;
    case ApiError::kUnsupportedMediaType: return 415;
    case ApiError::kUnauthorized: return 401;
    case ApiError::kTooManyConnections:
    case ApiError::kTimeout: return 503;
    case ApiError::kInternal: return 500;
    case ApiError::kBadRequest:
    case ApiError::kMalformedJson:
    case ApiError::kJsonTooDeep:
    case ApiError::kBadField:
    case ApiError::kBadParam:
    case ApiError::kBadLimit:
    case ApiError::kBadCursor:
    case ApiError::kBadBlockId: return 400;
  }
  return 500;
}

Problem problem(ApiError e, std::string detail) {
  return Problem{status_of(e), std::string(to_string(e)), std::move(detail)};
}

Problem problem(unsigned status, std::string_view code, std::string detail) {
  return Problem{status, std::string(code), std::move(detail)};
}

std::string problem_json(const Problem& p) {
  JsonWriter w(128 + p.code.size() * 2 + p.detail.size());
  std::string type = "https://cloudchain.dev/problems/";
  type += p.code;
  w.begin_object()
      .field("type", type)
      .field("title", reason_phrase(p.status))
      .field("status", std::uint64_t{p.status})
      .field("code", p.code)
      .field("detail", p.detail)
      .end_object();
  return w.take();
}

std::string_view reason_phrase(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

}  // namespace cloudchain::api
