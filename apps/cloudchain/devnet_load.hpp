#pragma once
// `cloudchain devnet load`: a steady stream of signed transfers across the nodes of a
// devnet, measured end to end (docs/cli.md "devnet load").
//
//   1. Each pre-funded account (D/accounts.json) is assigned to one node (account i to
//      node i mod N) and its next nonce is read from that node.
//   2. rate x duration transfers are built (account j mod K sends to the next account,
//      nonces consecutive per account) and signed on every core before anything is sent,
//      so signing does not limit the rate.
//   3. Submitter threads POST them to /v1/txs of each account's node, transaction j at
//      start + j / rate (an open-loop schedule: a slow node does not slow the offered
//      rate, it shows up as latency). With --batch B, transactions j .. j + B - 1 go
//      together when the last of them is due, one request per node; each node has its
//      own submitters, so a node slow to answer holds back only its own requests.
//   4. A tracker polls node0's tip and reads every new block; a transaction counts as
//      committed when a block holding it is first seen, and its confirmation latency is
//      that moment minus its submission.
//   5. After the last submission it waits (at most `wait`) for every accepted
//      transaction to be committed, then reports.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "devnet.hpp"
#include "devnet_create.hpp"

namespace cloudchain::cli::devnet {

struct LoadOptions {
  double tps = 100;          // offered rate, > 0
  double duration_s = 10;    // > 0
  std::uint64_t fee = 1000;  // per transfer: above the default minimum of 1 per byte
  std::chrono::seconds wait{60};
  unsigned submitters = 0;    // 0: 4 per node, at least 8
  std::size_t batch = 1;      // transactions per request: 1 POST /v1/txs, more POST /v1/txs/batch
  unsigned sign_threads = 0;  // 0: one per core
};

/// Of a set of durations, in ms.
struct Percentiles {
  double p50 = 0;
  double p99 = 0;
  double max = 0;
};

/// What the devnet's nodes spent while the load ran (from each node's GET /metrics read
/// before the first submission and after the wait): CPU time of the node processes and
/// of their transaction signature checks (sampled, crypto/key_cache.hpp). Their quotient
/// is the share of the nodes' CPU that went to signatures: unlike the tx/s ratio, it does
/// not move with the machine's speed, which on shared VMs changes by minutes.
struct NodeCpu {
  double process_seconds = 0;          // all nodes together
  std::uint64_t signature_checks = 0;  // all nodes together
  double signature_check_seconds = 0;  // estimated, all nodes together
};

struct LoadReport {
  std::uint64_t submitted = 0;  // answered 202
  std::uint64_t rejected = 0;   // answered otherwise (codes below)
  std::map<std::string, std::uint64_t> reject_codes;
  std::uint64_t committed = 0;
  double sign_seconds = 0;
  double submit_seconds = 0;  // first to last submission
  double committed_tps = 0;   // committed / (first submission .. last commitment)
  // Submission to node0 showing the block that holds the transaction (its finality on PoS).
  Percentiles latency;
  // The two parts of it, by the block's timestamp (when its proposer made it; on one
  // machine the clocks agree): submission to the proposal, the proposal to node0 showing it.
  Percentiles to_block;
  Percentiles block_to_final;
  std::uint64_t first_height = 0;  // node0's tip before the first submission
  std::uint64_t last_height = 0;
  std::optional<NodeCpu> node_cpu;  // absent when a node's /metrics could not be read
};

/// The figures `devnet load` prints (docs/cli.md): the report against the bench's
/// reference (`verify_per_s` on `threads` threads, the all-cores rate) and the nodes' own
/// CPU. Each is 0 when what it needs is missing (no node CPU, no sampled check).
struct LoadFigures {
  double ratio = 0;                      // committed tx/s ÷ (verify/s ÷ nodes)
  double bench_us_per_verification = 0;  // one bench thread's cost per verification
  double us_per_tx = 0;                  // node CPU per committed tx, all nodes
  double checks_per_tx_per_node = 0;
  double check_share = 0;   // of the nodes' CPU, in signature checks
  double us_per_check = 0;  // the nodes' CPU per signature check
  // committed tx/s ÷ (checks/s ÷ nodes), checks/s = `threads` cores at us_per_check:
  // the reference taken from the load itself, not from the seconds around it.
  double ratio_at_node_check_cost = 0;
};
LoadFigures load_figures(const LoadReport& r, double verify_per_s, unsigned threads, std::size_t nodes);

/// One request of the plan: the transactions it carries (indexes into the run's list, in
/// order) and when it is due, after the start.
struct PlannedRequest {
  std::vector<std::size_t> members;
  std::chrono::nanoseconds due{};
};

/// The run's requests per node, each node's in due order (step 3 above): transaction j
/// goes to node `node_of[j]`; transactions j .. j + batch - 1 make one batch, due when
/// its last transaction is at `tps`, and each node with transactions in a batch gets one
/// request for them. Every transaction is in exactly one request.
std::vector<std::vector<PlannedRequest>> plan_batches(const std::vector<std::size_t>& node_of, std::size_t node_count,
                                                      std::size_t batch, double tps);

/// Runs the load against the running devnet `state`. Progress lines go to `progress`.
/// Errors (a sentence): a node unreachable when reading nonces, an account unknown.
util::Result<LoadReport, std::string> run_load(const State& state, const std::vector<Account>& accounts,
                                               const LoadOptions& options, std::ostream& progress);

/// The value of the unlabelled sample `name` in a Prometheus text exposition (a line
/// "name value"); nothing when there is none or its value is not a finite number.
std::optional<double> metric_value(std::string_view text, std::string_view name);

/// The value below which `fraction` of `sorted` lies (nearest rank); 0 when empty.
double percentile(const std::vector<double>& sorted, double fraction);

}  // namespace cloudchain::cli::devnet
