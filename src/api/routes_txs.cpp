// GET /v1/txs/{txid}, POST /v1/txs and GET /v1/receipts/{txid}.

#include <optional>
#include <vector>

#include "api/json.hpp"
#include "api/json_body.hpp"
#include "api/query.hpp"
#include "api/routes.hpp"
#include "crypto/merkle.hpp"
#include "storage/database.hpp"
#include "util/hex.hpp"

namespace cloudchain::api {

namespace {

// An active-chain transaction with everything a proof of inclusion needs, read from one
// snapshot.
struct Included {
  primitives::Block block;
  util::Hash256 block_hash{};
  std::uint32_t position = 0;
  crypto::MerkleProof proof;
  std::uint64_t tip_height = 0;
};

// nullopt when the transaction is not in the active chain's index.
std::expected<std::optional<Included>, Problem> find_included(const Context& ctx, const util::Hash256& txid) {
  const storage::Snapshot snap = ctx.service.database().snapshot();
  auto loc_read = snap.tx_location(txid);
  if (!loc_read) return std::unexpected(storage_problem(loc_read.error()));
  const std::optional<storage::TxLocation>& loc = *loc_read;
  if (!loc) return std::nullopt;
  auto block =
      required(snap.block(loc->block_hash), ApiError::kInternal, "the transaction index names a missing block");
  if (!block) return std::unexpected(block.error());
  auto tip = required(snap.tip(), ApiError::kInternal, "a transaction is indexed but there is no tip");
  if (!tip) return std::unexpected(tip.error());
  if (loc->position >= block->txs.size()) {
    return std::unexpected(problem(ApiError::kInternal, "the transaction index names a missing position"));
  }
  Included out;
  out.block = std::move(*block);
  out.block_hash = loc->block_hash;
  out.position = loc->position;
  out.tip_height = tip->height;
  std::vector<util::Hash256> leaves;
  leaves.reserve(out.block.txs.size());
  for (const auto& tx : out.block.txs) leaves.push_back(crypto::merkle_leaf_hash(primitives::txid(tx)));
  // The index is ours, but a txid check keeps a damaged index from serving a proof for
  // some other transaction.
  if (leaves[out.position] != crypto::merkle_leaf_hash(txid)) {
    return std::unexpected(problem(ApiError::kInternal, "the transaction index names another transaction"));
  }
  out.proof = crypto::merkle_proof(leaves, out.position);
  return out;
}

std::expected<util::Hash256, Problem> txid_param(const Request& req, const PathParams& params) {
  if (auto q = no_query(req); !q) return std::unexpected(q.error());
  return parse_hash(params[0], "txid");
}

// Where a transaction is. A transaction leaves the mempool only after its block is
// committed, so a miss in the chain followed by a miss in the pool can be a block
// connecting in between: looking in the chain once more (a fresh snapshot) closes that
// window instead of answering 404 for an accepted transaction.
struct Located {
  std::optional<Included> included;
  std::optional<primitives::Transaction> pending;
};

std::expected<Located, Problem> locate(const Context& ctx, const util::Hash256& txid) {
  auto found = find_included(ctx, txid);
  if (!found) return std::unexpected(found.error());
  if (*found) return Located{std::move(*found), std::nullopt};
  if (auto pending = ctx.service.mempool_get(txid)) return Located{std::nullopt, std::move(pending)};
  auto again = find_included(ctx, txid);
  if (!again) return std::unexpected(again.error());
  return Located{std::move(*again), std::nullopt};
}

}  // namespace

Response get_tx(const Context& ctx, const Request& req, const PathParams& params) {
  auto txid = txid_param(req, params);
  if (!txid) return problem_response(txid.error());
  const std::string_view hrp = ctx.service.info().network;

  auto found = locate(ctx, *txid);
  if (!found) return problem_response(found.error());
  const std::optional<Included>& inc = found->included;
  JsonWriter w(2048);
  if (inc) {
    const Included& in = *inc;
    const std::uint64_t height = in.block.header.height;
    w.begin_object().field("status", "included").key("tx");
    write_tx(w, in.block.txs[in.position], *txid, hrp);
    w.hex_field("block_hash", in.block_hash).field("height", height).field("position", in.position).key("proof");
    write_merkle_proof(w, in.proof);
    w.hex_field("tx_root", in.block.header.tx_root)
        .field("confirmations", in.tip_height >= height ? in.tip_height - height + 1 : std::uint64_t{0})
        .end_object();
    return json_response(200, w.take());
  }
  if (const auto& pending = found->pending) {
    w.begin_object().field("status", "pending").key("tx");
    write_tx(w, *pending, *txid, hrp);
    w.end_object();
    return json_response(200, w.take());
  }
  return problem_response(problem(ApiError::kTxNotFound, "not in the active chain nor in the mempool"));
}

Response get_receipt(const Context& ctx, const Request& req, const PathParams& params) {
  auto txid = txid_param(req, params);
  if (!txid) return problem_response(txid.error());
  auto found = locate(ctx, *txid);
  if (!found) return problem_response(found.error());
  const std::optional<Included>& inc = found->included;
  if (!inc) {
    if (found->pending) {
      return problem_response(problem(ApiError::kTxPending, "a receipt exists once the transaction is in a block"));
    }
    return problem_response(problem(ApiError::kTxNotFound, "not in the active chain nor in the mempool"));
  }
  const Included& in = *inc;
  JsonWriter w(2048);
  w.begin_object()
      .hex_field("txid", *txid)
      .hex_field("tx", primitives::encode(in.block.txs[in.position]))
      .hex_field("header", primitives::encode(in.block.header))
      .hex_field("block_hash", in.block_hash)
      .field("height", in.block.header.height)
      .key("proof");
  write_merkle_proof(w, in.proof);
  w.end_object();
  return json_response(200, w.take());
}

Response submit_tx(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  if (auto q = no_query(req); !q) return problem_response(q.error());
  auto body = parse_json_object(req.content_type, req.body);
  if (!body) return problem_response(body.error());
  if (auto only = only_fields(*body, {"tx"}); !only) return problem_response(only.error());
  const auto field = body->find("tx");
  if (field == body->end() || !field->is_string()) {
    return problem_response(problem(ApiError::kBadField, "\"tx\": the transaction encoding as a hex string"));
  }
  auto bytes = util::from_hex(field->get_ref<const std::string&>());
  if (!bytes) {
    return problem_response(problem(400, util::to_string(bytes.error().code), "tx: " + bytes.error().detail));
  }
  auto tx = primitives::decode_transaction(*bytes);
  if (!tx) return problem_response(problem(400, primitives::to_string(tx.error().code), tx.error().detail));

  // The node checks the transaction (chain id, signature, ...) on this worker thread and
  // admits it on its actor; the answer is deferred so that this thread serves other
  // clients meanwhile instead of waiting (docs/api.md, "Threads").
  Response r;
  r.deferred = [&service = ctx.service, tx = std::move(*tx)](Reply reply) {
    service.submit_transaction_async(tx, [reply = std::move(reply)](auto admitted) {
      if (!admitted) {
        const node::SubmitRejection& e = admitted.error();
        return reply(problem_response(problem(e.sender_at_fault ? 422 : 503, e.code, e.detail)));
      }
      JsonWriter w(128);
      w.begin_object().hex_field("txid", *admitted).field("status", "pending").end_object();
      reply(json_response(202, w.take()));
    });
  };
  return r;
}

}  // namespace cloudchain::api
