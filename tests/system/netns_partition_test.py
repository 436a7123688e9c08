"""Partition 2|2 and heal, on real addresses: four PoW nodes, one per network namespace
(netns.py), each dialling the other three, all mining one thread. They converge; the LAN
is split into {n0, n1} | {n2, n3} until each side has extended its own chain past the
other's (each side's tip is not on the other side's chain) and the peers across the
split have been dropped (no pong: /v1/peers); mining stops, and single
blocks are mined on one side until the sides end at different heights (first test) or
at the same height (second test: fork choice by work alone), with different work. The
LAN is healed, and every node ends on exactly the heavier side's tip: the lighter side
reorganized (its old tip is no longer the block at its height, and its log says
"reorg"). Mining resumes and all four extend that chain.

Skipped (with the reason) where network namespaces cannot be made: not root, no `ip`.
"""

import secrets
import sys
import time
import unittest

import netns
import txcodec as tc
from harness import SystemTestCase, wait_for

BLOCK_TIME_MS = 400
# Each side must mine at least this long apart, so that both forks are a few blocks deep.
MIN_PARTITION_S = 4.0
CONVERGE_TIMEOUT_S = 30.0
SIDES = ([0, 1], [2, 3])


def setUpModule():
    ok, why = netns.available()
    if not ok:
        raise unittest.SkipTest(why)


def tip(node):
    s = node.status()
    return s["height"], s["tip_hash"], int(s["cumulative_work"])


def hash_at(node, height):
    """The hash of the block at `height` on node's active chain; None if it has none."""
    r = node.api(f"/v1/blocks/{height}")
    if r.status == 404:
        return None
    if r.status != 200 or r.json is None:
        raise AssertionError(f"{node.name}: GET /v1/blocks/{height} -> {r!r}")
    return r.json["hash"]


def set_mining(node, enabled):
    """POST /v1/admin/mining, then waits until /v1/status shows it (the node's actor
    applies it a moment after the answer)."""
    r = node.admin("/v1/admin/mining", {"enabled": enabled})
    if r.status != 200:
        raise AssertionError(f"{node.name}: POST /v1/admin/mining {enabled} -> {r!r}")
    wait_for(lambda: node.status()["mining"]["enabled"] is enabled, 10, f"{node.name}: mining {enabled}")


def peer_ips(node):
    """The distinct IPs of node's ready peers (/v1/peers; a pair may hold a connection
    each way)."""
    return {p["address"].rsplit(":", 1)[0] for p in node.get_json("/v1/peers")["peers"] if p["ready"]}


def stable(predicate, for_s=1.0):
    """A predicate that holds once `predicate` has returned the same truthy value for
    `for_s` seconds (a block found just before mining stopped may still be travelling)."""
    state = {"value": None, "since": 0.0}

    def check():
        value = predicate()
        now = time.monotonic()
        if not value or value != state["value"]:
            state["value"], state["since"] = value, now
            return None
        return value if now - state["since"] >= for_s else None
    return check


class NetnsPartitionTest(SystemTestCase):
    def test_partition_then_heal_the_longer_heavier_chain_wins(self):
        self.partition_and_heal(equal_heights=False)

    # Found a bug (docs/testing.md): a node asked a peer for headers after the handshake
    # only if the peer claimed a greater height, so two sides healed at the same height
    # never exchanged headers while nobody mined.
    def test_partition_then_heal_at_equal_heights_the_heavier_chain_wins(self):
        self.partition_and_heal(equal_heights=True)

    def partition_and_heal(self, equal_heights: bool):
        """equal_heights: the sides end the partition at the same height (fork choice by
        work alone, and a peer at our height still has to be asked); otherwise at
        different heights."""
        started = time.monotonic()
        miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        topology = netns.Topology(4)
        self.addCleanup(topology.close)
        nodes = netns.init_network(self, topology, BLOCK_TIME_MS, p2p=netns.FAST_P2P)
        for node in nodes:
            node.start(mine=True, miner_address=miner)

        def logs():
            return "\n".join(n.log_tail(30) for n in nodes)

        def all_on_one_tip(group):
            tips = {tip(n)[1] for n in group}
            return len(tips) == 1 and tips.pop()

        # 1. Converge: all four on one tip, a few blocks up.
        def others(i, among=range(4)):
            return {nodes[j].address for j in among if j != i}

        wait_for(lambda: all(peer_ips(n) == others(i) for i, n in enumerate(nodes)), CONVERGE_TIMEOUT_S,
                 "every node connected to the other three", on_timeout=logs)
        wait_for(lambda: min(n.height() for n in nodes) >= 3 and all_on_one_tip(nodes), CONVERGE_TIMEOUT_S,
                 "all four nodes on one tip at height >= 3", on_timeout=logs)
        before = tip(nodes[0])

        # 2. Partition; each side mines on its own until neither side's tip is on the
        # other side's chain.
        topology.partition(SIDES)
        self.assertFalse(topology.reachable(0, 2, timeout=1), "partition: n0 still reaches n2")
        self.assertTrue(topology.reachable(2, 3), "partition: n2 cannot reach n3")
        partitioned_at = time.monotonic()
        side_nodes = [[nodes[i] for i in side] for side in SIDES]
        a, b = side_nodes[0][0], side_nodes[1][0]

        def diverged():
            if time.monotonic() - partitioned_at < MIN_PARTITION_S:
                return False
            (ha, ta, _), (hb, tb, _) = tip(a), tip(b)
            return ha > before[0] and hb > before[0] and hash_at(b, ha) != ta and hash_at(a, hb) != tb

        wait_for(diverged, 30, "both sides of the partition to extend their own chains", on_timeout=logs)
        # The nodes noticed (no pong): each keeps only the peers on its side.
        wait_for(lambda: all(peer_ips(nodes[i]) == others(i, side) for side in SIDES for i in side), 15,
                 "the peers across the partition dropped", on_timeout=logs)

        # 3. Stop mining; each side settles on one tip. Then, side by side, mine single
        # blocks until the heights are as wanted and the works differ.
        for node in nodes:
            set_mining(node, False)

        def settled():
            side_tips = [all_on_one_tip(group) for group in side_nodes]
            return all(side_tips) and side_tips

        def settle():
            wait_for(stable(settled), 15, "each side on one tip with mining off", on_timeout=logs)
            return [tip(group[0]) for group in side_nodes]

        def mine_on(k, until):
            set_mining(side_nodes[k][0], True)
            wait_for(lambda: until(tip(side_nodes[k][0])), 30, f"side {SIDES[k]} to mine", on_timeout=logs)
            set_mining(side_nodes[k][0], False)

        sides = settle()
        for _ in range(10):
            (h0, _, w0), (h1, _, w1) = sides
            if w0 != w1 and (h0 == h1) == equal_heights:
                break
            if equal_heights and h0 != h1:
                k, target = (0, h1) if h0 < h1 else (1, h0)
                mine_on(k, lambda t, target=target: t[0] >= target)
            else:  # equal heights unwanted, or equal work: one more block on side 0
                mine_on(0, lambda t, h=h0: t[0] > h)
            sides = settle()
        else:
            self.fail(f"could not bring the sides to {'equal' if equal_heights else 'different'} heights "
                      f"with different work: {sides}")
        side_tips = [s[1] for s in sides]
        heavy, light = (0, 1) if sides[0][2] > sides[1][2] else (1, 0)
        heavy_tip, light_tip = sides[heavy], sides[light]
        light_node = side_nodes[light][0]
        self.assertNotEqual(side_tips[0], side_tips[1], "the sides did not diverge")
        self.assertNotEqual(hash_at(nodes[SIDES[heavy][0]], light_tip[0]), light_tip[1],
                            "the lighter tip is on the heavier chain: nothing to reorganize")
        sys.stderr.write(f"partition: {time.monotonic() - partitioned_at:.1f} s; from height {before[0]}, "
                         f"heavy side {SIDES[heavy]} height {heavy_tip[0]} work {heavy_tip[2]}, "
                         f"light side {SIDES[light]} height {light_tip[0]} work {light_tip[2]}\n")

        # 4. Heal: every node on exactly the heavier tip (nobody mines).
        topology.heal()
        healed_at = time.monotonic()
        wait_for(lambda: all(tip(n)[1] == heavy_tip[1] for n in nodes), CONVERGE_TIMEOUT_S,
                 f"all four nodes on the heavier tip {heavy_tip[1][:16]} (height {heavy_tip[0]})",
                 on_timeout=logs)
        sys.stderr.write(f"heal: all on the heavier tip {time.monotonic() - healed_at:.1f} s later\n")
        wait_for(lambda: all(peer_ips(n) == others(i) for i, n in enumerate(nodes)), CONVERGE_TIMEOUT_S,
                 "every node connected to the other three again", on_timeout=logs)
        for i in SIDES[light]:
            self.assertNotEqual(hash_at(nodes[i], light_tip[0]), light_tip[1],
                                f"{nodes[i].name}: its old tip is still on its active chain")
            self.assertRegex(nodes[i].log_of_last_start(), r"reorg: \d+ block\(s\) disconnected",
                             f"{nodes[i].name}: no reorg logged")
        self.assertIsNone(hash_at(light_node, heavy_tip[0] + 1), "a block above the heavier tip appeared")

        # 5. Mining again: all four extend the heavier chain together.
        for node in nodes:
            set_mining(node, True)
        target = heavy_tip[0] + 3
        wait_for(lambda: min(n.height() for n in nodes) >= target, CONVERGE_TIMEOUT_S,
                 f"all nodes at height >= {target}", on_timeout=logs)
        for node in nodes:
            self.assertEqual(hash_at(node, heavy_tip[0]), heavy_tip[1], f"{node.name}: left the heavier chain")
        wait_for(lambda: all_on_one_tip(nodes), CONVERGE_TIMEOUT_S, "all four nodes on one tip again",
                 on_timeout=logs)

        for node in nodes:
            self.assertEqual(node.stop(), 0, node.log_tail())
        sys.stderr.write(f"netns_partition_test: {time.monotonic() - started:.1f} s\n")
        self.assertLess(time.monotonic() - started, 90, "over the 90 s budget")


if __name__ == "__main__":
    unittest.main()
