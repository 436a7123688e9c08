// The state vectors in docs/protocol.md must be exactly what the code computes, and the
// proofs printed there must verify against the printed root.
#include "state/vectors.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "util/hex.hpp"

namespace cloudchain::state::vectors {
namespace {

std::map<std::string, std::string> state_vectors_in_doc() {
  std::ifstream in(std::string(CLOUDCHAIN_SOURCE_DIR) + "/docs/protocol.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::map<std::string, std::string> out;
  for (const auto& v : primitives::vectors::parse_markdown(ss.str()).vectors) {
    if (v.name.starts_with("state.")) out.emplace(v.name, v.value);
  }
  return out;
}

TEST(StateVectors, ProtocolDocumentMatchesTheCode) {
  const auto in_doc = state_vectors_in_doc();
  ASSERT_FALSE(in_doc.empty()) << "docs/protocol.md has no state vectors";
  std::map<std::string, std::string> computed;
  for (const auto& group : all_groups()) {
    for (const auto& v : group.vectors) {
      computed.emplace(v.name, v.value);
      auto it = in_doc.find(v.name);
      if (it == in_doc.end()) {
        ADD_FAILURE() << "docs/protocol.md lacks vector " << v.name << ": " << v.value;
        continue;
      }
      EXPECT_EQ(it->second, v.value) << "vector " << v.name << " differs from the code";
    }
  }
  for (const auto& [name, value] : in_doc) EXPECT_TRUE(computed.contains(name)) << "unknown vector in docs: " << name;
}

// An auditor's check, from the document alone: decode the printed proofs and verify them.
TEST(StateVectors, PrintedProofsVerifyAgainstThePrintedRoot) {
  const auto doc = state_vectors_in_doc();
  ASSERT_TRUE(doc.contains("state.root") && doc.contains("state.proof.account_b") &&
              doc.contains("state.proof.absent"));
  const Hash256 root = *util::from_hex_array<32>(doc.at("state.root"));

  const Hash256 key_b = *util::from_hex_array<32>(doc.at("state.account_b.key"));
  const Hash256 value_b = account_value_hash(*util::from_hex(doc.at("state.account_b.encoding")));
  auto inclusion = decode_proof(*util::from_hex(doc.at("state.proof.account_b")));
  ASSERT_TRUE(inclusion);
  EXPECT_TRUE(verify_proof(root, key_b, value_b, *inclusion));
  EXPECT_EQ(*decode_account(*util::from_hex(doc.at("state.account_b.encoding"))), account_b());

  const Hash256 absent = *util::from_hex_array<32>(doc.at("state.absent.key"));
  EXPECT_EQ(absent, account_key(address_absent()));
  auto non_inclusion = decode_proof(*util::from_hex(doc.at("state.proof.absent")));
  ASSERT_TRUE(non_inclusion);
  EXPECT_TRUE(verify_proof(root, absent, std::nullopt, *non_inclusion));
}

// A light client's check: the active set record printed in the document is in the
// printed PoS root, and decodes to the documented validator.
TEST(StateVectors, PrintedActiveSetProofVerifiesAgainstThePosRoot) {
  const auto doc = state_vectors_in_doc();
  ASSERT_TRUE(doc.contains("state.pos.root") && doc.contains("state.proof.active_set") &&
              doc.contains("state.active_set.encoding") && doc.contains("state.active_set.value_hash"));
  const Hash256 root = *util::from_hex_array<32>(doc.at("state.pos.root"));
  const Hash256 key = *util::from_hex_array<32>(doc.at("state.active_set.key"));
  EXPECT_EQ(key, active_set_key());
  const Hash256 value_hash = *util::from_hex_array<32>(doc.at("state.active_set.value_hash"));
  auto proof = decode_proof(*util::from_hex(doc.at("state.proof.active_set")));
  ASSERT_TRUE(proof);
  EXPECT_TRUE(verify_proof(root, key, value_hash, *proof));
  auto set = decode_active_set(*util::from_hex(doc.at("state.active_set.encoding")));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->effective_height, 1U);
  ASSERT_EQ(set->validators.size(), 1U);
  EXPECT_EQ(set->validators[0].payout, address_c());
  EXPECT_EQ(set->validators[0].power, account_c().stake);
  auto candidates = decode_candidates(*util::from_hex(doc.at("state.candidates.encoding")));
  ASSERT_TRUE(candidates);
  EXPECT_EQ(*candidates, std::vector<PublicKey>{set->validators[0].key});
}

}  // namespace
}  // namespace cloudchain::state::vectors
