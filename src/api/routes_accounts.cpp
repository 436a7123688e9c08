// GET /v1/accounts/{address}, GET /v1/accounts/{address}/txs and GET /v1/anchors/{digest}.

#include <optional>
#include <span>

#include "api/json.hpp"
#include "api/query.hpp"
#include "api/routes.hpp"
#include "state/proof.hpp"
#include "state/records.hpp"
#include "state/tree.hpp"
#include "storage/database.hpp"

namespace cloudchain::api {

namespace {

std::expected<crypto::Address, Problem> address_param(const Context& ctx, std::string_view text) {
  auto address = crypto::decode_address(text, ctx.service.info().network);
  if (!address) {
    return std::unexpected(problem(
        400, util::to_string(address.error().code),
        "address: bech32m with prefix \"" + ctx.service.info().network + "\" (" + address.error().detail + ")"));
  }
  return *address;
}

Problem state_problem(const util::Error<state::StateError>& e) {
  return problem(500, state::to_string(e.code), e.detail);
}

// Writes each indexed transaction with where it sits: {height, position, block_hash,
// timestamp_ms, tx}. Consecutive entries of one block read it once.
std::expected<void, Problem> write_tx_refs(JsonWriter& w, const storage::Snapshot& snap,
                                           std::span<const storage::TxRef> refs, std::string_view hrp) {
  std::optional<primitives::Block> block;
  util::Hash256 block_hash{};
  w.begin_array();
  for (const auto& ref : refs) {
    if (!block || block->header.height != ref.height) {
      auto hash = required(snap.hash_at(ref.height), ApiError::kInternal, "an index names a height off the chain");
      if (!hash) return std::unexpected(hash.error());
      auto read = required(snap.block(*hash), ApiError::kInternal, "an index names a missing block");
      if (!read) return std::unexpected(read.error());
      block = std::move(*read);
      block_hash = *hash;
    }
    if (ref.position >= block->txs.size()) {
      return std::unexpected(problem(ApiError::kInternal, "an index names a missing position"));
    }
    const primitives::Transaction& tx = block->txs[ref.position];
    const util::Hash256 txid = primitives::txid(tx);
    if (txid != ref.txid) return std::unexpected(problem(ApiError::kInternal, "an index names another transaction"));
    w.begin_object()
        .field("height", ref.height)
        .field("position", ref.position)
        .hex_field("block_hash", block_hash)
        .field("timestamp_ms", block->header.timestamp_ms)
        .key("tx");
    write_tx(w, tx, txid, hrp);
    w.end_object();
  }
  w.end_array();
  return {};
}

}  // namespace

Response get_account(const Context& ctx, const Request& req, const PathParams& params) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  auto address = address_param(ctx, params[0]);
  if (!address) return problem_response(address.error());

  // The tip and a view of its state tree, published together by the node: the chain
  // writes tree nodes to the database only at state checkpoints, and the view reads its
  // newer nodes from memory. Nodes are content-addressed and never rewritten, so the view
  // reads exactly that root's tree whatever the chain does meanwhile.
  const node::TipState tip = ctx.service.tip_state();
  const util::Hash256& root = tip.state_root;
  const state::NodeStore& nodes = *tip.nodes;

  const util::Hash256 key = state::account_key(*address);
  auto value_read = state::tree_get(nodes, root, key);
  if (!value_read) return problem_response(state_problem(value_read.error()));
  const std::optional<state::TreeValue>& value = *value_read;
  auto proof = state::tree_prove(nodes, root, key);
  if (!proof) return problem_response(state_problem(proof.error()));
  state::Account account;
  if (value) {
    auto decoded = state::decode_account(value->value);
    if (!decoded) return problem_response(problem(500, state::to_string(decoded.error().code), decoded.error().detail));
    account = *decoded;
  }
  const std::uint64_t next_nonce = ctx.service.next_nonce(*address);

  JsonWriter w(2048);
  w.begin_object()
      .field("address", crypto::encode_address(ctx.service.info().network, *address))
      .decimal_field("balance", account.balance)
      .decimal_field("nonce", account.nonce)
      .decimal_field("stake", account.stake);
  if (account.validator) w.hex_field("validator", *account.validator);
  w.decimal_field("unbonding", account.unbonding)
      .field("unbonding_release_height", account.unbonding_release_height)
      .decimal_field("next_nonce", next_nonce)
      .field("height", tip.height)
      .hex_field("block_hash", tip.hash)
      .hex_field("state_root", root)
      .hex_field("key", key);
  if (value) w.hex_field("value", value->value);
  w.hex_field("proof", state::encode_proof(*proof)).end_object();
  return json_response(200, w.take());
}

Response list_account_txs(const Context& ctx, const Request& req, const PathParams& params) {
  auto address = address_param(ctx, params[0]);
  if (!address) return problem_response(address.error());
  auto q = Query::parse(req.query, {"cursor", "limit"});
  if (!q) return problem_response(q.error());
  auto limit = q->limit();
  if (!limit) return problem_response(limit.error());
  std::optional<storage::AccountTxCursor> cursor;
  if (const std::string* token = q->get("cursor")) {
    auto parsed = storage::AccountTxCursor::parse(*token);
    if (!parsed) return problem_response(problem(ApiError::kBadCursor, "pass a next_cursor back unchanged"));
    cursor = *parsed;
  }

  const storage::Snapshot snap = ctx.service.database().snapshot();
  auto page = snap.account_txs(*address, cursor, *limit);
  if (!page) return problem_response(storage_problem(page.error()));

  JsonWriter w(std::size_t{1024} * page->txs.size() + 256);
  w.begin_object().field("address", crypto::encode_address(ctx.service.info().network, *address)).key("txs");
  if (auto ok = write_tx_refs(w, snap, page->txs, ctx.service.info().network); !ok) {
    return problem_response(ok.error());
  }
  if (const std::optional<storage::AccountTxCursor>& next = page->next) w.field("next_cursor", next->token());
  w.end_object();
  return json_response(200, w.take());
}

Response list_anchors(const Context& ctx, const Request& req, const PathParams& params) {
  auto digest = parse_hash(params[0], "digest");
  if (!digest) return problem_response(digest.error());
  auto q = Query::parse(req.query, {"limit"});
  if (!q) return problem_response(q.error());
  auto limit = q->limit();
  if (!limit) return problem_response(limit.error());

  const storage::Snapshot snap = ctx.service.database().snapshot();
  auto refs = snap.anchors(*digest, *limit);
  if (!refs) return problem_response(storage_problem(refs.error()));

  JsonWriter w(std::size_t{1024} * refs->size() + 256);
  w.begin_object().hex_field("digest", *digest).key("anchors");
  if (auto ok = write_tx_refs(w, snap, *refs, ctx.service.info().network); !ok) return problem_response(ok.error());
  w.end_object();
  return json_response(200, w.take());
}

}  // namespace cloudchain::api
