#include "api/explorer.hpp"

#include <string>

namespace cloudchain::api {

namespace {

constexpr std::string_view kAssetsPrefix = "/assets/";

constexpr std::string_view kMissingBundlePage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cloudchain: explorer not built</title></head>
<body><h1>The explorer was not built into this node</h1>
<p>This cloudchaind binary was compiled without the explorer bundle (explorer/dist was
missing). Build it and rebuild the node:</p>
<pre>make build        # runs: cd explorer &amp;&amp; npm ci &amp;&amp; npm run build, then CMake</pre>
<p>The HTTP API works without it: <a href="/v1/status">/v1/status</a>.</p></body></html>
)";

const EmbeddedFile* find(std::span<const EmbeddedFile> files, std::string_view name) {
  for (const auto& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Response file_response(const EmbeddedFile& f, std::string_view cache_control) {
  Response r;
  r.content_type = ContentType::kNone;
  r.body = std::string(f.data);
  r.headers.emplace_back("Content-Type", std::string(mime_type(f.name)));
  r.headers.emplace_back("Cache-Control", std::string(cache_control));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

bool is_explorer_path(std::string_view path) {
  return path == "/" || path == "/index.html" || path.starts_with(kAssetsPrefix);
}

std::string_view mime_type(std::string_view name) {
  struct Entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr Entry kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  };
  for (const auto& e : kTypes) {
    if (name.ends_with(e.ext)) return e.type;
  }
  return "application/octet-stream";
}

Response serve_explorer(std::span<const EmbeddedFile> files, const Request& req) {
  if (req.method == Method::kOptions) {
    Response r;
    r.status = 204;
    r.content_type = ContentType::kNone;
    r.headers.emplace_back("Allow", "GET, OPTIONS");
    return r;
  }
  if (req.method != Method::kGet) {
    Response r = problem_response(problem(ApiError::kMethodNotAllowed, "the explorer serves GET, OPTIONS"));
    r.headers.emplace_back("Allow", "GET, OPTIONS");
    return r;
  }
  if (req.path == "/" || req.path == "/index.html") {
    if (const EmbeddedFile* index = find(files, "index.html")) return file_response(*index, "no-cache");
    Response r;
    r.status = 404;
    r.content_type = ContentType::kNone;
    r.body = std::string(kMissingBundlePage);
    r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  // Exact lookup of "assets/<name>": a name is one segment, and nothing is decoded, so
  // "/assets/../x" or "/assets/a%2f..%2fb" can only miss.
  const std::string_view name = req.path.substr(kAssetsPrefix.size());
  if (!name.empty() && name.find('/') == std::string_view::npos) {
    const std::string key = "assets/" + std::string(name);
    if (const EmbeddedFile* f = find(files, key)) return file_response(*f, "public, max-age=31536000, immutable");
  }
  return problem_response(problem(ApiError::kNotFound, "no explorer asset with this name"));
}

}  // namespace cloudchain::api
