#include "state/vectors.hpp"

#include <cstdlib>
#include <string>

#include "state/tree.hpp"
#include "util/hex.hpp"

namespace cloudchain::state::vectors {

namespace {

using primitives::vectors::Vector;

Address filled(std::uint8_t byte) {
  Address a;
  a.fill(byte);
  return a;
}

// The vectors come from fixed inputs; an error here is a bug in this file.
template <typename T>
T must(T value) {
  if (!value) std::abort();
  return value;
}

void add_account(std::vector<Vector>& out, const std::string& name, const Address& address, const Account& a) {
  const TreeValue value = account_value(a);
  out.push_back({"state." + name + ".address", util::to_hex(address)});
  out.push_back({"state." + name + ".encoding", util::to_hex(value.value)});
  out.push_back({"state." + name + ".key", util::to_hex(account_key(address))});
  out.push_back({"state." + name + ".value_hash", util::to_hex(value.value_hash)});
}

}  // namespace

Address address_a() { return filled(0x11); }
Address address_b() { return filled(0x22); }
Address address_c() { return filled(0x33); }
Address address_absent() { return filled(0x44); }

Account account_a() {
  Account a;
  a.balance = 1000;
  return a;
}

Account account_b() {
  Account b;
  b.balance = 2000;
  b.nonce = 5;
  return b;
}

Account account_c() {
  Account c;
  c.balance = 3000;
  c.nonce = 1;
  c.stake = 500;
  c.validator = primitives::vectors::validator().public_key();
  c.unbonding = 100;
  c.unbonding_release_height = 120;
  return c;
}

std::vector<primitives::vectors::Group> all_groups() {
  const PublicKey validator = primitives::vectors::validator().public_key();
  const ValidatorRecord record{address_c(), 0};
  std::vector<TreeUpdate> batch{
      {account_key(address_a()), account_value(account_a())},
      {account_key(address_b()), account_value(account_b())},
      {account_key(address_c()), account_value(account_c())},
      {validator_key(validator), validator_value(record)},
  };
  std::sort(batch.begin(), batch.end(), [](const TreeUpdate& x, const TreeUpdate& y) { return x.key < y.key; });
  MemoryNodeStore store;
  StateTree tree(store);
  const Hash256 root = *must(tree.update(kEmptyHash, batch));
  const StateProof inclusion = *must(tree.prove(root, account_key(address_b())));
  const StateProof non_inclusion = *must(tree.prove(root, account_key(address_absent())));

  std::vector<Vector> vs;
  vs.push_back({"state.empty_root", util::to_hex(kEmptyHash)});
  add_account(vs, "account_a", address_a(), account_a());
  add_account(vs, "account_b", address_b(), account_b());
  add_account(vs, "account_c", address_c(), account_c());
  const TreeValue record_value = validator_value(record);
  vs.push_back({"state.validator_c.pubkey", util::to_hex(validator)});
  vs.push_back({"state.validator_c.encoding", util::to_hex(record_value.value)});
  vs.push_back({"state.validator_c.key", util::to_hex(validator_key(validator))});
  vs.push_back({"state.validator_c.value_hash", util::to_hex(record_value.value_hash)});
  vs.push_back({"state.root", util::to_hex(root)});
  vs.push_back({"state.proof.account_b", util::to_hex(encode_proof(inclusion))});
  vs.push_back({"state.absent.address", util::to_hex(address_absent())});
  vs.push_back({"state.absent.key", util::to_hex(account_key(address_absent()))});
  vs.push_back({"state.proof.absent", util::to_hex(encode_proof(non_inclusion))});

  // The PoS records over the same state: account_c's key is the one candidate and the one
  // active validator.
  const std::vector<PublicKey> candidates{validator};
  const ActiveSet active{1, {{validator, account_c().stake, address_c()}}};
  std::vector<TreeUpdate> pos_batch = batch;
  pos_batch.push_back({candidates_key(), candidates_value(candidates)});
  pos_batch.push_back({active_set_key(), active_set_value(active)});
  std::sort(pos_batch.begin(), pos_batch.end(), [](const TreeUpdate& x, const TreeUpdate& y) { return x.key < y.key; });
  const Hash256 pos_root = *must(tree.update(kEmptyHash, pos_batch));
  const StateProof active_proof = *must(tree.prove(pos_root, active_set_key()));
  std::vector<Vector> pos;
  const TreeValue cand_value = candidates_value(candidates);
  const TreeValue active_value = active_set_value(active);
  pos.push_back({"state.candidates.key", util::to_hex(candidates_key())});
  pos.push_back({"state.candidates.encoding", util::to_hex(cand_value.value)});
  pos.push_back({"state.candidates.value_hash", util::to_hex(cand_value.value_hash)});
  pos.push_back({"state.active_set.key", util::to_hex(active_set_key())});
  pos.push_back({"state.active_set.encoding", util::to_hex(active_value.value)});
  pos.push_back({"state.active_set.value_hash", util::to_hex(active_value.value_hash)});
  pos.push_back({"state.pos.root", util::to_hex(pos_root)});
  pos.push_back({"state.proof.active_set", util::to_hex(encode_proof(active_proof))});

  primitives::vectors::Group pos_group;
  pos_group.title = "PoS state records (section 9)";
  pos_group.description =
      "- The state above plus the two PoS records: the candidate list holds validator_c's key, and the\n"
      "  active set {effective_height 1, [(validator_c's key, power 500, payout account_c)]}.\n"
      "- `state.pos.root` is the root of those six records; `state.proof.active_set` proves the active\n"
      "  set record in it (what a light client checks to learn the validators of a height).";
  pos_group.vectors = std::move(pos);

  primitives::vectors::Group group;
  group.title = "State (section 9)";
  group.description =
      "- account_a: 0x11 x 20, balance 1000.\n"
      "- account_b: 0x22 x 20, balance 2000, nonce 5.\n"
      "- account_c: 0x33 x 20, balance 3000, nonce 1, stake 500 bonded to the vote vectors' validator key\n"
      "  (secret 0x03 x 32), unbonding 100 released at height 120; validator_c is that key's record.\n"
      "- The state holds exactly these four records. `state.proof.account_b` proves account_b\n"
      "  (inclusion); `state.proof.absent` proves that address 0x44 x 20 has no account.";
  group.vectors = std::move(vs);
  return {group, pos_group};
}

}  // namespace cloudchain::state::vectors
