"""Equivocation on a real PoS devnet: four validators (`devnet up --consensus pos`); the
test takes validator 3's consensus key from its home, stops that node (SIGKILL) and acts
as a deliberately equivocating validator: over a raw P2P connection to node0 it sends
two prevotes signed with that key for the same height and round but different blocks.

Then: node0 reports it (its log names the evidence transaction, sent from node0's own
consensus-key account); the evidence is included in a block; validator 3's stake drops
by exactly slash_bps (5%) and it is jailed (/v1/validators); the three others keep
finalizing, and at the next epoch boundary validator 3 leaves the active set.
"""

import os
import pathlib
import secrets
import signal
import struct
import time
import unittest

import txcodec as tc
from devnet_case import DevnetCase, get
from harness import free_port, wait_for
from p2pwire import BadPeer, frame

BLOCK_TIME_MS = 500
T_VOTE = 15
PREVOTE = 1


def signed_vote(secret: bytes, chain_id: int, height: int, rnd: int, block_hash: bytes) -> bytes:
    """docs/protocol.md section 8: chain_id type height round block_hash validator signature."""
    unsigned = (struct.pack("<IBQI", chain_id, PREVOTE, height, rnd) + block_hash + tc.public_key(secret))
    return unsigned + tc.sign(secret, tc.tagged_hash("cloudchain/vote", unsigned))


class PosEquivocationTest(DevnetCase):
    def test_conflicting_prevotes_are_reported_slashed_and_jailed(self):
        self.devnet("up", "--consensus", "pos", "--nodes", "4", "--base-port", str(free_port()), "--accounts", "4",
                    "--block-time-ms", str(BLOCK_TIME_MS))
        nodes = self.state()["nodes"]
        api0 = nodes[0]["api"]
        wait_for(lambda: get(api0, "/v1/status")["height"] >= 3, 60, "the devnet finalizes 3 blocks")

        secret = bytes.fromhex((pathlib.Path(nodes[3]["home"]) / "validator.key").read_text().strip())
        key = tc.public_key(secret).hex()
        before = {v["key"]: v for v in get(api0, "/v1/validators")["validators"]}
        self.assertIn(key, before)
        stake_before = int(before[key]["stake"])
        os.kill(nodes[3]["pid"], signal.SIGKILL)

        status = get(api0, "/v1/status")
        genesis = bytes.fromhex(status["genesis_hash"])
        chain_id = int(status["chain_id"])
        p2p_port = int(nodes[0]["p2p"].rsplit(":", 1)[1])
        peer = BadPeer(p2p_port, genesis[:4], chain_id, genesis)
        peer.handshake()
        log0 = pathlib.Path(nodes[0]["log"])

        def reported() -> bool:
            return "evidence transaction" in log0.read_text(errors="replace")

        # The votes must reach node0 while it decides that height (or is about to): send
        # a conflicting pair for its height and the next, until it reports one.
        deadline = time.monotonic() + 60
        while not reported():
            self.assertLess(time.monotonic(), deadline, "node0 never reported the equivocation")
            bft = get(api0, "/v1/status")["bft"]
            for height in (bft["height"], bft["height"] + 1):
                for _ in range(2):
                    vote = signed_vote(secret, chain_id, height, 0, secrets.token_bytes(32))
                    peer.send(frame(genesis[:4], T_VOTE, vote))
            time.sleep(0.5)
        self.assertIn("consensus: validator " + key + " signed two different prevotes",
                      log0.read_text(errors="replace"))

        def slashed():
            v = {c["key"]: c for c in get(api0, "/v1/validators")["validators"]}.get(key)
            return v if v is not None and int(v["stake"]) < stake_before else None

        v = wait_for(slashed, 60, "the evidence is included and the stake slashed")
        self.assertEqual(int(v["stake"]), stake_before - stake_before * 500 // 10000)
        self.assertTrue(v["jailed"], v)

        # The three others keep finalizing; at the next epoch boundary (20 blocks) the
        # jailed validator is no longer in the active set.
        def left_the_set() -> bool:
            return key not in {c["key"] for c in get(api0, "/v1/validators")["validators"]}

        wait_for(left_the_set, 90, "the jailed validator leaves the active set at the epoch boundary", interval=0.5)
        h = get(api0, "/v1/status")["height"]
        wait_for(lambda: get(api0, "/v1/status")["height"] >= h + 2, 30, "three validators keep finalizing")
        peer.close()


if __name__ == "__main__":
    unittest.main()
