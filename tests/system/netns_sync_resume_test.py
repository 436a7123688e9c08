"""A dropped link mid-sync resumes, on real addresses: node A (its own network namespace)
mines a few thousand blocks at the easiest proof of work and stops; node B (another
namespace) starts empty with A as its seed and syncs. While B is between genesis and
A's tip, B's link is cut at the switch: B stops advancing (its height stays put, below
A's, for several seconds), drops A (no pong) and reports in /v1/status "sync" that it
knows A's height and is behind. The link is restored and B, the same process, resumes and
reaches A's tip, with A's blocks.

Skipped (with the reason) where network namespaces cannot be made: not root, no `ip`.
"""

import os
import secrets
import sys
import time
import unittest

import netns
import txcodec as tc
from harness import SystemTestCase, wait_for

BLOCKS = int(os.environ.get("SYSTEST_SYNC_BLOCKS", "3000"))
# B's height must stay put this long with the link cut (after what was already in
# flight is connected) to count as "stopped".
STOPPED_FOR_S = 3.0


def setUpModule():
    ok, why = netns.available()
    if not ok:
        raise unittest.SkipTest(why)


def set_mining(node, enabled):
    r = node.admin("/v1/admin/mining", {"enabled": enabled})
    if r.status != 200:
        raise AssertionError(f"{node.name}: POST /v1/admin/mining {enabled} -> {r!r}")
    wait_for(lambda: node.status()["mining"]["enabled"] is enabled, 10, f"{node.name}: mining {enabled}")


class NetnsSyncResumeTest(SystemTestCase):
    def test_cut_link_mid_sync_resumes_without_restart(self):
        miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        topology = netns.Topology(2)
        self.addCleanup(topology.close)
        a, b = netns.init_network(self, topology, 300, seeds={0: [], 1: [0]}, p2p=netns.FAST_P2P,
                                  genesis=netns.easiest_pow)

        def logs():
            return a.log_tail(15) + "\n" + b.log_tail(40)

        # A mines BLOCKS blocks with nobody to talk to, then stops.
        mining_started = time.monotonic()
        a.start(mine=True, miner_address=miner)
        a.wait_height(BLOCKS, timeout=120)
        set_mining(a, False)
        mined_s = time.monotonic() - mining_started
        a_height, a_tip = a.status()["height"], a.status()["tip_hash"]
        wait_for(lambda: (a.status()["height"], a.status()["tip_hash"]) == (a_height, a_tip), 5, "A's tip settled")
        sys.stderr.write(f"A: {a_height} blocks in {mined_s:.1f} s ({a_height / mined_s:.0f} blocks/s)\n")

        # B starts empty and syncs from A; the link is cut as soon as B has a block.
        sync_started = time.monotonic()
        b.start(mine=False)
        b_pid = b.proc.pid

        def ready_peers(node):
            return [p["address"] for p in node.get_json("/v1/peers")["peers"] if p["ready"]]

        first = wait_for(lambda: b.height() > 0 and b.height(), 60, "B's first synced block", interval=0.01,
                         on_timeout=logs)
        topology.cut(b.index)
        cut_at = time.monotonic()

        # B stops: what was in flight gets connected, then the height stays put.
        last = {"height": -1, "since": time.monotonic()}

        def stopped():
            h = b.height()
            now = time.monotonic()
            if h != last["height"]:
                last["height"], last["since"] = h, now
                return None
            return h if now - last["since"] >= STOPPED_FOR_S else None

        stuck = wait_for(stopped, 30, f"B's height to stay put for {STOPPED_FOR_S:.0f} s with the link cut",
                         interval=0.2, on_timeout=logs)
        sys.stderr.write(f"B: height {first} when cut, stopped at {stuck} of {a_height} "
                         f"({time.monotonic() - cut_at:.1f} s after the cut)\n")
        self.assertGreater(stuck, 0)
        self.assertLess(stuck, a_height, "B finished syncing before the cut: nothing was interrupted "
                        "(raise SYSTEST_SYNC_BLOCKS)")
        self.assertFalse(topology.reachable(1, 0, timeout=1), "the cut link still carries traffic")
        # B noticed (no pong within 2 s) and knows it is behind: the headers reached A's tip.
        wait_for(lambda: ready_peers(b) == [], 15, "B to drop A (no pong)", on_timeout=logs)
        sync = b.status()["sync"]
        self.assertEqual((sync["height"], sync["target_height"]), (stuck, a_height), sync)
        self.assertLess(sync["percent"], 100, sync)
        self.assertEqual(b.height(), stuck, "B moved with no peer")

        # Restore: the same B process resumes and reaches A's tip.
        topology.restore(b.index)
        restored_at = time.monotonic()
        wait_for(lambda: b.status()["tip_hash"] == a_tip, 90, f"B at A's tip {a_tip[:16]} (height {a_height})",
                 interval=0.2, on_timeout=logs)
        sys.stderr.write(f"B: at A's tip {time.monotonic() - restored_at:.1f} s after the restore; sync took "
                         f"{time.monotonic() - sync_started:.1f} s in all\n")
        self.assertTrue(b.running(), "B is not running")
        self.assertEqual({address.rsplit(":", 1)[0] for address in ready_peers(b)}, {a.address}, "B's peers")
        sync = wait_for(lambda: (lambda s: s if not s["syncing"] else None)(b.status()["sync"]), 15,
                        "B's sync status to say done", on_timeout=logs)
        self.assertEqual((sync["height"], sync["target_height"]), (a_height, a_height), sync)
        self.assertEqual((b.proc.pid, b.starts), (b_pid, 1), "B was restarted")
        for height in sorted({1, stuck, stuck + 1, a_height // 2, a_height}):
            self.assertEqual(b.get_json(f"/v1/blocks/{height}")["hash"], a.get_json(f"/v1/blocks/{height}")["hash"],
                             f"block {height} differs between A and B")

        self.assertEqual(b.stop(), 0, b.log_tail())
        self.assertEqual(a.stop(), 0, a.log_tail())


if __name__ == "__main__":
    unittest.main()
