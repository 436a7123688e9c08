// The p2p vectors in docs/protocol.md (section 10) must be exactly what the code computes.
#include "p2p/vectors.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "util/hex.hpp"

namespace cloudchain::p2p::vectors {
namespace {

namespace pv = primitives::vectors;

std::string read_protocol_md() {
  std::ifstream in(std::string(CLOUDCHAIN_SOURCE_DIR) + "/docs/protocol.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> computed() {
  std::map<std::string, std::string> out;
  for (const auto& group : all_groups()) {
    for (const auto& v : group.vectors) out.emplace(v.name, v.value);
  }
  return out;
}

TEST(P2pVectors, ProtocolDocumentMatchesTheCode) {
  const std::string doc = read_protocol_md();
  ASSERT_FALSE(doc.empty()) << "docs/protocol.md not found";
  const pv::Parsed parsed = pv::parse_markdown(doc);
  std::map<std::string, std::string> in_doc;
  for (const auto& v : parsed.vectors) {
    if (v.name.starts_with("p2p.")) in_doc.emplace(v.name, v.value);
  }
  const auto code = computed();
  for (const auto& [name, value] : code) {
    auto it = in_doc.find(name);
    if (it == in_doc.end()) {
      ADD_FAILURE() << "docs/protocol.md lacks vector " << name << " (run cloudchain-vectors)";
      continue;
    }
    EXPECT_EQ(it->second, value) << "vector " << name << " differs from the code";
  }
  for (const auto& [name, value] : in_doc) EXPECT_TRUE(code.contains(name)) << "unknown vector in docs: " << name;
}

TEST(P2pVectors, EveryFrameDecodesToItsSample) {
  const auto code = computed();
  for (const Message& m : sample_messages()) {
    const std::string name = "p2p." + std::string(to_string(type_of(m))) + ".frame";
    ASSERT_TRUE(code.contains(name)) << name;
    const auto bytes = util::from_hex(code.at(name));
    ASSERT_TRUE(bytes.has_value()) << name;
    FrameDecoder dec(sample_magic());
    dec.feed(*bytes);
    auto frame = dec.next();
    ASSERT_TRUE(frame.has_value() && frame->has_value()) << name;
    EXPECT_EQ((*frame)->type, static_cast<std::uint16_t>(type_of(m)));
    auto decoded = decode_message((*frame)->type, (*frame)->payload);
    ASSERT_TRUE(decoded.has_value()) << name << ": " << decoded.error().detail;
    EXPECT_EQ(*decoded, m) << name;
    EXPECT_FALSE(dec.next().has_value());
  }
}

TEST(P2pVectors, SamplesUseThePrimitivesVectors) {
  const auto samples = sample_messages();
  const primitives::Block block = pv::sample_pow_block();
  EXPECT_EQ(std::get<Headers>(samples[10]).headers.front(), block.header);
  EXPECT_EQ(std::get<BlockMsg>(samples[11]).block, block);
  EXPECT_EQ(std::get<TxMsg>(samples[12]).tx, pv::sample_transfer());
  EXPECT_EQ(std::get<ProposalMsg>(samples[13]).proposal, pv::sample_proposal());
  EXPECT_EQ(std::get<ProposalMsg>(samples[13]).block, block);
  EXPECT_EQ(std::get<VoteMsg>(samples[14]).vote, pv::sample_vote());
  EXPECT_EQ(sample_magic(), magic_for(primitives::block_hash(block.header)));
}

}  // namespace
}  // namespace cloudchain::p2p::vectors
