"""Proof of Stake faults and staking on a real four-validator devnet (`cloudchain devnet
up --consensus pos`), one devnet per test:

- clock skew: validator 3 restarted with its wall clock 20 s ahead (libfaketime, the
  Debian `faketime` package; its monotonic clock is left alone) takes part and the
  network keeps finalizing, its own proposals included;
- kill -9 while voting: validator 3 is SIGKILLed at random moments and restarted, ten
  times; a raw P2P observer connected to node0 records every vote relayed to it, and no
  validator ever signed two different votes for one (height, round, type); no node logs
  evidence;
- staking: the faucet stakes to a fresh consensus key and the active set grows to five
  at the next epoch boundary (20 blocks), not before; an unstake of all of it shrinks
  it back to four at the boundary after.
"""

import json
import os
import pathlib
import random
import secrets
import signal
import struct
import threading
import time
import unittest

import txcodec as tc
from devnet_case import DevnetCase, alive, get, try_get
from harness import free_port, wait_for
from p2pwire import BadPeer, T_PING, T_PONG, frame

BLOCK_TIME_MS = 500
EPOCH_BLOCKS = 20  # devnet_create.cpp
T_VOTE = 15
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


class VoteWatcher:
    """A raw P2P peer of one node that records every vote the node relays to it."""

    def __init__(self, peer: BadPeer, magic: bytes):
        self.peer, self.magic = peer, magic
        self.votes: dict[tuple, set] = {}  # (validator, height, round, type) -> block hashes
        self.count = 0
        self.error: str | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                kind, payload = self.peer.read_frame(timeout=1.0)
            except TimeoutError:  # socket.timeout: nothing within the second
                continue
            except AssertionError as e:
                if "no whole frame" in str(e):
                    continue
                self.error = str(e)
                return
            if kind == T_PING:
                self.peer.send(frame(self.magic, T_PONG, payload))
            elif kind == T_VOTE and len(payload) == 146:
                _, vtype, height, rnd = struct.unpack_from("<IBQI", payload)
                block_hash, validator = payload[17:49], payload[49:82]
                self.votes.setdefault((validator.hex(), height, rnd, vtype), set()).add(block_hash)
                self.count += 1

    def conflicts(self) -> list:
        return [(k, [h.hex() for h in v]) for k, v in self.votes.items() if len(v) > 1]


class PosFaultsTest(DevnetCase):
    def up(self) -> list[dict]:
        self.cli("devnet", "up", "--consensus", "pos", "--nodes", "4", "--base-port", str(free_port()),
                     "--accounts", "4", "--block-time-ms", str(BLOCK_TIME_MS), "--dir", str(self.dir))
        return self.state()["nodes"]

    def wait_height(self, api: str, height: int, timeout: float, what: str) -> None:
        wait_for(lambda: (try_get(api, "/v1/status") or {"height": -1})["height"] >= height, timeout, what,
                 interval=0.2)

    def assert_same_chain(self, apis: list[str], up_to: int) -> None:
        for h in range(1, up_to + 1):
            hashes = {get(a, f"/v1/blocks/{h}")["hash"] for a in apis}
            self.assertEqual(len(hashes), 1, f"fork at height {h}")

    def test_a_validator_20s_ahead_still_takes_part(self):
        if not pathlib.Path(FAKETIME_LIB).exists():
            self.skipTest("libfaketime is not installed (Debian package faketime; scripts/install-deps.sh)")
        nodes = self.up()
        apis = [n["api"] for n in nodes]
        self.wait_height(apis[0], 3, 60, "the devnet finalizes 3 blocks")
        os.kill(nodes[3]["pid"], signal.SIGTERM)
        wait_for(lambda: not alive(nodes[3]["pid"]), 30, "validator 3 stops")
        env = dict(os.environ, LD_PRELOAD=FAKETIME_LIB, FAKETIME="+20s", DONT_FAKE_MONOTONIC="1")
        self.start_daemon(nodes[3], env)
        wait_for(lambda: try_get(apis[3], "/v1/status") is not None, 30, "validator 3 answers again")
        start = get(apis[0], "/v1/status")["height"]
        log3 = pathlib.Path(nodes[3]["log"])
        restart_at = len(log3.read_text(errors="replace"))

        def proposed_after_restart() -> bool:
            return "consensus: proposing block" in log3.read_text(errors="replace")[restart_at:]

        # Rotation gives validator 3 a turn at least every 4 heights; allow a few.
        wait_for(proposed_after_restart, 90, "the skewed validator proposes", interval=0.5)
        for a in apis:
            self.wait_height(a, start + 8, 90, "all four follow with one clock 20 s ahead")
        self.assert_same_chain(apis, start + 8)
        # Its clock really is ahead: the log lines it writes are stamped 20 s later.
        last = [line for line in log3.read_text(errors="replace")[restart_at:].splitlines() if line[:2] == "20"][-1]
        stamp = time.mktime(time.strptime(last[:19], "%Y-%m-%dT%H:%M:%S"))
        self.assertGreater(stamp - time.mktime(time.gmtime()), 10, last)
        self.assertGreater(get(apis[3], "/v1/status")["bft"]["decided"], 0)

    def test_kill9_while_voting_never_signs_two_different_votes(self):
        nodes = self.up()
        apis = [n["api"] for n in nodes]
        self.wait_height(apis[0], 3, 60, "the devnet finalizes 3 blocks")
        status = get(apis[0], "/v1/status")
        genesis = bytes.fromhex(status["genesis_hash"])
        peer = BadPeer(int(nodes[0]["p2p"].rsplit(":", 1)[1]), genesis[:4], int(status["chain_id"]), genesis)
        peer.handshake()
        watcher = VoteWatcher(peer, genesis[:4])
        rng = random.Random(secrets.randbits(32))
        pid = nodes[3]["pid"]
        for _ in range(10):
            time.sleep(rng.uniform(0.2, 1.5))
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: not alive(pid), 10, "validator 3 is gone")
            pid = self.start_daemon(nodes[3]).pid
            wait_for(lambda: try_get(apis[3], "/v1/status") is not None, 30, "validator 3 answers again")
        h = get(apis[0], "/v1/status")["height"]
        for a in apis:
            self.wait_height(a, h + 3, 90, "all four finalize after the kills")
        watcher.stop.set()
        watcher.thread.join(5)
        self.assertIsNone(watcher.error)
        self.assertGreater(watcher.count, 20, "the observer saw votes")
        self.assertEqual(watcher.conflicts(), [])
        for n in nodes:
            self.assertNotIn("signed two different", pathlib.Path(n["log"]).read_text(errors="replace"), n["name"])
        key3 = tc.public_key(bytes.fromhex((pathlib.Path(nodes[3]["home"]) / "validator.key").read_text().strip()))
        self.assertTrue(any(k[0] == key3.hex() for k in watcher.votes), "validator 3's votes were seen")
        peer.close()

    def test_stake_and_unstake_change_the_set_at_the_next_epoch(self):
        nodes = self.up()
        api = nodes[0]["api"]
        state = self.state()
        wallet = ["--node", f"http://{api}", "--keystore", state["keystore"], "--password-file", state["password_file"]]
        self.wait_height(api, 2, 60, "the devnet finalizes")
        new_key = tc.public_key(secrets.token_bytes(32)).hex()
        stake = 200_000_000_000  # >= min_stake (10^11), a fifth of a devnet validator's
        r = self.cli("--json", *wallet, "stake", "--from", "faucet", "--validator", new_key, "--amount",
                         str(stake), "--wait")
        included = json.loads(r.stdout)["height"]
        # The epoch step runs after a block's transactions: a stake in a boundary block
        # counts at that boundary.
        boundary = -(-included // EPOCH_BLOCKS) * EPOCH_BLOCKS

        def keys() -> set:
            return {v["key"] for v in get(api, "/v1/validators")["validators"]}

        v = get(api, "/v1/validators")
        if v["height"] < boundary:
            self.assertNotIn(new_key, {x["key"] for x in v["validators"]}, "the set changed before the boundary")
        self.wait_height(api, boundary, 60, "the epoch boundary")
        wait_for(lambda: new_key in keys(), 30, "the staked key joins the set at the boundary")
        v = get(api, "/v1/validators")
        self.assertEqual(len(v["validators"]), 5)
        self.assertGreaterEqual(v["effective_height"], boundary)
        # Four of five (80% of the power) keep finalizing with the new key offline.
        h = get(api, "/v1/status")["height"]
        self.wait_height(api, h + 3, 60, "finalizing with a silent fifth validator")

        r = self.cli("--json", *wallet, "unstake", "--from", "faucet", "--amount", str(stake), "--wait")
        after = json.loads(r.stdout)["height"]
        next_boundary = -(-after // EPOCH_BLOCKS) * EPOCH_BLOCKS
        self.wait_height(api, next_boundary, 90, "the next epoch boundary")
        wait_for(lambda: new_key not in keys(), 30, "the unstaked key leaves the set at the next boundary")
        self.assertEqual(len(get(api, "/v1/validators")["validators"]), 4)


if __name__ == "__main__":
    unittest.main()
