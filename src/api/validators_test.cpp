// GET /v1/validators over a real server: a PoW chain (no set), and a chain whose tip
// state holds a PoS validator set written through the state layer, its proof verified
// as a client would.

#include <gtest/gtest.h>

#include <algorithm>

#include "api/test_fixture.hpp"
#include "state/overlay.hpp"
#include "state/proof.hpp"
#include "state/records.hpp"

namespace cloudchain::api::test {
namespace {

using nlohmann::json;

// Below the tip's height (3): a jail lasts until an unjail transaction, not until a height.
constexpr std::uint64_t kJailedUntil = 2;

class ValidatorsTest : public ServerTest {
 protected:
  // Restarts the server over a "pos" node whose tip (height 3) holds: alice's key (stake
  // 300) and bob's key (stake 100, jailed until kJailedUntil) in the active set, carol's
  // key (stake 50) a candidate only.
  void make_pos() {
    server.reset();
    node = std::make_unique<TestNode>("pos");
    const Keys& k = node->keys();
    const auto edit = [&k](state::StateOverlay& o) {
      const auto bond = [&o](const crypto::PrivateKey& who, std::uint64_t stake, std::uint64_t jailed_until) {
        const crypto::Address address = crypto::address_of(who.public_key());
        state::Account a = o.account(address).value();
        a.balance -= stake;
        a.stake = stake;
        a.validator = who.public_key();
        o.set_account(address, a);
        o.set_validator(who.public_key(), state::ValidatorRecord{address, jailed_until});
        ASSERT_TRUE(o.add_candidate(who.public_key()).has_value());
      };
      bond(k.alice, 300, 0);
      bond(k.bob, 100, kJailedUntil);
      bond(k.carol, 50, 0);
      state::ActiveSet set{4, {}};
      for (const auto* who : {&k.alice, &k.bob}) {
        set.validators.push_back(
            {who->public_key(), who == &k.alice ? 300U : 100U, crypto::address_of(who->public_key())});
      }
      std::ranges::sort(set.validators, {}, &state::ActiveValidator::key);
      o.set_active_set(set);
    };
    node->mine({}, edit);
    start();
  }
  std::string key_hex(const crypto::PrivateKey& k) const { return util::to_hex(k.public_key()); }
  // Checks the answer's proof of the active set record against the tip's state root, as
  // a client would; returns whether it verified.
  bool proof_verifies(const json& doc, std::optional<util::Hash256> value_hash) const {
    const auto tip = node->blocks().back();
    EXPECT_EQ(doc.at("state_root"), util::to_hex(tip.header.state_root));
    EXPECT_EQ(doc.at("key"), util::to_hex(state::active_set_key()));
    auto proof = state::decode_proof(util::from_hex(doc.at("proof").get<std::string>()).value());
    EXPECT_TRUE(proof.has_value());
    return proof && state::verify_proof(tip.header.state_root, state::active_set_key(), value_hash, *proof).has_value();
  }
};

TEST_F(ValidatorsTest, PowChainHasEmptyListsAndProvesTheSetAbsent) {
  const auto r = get("/v1/validators");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json v = r.json();
  EXPECT_EQ(v.at("consensus"), "pow");
  EXPECT_EQ(v.at("height"), 2);
  EXPECT_EQ(v.at("block_hash"), util::to_hex(primitives::block_hash(node->blocks().at(2).header)));
  EXPECT_EQ(v.at("validators"), json::array());
  EXPECT_EQ(v.at("candidates"), json::array());
  EXPECT_FALSE(v.contains("effective_height"));
  EXPECT_FALSE(v.contains("value"));
  EXPECT_FALSE(v.contains("missed_blocks"));
  EXPECT_TRUE(proof_verifies(v, std::nullopt));
}

TEST_F(ValidatorsTest, ActiveSetWithAJailedValidatorAndCandidates) {
  make_pos();
  const Keys& k = node->keys();
  node->set_missed_blocks({{k.alice.public_key(), 7}});
  const auto r = get("/v1/validators");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json v = r.json();
  EXPECT_EQ(v.at("consensus"), "pos");
  EXPECT_EQ(v.at("height"), 3);
  EXPECT_EQ(v.at("effective_height"), 4);
  EXPECT_EQ(v.at("total_power"), "400");

  const json& set = v.at("validators");
  ASSERT_EQ(set.size(), 2u);
  for (const json& e : set) {
    const bool is_alice = e.at("key") == key_hex(k.alice);
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(e.at("key"), key_hex(is_alice ? k.alice : k.bob));
    EXPECT_EQ(e.at("power"), is_alice ? "300" : "100");
    EXPECT_EQ(e.at("power_bps"), is_alice ? 7500 : 2500);
    EXPECT_EQ(e.at("payout"), node->address(is_alice ? k.alice : k.bob));
    EXPECT_EQ(e.at("stake"), is_alice ? "300" : "100");
    EXPECT_EQ(e.at("jailed"), !is_alice);
    EXPECT_EQ(e.at("jailed_until_height"), is_alice ? 0 : kJailedUntil);
    // The node's own count of commits without its signature; null where it counts none.
    if (is_alice) {
      EXPECT_EQ(e.at("missed_blocks"), 7);
    } else {
      EXPECT_TRUE(e.at("missed_blocks").is_null());
    }
  }
  EXPECT_LT(set[0].at("key").get<std::string>(), set[1].at("key").get<std::string>());  // key order

  const json& candidates = v.at("candidates");
  ASSERT_EQ(candidates.size(), 3u);
  for (const json& c : candidates) {
    SCOPED_TRACE(c.dump());
    if (c.at("key") == key_hex(k.carol)) {
      EXPECT_EQ(c.at("stake"), "50");
      EXPECT_EQ(c.at("jailed"), false);
    } else if (c.at("key") == key_hex(k.bob)) {
      EXPECT_EQ(c.at("stake"), "100");
      EXPECT_EQ(c.at("jailed"), true);
      EXPECT_EQ(c.at("jailed_until_height"), kJailedUntil);
    } else {
      EXPECT_EQ(c.at("key"), key_hex(k.alice));
      EXPECT_EQ(c.at("stake"), "300");
    }
  }
}

TEST_F(ValidatorsTest, ProofOfTheSetVerifiesAgainstTheTipRoot) {
  make_pos();
  const json v = get("/v1/validators").json();
  const util::Bytes value = util::from_hex(v.at("value").get<std::string>()).value();
  auto set = state::decode_active_set(value);
  ASSERT_TRUE(set.has_value());
  ASSERT_EQ(set->validators.size(), 2u);
  EXPECT_EQ(set->effective_height, 4u);
  // The listed set is the proven one.
  for (std::size_t i = 0; i < set->validators.size(); ++i) {
    EXPECT_EQ(v["validators"][i].at("key"), util::to_hex(set->validators[i].key));
    EXPECT_EQ(v["validators"][i].at("power"), std::to_string(set->validators[i].power));
  }
  EXPECT_TRUE(proof_verifies(v, state::active_set_value(*set).value_hash));

  // Another set (one power changed) does not verify with the same proof, nor does absence.
  set->validators[0].power += 1;
  EXPECT_FALSE(proof_verifies(v, state::active_set_value(*set).value_hash));
  EXPECT_FALSE(proof_verifies(v, std::nullopt));
}

TEST_F(ValidatorsTest, QueryParametersAreRefused) {
  for (const char* target : {"/v1/validators?limit=10", "/v1/validators?cursor=x", "/v1/validators?x"}) {
    SCOPED_TRACE(target);
    expect_problem(get(target), 400, "bad_param");
  }
  expect_alive();
}

}  // namespace
}  // namespace cloudchain::api::test
