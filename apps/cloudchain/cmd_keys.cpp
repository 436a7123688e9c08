// cloudchain keys new|list|show|export|import: the encrypted keystore (src/wallet,
// docs/keystore.md). Secrets are decrypted only for `export --secret`; `new` and
// `import --secret-hex` encrypt before anything is written.

#include <CLI/CLI.hpp>

#include <memory>

#include "args.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "file_digest.hpp"
#include "output.hpp"
#include "util/hex.hpp"

namespace cloudchain::cli {

namespace {

struct KeysOptions {
  std::string label;
  bool label_given = false;
  std::string kdf = "moderate";
  std::string key;          // show / export: address or label
  bool secret = false;      // export
  bool understood = false;  // export --secret
  std::string file;         // import: keystore JSON
  std::string secret_hex;   // import: file holding the secret as hex
};

wallet::KdfProfile profile(const std::string& name) {
  if (name == "interactive") return wallet::KdfProfile::kInteractive;
  if (name == "minimal") return wallet::KdfProfile::kMinimal;
  return wallet::KdfProfile::kModerate;
}

void check_label_or_throw(const std::string& label) {
  if (auto ok = wallet::check_label(label); !ok) throw usage_error("bad label: " + ok.error().detail);
}

// Fails early (before a password prompt) when the label is taken.
void check_label_free(const wallet::Keystore& ks, const std::string& label) {
  if (label.empty()) return;
  if (auto existing = ks.load(label); existing && existing->label == label) {
    throw failure("the label \"" + label + "\" is already used by key " + existing->address);
  }
}

std::filesystem::path save_or_throw(const wallet::Keystore& ks, const wallet::KeystoreFile& file) {
  auto path = ks.save(file);
  if (!path) {
    if (path.error().code == wallet::KeystoreError::kExists) {
      throw failure("the keystore already holds key " + file.address + " or the label \"" + file.label + "\"");
    }
    throw failure(std::string(wallet::to_string(path.error().code)) + ": " + path.error().detail);
  }
  return *path;
}

int print_key(Context& ctx, const wallet::KeystoreFile& f, const std::filesystem::path* path) {
  if (ctx.json()) {
    nlohmann::json doc{{"address", f.address}, {"label", f.label}, {"public_key", util::to_hex(f.public_key)}};
    if (path != nullptr) doc["file"] = path->string();
    print_json(ctx.io().out, doc);
    return kExitOk;
  }
  Table t;
  t.add("address", f.address).add("label", f.label).add("public key", util::to_hex(f.public_key));
  if (path != nullptr) t.add("file", path->string());
  t.print(ctx.io().out);
  return kExitOk;
}

int encrypt_and_save(Context& ctx, const KeysOptions& o, const crypto::PrivateKey& key, const std::string& network) {
  const auto ks = ctx.create_keystore();
  check_label_free(ks, o.label);
  const wallet::Password pw = ctx.password("the new key", /*confirm=*/true);
  auto file = wallet::encrypt_key(key, pw.view(), network, profile(o.kdf), o.label);
  if (!file) throw failure(std::string(wallet::to_string(file.error().code)) + ": " + file.error().detail);
  const auto path = save_or_throw(ks, *file);
  return print_key(ctx, *file, &path);
}

int run_new(Context& ctx, const KeysOptions& o) {
  check_label_or_throw(o.label);
  const std::string network = ctx.network_for_keys();
  return encrypt_and_save(ctx, o, crypto::PrivateKey::generate(), network);
}

int run_list(Context& ctx) {
  const auto dir = ctx.keystore_dir();
  std::vector<wallet::KeyEntry> entries;
  if (auto ks = wallet::Keystore::open(dir)) {
    auto listed = ks->list();
    if (!listed) throw failure("keystore " + dir.string() + ": " + listed.error().detail);
    entries = std::move(*listed);
  } else if (ks.error().code == wallet::KeystoreError::kNotFound) {
    ctx.note("no keystore at " + dir.string());
  } else {
    throw failure("keystore " + dir.string() + ": " + ks.error().detail);
  }
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : entries) {
      nlohmann::json item{{"file", e.file.string()}};
      if (e.error) {
        item["error"] = std::string(wallet::to_string(e.error->code)) + ": " + e.error->detail;
      } else {
        item["address"] = e.address;
        item["label"] = e.label;
      }
      list.push_back(std::move(item));
    }
    print_json(ctx.io().out, list);
    return kExitOk;
  }
  for (const auto& e : entries) {
    if (e.error) {
      ctx.io().out << printable(e.file.filename().string()) << "  (unreadable: " << wallet::to_string(e.error->code)
                   << ": " << printable(e.error->detail) << ")\n";
    } else {
      ctx.io().out << e.address << (e.label.empty() ? "" : "  " + printable(e.label)) << '\n';
    }
  }
  return kExitOk;
}

int run_show(Context& ctx, const KeysOptions& o) {
  const auto f = ctx.load_key(o.key);
  if (ctx.json()) {
    print_json(
        ctx.io().out,
        nlohmann::json{{"address", f.address},
                       {"label", f.label},
                       {"public_key", util::to_hex(f.public_key)},
                       {"kdf", {{"name", "argon2id13"}, {"opslimit", f.kdf.opslimit}, {"memlimit", f.kdf.memlimit}}},
                       {"cipher", "xchacha20poly1305-ietf"}});
    return kExitOk;
  }
  Table t;
  t.add("address", f.address).add("label", f.label).add("public key", util::to_hex(f.public_key));
  t.add("kdf", "argon2id13, " + std::to_string(f.kdf.opslimit) + " passes over " +
                   std::to_string(f.kdf.memlimit / 1024) + " KiB");
  t.add("cipher", "xchacha20poly1305-ietf");
  t.print(ctx.io().out);
  return kExitOk;
}

int run_export(Context& ctx, const KeysOptions& o) {
  if (o.understood && !o.secret) throw usage_error("--yes-i-understand only applies to --secret");
  if (o.secret && !o.understood) {
    throw usage_error(
        "--secret prints the private key in clear: anyone who sees it controls the account; add "
        "--yes-i-understand to confirm");
  }
  const auto f = ctx.load_key(o.key);
  if (!o.secret) {
    ctx.io().out << wallet::to_json(f);  // already JSON, newline-terminated
    return kExitOk;
  }
  const crypto::PrivateKey key = ctx.unlock(f);
  std::string hex = util::to_hex(key.bytes());
  if (ctx.json()) {
    nlohmann::json doc{{"address", f.address}, {"secret", hex}};
    print_json(ctx.io().out, doc);
    std::string& s = doc["secret"].get_ref<std::string&>();
    explicit_bzero(s.data(), s.size());
  } else {
    ctx.io().out << hex << '\n';
  }
  explicit_bzero(hex.data(), hex.size());
  return kExitOk;
}

int run_import(Context& ctx, const KeysOptions& o) {
  if (o.file.empty() == o.secret_hex.empty()) {
    throw usage_error("give either a keystore FILE or --secret-hex FILE (exactly one)");
  }
  if (o.label_given) check_label_or_throw(o.label);

  if (!o.file.empty()) {
    auto text = read_text_file(o.file, wallet::kMaxKeystoreBytes);
    if (!text) throw failure("cannot read " + text.error().detail);
    auto file = wallet::parse_keystore(*text);
    if (!file) {
      throw failure(o.file + " is not a valid keystore file: " + std::string(wallet::to_string(file.error().code)) +
                    ": " + file.error().detail);
    }
    const std::string network = address_prefix(file->address);
    if (!ctx.network_if_known().empty() && ctx.network_if_known() != network) {
      throw failure("the key " + file->address + " belongs to network \"" + network + "\", not \"" +
                    ctx.network_if_known() + "\"");
    }
    if (o.label_given) file->label = o.label;
    const auto ks = ctx.create_keystore();
    const auto path = save_or_throw(ks, *file);
    return print_key(ctx, *file, &path);
  }

  auto text = read_text_file(o.secret_hex, 4096);
  if (!text) throw failure("cannot read " + text.error().detail);
  // The hex may be followed by a newline or spaces; nothing else.
  std::string hex = *text;
  explicit_bzero(text->data(), text->size());
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ' || hex.back() == '\t')) {
    hex.pop_back();
  }
  auto secret = util::from_hex_array<32>(hex);
  explicit_bzero(hex.data(), hex.size());
  if (!secret) throw failure(o.secret_hex + " does not hold a secret key as 64 hex digits");
  auto key = crypto::PrivateKey::from_bytes(*secret);
  explicit_bzero(secret->data(), secret->size());
  if (!key) throw failure(o.secret_hex + " holds no valid secp256k1 secret key (zero, or not below the group order)");
  const std::string network = ctx.network_for_keys();
  return encrypt_and_save(ctx, o, *key, network);
}

}  // namespace

void add_keys_command(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<KeysOptions>();
  CLI::App* keys = app.add_subcommand("keys", "manage keys in the encrypted keystore");
  keys->require_subcommand(1);
  auto set = [&ctx, &action, o](int (*run)(Context&, const KeysOptions&)) {
    return [&ctx, &action, o, run] { action = [&ctx, o, run] { return run(ctx, *o); }; };
  };
  const auto kdf_help =
      "password hashing cost: moderate (default, ~1 s, 256 MiB), interactive, or minimal "
      "(throwaway devnet keys only)";

  CLI::App* cmd = keys->add_subcommand("new", "create a key; prints its address");
  cmd->add_option("--label", o->label, "a name for the key (at most 64 bytes)")->each([o](const std::string&) {
    o->label_given = true;
  });
  cmd->add_option("--kdf", o->kdf, kdf_help)->check(CLI::IsMember({"moderate", "interactive", "minimal"}));
  cmd->callback(set(&run_new));

  cmd = keys->add_subcommand("list", "list the keys: address and label");
  cmd->callback([&ctx, &action] { action = [&ctx] { return run_list(ctx); }; });

  cmd = keys->add_subcommand("show", "show a key's address, label, public key and KDF");
  cmd->add_option("key", o->key, "address or label")->required();
  cmd->callback(set(&run_show));

  cmd = keys->add_subcommand("export", "print a key's keystore JSON (or, with --secret, its raw secret)");
  cmd->add_option("key", o->key, "address or label")->required();
  cmd->add_flag("--secret", o->secret, "print the raw secret key as hex (needs the password)");
  cmd->add_flag("--yes-i-understand", o->understood, "confirm printing the secret");
  cmd->callback(set(&run_export));

  cmd = keys->add_subcommand("import", "add a key from a keystore JSON file, or from a hex secret");
  cmd->add_option("file", o->file, "a keystore JSON file (as printed by 'keys export')");
  cmd->add_option("--secret-hex", o->secret_hex, "a file holding the secret key as 64 hex digits");
  cmd->add_option("--label", o->label, "a name for the key (replaces the file's label)")->each([o](const std::string&) {
    o->label_given = true;
  });
  cmd->add_option("--kdf", o->kdf, kdf_help)->check(CLI::IsMember({"moderate", "interactive", "minimal"}));
  cmd->callback(set(&run_import));
}

}  // namespace cloudchain::cli
