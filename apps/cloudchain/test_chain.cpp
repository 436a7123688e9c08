#include "test_chain.hpp"

#include "state/proof.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli::test {

crypto::PrivateKey key_of(std::uint8_t b) {
  util::ByteArray<32> secret{};
  secret.fill(b);
  return crypto::PrivateKey::from_bytes(secret).value();
}

void StateFixture::set(const crypto::Address& address, const state::Account& account) {
  m_accounts[address] = account;
  state::TreeUpdate update{state::account_key(address), std::nullopt};
  if (!account.is_zero()) update.value = state::account_value(account);
  state::StateTree tree(m_store);
  m_root = tree.update(m_root, std::span<const state::TreeUpdate>(&update, 1)).value();
}

nlohmann::json StateFixture::answer(const crypto::Address& address, const std::string& hrp, std::uint64_t height,
                                    const util::Hash256& block_hash, std::uint64_t next_nonce) const {
  state::Account a;
  if (auto it = m_accounts.find(address); it != m_accounts.end()) a = it->second;
  const util::Hash256 key = state::account_key(address);
  const state::StateProof proof = state::tree_prove(m_store, m_root, key).value();
  nlohmann::json doc{{"address", crypto::encode_address(hrp, address)},
                     {"balance", std::to_string(a.balance)},
                     {"nonce", std::to_string(a.nonce)},
                     {"stake", std::to_string(a.stake)},
                     {"unbonding", std::to_string(a.unbonding)},
                     {"unbonding_release_height", a.unbonding_release_height},
                     {"next_nonce", std::to_string(next_nonce)},
                     {"height", height},
                     {"block_hash", util::to_hex(block_hash)},
                     {"state_root", util::to_hex(m_root)},
                     {"key", util::to_hex(key)},
                     {"proof", util::to_hex(state::encode_proof(proof))}};
  if (!a.is_zero()) doc["value"] = util::to_hex(state::encode_account(a));
  if (a.validator) doc["validator"] = util::to_hex(*a.validator);
  return doc;
}

primitives::BlockHeader make_header(std::uint32_t chain_id, std::uint64_t height, const util::Hash256& tx_root,
                                    const util::Hash256& state_root) {
  primitives::BlockHeader h;
  h.chain_id = chain_id;
  h.height = height;
  h.parent.fill(static_cast<std::uint8_t>(height));
  h.timestamp_ms = 1764000000000 + height * 10000;
  h.tx_root = tx_root;
  h.state_root = state_root;
  h.beneficiary = crypto::address_of(key_of(2).public_key());
  h.seal = primitives::PowSeal{0x207fffff, 0};
  auto& seal = std::get<primitives::PowSeal>(h.seal);
  const auto target = primitives::target_from_bits(seal.bits).value();
  while (!primitives::hash_meets_target(primitives::block_hash(h), target)) ++seal.nonce;
  return h;
}

}  // namespace cloudchain::cli::test
