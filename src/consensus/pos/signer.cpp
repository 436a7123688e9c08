#include "consensus/pos/signer.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>

#include "crypto/sha256.hpp"
#include "primitives/codec.hpp"
#include "util/file_io.hpp"
#include "util/hex.hpp"

namespace cloudchain::consensus::pos {

namespace {

namespace fs = std::filesystem;

constexpr std::array<std::uint8_t, 4> kMagic = {'c', 'c', 'v', 's'};
// The checksum covers every byte before it.
constexpr std::size_t kChecksumOffset = kSignerStateSize - 32;
// Far above the state's size: a larger file is corrupt anyway, and is not read whole.
constexpr std::size_t kMaxReadBytes = 4096;

const crypto::TaggedHasher& checksum_hasher() {
  static const crypto::TaggedHasher kHasher("cloudchain/signer-state");
  return kHasher;
}

// The file stores Step's values and the order compares them: both rely on this.
static_assert(static_cast<std::uint8_t>(Step::kPropose) == 0 && static_cast<std::uint8_t>(Step::kPrevote) == 1 &&
              static_cast<std::uint8_t>(Step::kPrecommit) == 2);

std::optional<Step> step_from_u8(std::uint8_t raw) {
  switch (raw) {
    case 0: return Step::kPropose;
    case 1: return Step::kPrevote;
    case 2: return Step::kPrecommit;
    default: return std::nullopt;
  }
}

std::tuple<std::uint64_t, std::uint32_t, std::uint8_t> place(std::uint64_t height, std::uint32_t round, Step step) {
  return {height, round, static_cast<std::uint8_t>(step)};
}

std::string describe(std::uint64_t height, std::uint32_t round, Step step) {
  return "height " + std::to_string(height) + " round " + std::to_string(round) + " " + std::string(to_string(step));
}

std::unexpected<util::Error<SignerError>> file_fail(SignerError code, const fs::path& path, std::string_view what) {
  return util::fail(code, path.string() + ": " + std::string(what));
}

/// Parses and checks a state file's bytes (rules in the header, in this order).
util::Result<LastSigned, SignerError> decode_state(const std::string& raw, const fs::path& path, std::uint32_t chain_id,
                                                   const crypto::PublicKey& key) {
  const util::ByteSpan bytes = util::as_bytes(raw);
  const std::string size_text = std::to_string(bytes.size()) + " bytes, expected " + std::to_string(kSignerStateSize);
  if (bytes.size() < kMagic.size() + 1) return file_fail(SignerError::kCorrupt, path, "truncated: " + size_text);
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) {
    return file_fail(SignerError::kCorrupt, path, "magic: not a signer state file");
  }
  if (bytes[4] != kSignerStateVersion) {
    return file_fail(
        SignerError::kUnknownVersion, path,
        "version: " + std::to_string(bytes[4]) + ", this node reads version " + std::to_string(kSignerStateVersion));
  }
  if (bytes.size() < kSignerStateSize) return file_fail(SignerError::kCorrupt, path, "truncated: " + size_text);
  if (bytes.size() > kSignerStateSize) return file_fail(SignerError::kCorrupt, path, "trailing bytes: " + size_text);
  const Hash256 expected = checksum_hasher().hash(bytes.first(kChecksumOffset));
  if (!std::equal(expected.begin(), expected.end(), bytes.begin() + kChecksumOffset)) {
    return file_fail(SignerError::kCorrupt, path, "checksum: does not match the content");
  }

  primitives::Reader r(bytes.subspan(5, kChecksumOffset - 5));
  std::uint32_t file_chain = 0;
  crypto::PublicKey file_key{};
  LastSigned last;
  std::uint8_t step_raw = 0;
  r.u32(file_chain, "chain_id");
  r.array(file_key, "validator");
  r.u64(last.height, "height");
  r.u32(last.round, "round");
  r.u8(step_raw, "step");
  r.array(last.signing_hash, "signing_hash");
  r.array(last.signature, "signature");
  r.finish("signer state");
  if (!r.ok()) return file_fail(SignerError::kCorrupt, path, r.status().error().detail);  // unreachable: sizes fixed

  const std::optional<Step> step = step_from_u8(step_raw);
  if (!step) return file_fail(SignerError::kCorrupt, path, "step: unknown value " + std::to_string(step_raw));
  last.step = *step;
  if (file_chain != chain_id) {
    return file_fail(SignerError::kWrongChain, path,
                     "chain_id: the file is for chain " + std::to_string(file_chain) + ", this node runs chain " +
                         std::to_string(chain_id));
  }
  if (file_key != key) {
    return file_fail(SignerError::kWrongKey, path,
                     "validator: the file is for key " + util::to_hex(file_key) + ", this node's consensus key is " +
                         util::to_hex(key));
  }
  if (!crypto::verify(key, last.signing_hash, last.signature)) {
    return file_fail(SignerError::kCorrupt, path, "signature: does not verify for the key and signing hash");
  }
  return last;
}

}  // namespace

std::string_view to_string(SignerError e) {
  switch (e) {
    case SignerError::kLocked: return "locked";
    case SignerError::kIo: return "io";
    case SignerError::kCorrupt: return "corrupt";
    case SignerError::kUnknownVersion: return "unknown_version";
    case SignerError::kWrongChain: return "wrong_chain";
    case SignerError::kWrongKey: return "wrong_key";
    case SignerError::kEarlier: return "earlier";
    case SignerError::kConflict: return "conflict";
    case SignerError::kBadVote: return "bad_vote";
  }
  return "unknown";
}

util::Bytes encode_signer_state(std::uint32_t chain_id, const crypto::PublicKey& validator, const LastSigned& last) {
  primitives::Writer w(kSignerStateSize);
  for (const std::uint8_t b : kMagic) w.u8(b, "magic");
  w.u8(kSignerStateVersion, "version");
  w.u32(chain_id, "chain_id");
  w.array(validator, "validator");
  w.u64(last.height, "height");
  w.u32(last.round, "round");
  w.u8(static_cast<std::uint8_t>(last.step), "step");
  w.array(last.signing_hash, "signing_hash");
  w.array(last.signature, "signature");
  w.array(checksum_hasher().hash(w.bytes_written()), "checksum");
  return w.take();
}

util::Result<VoteSigner, SignerError> VoteSigner::open(fs::path path, const crypto::PrivateKey& consensus_key,
                                                       std::uint32_t chain_id) {
  const fs::path lock_path = fs::path(path.string() + ".lock");
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return file_fail(SignerError::kIo, lock_path, std::string("cannot open: ") + std::strerror(errno));
  // The signer owns the descriptor from here: its destructor closes it on every path.
  VoteSigner signer(std::move(path), consensus_key, chain_id, fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      return file_fail(SignerError::kLocked, lock_path,
                       "held by another signer (a second process or instance of this validator); refusing to "
                       "start, since two copies would sign conflicting votes");
    }
    return file_fail(SignerError::kIo, lock_path, std::string("cannot lock: ") + std::strerror(err));
  }
  auto raw = util::read_file(signer.m_path, kMaxReadBytes);
  if (!raw) {
    switch (raw.error().code) {
      case util::FileError::kMissing: return signer;  // nothing signed yet
      case util::FileError::kTooLarge:
        return file_fail(SignerError::kCorrupt, signer.m_path,
                         "trailing bytes: larger than " + std::to_string(kMaxReadBytes) + " bytes");
      case util::FileError::kIo: return util::fail(SignerError::kIo, raw.error().detail);
    }
  }
  auto last = decode_state(*raw, signer.m_path, chain_id, signer.m_public_key);
  if (!last) return std::unexpected(last.error());
  signer.m_last = *last;
  return signer;
}

VoteSigner::VoteSigner(fs::path path, const crypto::PrivateKey& key, std::uint32_t chain_id, int lock_fd)
    : m_path(std::move(path)), m_key(key), m_public_key(m_key.public_key()), m_chain_id(chain_id), m_lock_fd(lock_fd) {}

VoteSigner::VoteSigner(VoteSigner&& other) noexcept
    : m_path(std::move(other.m_path)),
      m_key(other.m_key),
      m_public_key(other.m_public_key),
      m_chain_id(other.m_chain_id),
      m_lock_fd(std::exchange(other.m_lock_fd, -1)),
      m_last(other.m_last) {}

VoteSigner& VoteSigner::operator=(VoteSigner&& other) noexcept {
  if (this == &other) return *this;
  if (m_lock_fd >= 0) ::close(m_lock_fd);
  m_path = std::move(other.m_path);
  m_key = other.m_key;
  m_public_key = other.m_public_key;
  m_chain_id = other.m_chain_id;
  m_lock_fd = std::exchange(other.m_lock_fd, -1);
  m_last = other.m_last;
  return *this;
}

// Closing the descriptor releases the flock (the lock file itself stays: removing it
// would let a waiting process lock a different inode than a later one).
VoteSigner::~VoteSigner() {
  if (m_lock_fd >= 0) ::close(m_lock_fd);
}

util::Result<void, SignerError> VoteSigner::persist(const LastSigned& next) const {
  const util::Bytes bytes = encode_signer_state(m_chain_id, m_public_key, next);
  const std::string_view content(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (auto ok = util::write_file_atomic(m_path, content, 0600); !ok) {
    return util::fail(SignerError::kIo, ok.error().detail);
  }
  return {};
}

util::Result<crypto::Signature, SignerError> VoteSigner::sign(std::uint64_t height, std::uint32_t round, Step step,
                                                              const Hash256& signing_hash) {
  // A moved-from signer holds no lock; signing through it would bypass the guard.
  if (m_lock_fd < 0) return util::fail(SignerError::kLocked, m_path.string() + ": this signer was moved from");
  if (m_last) {
    const auto asked = place(height, round, step);
    const auto last = place(m_last->height, m_last->round, m_last->step);
    if (asked < last) {
      return util::fail(SignerError::kEarlier, describe(height, round, step) + " is before the last signed " +
                                                   describe(m_last->height, m_last->round, m_last->step));
    }
    if (asked == last) {
      if (signing_hash == m_last->signing_hash) return m_last->signature;
      return util::fail(SignerError::kConflict, describe(height, round, step) + ": already signed " +
                                                    util::to_hex(m_last->signing_hash) + ", refusing to sign " +
                                                    util::to_hex(signing_hash) + " (a double sign)");
    }
  }
  LastSigned next{height, round, step, signing_hash, m_key.sign(signing_hash)};
  if (auto ok = persist(next); !ok) return std::unexpected(ok.error());
  m_last = next;
  return next.signature;
}

util::Result<void, SignerError> VoteSigner::sign_vote(primitives::Vote& vote) {
  if (vote.chain_id != m_chain_id) {
    return util::fail(SignerError::kWrongChain, "vote.chain_id: " + std::to_string(vote.chain_id) +
                                                    ", this signer signs for chain " + std::to_string(m_chain_id));
  }
  const auto type = primitives::vote_type_from_u8(static_cast<std::uint8_t>(vote.type));
  if (!type) return util::fail(SignerError::kBadVote, "vote.type: not prevote or precommit");
  const Step step = *type == primitives::VoteType::kPrevote ? Step::kPrevote : Step::kPrecommit;
  primitives::Vote signed_vote = vote;
  signed_vote.validator = m_public_key;
  auto sig = sign(vote.height, vote.round, step, primitives::signing_hash(signed_vote));
  if (!sig) return std::unexpected(sig.error());
  signed_vote.signature = *sig;
  vote = signed_vote;
  return {};
}

util::Result<crypto::Signature, SignerError> VoteSigner::sign_proposal(std::uint64_t height, std::uint32_t round,
                                                                       const Hash256& signing_hash) {
  return sign(height, round, Step::kPropose, signing_hash);
}

}  // namespace cloudchain::consensus::pos
