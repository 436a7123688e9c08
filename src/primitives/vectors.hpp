#pragma once
// Protocol test vectors of the primitives layer (docs/protocol.md, sections 5-8):
// deterministic sample objects built from fixed private keys (RFC 6979 signing is
// deterministic), and their encodings and hashes computed by the real code.
//
// `cloudchain-vectors` prints them; primitives_test checks that docs/protocol.md lists
// exactly these values, so the document cannot drift from the code.
//
// Text format (shared by the printer, the docs and the checker): inside a fenced block
// tagged `vectors`, each vector is `name: value`; a value may continue on following
// lines that start with whitespace (hex longer than 80 characters is
// wrapped at 64).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "primitives/block.hpp"
#include "primitives/proposal.hpp"

namespace cloudchain::primitives::vectors {

inline constexpr std::uint32_t kChainId = 1;

struct Vector {
  std::string name;   // e.g. "tx.transfer.txid"
  std::string value;  // lower-case hex unless the name says otherwise (e.g. ".address")
};

struct Group {
  std::string title;        // e.g. "Transactions (section 5)"
  std::string description;  // how the sample objects were built
  std::vector<Vector> vectors;
};

/// Secrets 0x01 x 32 (alice, the sender), 0x02 x 32 (bob, receiver and
/// beneficiary), 0x03 x 32 (a validator's consensus key).
crypto::PrivateKey alice();
crypto::PrivateKey bob();
crypto::PrivateKey validator();

Transaction sample_transfer();     // alice -> bob, nonce 0
Transaction sample_anchor();       // alice anchors SHA-256("hello, cloudchain\n"), nonce 1
Transaction sample_unjail();       // alice unjails the validator key, nonce 2 (not in the block)
Block sample_pow_block();          // height 1, the two transactions, nonce mined for bits 0x207fffff
Vote sample_vote();                // validator precommits sample_pow_block at height 1, round 0
Proposal sample_proposal();        // validator proposes sample_pow_block at height 1, round 0, no valid round
Proposal sample_polka_proposal();  // the same block re-proposed in round 2 with valid_round 1

/// All groups, in document order: tx, header, block, vote, proposal.
std::vector<Group> all_groups();

/// Renders `vectors` in the text format above (no fence lines).
std::string render(const std::vector<Vector>& vectors);

/// Parses every fenced `vectors` block of a Markdown document. Names seen twice keep
/// their first value and are also reported in `duplicates`.
struct Parsed {
  std::vector<Vector> vectors;
  std::vector<std::string> duplicates;
};
Parsed parse_markdown(std::string_view markdown);

}  // namespace cloudchain::primitives::vectors
