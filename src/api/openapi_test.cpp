// api/openapi.yaml and the route table describe the same API: every (method, path)
// in one is in the other. The YAML is read by lines (the file keeps to two-space
// indentation: paths at 2, methods at 4), which is all this check needs.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "api/router.hpp"

namespace cloudchain::api {
namespace {

using Operation = std::pair<std::string, std::string>;  // (METHOD, path template)

std::string read_spec() {
  std::ifstream in(std::string(CLOUDCHAIN_SOURCE_DIR) + "/api/openapi.yaml");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The operations under the top-level `paths:` key.
std::set<Operation> spec_operations(const std::string& spec) {
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  std::set<Operation> ops;
  std::istringstream lines(spec);
  std::string line;
  bool in_paths = false;
  std::string path;
  while (std::getline(lines, line)) {
    if (line.empty() || line.find_first_not_of(' ') == std::string::npos) continue;
    const std::size_t indent = indent_of(line);
    if (indent == 0) {
      in_paths = line == "paths:";
      continue;
    }
    if (!in_paths || line.back() != ':') continue;
    std::string key = line.substr(indent, line.size() - indent - 1);
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'')) key = key.substr(1, key.size() - 2);
    if (indent == 2) path = key;
    if (indent == 4 && kMethods.contains(key)) ops.emplace(upper(key), path);
  }
  return ops;
}

std::set<Operation> served_operations() {
  std::set<Operation> ops;
  for (const Route& r : route_table()) ops.emplace(std::string(to_string(r.method)), std::string(r.path));
  return ops;
}

TEST(OpenApi, DescribesExactlyTheServedRoutes) {
  const std::string spec = read_spec();
  ASSERT_FALSE(spec.empty()) << "api/openapi.yaml not found";
  EXPECT_EQ(spec.rfind("openapi: 3.0", 0), 0u);
  const auto described = spec_operations(spec);
  const auto served = served_operations();
  for (const auto& op : served)
    EXPECT_TRUE(described.contains(op)) << "not in openapi.yaml: " << op.first << " " << op.second;
  for (const auto& op : described) EXPECT_TRUE(served.contains(op)) << "not served: " << op.first << " " << op.second;
  EXPECT_EQ(described.size(), 21u);
}

TEST(OpenApi, EveryPathParameterIsDeclared) {
  const std::string spec = read_spec();
  for (const Route& r : route_table()) {
    std::string_view p = r.path;
    while (p.find('{') != std::string_view::npos) {
      p.remove_prefix(p.find('{') + 1);
      const std::string name(p.substr(0, p.find('}')));
      EXPECT_NE(spec.find("name: " + name + "\n"), std::string::npos) << name << " of " << r.path;
    }
  }
}

TEST(OpenApi, ProblemSchemaHasTheStableFields) {
  const std::string spec = read_spec();
  EXPECT_NE(spec.find("application/problem+json"), std::string::npos);
  EXPECT_NE(spec.find("required: [type, title, status, code, detail]"), std::string::npos);
}

// The line reader itself: a route missing from a spec is noticed.
TEST(OpenApi, LineReaderSeesPathsAndMethodsOnly) {
  const std::string spec =
      "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses: {}\n  \"/b/{x}\":\n    post:\n    parameters:\n"
      "components:\n  /c:\n    get:\n";
  EXPECT_EQ(spec_operations(spec), (std::set<Operation>{{"GET", "/a"}, {"POST", "/b/{x}"}}));
}

}  // namespace
}  // namespace cloudchain::api
