#pragma once
// Serving the web explorer (docs/explorer.md) on the API port, beside /v1:
//
//   GET /                  index.html, Cache-Control: no-cache (it names the current bundle)
//   GET /index.html        the same
//   GET /assets/<file>     a bundle file; its name carries a content hash, so
//                          Cache-Control: public, max-age=31536000, immutable
//
// Files are looked up by exact name in a fixed table (the embedded bundle), never on a
// file system, so no path ("..", "%2e%2e", "//", a backslash) can reach anything else:
// an unknown name is 404 not_found. A method other than GET (or OPTIONS) is 405. When the
// table is empty (the bundle was not built) `/` answers 404 with an HTML page that says
// how to build it.
//
// Thread-safety: pure functions of their arguments.

#include <optional>
#include <span>
#include <string_view>

#include "api/explorer_assets.hpp"
#include "api/http.hpp"

namespace cloudchain::api {

/// True when `path` belongs to the explorer ("/", "/index.html", "/assets/...").
bool is_explorer_path(std::string_view path);

/// The answer to a request for an explorer path, from `files`.
/// REQUIRES: is_explorer_path(req.path).
Response serve_explorer(std::span<const EmbeddedFile> files, const Request& req);

/// The MIME type for a file name, by its extension ("application/octet-stream" if unknown).
std::string_view mime_type(std::string_view name);

}  // namespace cloudchain::api
