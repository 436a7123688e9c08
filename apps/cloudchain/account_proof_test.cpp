// The balance check: a real state tree's proof, the header that commits to its root, and
// each way a node's answer can disagree with them.

#include "account_proof.hpp"

#include <gtest/gtest.h>

#include "primitives/header.hpp"
#include "test_chain.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {
namespace {

using test::key_of;

const crypto::Address kAlice = crypto::address_of(key_of(1).public_key());
const crypto::Address kBob = crypto::address_of(key_of(2).public_key());
const crypto::Address kNobody = crypto::address_of(key_of(9).public_key());

struct World {
  test::StateFixture state;
  primitives::BlockHeader header;
  util::Hash256 block_hash{};

  World() {
    state::Account alice;
    alice.balance = 1234567;
    alice.nonce = 3;
    state.set(kAlice, alice);
    state::Account bob;
    bob.balance = 10;
    bob.stake = 500;
    bob.validator = key_of(7).public_key();
    state.set(kBob, bob);
    header = test::make_header(1001, 12, util::Hash256{}, state.root());
    block_hash = primitives::block_hash(header);
  }
  nlohmann::json answer(const crypto::Address& a) const { return state.answer(a, "ccdev", 12, block_hash, 4); }
};

TEST(CliAccountProof, HonestAnswersVerify) {
  const World w;
  auto alice = verify_account_answer(w.answer(kAlice), kAlice);
  ASSERT_TRUE(alice.has_value()) << alice.error().detail;
  EXPECT_EQ(alice->account.balance, 1234567U);
  EXPECT_EQ(alice->account.nonce, 3U);
  EXPECT_EQ(alice->height, 12U);
  EXPECT_TRUE(verify_account_header(*alice, util::to_hex(primitives::encode(w.header))).has_value());

  auto bob = verify_account_answer(w.answer(kBob), kBob);
  ASSERT_TRUE(bob.has_value()) << bob.error().detail;
  EXPECT_EQ(bob->account.stake, 500U);
}

TEST(CliAccountProof, AbsentAccountIsProvenZero) {
  const World w;
  auto nobody = verify_account_answer(w.answer(kNobody), kNobody);
  ASSERT_TRUE(nobody.has_value()) << nobody.error().detail;
  EXPECT_TRUE(nobody->account.is_zero());
}

AccountProofError error_of(const nlohmann::json& doc, const crypto::Address& a) {
  auto r = verify_account_answer(doc, a);
  EXPECT_FALSE(r.has_value());
  return r ? AccountProofError::kMalformed : r.error().code;
}

TEST(CliAccountProof, InflatedBalanceIsCaught) {
  const World w;
  nlohmann::json doc = w.answer(kAlice);
  doc["balance"] = "99999999";
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kFieldMismatch);
  doc = w.answer(kAlice);
  doc["nonce"] = "0";
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kFieldMismatch);
}

TEST(CliAccountProof, WrongValidatorKeyIsCaught) {
  const World w;
  nlohmann::json doc = w.answer(kBob);
  doc["validator"] = util::to_hex(key_of(8).public_key());
  EXPECT_EQ(error_of(doc, kBob), AccountProofError::kFieldMismatch);
  doc.erase("validator");
  EXPECT_EQ(error_of(doc, kBob), AccountProofError::kFieldMismatch);
  doc = w.answer(kAlice);
  doc["validator"] = util::to_hex(key_of(8).public_key());
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kFieldMismatch);
}

TEST(CliAccountProof, ForgedRecordFailsTheProof) {
  // The node rewrites the record and the fields consistently: only the proof can tell.
  const World w;
  nlohmann::json doc = w.answer(kAlice);
  state::Account forged;
  forged.balance = 99999999;
  forged.nonce = 3;
  doc["value"] = util::to_hex(state::encode_account(forged));
  doc["balance"] = "99999999";
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kProofInvalid);
}

TEST(CliAccountProof, HidingAnAccountFailsTheProof) {
  const World w;
  nlohmann::json doc = w.answer(kAlice);
  doc.erase("value");
  for (const char* f : {"balance", "nonce", "stake", "unbonding"}) doc[f] = "0";
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kProofInvalid);
}

TEST(CliAccountProof, AnotherAddressesAnswerIsCaught) {
  const World w;
  EXPECT_EQ(error_of(w.answer(kBob), kAlice), AccountProofError::kKeyMismatch);
}

TEST(CliAccountProof, FlippedProofOrRootFails) {
  const World w;
  nlohmann::json doc = w.answer(kAlice);
  std::string proof = doc["proof"];
  proof[proof.size() - 1] = proof.back() == '0' ? '1' : '0';
  doc["proof"] = proof;
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kProofInvalid);

  doc = w.answer(kAlice);
  std::string root = doc["state_root"];
  root[0] = root[0] == '0' ? '1' : '0';
  doc["state_root"] = root;
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kProofInvalid);
}

TEST(CliAccountProof, NonCanonicalRecordIsCaught) {
  const World w;
  nlohmann::json doc = w.answer(kAlice);
  doc["value"] = doc["value"].get<std::string>() + "00";
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kBadRecord);
}

TEST(CliAccountProof, MalformedAnswersAreReported) {
  const World w;
  for (const char* field : {"key", "state_root", "block_hash", "proof", "balance", "height"}) {
    nlohmann::json doc = w.answer(kAlice);
    doc.erase(field);
    EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kMalformed) << field;
  }
  nlohmann::json doc = w.answer(kAlice);
  doc["key"] = "zz";
  EXPECT_EQ(error_of(doc, kAlice), AccountProofError::kMalformed);
  EXPECT_EQ(error_of(nlohmann::json::array(), kAlice), AccountProofError::kMalformed);
}

TEST(CliAccountProof, HeaderMustCommitToTheRoot) {
  const World w;
  const auto proven = verify_account_answer(w.answer(kAlice), kAlice).value();

  // Another block's header (different state root, hence different hash).
  const auto other = test::make_header(1001, 12, util::Hash256{}, util::Hash256{});
  auto r = verify_account_header(proven, util::to_hex(primitives::encode(other)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, AccountProofError::kHeaderMismatch);

  // A header that hashes right but is claimed at another height.
  auto moved = proven;
  moved.height = 13;
  r = verify_account_header(moved, util::to_hex(primitives::encode(w.header)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, AccountProofError::kHeaderMismatch);

  // A header whose state root differs from the one the proof was checked against.
  auto rerooted = proven;
  rerooted.state_root[0] ^= 1;
  r = verify_account_header(rerooted, util::to_hex(primitives::encode(w.header)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, AccountProofError::kHeaderMismatch);

  EXPECT_EQ(verify_account_header(proven, "xyz").error().code, AccountProofError::kMalformed);
  EXPECT_EQ(verify_account_header(proven, "00").error().code, AccountProofError::kHeaderMismatch);
}

}  // namespace
}  // namespace cloudchain::cli
