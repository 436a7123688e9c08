#pragma once
// Protocol test vectors of the P2P layer (docs/protocol.md, section 10): one sample
// message of each type, built from the primitives vectors (the sample block, its
// header, the sample transfer, proposal and vote), and the frames that carry them.
//
// Same text format as primitives/vectors.hpp (fenced `vectors` blocks of `name: value`);
// every name starts with "p2p.". p2p_test checks that docs/protocol.md lists exactly
// these values; the unit tests and the fuzzers' seeds use the same samples.

#include <vector>

#include "p2p/frame.hpp"
#include "p2p/messages.hpp"
#include "primitives/vectors.hpp"

namespace cloudchain::p2p::vectors {

/// The genesis hash the samples pretend to belong to: the primitives sample block's
/// hash. The magic is its first 4 bytes.
Hash256 sample_genesis();
Magic sample_magic();

/// One message of each type, in MessageType order (index i has type i + 1).
std::vector<Message> sample_messages();

/// The p2p group: the magic and each sample's frame.
std::vector<primitives::vectors::Group> all_groups();

}  // namespace cloudchain::p2p::vectors
