// GET /v1/txs/{txid}, POST /v1/txs, POST /v1/txs/batch and GET /v1/receipts/{txid}.

#include <atomic>
#include <memory>
#include <mutex>
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

namespace {

// A transaction given as hex (a "tx" field, or one entry of "txs"), decoded.
std::expected<primitives::Transaction, Problem> decode_tx_hex(const std::string& hex, std::string_view what) {
  auto bytes = util::from_hex(hex);
  if (!bytes)
    return std::unexpected(
        problem(400, util::to_string(bytes.error().code), std::string(what) + ": " + bytes.error().detail));
  auto tx = primitives::decode_transaction(*bytes);
  if (!tx)
    return std::unexpected(
        problem(400, primitives::to_string(tx.error().code), std::string(what) + ": " + tx.error().detail));
  return std::move(*tx);
}

// What a rejected admission is answered with: the sender's fault 422, the node's 503.
Problem rejection_problem(const node::SubmitRejection& e) {
  return problem(e.sender_at_fault ? 422 : 503, e.code, e.detail);
}

}  // namespace

Response submit_tx(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  auto body = json_object_request(req, {"tx"});
  if (!body) return problem_response(body.error());
  const auto field = body->find("tx");
  if (field == body->end() || !field->is_string()) {
    return problem_response(problem(ApiError::kBadField, "\"tx\": the transaction encoding as a hex string"));
  }
  auto tx = decode_tx_hex(field->get_ref<const std::string&>(), "tx");
  if (!tx) return problem_response(tx.error());

  // The node checks the transaction (chain id, signature, ...) on this worker thread and
  // admits it on its actor; the answer is deferred so that this thread serves other
  // clients meanwhile instead of waiting (docs/api.md, "Threads").
  Response r;
  r.deferred = [&service = ctx.service, tx = std::move(*tx)](Reply reply) {
    service.submit_transaction_async(tx, [reply = std::move(reply)](auto admitted) {
      if (!admitted) return reply(problem_response(rejection_problem(admitted.error())));
      JsonWriter w(128);
      w.begin_object().hex_field("txid", *admitted).field("status", "pending").end_object();
      reply(json_response(202, w.take()));
    });
  };
  return r;
}

Response submit_tx_batch(const Context& ctx, const Request& req, const PathParams& /*params*/) {
  auto body = json_object_request(req, {"txs"});
  if (!body) return problem_response(body.error());
  const auto field = body->find("txs");
  const std::string shape =
      "\"txs\": an array of 1.." + std::to_string(kMaxBatchTxs) + " transaction encodings as hex strings";
  if (field == body->end() || !field->is_array() || field->empty() || field->size() > kMaxBatchTxs) {
    return problem_response(problem(ApiError::kBadField, shape));
  }
  for (const auto& entry : *field) {
    if (!entry.is_string()) return problem_response(problem(ApiError::kBadField, shape));
  }

  // Each entry is answered on its own, in order: one that does not decode or is refused
  // does not stop the others. All are checked on this worker thread, then handed to the
  // actor together (Service::submit_transactions_async: one task admits them); the answer
  // goes once the last verdict is in.
  struct Batch {
    std::mutex mutex;
    std::vector<std::optional<std::expected<util::Hash256, Problem>>> results;
    std::atomic<std::size_t> remaining{0};
    Reply reply;
  };
  auto batch = std::make_shared<Batch>();
  batch->results.resize(field->size());
  std::vector<primitives::Transaction> txs;
  std::vector<std::size_t> places;  // txs[k] is the request's entry places[k]
  for (std::size_t i = 0; i < field->size(); ++i) {
    auto tx = decode_tx_hex((*field)[i].get_ref<const std::string&>(), "txs[" + std::to_string(i) + "]");
    if (!tx) {
      batch->results[i] = std::unexpected(tx.error());
      continue;
    }
    txs.push_back(std::move(*tx));
    places.push_back(i);
  }
  const auto answer = [](Batch& b) {
    JsonWriter w(128 * b.results.size() + 64);
    w.begin_object().key("results").begin_array();
    for (const auto& result : b.results) {
      if (*result) {
        w.begin_object().hex_field("txid", **result).field("status", "pending").end_object();
      } else {
        const Problem& p = result->error();
        w.begin_object().field("status", "rejected").field("code", p.code).field("detail", p.detail).end_object();
      }
    }
    w.end_array().end_object();
    b.reply(json_response(200, w.take()));
  };
  Response r;
  r.deferred = [&service = ctx.service, batch, txs = std::move(txs), places = std::move(places), answer](Reply reply) {
    batch->reply = std::move(reply);
    if (txs.empty()) return answer(*batch);
    batch->remaining = txs.size();
    service.submit_transactions_async(txs, [batch, places, answer](std::size_t k, auto admitted) {
      std::expected<util::Hash256, Problem> result =
          admitted ? std::expected<util::Hash256, Problem>(*admitted)
                   : std::expected<util::Hash256, Problem>(std::unexpected(rejection_problem(admitted.error())));
      {
        const std::lock_guard lock(batch->mutex);
        batch->results.at(places.at(k)) = std::move(result);
      }
      if (--batch->remaining == 0) {
        const std::lock_guard lock(batch->mutex);  // every slot's write is visible
        answer(*batch);
      }
    });
  };
  return r;
}

}  // namespace cloudchain::api
