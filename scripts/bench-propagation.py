#!/usr/bin/env python3
"""Block propagation latency across N real cloudchaind nodes (docs/benchmarks.md "Block
propagation"): one miner (1 thread), N-1 followers that do not mine, connected in a line
(each follower dials only the node before it, p2p.max_outbound = 1, so a block crosses
every hop in turn) or a mesh (every node dials every other). After a warm-up, the miner
mines --blocks blocks; then each node's log is read: the miner logs each block it mined
and every node logs each block it connected, with a millisecond timestamp:

    2026-11-25T19:56:46.848 info block 3bd713696d6ff39e height 1 txs 0 interval ... (mined)
    2026-11-25T19:56:46.852 info block 3bd713696d6ff39e height 1 txs 0 interval ... (peer)

A block's latency to a follower = its "(peer)" time there - its "(mined)" time on the
miner: from the miner's own commit to the follower's commit, i.e. announce (inv),
getheaders/headers, getdata/block and the follower's validation and synced write, per
hop. All nodes are on this machine, so one clock serves both ends; resolution 1 ms.
Percentiles are nearest-rank.

    scripts/bench-propagation.py                   (make bench-propagation; loopback)
    scripts/bench-propagation.py --netns           (one network namespace per node; root)
    scripts/bench-propagation.py --topology mesh --blocks 200 --json out.json

Binaries come from $CLOUDCHAIND / $CLOUDCHAIN or $BUILD/apps/... (default build/), as in
the system tests (tests/system/harness.py). Every node is stopped and the temporary
directory removed at the end (--keep keeps it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pathlib
import platform
import re
import secrets
import shutil
import socket
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))

import harness  # noqa: E402
import txcodec as tc  # noqa: E402

BLOCK_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) \w+ block ([0-9a-f]{16}) height (\d+) .*"
                        r"\((\w+)\)\s*$")


def log_times(text: str, mined: bool) -> dict[tuple[int, str], float]:
    """(height, hash prefix) -> epoch seconds of each block line: the node's own
    ("(mined)") with `mined`, else those of any other origin (from a peer)."""
    out = {}
    for line in text.splitlines():
        m = BLOCK_LINE.match(line)
        if m and (m.group(4) == "mined") == mined:
            t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").timestamp()
            out.setdefault((int(m.group(3)), m.group(2)), t)
    return out


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def summary(values: list[float]) -> dict:
    v = sorted(values)
    return {"n": len(v), "p50_ms": percentile(v, 50), "p90_ms": percentile(v, 90), "p99_ms": percentile(v, 99),
            "max_ms": v[-1], "mean_ms": round(sum(v) / len(v), 2)}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="cc-bench-propagation-"))
        self.nodes: list[harness.Node] = []
        self.topology = None

    def seeds_of(self, i: int) -> list[int]:
        if self.args.topology == "line":
            return [i - 1] if i > 0 else []
        return [j for j in range(self.args.nodes) if j != i]

    def p2p_config(self, i: int) -> dict:
        """A line stays a line: each node dials only its seed (the miner dials nobody)
        and accepts one inbound peer (the next in line), so learned addresses add no
        shortcut."""
        if self.args.topology != "line":
            return {}
        return {"max_outbound": 0 if i == 0 else 1, "max_inbound": 1}

    def setup(self) -> None:
        a = self.args
        import netns  # netns.set_config needs no root; only Topology does
        if a.netns:
            ok, why = netns.available()
            if not ok:
                sys.exit(f"bench-propagation: --netns: {why}")
            self.topology = netns.Topology(a.nodes)
            self.nodes = netns.init_network(self, self.topology, a.block_time_ms,
                                            seeds={i: self.seeds_of(i) for i in range(a.nodes)})
            for i, node in enumerate(self.nodes):
                if self.p2p_config(i):
                    netns.set_config(node.home, "p2p", self.p2p_config(i))
            return
        self.nodes = [harness.Node(self.tmp, f"n{i}") for i in range(a.nodes)]
        self.nodes[0].init(block_time_ms=a.block_time_ms)
        genesis = (self.nodes[0].home / "genesis.json").read_bytes()
        ports = [free_port() for _ in self.nodes]
        for i, node in enumerate(self.nodes):
            if i > 0:
                node.init(block_time_ms=a.block_time_ms)
                (node.home / "genesis.json").write_bytes(genesis)
            if self.p2p_config(i):
                netns.set_config(node.home, "p2p", self.p2p_config(i))
            # The harness passes them as --p2p-listen and --seed.
            node.p2p_port = ports[i]
            node.seeds = [f"127.0.0.1:{ports[j]}" for j in self.seeds_of(i)]

    def start(self, i: int, mine: bool, miner: str) -> None:
        self.nodes[i].start(mine=mine, miner_address=miner)

    def run(self) -> dict:
        a = self.args
        miner_address = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        self.setup()
        load_before = os.getloadavg()
        # Followers first, so the miner's first blocks already have somewhere to go.
        for i in range(1, a.nodes):
            self.start(i, False, miner_address)
        self.start(0, True, miner_address)
        miner, followers = self.nodes[0], self.nodes[1:]

        def all_at_miner_tip(min_height):
            tip = miner.status()
            return tip["height"] >= min_height and all(f.status()["tip_hash"] == tip["tip_hash"] for f in followers)

        harness.wait_for(lambda: all_at_miner_tip(a.warmup), 120, f"all nodes at the miner's tip >= {a.warmup}",
                         on_timeout=lambda: "\n".join(n.log_tail(20) for n in self.nodes))
        first = miner.height() + 1
        last = first + a.blocks - 1
        started = time.monotonic()
        print(f"measuring heights {first}..{last} ({a.topology}, {a.nodes} nodes, "
              f"{'netns' if a.netns else 'loopback'})", file=sys.stderr)
        harness.wait_for(lambda: miner.height() >= last, a.blocks * a.block_time_ms / 1000 * 10 + 60,
                         f"the miner at height {last}")
        r = miner.admin("/v1/admin/mining", {"enabled": False})
        if r.status != 200:
            raise RuntimeError(f"mining off: {r!r}")
        harness.wait_for(lambda: all(f.height() >= last for f in followers), 120, f"all followers at {last}")
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()
        for node in self.nodes:
            node.stop()

        mined = {k: t for k, t in log_times(miner.log_text(), True).items() if first <= k[0] <= last}
        if len(mined) != a.blocks:
            raise RuntimeError(f"the miner's log has {len(mined)} mined blocks in {first}..{last}, not {a.blocks}")
        per_follower, all_values, missing = [], [], 0
        for i, f in enumerate(followers, start=1):
            seen = log_times(f.log_text(), False)
            values = []
            for key, t0 in mined.items():
                if key in seen:
                    values.append(round((seen[key] - t0) * 1000, 3))
                else:
                    missing += 1
            hop = i if a.topology == "line" else 1
            per_follower.append({"node": f.name, "hops": hop, **summary(values)})
            all_values += values
        return {
            "machine": machine(), "mode": "netns" if a.netns else "loopback", "topology": a.topology,
            "nodes": a.nodes, "blocks": a.blocks, "block_time_ms": a.block_time_ms, "heights": [first, last],
            "seconds": round(elapsed, 1), "blocks_per_second": round(a.blocks / elapsed, 2),
            "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
            "followers": per_follower, "all": summary(all_values), "missing": missing,
        }

    def close(self) -> None:
        for node in self.nodes:
            node.cleanup()
        if self.topology is not None:
            self.topology.close()
        if self.args.keep:
            print(f"kept {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--nodes", type=int, default=4, help="nodes, the miner included (default 4)")
    ap.add_argument("--blocks", type=int, default=150, help="blocks measured (default 150)")
    ap.add_argument("--warmup", type=int, default=5, help="height all nodes reach before measuring (default 5)")
    ap.add_argument("--block-time-ms", type=int, default=250, help="target block time (default 250)")
    ap.add_argument("--topology", choices=["line", "mesh"], default="line")
    ap.add_argument("--netns", action="store_true", help="one network namespace per node (needs root)")
    ap.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (homes, logs)")
    args = ap.parse_args()
    if args.nodes < 2 or args.blocks < 1 or args.block_time_ms < 1 or args.warmup < 1:
        ap.error("--nodes >= 2, --blocks >= 1, --block-time-ms >= 1, --warmup >= 1")
    bench = Bench(args)
    try:
        result = bench.run()
    finally:
        bench.close()
    print(f"block propagation: {result['mode']}, {result['topology']} of {result['nodes']} nodes, "
          f"{result['blocks']} blocks in {result['seconds']} s ({result['blocks_per_second']} blocks/s)")
    print(f"machine: {result['machine']}; load {result['load_before'][0]} -> {result['load_after'][0]}")
    print(f"{'follower':<10}{'hops':>5}{'n':>6}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for row in result["followers"] + [{"node": "all", "hops": "", **result["all"]}]:
        print(f"{row['node']:<10}{row['hops']!s:>5}{row['n']:>6}{row['p50_ms']:>9.0f}{row['p90_ms']:>9.0f}"
              f"{row['p99_ms']:>9.0f}{row['max_ms']:>9.0f}")
    if result["missing"]:
        print(f"missing: {result['missing']} (block, follower) pairs never logged as connected")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 1 if result["missing"] else 0


if __name__ == "__main__":
    sys.exit(main())
