#pragma once
// The explorer bundle compiled into the binary (docs/decisions.md, "Explorer assets").
// explorer_files() is defined in a file that cmake/embed_explorer.cmake generates from
// explorer/dist at build time; it is empty when the bundle was not built.

#include <span>
#include <string_view>

namespace cloudchain::api {

/// One file of the bundle: `name` relative to explorer/dist ("index.html",
/// "assets/app-3F2A9C1B.js"), `data` its bytes. Both point into static storage.
struct EmbeddedFile {
  std::string_view name;
  std::string_view data;
};

/// The bundle, sorted by name; empty when explorer/dist was missing at build time.
std::span<const EmbeddedFile> explorer_files();

}  // namespace cloudchain::api
