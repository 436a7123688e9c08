// The vectors in docs/protocol.md must be exactly what the code computes.
#include "primitives/vectors.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace cloudchain::primitives::vectors {
namespace {

std::string read_protocol_md() {
  std::ifstream in(std::string(CLOUDCHAIN_SOURCE_DIR) + "/docs/protocol.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_primitives_name(std::string_view name) {
  for (std::string_view prefix : {"tx.", "header.", "block.", "vote.", "proposal."}) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

TEST(Vectors, ProtocolDocumentMatchesTheCode) {
  const std::string doc = read_protocol_md();
  ASSERT_FALSE(doc.empty()) << "docs/protocol.md not found";
  const Parsed parsed = parse_markdown(doc);
  EXPECT_TRUE(parsed.duplicates.empty()) << "duplicate vector names, first: " << parsed.duplicates.front();

  std::map<std::string, std::string> in_doc;
  for (const auto& v : parsed.vectors) in_doc.emplace(v.name, v.value);

  std::map<std::string, std::string> computed;
  for (const auto& group : all_groups()) {
    for (const auto& v : group.vectors) {
      computed.emplace(v.name, v.value);
      auto it = in_doc.find(v.name);
      if (it == in_doc.end()) {
        ADD_FAILURE() << "docs/protocol.md lacks vector " << v.name << " (run cloudchain-vectors)";
        continue;
      }
      EXPECT_EQ(it->second, v.value) << "vector " << v.name << " differs from the code";
    }
  }
  for (const auto& [name, value] : in_doc) {
    if (is_primitives_name(name)) {
      EXPECT_TRUE(computed.contains(name)) << "unknown vector in docs: " << name;
    }
  }
}

TEST(Vectors, SampleObjectsAreValid) {
  for (const Transaction& tx : {sample_transfer(), sample_anchor()}) {
    EXPECT_TRUE(check_transaction(tx, kChainId));
    EXPECT_EQ(*decode_transaction(encode(tx)), tx);
  }
  const Block block = sample_pow_block();
  EXPECT_TRUE(check_block_body(block));
  EXPECT_EQ(*decode_block(encode(block)), block);
  const auto& seal = std::get<PowSeal>(block.header.seal);
  EXPECT_TRUE(hash_meets_target(block_hash(block.header), *target_from_bits(seal.bits)));
  const Vote vote = sample_vote();
  EXPECT_TRUE(verify_vote(vote));
  EXPECT_EQ(vote.block_hash, block_hash(block.header));
  for (const Proposal& proposal : {sample_proposal(), sample_polka_proposal()}) {
    EXPECT_TRUE(verify_proposal(proposal));
    EXPECT_EQ(proposal.block_hash, block_hash(block.header));
    EXPECT_EQ(*decode_proposal(encode(proposal)), proposal);
  }
}

TEST(Vectors, RenderThenParseRoundTrips) {
  const std::vector<Vector> vs = {{"a.short", "00ff"}, {"a.long", std::string(150, 'a')}, {"a.empty", ""}};
  const std::string md = "text\n```vectors\n" + render(vs) + "```\n\n```\nignored: 1\n```\n";
  const Parsed parsed = parse_markdown(md);
  ASSERT_EQ(parsed.vectors.size(), vs.size());
  for (std::size_t i = 0; i < vs.size(); ++i) {
    EXPECT_EQ(parsed.vectors[i].name, vs[i].name);
    EXPECT_EQ(parsed.vectors[i].value, vs[i].value);
  }
  EXPECT_TRUE(parsed.duplicates.empty());
}

TEST(Vectors, ParserReportsDuplicatesAndIgnoresOtherFences) {
  const std::string md =
      "```cpp\nx.y: 1\n```\n"
      "```vectors\nx.y: 01\n  02\nx.y: 03\n```\n"
      "x.z: outside\n";
  const Parsed parsed = parse_markdown(md);
  ASSERT_EQ(parsed.vectors.size(), 1u);
  EXPECT_EQ(parsed.vectors[0].value, "0102");
  ASSERT_EQ(parsed.duplicates.size(), 1u);
  EXPECT_EQ(parsed.duplicates[0], "x.y");
}

}  // namespace
}  // namespace cloudchain::primitives::vectors
