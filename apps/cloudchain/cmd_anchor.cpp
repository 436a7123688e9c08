// cloudchain anchor FILE --from KEY [--memo TEXT] [--wait]
// Commits the file's SHA-256 to the chain with an anchor transaction (protocol.md
// section 5, kind 4). The file is streamed, so its size does not matter; the file itself
// never leaves this machine.

#include <CLI/CLI.hpp>

#include <memory>

#include "amount.hpp"
#include "args.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "file_digest.hpp"
#include "submit.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

struct AnchorOptions {
  SubmitOptions submit;
  std::string file;
  std::string memo;
};

int run_anchor(Context& ctx, const AnchorOptions& o) {
  auto memo = parse_memo(o.memo);
  if (!memo) throw usage_error(memo.error().detail);
  parse_fee(o.submit);  // a bad fee is a usage error before the file is read
  auto digest = sha256_file(o.file);
  if (!digest) throw failure("cannot hash " + digest.error().detail);

  const Submitted s = sign_and_submit(ctx, o.submit, primitives::Anchor{*digest, *memo}, {});
  return report_submitted(ctx, s,
                          {{"", {}, "file", o.file},
                           {"digest", util::to_hex(*digest), "digest", util::to_hex(*digest)},
                           {"memo", o.memo, o.memo.empty() ? "" : "memo", o.memo}});
}

}  // namespace

void add_anchor_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<AnchorOptions>();
  CLI::App* cmd = app.add_subcommand("anchor", "commit a file's SHA-256 digest to the chain; prints digest and txid");
  cmd->add_option("file", o->file, "the file to anchor")->required();
  add_submit_options(*cmd, o->submit);
  cmd->add_option("--memo", o->memo, "a short note stored with the digest (at most 64 bytes)");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return run_anchor(ctx, *o); }; });
}

}  // namespace cloudchain::cli
