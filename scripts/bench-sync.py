#!/usr/bin/env python3
"""Sync speed from a local peer, as a ratio to this machine's own limit (issue 4).

1. `cloudchain devnet up --nodes 1 --accounts N` starts a mining node A with N funded
   accounts; `devnet load` fills its blocks with pre-signed transfers among them; then A's mining is switched off (admin API), so
   the chain to sync stops growing.
2. A fresh node B (same genesis, its own home) starts with A as its only seed and
   syncs the whole chain over loopback TCP: headers first, then blocks, every
   signature and state transition checked, every block committed to RocksDB.
3. B's /v1/status is polled every 20 ms. The figures count from B's first connected
   block to its last (so process start-up and the handshake are not in them):
   blocks/s and tx/s.
4. `cloudchain bench verify` measures signature verifications/s on all cores in the
   same run, before and after (the higher rate counts); the ratio tx/s / verify/s is
   what docs/benchmarks.md records (target >= 0.6).

Usage: scripts/bench-sync.py [--tps R] [--duration S] [--build DIR] [--json]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, token=None, body=None, timeout=10):
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode())
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def run(cmd, **kw):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, text=True, **kw)


def measure_verify(cli):
    """`cloudchain bench verify`: signature verifications/s on one core and on all cores."""
    return json.loads(run([cli, "--json", "bench", "verify", "--seconds", "4"], capture_output=True).stdout)


def chain_txs(api, height):
    """Transactions in blocks 1..height of the node at `api`, per block."""
    return [get_json(f"{api}/v1/blocks/{h}")["tx_count"] for h in range(1, height + 1)]


def wait_synced(api, target, timeout_s):
    """Polls until the node's height reaches `target`. Returns (t_first, h_first, t_done):
    when it first reported a height above 0, that height, and when it reached target."""
    t_first = h_first = None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            height = get_json(f"{api}/v1/status", timeout=2)["height"]
        except OSError:
            height = 0
        now = time.monotonic()
        if height > 0 and t_first is None:
            t_first, h_first = now, height
        if height >= target:
            return t_first, h_first, now
        time.sleep(0.02)
    raise SystemExit(f"node B did not reach height {target} within {timeout_s} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tps", type=int, default=3000, help="load offered to node A while it mines (default 3000)")
    ap.add_argument("--duration", type=int, default=20, help="seconds of load (default 20)")
    ap.add_argument("--accounts", type=int, default=4096,
                    help="pre-funded senders (devnet up --accounts; default 4096, the most it takes)")
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"), help="build directory (default build)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = ap.parse_args()

    cli = os.path.abspath(os.path.join(args.build, "apps/cloudchain/cloudchain"))
    daemon = os.path.abspath(os.path.join(args.build, "apps/cloudchaind/cloudchaind"))
    for binary in (cli, daemon):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} not found: build first (make build)")
    env = dict(os.environ, CLOUDCHAIND=daemon)
    work = tempfile.mkdtemp(prefix="cloudchain-bench-sync-")
    net = os.path.join(work, "net")
    b_home = os.path.join(work, "b")
    b_proc = None
    try:
        # The reference is measured before and after, and the higher rate is used: a busy
        # core during one measurement would otherwise shrink it and flatter the ratio.
        verify_before = measure_verify(cli)
        base = free_port()
        run([cli, "devnet", "up", "--nodes", "1", "--dir", net, "--base-port", str(base),
             "--accounts", str(args.accounts)], env=env,
            stdout=subprocess.DEVNULL)
        state = json.load(open(os.path.join(net, "devnet.json")))
        a = state["nodes"][0]
        a_api = "http://" + a["api"]
        run([cli, "devnet", "load", "--dir", net, "--tps", str(args.tps), "--duration", str(args.duration)],
            env=env, stdout=subprocess.DEVNULL)
        token = open(os.path.join(a["home"], "admin.token")).read().strip()
        get_json(f"{a_api}/v1/admin/mining", token, {"enabled": False})
        time.sleep(0.5)  # a block being mined when mining stopped is still connected
        height = get_json(f"{a_api}/v1/status")["height"]
        per_block = chain_txs(a_api, height)

        run([daemon, "init", "--home", b_home], stdout=subprocess.DEVNULL)
        shutil.copyfile(os.path.join(a["home"], "genesis.json"), os.path.join(b_home, "genesis.json"))
        b_api_port = free_port()
        b_api = f"http://127.0.0.1:{b_api_port}"
        log = open(os.path.join(work, "b.log"), "w")
        b_proc = subprocess.Popen([daemon, "--home", b_home, "--api-listen", f"127.0.0.1:{b_api_port}",
                                   "--p2p-listen", f"127.0.0.1:{free_port()}", "--seed", a["p2p"]],
                                  stdout=log, stderr=subprocess.STDOUT)
        t_first, h_first, t_done = wait_synced(b_api, height, timeout_s=600)
        seconds = max(t_done - t_first, 1e-3)
        blocks = height - h_first
        txs = sum(per_block[h_first:height])  # blocks h_first+1 .. height
        verify = max(verify_before, measure_verify(cli), key=lambda r: r["verify_per_s_all_cores"])
        v = verify["verify_per_s_all_cores"]
        result = {
            "accounts": args.accounts, "chain_height": height, "chain_txs": sum(per_block),
            "measured_blocks": blocks,
            "measured_txs": txs, "seconds": round(seconds, 3),
            "blocks_per_s": round(blocks / seconds, 1), "tx_per_s": round(txs / seconds, 1),
            "verify_per_s_all_cores": round(v, 1), "threads": verify["threads"],
            "ratio_tx_per_s_to_verify_per_s": round(txs / seconds / v, 3),
        }
        if args.json:
            print(json.dumps(result))
        else:
            for k, val in result.items():
                print(f"{k + ':':34} {val}")
    finally:
        if b_proc is not None:
            b_proc.send_signal(signal.SIGTERM)
            try:
                b_proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                b_proc.kill()
        if os.path.exists(os.path.join(net, "devnet.json")):
            subprocess.run([cli, "devnet", "down", "--dir", net], env=env, stdout=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
