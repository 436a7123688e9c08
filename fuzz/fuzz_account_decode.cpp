// State records (docs/protocol.md, section 9.1): strict decoding of accounts, validator
// records, used-evidence records, the candidate list and the active set never crashes,
// and every accepted encoding re-encodes to exactly the input (canonical form: one
// encoding per record).

#include <cstddef>
#include <cstdint>

#include "state/records.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloudchain::state;
  const ByteSpan in(data, size);
  const Bytes input(in.begin(), in.end());
  if (auto account = decode_account(in)) {
    check(encode_account(*account) == input);
    check(account->validator.has_value() == (account->stake > 0));
    check(account->unbonding != 0 || account->unbonding_release_height == 0);
  }
  if (auto validator = decode_validator(in)) check(encode_validator(*validator) == input);
  if (auto height = decode_used_evidence(in)) check(encode_used_evidence(*height) == input);
  if (auto keys = decode_candidates(in)) {
    check(encode_candidates(*keys) == input);
    check(!keys->empty() && keys->size() <= kMaxCandidates);
    for (std::size_t i = 1; i < keys->size(); ++i) check((*keys)[i - 1] < (*keys)[i]);
  }
  if (auto set = decode_active_set(in)) {
    check(encode_active_set(*set) == input);
    check(!set->validators.empty() && set->validators.size() <= kMaxActiveValidators);
    for (std::size_t i = 0; i < set->validators.size(); ++i) {
      check(set->validators[i].power > 0);
      if (i > 0) check(set->validators[i - 1].key < set->validators[i].key);
    }
  }
  return 0;
}
