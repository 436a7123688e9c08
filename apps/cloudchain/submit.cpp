#include "submit.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <limits>
#include <thread>

#include "amount.hpp"
#include "args.hpp"
#include "errors.hpp"
#include "output.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

constexpr std::chrono::milliseconds kPollInterval{500};

}  // namespace

void add_submit_options(CLI::App& cmd, SubmitOptions& o) {
  cmd.add_option("--from", o.from, "the sending key: its address or label in the keystore")->required();
  cmd.add_option("--fee", o.fee, "fee in base units (default " + std::string(kDefaultFee) + ")");
  cmd.add_option("--nonce", o.nonce, "account nonce (default: the node's next_nonce for the sender)");
  cmd.add_flag("--wait", o.wait, "wait until the transaction is in a block and print its height");
  cmd.add_option("--wait-timeout", o.wait_timeout_s, "seconds --wait waits at most (default 120)")
      ->check(CLI::Range(1u, 86400u));
}

std::uint64_t parse_fee(const SubmitOptions& o) {
  auto fee = parse_amount(o.fee, "fee");
  if (!fee) throw usage_error(fee.error().detail);
  return *fee;
}

Submitted sign_and_submit(
    Context& ctx, const SubmitOptions& o, primitives::TxBody body,
    const std::function<void(const std::string&, const std::string&, primitives::TxBody&)>& check_body) {
  const std::uint64_t fee = parse_fee(o);
  std::optional<std::uint64_t> nonce;
  if (!o.nonce.empty()) {
    auto n = parse_amount(o.nonce, "nonce");
    if (!n) throw usage_error(n.error().detail);
    nonce = *n;
  }

  const wallet::KeystoreFile key_file = ctx.load_key(o.from);
  const std::string network = ctx.chain_network();
  const std::uint32_t chain_id = ctx.chain_id();
  if (address_prefix(key_file.address) != network) {
    throw failure("key " + key_file.address + " belongs to network \"" + address_prefix(key_file.address) +
                  "\", but the node runs network \"" + network + "\"");
  }
  if (check_body) check_body(network, key_file.address, body);
  if (!nonce) nonce = json_u64(ctx.node_get("/v1/accounts/" + key_file.address), "next_nonce");

  Submitted result;
  result.from = key_file.address;
  result.tx.chain_id = chain_id;
  result.tx.nonce = *nonce;
  result.tx.fee = fee;
  result.tx.body = std::move(body);
  {
    const crypto::PrivateKey key = ctx.unlock(key_file);
    primitives::sign(result.tx, key);
  }
  result.txid = primitives::txid(result.tx);
  const std::string txid_hex = util::to_hex(result.txid);

  const auto answer = ctx.node_post("/v1/txs", nlohmann::json{{"tx", util::to_hex(primitives::encode(result.tx))}});
  if (auto it = answer.find("txid"); it != answer.end() && it->is_string() && it->get<std::string>() != txid_hex) {
    throw failure("the node accepted the transaction under txid " + it->get<std::string>() + ", expected " + txid_hex);
  }
  if (!o.wait) return result;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_timeout_s);
  std::string last_status = "unknown";
  while (std::chrono::steady_clock::now() < deadline) {
    auto doc = ctx.node().get("/v1/txs/" + txid_hex);
    if (doc) {
      if (auto s = doc->find("status"); s != doc->end() && s->is_string()) last_status = s->get<std::string>();
      if (last_status == "included") {
        result.included = Submitted::Inclusion{json_u64(*doc, "height"), json_string(*doc, "block_hash")};
        return result;
      }
    } else if (doc.error().status != 404) {
      // 404: not seen (yet, or again after a reorganization): keep polling.
      throw failure(doc.error().message);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  throw failure("transaction " + txid_hex + " was submitted but is not in a block after " +
                std::to_string(o.wait_timeout_s) + " s (last status: " + last_status +
                "); check later with 'cloudchain tx " + txid_hex + "'");
}

std::uint64_t parse_positive_amount(std::string_view text, std::uint64_t fee) {
  auto amount = parse_amount(text, "amount");
  if (!amount) throw usage_error(amount.error().detail);
  if (*amount == 0) throw usage_error("amount must be greater than 0");
  if (*amount > std::numeric_limits<std::uint64_t>::max() - fee) {
    throw usage_error("amount + fee is larger than the maximum, " +
                      format_amount(std::numeric_limits<std::uint64_t>::max()) + " base units");
  }
  return *amount;
}

int report_submitted(Context& ctx, const Submitted& s, const std::vector<ReportField>& fields) {
  const std::string txid = util::to_hex(s.txid);
  if (ctx.json()) {
    nlohmann::json doc{
        {"txid", txid}, {"from", s.from}, {"fee", std::to_string(s.tx.fee)}, {"nonce", std::to_string(s.tx.nonce)}};
    for (const auto& f : fields) {
      if (!f.json_key.empty()) doc[f.json_key] = f.json_value;
    }
    if (const auto& in = s.included) {
      doc["height"] = in->height;
      doc["block_hash"] = in->block_hash;
    }
    print_json(ctx.io().out, doc);
    return kExitOk;
  }
  Table t;
  t.add("txid", txid).add("from", s.from);
  for (const auto& f : fields) {
    if (!f.label.empty()) t.add(f.label, f.text);
  }
  t.add("fee", format_amount(s.tx.fee)).add("nonce", std::to_string(s.tx.nonce));
  if (const auto& in = s.included) t.add("height", std::to_string(in->height)).add("block hash", in->block_hash);
  t.print(ctx.io().out);
  return kExitOk;
}

}  // namespace cloudchain::cli
