#include "context.hpp"

#include <algorithm>
#include <ostream>

#include "amount.hpp"
#include "args.hpp"
#include "errors.hpp"
#include "file_digest.hpp"

namespace cloudchain::cli {

namespace {

// How long `keys` commands wait for a node they only ask for its network prefix.
constexpr std::chrono::milliseconds kNetworkProbeTimeout{2000};
// A password file holds one line; anything larger is not a password file.
constexpr std::size_t kMaxPasswordFileBytes = 4096;

std::string node_url_text(const GlobalOptions& o, const std::optional<std::string>& env) {
  if (!o.node.empty()) return o.node;
  if (env && !env->empty()) return *env;
  return std::string(kDefaultNodeUrl);
}

}  // namespace

const NodeClient& Context::node() {
  if (!m_node) {
    const std::string text = node_url_text(m_options, env("CLOUDCHAIN_NODE"));
    auto url = parse_url(text);
    if (!url) throw usage_error(describe(url.error(), Url{.host = {}, .port = {}, .base_path = {}, .text = text}));
    m_node.emplace(HttpClient(*url, std::chrono::seconds(m_options.timeout_s)));
  }
  return *m_node;
}

nlohmann::json Context::node_get(std::string_view path) {
  auto doc = node().get(path);
  if (!doc) throw failure(doc.error().message);
  return std::move(*doc);
}

nlohmann::json Context::node_post(std::string_view path, const nlohmann::json& body) {
  auto doc = node().post(path, body);
  if (!doc) throw failure(doc.error().message);
  return std::move(*doc);
}

const nlohmann::json& Context::status() {
  if (!m_status) m_status = node_get("/v1/status");
  return *m_status;
}

std::string Context::chain_network() {
  const std::string network = json_string(status(), "network");
  if (!m_options.network.empty() && m_options.network != network) {
    throw failure("--network is \"" + m_options.network + "\", but the node at " + node().url().text +
                  " runs network \"" + network + "\"");
  }
  return network;
}

std::uint32_t Context::chain_id() {
  const std::uint64_t id = json_u64(status(), "chain_id");
  if (id > 0xffffffffULL) throw failure("the node reported chain_id " + std::to_string(id) + ", above 2^32 - 1");
  return static_cast<std::uint32_t>(id);
}

std::string Context::network_for_keys() {
  if (!m_options.network.empty()) return m_options.network;
  const std::string text = node_url_text(m_options, env("CLOUDCHAIN_NODE"));
  if (auto url = parse_url(text)) {
    const NodeClient probe(HttpClient(
        *url, std::min<std::chrono::milliseconds>(kNetworkProbeTimeout, std::chrono::seconds(m_options.timeout_s))));
    if (auto doc = probe.get("/v1/status"); doc && doc->is_object()) {
      if (auto it = doc->find("network"); it != doc->end() && it->is_string()) {
        if (auto network = parse_network(it->get<std::string>())) return *network;
      }
    }
  }
  note("no node answered at " + text + "; using network prefix \"" + std::string(kDefaultNetwork) +
       "\" (set --network to choose)");
  return std::string(kDefaultNetwork);
}

std::filesystem::path Context::keystore_dir() const {
  if (!m_options.keystore.empty()) return m_options.keystore;
  if (auto dir = env("CLOUDCHAIN_KEYSTORE"); dir && !dir->empty()) return *dir;
  auto home = env("HOME");
  if (!home || home->empty()) throw usage_error("HOME is not set: give the keystore directory with --keystore");
  return std::filesystem::path(*home) / ".cloudchain" / "keys";
}

wallet::Keystore Context::open_keystore() const {
  const auto dir = keystore_dir();
  auto ks = wallet::Keystore::open(dir);
  if (!ks) {
    if (ks.error().code == wallet::KeystoreError::kNotFound) {
      throw failure("no keystore at " + dir.string() + " (create a key with 'cloudchain keys new')");
    }
    throw failure("keystore " + dir.string() + ": " + ks.error().detail);
  }
  return *ks;
}

wallet::Keystore Context::create_keystore() const {
  const auto dir = keystore_dir();
  auto ks = wallet::Keystore::create(dir);
  if (!ks) throw failure("keystore " + dir.string() + ": " + ks.error().detail);
  return *ks;
}

wallet::KeystoreFile Context::load_key(std::string_view address_or_label) const {
  const auto ks = open_keystore();
  auto file = ks.load(address_or_label);
  if (!file) {
    switch (file.error().code) {
      case wallet::KeystoreError::kNotFound:
        throw failure("no key with address or label \"" + std::string(address_or_label) + "\" in " + ks.dir().string());
      case wallet::KeystoreError::kAmbiguous:
        throw failure("\"" + std::string(address_or_label) + "\" names several keys in " + ks.dir().string() +
                      "; use the address");
      default: throw failure(std::string(wallet::to_string(file.error().code)) + ": " + file.error().detail);
    }
  }
  return *file;
}

wallet::Password Context::password(std::string_view purpose, bool confirm) {
  std::optional<wallet::Password> password;
  if (!m_options.password_file.empty()) {
    auto text = read_text_file(m_options.password_file, kMaxPasswordFileBytes);
    if (!text) throw failure("cannot read the password file: " + text.error().detail);
    // The first line is the password; a trailing "\r\n" or "\n" is not part of it.
    std::string line = *text;
    explicit_bzero(text->data(), text->size());
    line.resize(std::min(line.find('\n'), line.size()));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    password = wallet::Password::consume(line);
  } else if (auto from_env = env("CLOUDCHAIN_PASSWORD")) {
    password = wallet::Password::consume(*from_env);
  } else if (m_io.read_secret) {
    auto first = m_io.read_secret("Password for " + std::string(purpose) + ": ");
    if (first && confirm) {
      auto second = m_io.read_secret("Repeat the password: ");
      if (!second || *second != *first) {
        if (second) explicit_bzero(second->data(), second->size());
        explicit_bzero(first->data(), first->size());
        throw failure("the two passwords differ");
      }
      explicit_bzero(second->data(), second->size());
    }
    if (first) password = wallet::Password::consume(*first);
  }
  if (!password) {
    throw failure("a password is needed for " + std::string(purpose) +
                  ": give --password-file FILE or set CLOUDCHAIN_PASSWORD (stdin is not a terminal)");
  }
  if (confirm && password->view().empty()) throw failure("the password is empty; choose a non-empty one");
  return std::move(*password);
}

crypto::PrivateKey Context::unlock(const wallet::KeystoreFile& file) {
  const wallet::Password pw = password("key " + file.address, false);
  auto key = wallet::decrypt_key(file, pw.view(), address_prefix(file.address));
  if (!key) {
    if (key.error().code == wallet::KeystoreError::kWrongPassword) {
      throw failure("wrong password for key " + file.address + " (or its file was tampered with)");
    }
    throw failure("cannot decrypt key " + file.address + ": " + std::string(wallet::to_string(key.error().code)) +
                  ": " + key.error().detail);
  }
  return *key;
}

crypto::Address Context::resolve_address(std::string_view address_or_label, std::string_view hrp) const {
  auto address = parse_address(address_or_label, hrp);
  if (address) return *address;
  // Not an address of this network: perhaps a key's label.
  const auto dir = keystore_dir();
  if (auto ks = wallet::Keystore::open(dir)) {
    if (auto file = ks->load(address_or_label)) {
      auto own = parse_address(file->address, hrp);
      if (!own) throw usage_error("key \"" + std::string(address_or_label) + "\": " + own.error().detail);
      return *own;
    }
  }
  if (address_prefix(address_or_label).empty()) {
    throw usage_error("\"" + std::string(address_or_label) + "\" is neither an address (" + std::string(hrp) +
                      "1...) nor the label of a key in " + dir.string());
  }
  throw usage_error(address.error().detail);
}

void Context::note(std::string_view text) { m_io.err << "note: " << text << '\n'; }

std::string json_string(const nlohmann::json& doc, const char* field) {
  if (doc.is_object()) {
    if (auto it = doc.find(field); it != doc.end() && it->is_string()) return it->get<std::string>();
  }
  throw failure(std::string("the node's answer has no string field \"") + field + "\"");
}

std::uint64_t json_u64(const nlohmann::json& doc, const char* field) {
  if (doc.is_object()) {
    if (auto it = doc.find(field); it != doc.end()) {
      if (it->is_number_unsigned()) return it->get<std::uint64_t>();
      if (it->is_string()) {
        if (auto v = parse_amount(it->get_ref<const std::string&>(), field)) return *v;
      }
    }
  }
  throw failure(std::string("the node's answer has no unsigned integer field \"") + field + "\"");
}

}  // namespace cloudchain::cli
