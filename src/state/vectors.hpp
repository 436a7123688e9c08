#pragma once
// Protocol test vectors of the state layer (docs/protocol.md, section 9): a fixed small
// state (three accounts, one of them a validator, and that validator's record), its
// root, and one inclusion and one non-inclusion proof; then the same state with the PoS
// records (candidates, active set), its root and a proof of the active set; all computed
// by the real code.
//
// Same text format as primitives/vectors.hpp (fenced `vectors` blocks of `name: value`);
// every name starts with "state.". state_test checks that docs/protocol.md lists exactly
// these values.

#include <vector>

#include "primitives/vectors.hpp"
#include "state/records.hpp"

namespace cloudchain::state::vectors {

/// The sample accounts: a = 0x11 x 20, b = 0x22 x 20, c = 0x33 x 20 (c bonded to the
/// primitives vectors' validator key); n = 0x44 x 20 is absent.
Address address_a();
Address address_b();
Address address_c();
Address address_absent();
Account account_a();
Account account_b();
Account account_c();

/// The state group and the PoS state records group, in document order.
std::vector<primitives::vectors::Group> all_groups();

}  // namespace cloudchain::state::vectors
