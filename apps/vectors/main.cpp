// cloudchain-vectors: prints the protocol test vectors of docs/protocol.md, computed by
// the real code from fixed private keys. `make run` runs it; the vectors subsections of
// docs/protocol.md are this program's output (primitives_test checks they agree).

#include <cstdio>
#include <exception>
#include <string>

#include "primitives/vectors.hpp"

int main() {
  try {
    namespace v = cloudchain::primitives::vectors;
    std::printf("cloudchain protocol test vectors (docs/protocol.md)\n");
    std::printf("Hex is lower case; integers in encodings are little-endian.\n");
    for (const auto& group : v::all_groups()) {
      std::printf("\n== %s\n\n%s\n\n```vectors\n%s```\n", group.title.c_str(), group.description.c_str(),
                  v::render(group.vectors).c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cloudchain-vectors: %s\n", e.what());
    return 1;
  }
}
