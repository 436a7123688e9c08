// cloudchain-vectors: prints the protocol test vectors of docs/protocol.md, computed by
// the real code from fixed private keys. `make run` runs it; the vectors subsections of
// docs/protocol.md are this program's output (primitives_test, state_test and p2p_test check
// that they agree).

#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "p2p/vectors.hpp"
#include "primitives/vectors.hpp"
#include "state/vectors.hpp"

int main() {
  try {
    namespace v = cloudchain::primitives::vectors;
    std::printf("cloudchain protocol test vectors (docs/protocol.md)\n");
    std::printf("Hex is lower case; integers in encodings are little-endian.\n");
    std::vector<v::Group> groups = v::all_groups();
    for (auto& group : cloudchain::state::vectors::all_groups()) groups.push_back(std::move(group));
    for (auto& group : cloudchain::p2p::vectors::all_groups()) groups.push_back(std::move(group));
    for (const auto& group : groups) {
      std::printf("\n== %s\n\n%s\n\n```vectors\n%s```\n", group.title.c_str(), group.description.c_str(),
                  v::render(group.vectors).c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cloudchain-vectors: %s\n", e.what());
    return 1;
  }
}
