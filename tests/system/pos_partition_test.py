"""Proof of Stake under a 2|2 partition, on real addresses: four validators (equal stake),
one per network namespace (netns.py), each dialling the other three.

The homes come from `cloudchain devnet up --consensus pos` on loopback (it has no
create-only mode, so it is brought down again at once): genesis with the four
validators, each home's validator.key. The homes are kept whole, data/ included: the
keys signed on loopback, so the signing guard's state (data/validator_state) must stay,
and the nodes simply continue that chain. Each config.toml is then rewritten to listen
on the node's namespace address and to seed the other three, and each daemon runs as
`cloudchaind --home H` inside its namespace (netns.NetnsNode: own process group,
PDEATHSIG, killed in tearDown; Topology.close kills whatever is left in the namespaces).

1. All four connected: heights rise, the same block at every height on all four.
2. The LAN is split {n0, n1} | {n2, n3}. Neither side has more than 2/3 of the power
   (2 of 4), so neither finalizes: no node gets more than one block above the highest
   height at the cut (a block whose precommits were already travelling may land), the
   heights do not move at all once that has settled, and wherever both sides hold a
   block at a height it is the same block (no conflicting final blocks).
3. The LAN is healed: all four advance at least 3 heights beyond the highest height of
   the partition and hold identical blocks at every height 1..H. The rounds of the two
   sides drifted apart while they were cut; the validators re-send their latest votes
   every second (docs/consensus-pos.md, "The node's driver"), which lines them up.

Skipped (with the reason) where network namespaces cannot be made: not root, no `ip`.
"""

import json
import pathlib
import subprocess
import sys
import time
import unittest

import harness
import netns
from devnet_case import DevnetCase
from harness import cli_binary, daemon_binary, free_port, wait_for

BLOCK_TIME_MS = 500
SIDES = ([0, 1], [2, 3])
CONVERGE_TIMEOUT_S = 60.0
# After the cut: this long for a block decided just at the cut to land on its side...
SETTLE_S = 3.0
# ...then this long in which no height may move.
STALL_WATCH_S = 6.0
HEAL_TIMEOUT_S = 90.0
BUDGET_S = 240.0


class PosNetnsNode(netns.NetnsNode):
    """A validator whose home was made by `devnet up`, started with `--home` alone: every
    setting (listen addresses, seeds, P2P timeouts) comes from its config.toml."""

    def __init__(self, workdir, topology: netns.Topology, index: int, home: pathlib.Path):
        super().__init__(workdir, topology, index)
        self.home = home

    def start(self, wait: bool = True, timeout: float = harness.START_TIMEOUT_S, **_) -> None:
        if self.running():
            raise harness.NodeError(f"{self.name}: start() while running")
        self._spawn(netns.exec_argv(self.netns, [daemon_binary(), "--home", str(self.home)]))
        if wait:
            self.wait_ready(timeout)


def hash_at(node, height):
    """The hash of the block at `height` on node's chain; None if it has none."""
    r = node.api(f"/v1/blocks/{height}")
    if r.status == 404:
        return None
    if r.status != 200 or r.json is None:
        raise AssertionError(f"{node.name}: GET /v1/blocks/{height} -> {r!r}")
    return r.json["hash"]


def peer_ips(node):
    return {p["address"].rsplit(":", 1)[0] for p in node.get_json("/v1/peers")["peers"] if p["ready"]}


def bft_line(node):
    s = node.status()
    b = s.get("bft") or {}
    return (f"{node.name}: height {s['height']} bft height {b.get('height')} round {b.get('round')} "
            f"step {b.get('step')} decided {b.get('decided')} rounds_failed {b.get('rounds_failed')}")


class PosDevnetCase(DevnetCase):
    def create_homes(self) -> list[pathlib.Path]:
        """Four validator homes (genesis.json, validator.key, config.toml), nothing signed
        and no chain yet. `devnet up` has no create-only mode: it is run with /bin/true as
        the daemon, so it creates the homes, "starts" processes that exit at once, and
        fails (exit 1, "exited during startup") without any key having signed anything.
        (Homes of a devnet that ran cannot be used: see the restart test below.)"""
        env = dict(self.env, CLOUDCHAIND="/bin/true")
        argv = [cli_binary(), "devnet", "up", "--consensus", "pos", "--nodes", "4", "--dir", str(self.dir),
                "--base-port", str(free_port()), "--accounts", "4", "--block-time-ms", str(BLOCK_TIME_MS),
                "--timeout", "10"]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
        self.assertIn("created a 4-node devnet", r.stdout, f"$ {' '.join(argv)}\n{r.stdout}\n{r.stderr}")
        homes = [pathlib.Path(n["home"]) for n in json.loads((self.dir / "devnet.json").read_text())["nodes"]]
        self.assertEqual(len(homes), 4)
        for home in homes:
            for name in ("genesis.json", "validator.key", "config.toml"):
                self.assertTrue((home / name).exists(), home / name)
            self.assertFalse((home / "data").exists(), f"{home}: a daemon ran in it")
        return homes

    def logs(self, nodes, lines: int = 40) -> str:
        return "\n".join(n.log_tail(lines) for n in nodes)



class PosPartitionTest(PosDevnetCase):
    @classmethod
    def setUpClass(cls):
        ok, why = netns.available()
        if not ok:
            raise unittest.SkipTest(why)

    def test_two_of_four_validators_never_finalize_and_the_network_resumes_after_heal(self):
        started = time.monotonic()

        homes = self.create_homes()

        topology = netns.Topology(4)
        self.addCleanup(topology.close)
        nodes = [PosNetnsNode(self.tmp, topology, i, homes[i]) for i in range(4)]
        self.nodes.extend(nodes)
        for i, node in enumerate(nodes):
            netns.set_config(node.home, "api", {"listen": f"{node.address}:{node.port}"})
            netns.set_config(node.home, "p2p", {
                "listen": node.p2p_address,
                "seeds": [nodes[j].p2p_address for j in range(4) if j != i],
                **netns.FAST_P2P,
            })
        for node in nodes:
            node.start(wait=False)
        for node in nodes:
            node.wait_ready()

        def logs():
            return self.logs(nodes)

        def bft_all():
            lines = []
            for n in nodes:
                try:
                    lines.append(bft_line(n))
                except (OSError, AssertionError) as e:
                    lines.append(f"{n.name}: status failed: {e!r}")
            return "\n".join(lines)

        def others(i, among=range(4)):
            return {nodes[j].address for j in among if j != i}

        def heights():
            return [n.height() for n in nodes]

        def assert_same_chain(group, up_to, what):
            for h in range(1, up_to + 1):
                hashes = {n.name: hash_at(n, h) for n in group}
                if len(set(hashes.values())) != 1:
                    self.fail(f"{what}: different blocks at height {h}: {hashes}\n{bft_all()}\n{logs()}")

        # 1. All four connected, finalizing together on their namespace addresses.
        wait_for(lambda: all(peer_ips(n) == others(i) for i, n in enumerate(nodes)), CONVERGE_TIMEOUT_S,
                 "every validator connected to the other three", on_timeout=logs)
        start_height = max(heights())
        target = start_height + 3
        wait_for(lambda: min(heights()) >= target, CONVERGE_TIMEOUT_S,
                 f"all four validators at height >= {target}", on_timeout=lambda: bft_all() + "\n" + logs())
        assert_same_chain(nodes, min(heights()), "before the partition")
        sys.stderr.write(f"connected: heights {heights()}\n")

        # 2. Partition 2|2: no side has more than 2/3 of the power.
        topology.partition(SIDES)
        cut_at = time.monotonic()
        at_cut = heights()
        self.assertFalse(topology.reachable(0, 2, timeout=1), "partition: n0 still reaches n2")
        self.assertTrue(topology.reachable(0, 1), "partition: n0 cannot reach n1")
        self.assertTrue(topology.reachable(2, 3), "partition: n2 cannot reach n3")
        ceiling = max(at_cut) + 1
        time.sleep(max(0.0, cut_at + SETTLE_S - time.monotonic()))
        settled = heights()
        time.sleep(STALL_WATCH_S)
        watched = heights()
        during = bft_all()
        sys.stderr.write(f"partition: heights at the cut {at_cut}, after {SETTLE_S:.0f} s {settled}, "
                         f"after {SETTLE_S + STALL_WATCH_S:.0f} s {watched}\n{during}\n")
        self.assertTrue(all(h <= ceiling for h in watched),
                        f"a side finalized without a quorum: heights {watched}, at the cut {at_cut}\n"
                        f"{during}\n{logs()}")
        self.assertEqual(watched, settled, f"heights moved during the partition\n{during}\n{logs()}")
        # No conflicting final blocks: within each side and across the cut.
        assert_same_chain(nodes, min(watched), "during the partition")
        for h in range(min(watched) + 1, max(watched) + 1):
            hashes = {n.name: hash_at(n, h) for n in nodes}
            present = {v for v in hashes.values() if v is not None}
            self.assertLessEqual(len(present), 1, f"conflicting blocks at height {h}: {hashes}\n{during}\n{logs()}")
        # The nodes noticed the cut (no pong, FAST_P2P): each keeps only its side's peer.
        wait_for(lambda: all(peer_ips(nodes[i]) == others(i, side) for side in SIDES for i in side), 15,
                 "the peers across the partition dropped", on_timeout=logs)

        # 3. Heal: finalization resumes, all four on one chain.
        topology.heal()
        healed_at = time.monotonic()
        partition_max = max(heights())
        goal = partition_max + 3
        wait_for(lambda: min(heights()) >= goal, HEAL_TIMEOUT_S,
                 f"all four validators at height >= {goal} after the heal (partition ended at {partition_max})",
                 interval=0.2, on_timeout=lambda: f"heights {heights()}\n{bft_all()}\n{logs()}")
        resumed_s = time.monotonic() - healed_at
        final = min(heights())
        assert_same_chain(nodes, final, "after the heal")
        sys.stderr.write(f"heal: all four at >= {goal} {resumed_s:.1f} s later; identical blocks 1..{final}\n"
                         f"{bft_all()}\n")

        for node in nodes:
            self.assertEqual(node.stop(), 0, node.log_tail())
        elapsed = time.monotonic() - started
        sys.stderr.write(f"pos_partition_test: {elapsed:.1f} s\n")
        self.assertLess(elapsed, BUDGET_S, "over the time budget")


class PosRestartTest(PosDevnetCase):
    """Loopback, no namespaces needed: a PoS network whose validators are ALL restarted
    (devnet down, devnet up) continues its chain. A validator proposes only with the
    precommits of the tip; it keeps them on disk (HOME/data/last_commit, written after
    each decision), so a restart of every validator does not leave every proposer without
    them (found while writing the partition test: before that file, every round failed
    forever after a full restart)."""

    def test_all_validators_restarted_continue_the_chain(self):
        self.addCleanup(self.devnet_down)
        self.devnet("up", "--consensus", "pos", "--nodes", "4", "--base-port", str(free_port()),
                    "--accounts", "4", "--block-time-ms", str(BLOCK_TIME_MS))
        state = json.loads((self.dir / "devnet.json").read_text())
        apis = [(n["name"], *n["api"].rsplit(":", 1)) for n in state["nodes"]]

        def status(api):
            name, host, port = api
            r = harness.http_request(host, int(port), "GET", "/v1/status", timeout=5)
            if r.status != 200 or r.json is None:
                raise AssertionError(f"{name}: GET /v1/status -> {r!r}")
            return r.json

        def heights():
            return [status(a)["height"] for a in apis]

        def evidence():
            lines = []
            for a in apis:
                try:
                    s = status(a)
                    lines.append(f"{a[0]}: height {s['height']} bft {s.get('bft')}")
                except (OSError, AssertionError) as e:
                    lines.append(f"{a[0]}: {e!r}")
            for n in state["nodes"]:
                tail = pathlib.Path(n["log"]).read_text(errors="replace").splitlines()[-15:]
                lines.append(f"--- {n['name']} ---\n" + "\n".join(tail))
            return "\n".join(lines)

        wait_for(lambda: min(heights()) >= 3, 60, "the devnet at height >= 3", on_timeout=evidence)
        self.devnet("down", "--stop-timeout", "10")
        up = self.devnet("up", "--timeout", "30", check=False)
        if up.returncode != 0:
            self.fail(f"devnet up after down: exit {up.returncode}\n{up.stdout}\n{up.stderr}\n{evidence()}")
        start = max(heights())
        wait_for(lambda: min(heights()) >= start + 2, 30, f"all four at height >= {start + 2} after the restart",
                 on_timeout=evidence)


if __name__ == "__main__":
    unittest.main()
