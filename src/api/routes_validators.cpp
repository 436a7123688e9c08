// GET /v1/validators: the tip's active set and candidates, with a state proof of the
// active set record (docs/api.md "Validators").

#include <optional>
#include <vector>

#include "api/routes.hpp"
#include "state/overlay.hpp"
#include "state/proof.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"

namespace cloudchain::api {

namespace {

__extension__ using U128 = unsigned __int128;

constexpr std::uint64_t kBasisPoints = 10'000;

Problem state_problem(const util::Error<state::StateError>& e) {
  return problem(500, state::to_string(e.code), e.detail);
}

// What the validator record and the backing account say about one key.
struct KeyInfo {
  std::uint64_t stake = 0;
  std::uint64_t jailed_until_height = 0;
};

std::expected<KeyInfo, Problem> key_info(state::StateOverlay& overlay, const state::PublicKey& key,
                                         const std::optional<crypto::Address>& fallback_account) {
  auto record = overlay.validator(key);
  if (!record) return std::unexpected(state_problem(record.error()));
  KeyInfo info;
  std::optional<crypto::Address> account = fallback_account;
  if (const std::optional<state::ValidatorRecord>& r = *record) {
    info.jailed_until_height = r->jailed_until_height;
    account = r->account;
  }
  if (account) {
    auto read = overlay.account(*account);
    if (!read) return std::unexpected(state_problem(read.error()));
    // The stake counts only while it is bonded to this key.
    if (read->validator == key) info.stake = read->stake;
  }
  return info;
}

// Jailed until an unjail transaction clears the record's height (state/epoch.hpp rule 1).
void write_jail(JsonWriter& w, const KeyInfo& info) {
  w.field("jailed", info.jailed_until_height != 0).field("jailed_until_height", info.jailed_until_height);
}

}  // namespace

Response get_validators(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  if (auto q = no_query(req); !q) return problem_response(q.error());

  // One published tip and its tree view (see get_account): every record below is read
  // from the same root.
  const node::TipState tip = ctx.service.tip_state();
  const util::Hash256& root = tip.state_root;
  const state::NodeStore& nodes = *tip.nodes;
  const std::string& hrp = ctx.service.info().network;

  const util::Hash256 key = state::active_set_key();
  auto value_read = state::tree_get(nodes, root, key);
  if (!value_read) return problem_response(state_problem(value_read.error()));
  const std::optional<state::TreeValue>& value = *value_read;
  auto proof = state::tree_prove(nodes, root, key);
  if (!proof) return problem_response(state_problem(proof.error()));

  state::StateOverlay overlay(nodes, root);  // read only: never committed
  auto set = overlay.active_set();
  if (!set) return problem_response(state_problem(set.error()));
  const std::optional<state::ActiveSet>& active = *set;
  auto candidates = overlay.candidates();
  if (!candidates) return problem_response(state_problem(candidates.error()));

  JsonWriter w(std::size_t{512} * (candidates->size() + (active ? active->validators.size() : 0)) + 1024);
  w.begin_object()
      .field("consensus", ctx.service.info().consensus)
      .field("height", tip.height)
      .hex_field("block_hash", tip.hash)
      .hex_field("state_root", root);
  if (active) {
    std::uint64_t total = 0;
    for (const auto& v : active->validators) total += v.power;  // within u64: decode_active_set checks it
    w.field("effective_height", active->effective_height).decimal_field("total_power", total);
    const std::map<crypto::PublicKey, std::uint32_t> missed = ctx.service.missed_blocks();
    w.key("validators").begin_array();
    for (const auto& v : active->validators) {
      auto info = key_info(overlay, v.key, v.payout);
      if (!info) return problem_response(info.error());
      const auto bps = static_cast<std::uint64_t>(U128{v.power} * kBasisPoints / total);
      w.begin_object()
          .hex_field("key", v.key)
          .decimal_field("power", v.power)
          .field("power_bps", bps)
          .field("payout", crypto::encode_address(hrp, v.payout))
          .decimal_field("stake", info->stake);
      write_jail(w, *info);
      // Missed blocks are this node's own count (not in the state: no proof covers them).
      if (const auto m = missed.find(v.key); m != missed.end()) {
        w.field("missed_blocks", m->second);
      } else {
        w.key("missed_blocks").raw("null");
      }
      w.end_object();
    }
    w.end_array();
  } else {
    w.key("validators").begin_array().end_array();
  }
  w.key("candidates").begin_array();
  for (const auto& c : *candidates) {
    auto info = key_info(overlay, c, std::nullopt);
    if (!info) return problem_response(info.error());
    w.begin_object().hex_field("key", c).decimal_field("stake", info->stake);
    write_jail(w, *info);
    w.end_object();
  }
  w.end_array().hex_field("key", key);
  if (value) w.hex_field("value", value->value);
  w.hex_field("proof", state::encode_proof(*proof)).end_object();
  return json_response(200, w.take());
}

}  // namespace cloudchain::api
