"""Proof of Stake end to end: `cloudchain devnet up --consensus pos` makes four real
validator processes (equal stake, each its own validator.key) on loopback, and BFT
consensus finalizes blocks:

- all four up: heights rise on every node, every node holds the same block at each
  height (no fork), each decided heights itself (/v1/status "bft"), and a block's
  last_commit carries precommits of more than 2/3 of the power;
- one validator killed (SIGKILL): the other three still finalize (3 of 4 > 2/3);
- a second one killed: no new block anywhere (2 of 4 is not > 2/3) and still no fork;
  one restarted: finalization resumes, and the restarted one catches up and follows;
- a fifth node, not a validator, joins late and syncs from genesis (verifying every
  commit) to the same chain.

The daemons run detached, so cleanup is `devnet down` plus SIGKILL of the recorded pids.
"""

import os
import pathlib
import signal
import subprocess
import time
import unittest

import txcodec as tc
from devnet_case import DevnetCase
from harness import daemon_binary, free_port, http_request, wait_for

TIMEOUT_S = 180
BLOCK_TIME_MS = 500
# With two of four validators down no height can be decided; watch this long.
STALL_WATCH_S = 6.0


class Api:
    """One devnet node's HTTP API."""

    def __init__(self, name: str, address: str):
        self.name = name
        host, port = address.rsplit(":", 1)
        self.host, self.port = host, int(port)

    def get(self, path: str):
        r = http_request(self.host, self.port, "GET", path, timeout=5)
        if r.status != 200:
            raise AssertionError(f"{self.name}: GET {path} -> {r!r}")
        return r.json

    def try_status(self):
        try:
            return self.get("/v1/status")
        except (OSError, AssertionError):
            return None

    def height(self) -> int:
        return self.get("/v1/status")["height"]

    def block_hash(self, height: int) -> str:
        return self.get(f"/v1/blocks/{height}")["hash"]


class PosConsensusTest(DevnetCase):
    def assert_same_chain(self, apis, up_to: int) -> None:
        """Every node in `apis` holds the same block at each height 1..up_to."""
        for h in range(1, up_to + 1):
            hashes = {a.name: a.block_hash(h) for a in apis}
            self.assertEqual(len(set(hashes.values())), 1, f"fork at height {h}: {hashes}")

    def wait_heights(self, apis, target: int, timeout: float, what: str) -> None:
        try:
            wait_for(lambda: all(a.height() >= target for a in apis), timeout, what, interval=0.2)
        except AssertionError:
            raise AssertionError(f"{what}\n{self.log_tails()}")

    def test_four_validators_finalize_tolerate_one_fault_and_stall_without_quorum(self):
        up = self.devnet("up", "--consensus", "pos", "--nodes", "4", "--base-port", str(free_port()),
                         "--accounts", "4", "--block-time-ms", str(BLOCK_TIME_MS))
        self.assertIn("new blocks 4/4", up.stdout)
        nodes = self.state()["nodes"]
        apis = [Api(n["name"], n["api"]) for n in nodes]

        # All up: blocks are decided, the same everywhere, each node took part.
        start = max(a.height() for a in apis)
        self.wait_heights(apis, start + 6, 60, "four validators finalize 6 more blocks")
        self.assert_same_chain(apis, start + 6)
        for a in apis:
            bft = a.get("/v1/status")["bft"]
            self.assertTrue(bft["validator"], a.name)
            self.assertEqual(bft["validators"], 4)
            self.assertGreater(bft["decided"], 0, a.name)
        block = apis[0].get(f"/v1/blocks/{start + 6}")
        commit = block["last_commit"]
        self.assertGreaterEqual(len(commit["sigs"]), 3, block)

        # One validator killed: three of four still finalize.
        def missed_now() -> dict:
            return {v["key"]: v["missed_blocks"] for v in apis[0].get("/v1/validators")["validators"]}

        missed_before = missed_now()
        os.kill(nodes[3]["pid"], signal.SIGKILL)
        live = apis[:3]
        h = max(a.height() for a in live)
        self.wait_heights(live, h + 4, 60, "three validators finalize after one is killed")
        self.assert_same_chain(live, h + 4)
        # The dead one's signature is missing from the commits since (/v1/validators).
        key3 = tc.public_key(bytes.fromhex((pathlib.Path(nodes[3]["home"]) / "validator.key").read_text().strip()))
        missed_after = missed_now()
        grew = {k: missed_after[k] - missed_before[k] for k in missed_after}
        dead = grew.pop(key3.hex())
        self.assertGreaterEqual(dead, 3, grew)
        # A commit holds the precommits that made the quorum: with one of four gone, each
        # of the three live ones is in every commit (one block at the moment of the kill
        # may still have been decided without one of them).
        self.assertLessEqual(max(grew.values()), 1, grew)

        # A second one killed: no quorum, no new block, no fork.
        os.kill(nodes[2]["pid"], signal.SIGKILL)
        time.sleep(2 * BLOCK_TIME_MS / 1000 + 1)  # a block decided just before may still land
        stalled = [a.height() for a in apis[:2]]
        time.sleep(STALL_WATCH_S)
        self.assertEqual([a.height() for a in apis[:2]], stalled, "a block was decided without a quorum")
        self.assert_same_chain(apis[:2], min(stalled))

        # One returns: three of four again, finalization resumes; it catches up.
        self.start_daemon(nodes[2])
        live = apis[:3]
        target = max(stalled) + 3
        self.wait_heights(live, target, 90, "finalization resumes when a third validator returns")
        self.assert_same_chain(live, target)

        # A fifth node, no validator key, syncs from genesis verifying commits.
        fifth = self.tmp / "fifth"
        subprocess.run([daemon_binary(), "init", "--home", str(fifth)], check=True, capture_output=True, timeout=30)
        (fifth / "genesis.json").write_bytes((pathlib.Path(nodes[0]["home"]) / "genesis.json").read_bytes())
        api_port, p2p_port = free_port(), free_port()
        (fifth / "config.toml").write_text(
            f'[api]\nlisten = "127.0.0.1:{api_port}"\n[p2p]\nlisten = "127.0.0.1:{p2p_port}"\n'
            f'seeds = ["{nodes[0]["p2p"]}"]\n')
        log = open(fifth / "cloudchaind.log", "w")
        proc = subprocess.Popen([daemon_binary(), "--home", str(fifth)], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.extra.append(proc)
        follower = Api("fifth", f"127.0.0.1:{api_port}")
        wait_for(lambda: follower.try_status() is not None, 30, "the fifth node answers")
        goal = max(a.height() for a in live)
        self.wait_heights([follower], goal, 60, "the fifth node syncs")
        self.assert_same_chain([apis[0], follower], goal)
        bft = follower.get("/v1/status")["bft"]
        self.assertFalse(bft["validator"])
        self.assertIsNone(bft["validator_key"])


if __name__ == "__main__":
    unittest.main()
