#include "p2p/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace cloudchain::p2p {
namespace {

constexpr P2pError kAll[] = {
    P2pError::kBadMagic,
    P2pError::kUnknownMessage,
    P2pError::kOversizeFrame,
    P2pError::kBadChecksum,
    P2pError::kMalformedMessage,
    P2pError::kVersionMismatch,
    P2pError::kWrongChain,
    P2pError::kSelfConnection,
    P2pError::kDuplicateHandshake,
    P2pError::kUnexpectedMessage,
    P2pError::kUnrequestedData,
    P2pError::kHeadersNotConnecting,
    P2pError::kLowWorkHeaders,
    P2pError::kInvalidBlock,
    P2pError::kInvalidTx,
    P2pError::kInvalidHeaders,
    P2pError::kInvalidConsensus,
    P2pError::kTimeout,
    P2pError::kSendQueueFull,
    P2pError::kTooManyPeers,
    P2pError::kDuplicateConnection,
    P2pError::kBanned,
    P2pError::kShutdown,
    P2pError::kIo,
};

TEST(P2pError, NamesAreDistinctAndPrefixed) {
  std::set<std::string> names;
  for (const P2pError e : kAll) {
    const std::string name(to_string(e));
    EXPECT_TRUE(name.starts_with("p2p_")) << name;
    EXPECT_NE(name, "p2p_unknown");
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
  }
}

TEST(P2pError, ScoresFollowTheTableInDocsP2p) {
  for (const P2pError e :
       {P2pError::kBadMagic, P2pError::kBadChecksum, P2pError::kOversizeFrame, P2pError::kUnknownMessage,
        P2pError::kMalformedMessage, P2pError::kWrongChain, P2pError::kVersionMismatch, P2pError::kDuplicateHandshake,
        P2pError::kUnexpectedMessage, P2pError::kInvalidBlock, P2pError::kInvalidHeaders}) {
    EXPECT_EQ(misbehaviour_score(e), kBanScore) << to_string(e);
  }
  EXPECT_EQ(misbehaviour_score(P2pError::kUnrequestedData), 20u);
  EXPECT_EQ(misbehaviour_score(P2pError::kHeadersNotConnecting), 20u);
  EXPECT_EQ(misbehaviour_score(P2pError::kLowWorkHeaders), 20u);
  EXPECT_EQ(misbehaviour_score(P2pError::kInvalidTx), 10u);
  EXPECT_EQ(misbehaviour_score(P2pError::kInvalidConsensus), 50u);
  for (const P2pError e :
       {P2pError::kTimeout, P2pError::kSendQueueFull, P2pError::kSelfConnection, P2pError::kTooManyPeers,
        P2pError::kDuplicateConnection, P2pError::kBanned, P2pError::kShutdown, P2pError::kIo}) {
    EXPECT_EQ(misbehaviour_score(e), 0u) << to_string(e);
  }
}

}  // namespace
}  // namespace cloudchain::p2p
