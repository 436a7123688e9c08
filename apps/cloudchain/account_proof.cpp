#include "account_proof.hpp"

#include <nlohmann/json.hpp>

#include "amount.hpp"
#include "primitives/header.hpp"
#include "state/proof.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

std::string_view to_string(AccountProofError e) {
  switch (e) {
    case AccountProofError::kMalformed: return "account_malformed";
    case AccountProofError::kKeyMismatch: return "account_key_mismatch";
    case AccountProofError::kBadRecord: return "account_bad_record";
    case AccountProofError::kFieldMismatch: return "account_field_mismatch";
    case AccountProofError::kProofInvalid: return "account_proof_invalid";
    case AccountProofError::kHeaderMismatch: return "account_header_mismatch";
  }
  return "account_unknown";
}

namespace {

using Json = nlohmann::json;
using util::fail;

util::Result<std::string, AccountProofError> string_field(const Json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) {
    return fail(AccountProofError::kMalformed, std::string("field \"") + name + "\" is missing or not a string");
  }
  return it->get<std::string>();
}

util::Result<util::Bytes, AccountProofError> hex_field(const Json& doc, const char* name) {
  auto text = string_field(doc, name);
  if (!text) return std::unexpected(text.error());
  auto bytes = util::from_hex(*text);
  if (!bytes) return fail(AccountProofError::kMalformed, std::string("field \"") + name + "\" is not hex");
  return *bytes;
}

util::Result<util::Hash256, AccountProofError> hash_field(const Json& doc, const char* name) {
  auto bytes = hex_field(doc, name);
  if (!bytes) return std::unexpected(bytes.error());
  if (bytes->size() != 32)
    return fail(AccountProofError::kMalformed, std::string("field \"") + name + "\" is not 32 bytes");
  util::Hash256 out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

// Amount-like fields are decimal strings (api.md); heights are numbers. Either is read.
util::Result<std::uint64_t, AccountProofError> u64_field(const Json& doc, const char* name) {
  auto it = doc.find(name);
  if (it != doc.end()) {
    if (it->is_number_unsigned()) return it->get<std::uint64_t>();
    if (it->is_string()) {
      if (auto v = parse_amount(it->get_ref<const std::string&>(), name)) return *v;
    }
  }
  return fail(AccountProofError::kMalformed,
              std::string("field \"") + name + "\" is missing or not an unsigned integer");
}

}  // namespace

util::Result<ProvenAccount, AccountProofError> verify_account_answer(const Json& doc, const crypto::Address& address) {
  if (!doc.is_object()) return fail(AccountProofError::kMalformed, "the answer is not a JSON object");
  ProvenAccount out;
  auto key = hash_field(doc, "key");
  if (!key) return std::unexpected(key.error());
  if (*key != state::account_key(address)) {
    return fail(AccountProofError::kKeyMismatch, "the node's state key is not this address's key");
  }

  std::optional<util::Hash256> value_hash;
  if (doc.contains("value") && !doc["value"].is_null()) {
    auto value = hex_field(doc, "value");
    if (!value) return std::unexpected(value.error());
    auto account = state::decode_account(*value);
    if (!account) {
      return fail(AccountProofError::kBadRecord, std::string(state::to_string(account.error().code)));
    }
    out.account = *account;
    value_hash = state::account_value_hash(*value);
  }

  struct Shown {
    const char* name;
    std::uint64_t proven;
  };
  for (const Shown& f : {Shown{"balance", out.account.balance}, Shown{"nonce", out.account.nonce},
                         Shown{"stake", out.account.stake}, Shown{"unbonding", out.account.unbonding}}) {
    auto shown = u64_field(doc, f.name);
    if (!shown) return std::unexpected(shown.error());
    if (*shown != f.proven) {
      return fail(AccountProofError::kFieldMismatch, std::string(f.name) + " is " + std::to_string(*shown) +
                                                         " but the proven record says " + std::to_string(f.proven));
    }
  }

  // The validator key is shown only for an account with stake (api.md).
  if (auto v = doc.find("validator"); v != doc.end() || out.account.validator) {
    const std::string shown = v != doc.end() && v->is_string() ? v->get<std::string>() : "";
    const std::string proven = out.account.validator ? util::to_hex(*out.account.validator) : "";
    if (shown != proven) {
      return fail(AccountProofError::kFieldMismatch,
                  "validator is \"" + shown + "\" but the proven record says \"" + proven + "\"");
    }
  }

  auto root = hash_field(doc, "state_root");
  if (!root) return std::unexpected(root.error());
  out.state_root = *root;
  auto block_hash = hash_field(doc, "block_hash");
  if (!block_hash) return std::unexpected(block_hash.error());
  out.block_hash = *block_hash;
  auto height = u64_field(doc, "height");
  if (!height) return std::unexpected(height.error());
  out.height = *height;

  auto proof_bytes = hex_field(doc, "proof");
  if (!proof_bytes) return std::unexpected(proof_bytes.error());
  auto proof = state::decode_proof(*proof_bytes);
  if (!proof) return fail(AccountProofError::kProofInvalid, std::string(state::to_string(proof.error().code)));
  if (auto ok = state::verify_proof(out.state_root, *key, value_hash, *proof); !ok) {
    return fail(AccountProofError::kProofInvalid, std::string(state::to_string(ok.error().code)));
  }
  return out;
}

util::Result<void, AccountProofError> verify_account_header(const ProvenAccount& proven, std::string_view header_hex) {
  auto bytes = util::from_hex(header_hex);
  if (!bytes) return fail(AccountProofError::kMalformed, "the header is not hex");
  auto header = primitives::decode_header(*bytes);
  if (!header) {
    return fail(AccountProofError::kHeaderMismatch,
                "the header does not decode: " + std::string(primitives::to_string(header.error().code)));
  }
  if (primitives::block_hash(*header) != proven.block_hash) {
    return fail(AccountProofError::kHeaderMismatch, "the header does not hash to the block hash");
  }
  if (header->height != proven.height) {
    return fail(AccountProofError::kHeaderMismatch, "the header is at another height");
  }
  if (header->state_root != proven.state_root) {
    return fail(AccountProofError::kHeaderMismatch, "the header carries another state root");
  }
  return {};
}

}  // namespace cloudchain::cli
