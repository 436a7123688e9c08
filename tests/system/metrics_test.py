"""GET /metrics of a real mining node: valid Prometheus text (promtool check metrics),
every documented family present, and the chain counters moving as blocks and a
transaction go through. Then a two-validator PoS devnet: the consensus gauges, peers
and P2P traffic, and `final` events on /v1/events."""

import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import unittest

from api_events_test import EventStream
from harness import SystemTestCase, cli_binary, daemon_binary, free_port, http_request, wait_for

BLOCK_TIME_MS = 300

FAMILIES = {
    "cloudchain_height": "gauge",
    "cloudchain_peers": "gauge",
    "cloudchain_mempool_transactions": "gauge",
    "cloudchain_mempool_bytes": "gauge",
    "cloudchain_blocks_processed_total": "counter",
    "cloudchain_transactions_processed_total": "counter",
    "cloudchain_block_validation_seconds": "histogram",
    "cloudchain_block_commit_seconds": "histogram",
    "cloudchain_sync_progress_ratio": "gauge",
    "cloudchain_p2p_bytes_received_total": "counter",
    "cloudchain_p2p_bytes_sent_total": "counter",
    "cloudchain_api_requests_total": "counter",
    "cloudchain_miner_hashrate": "gauge",
    "cloudchain_api_event_clients": "gauge",
    "cloudchain_api_event_clients_dropped_total": "counter",
}


def sample(text: str, name: str, labels: str = "") -> float:
    """The value of the sample `name{labels}` (labels as written, e.g. 'le="+Inf"')."""
    key = f"{name}{{{labels}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split(" ")[1])
    raise AssertionError(f"no sample {key} in:\n{text}")


class MetricsCase(SystemTestCase):
    def metrics_at(self, host: str, port: int) -> str:
        r = http_request(host, port, "GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8")
        return r.body.decode()

    def metrics(self, node) -> str:
        return self.metrics_at("127.0.0.1", node.port)

    def promtool_check(self, text: str) -> None:
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool not installed (Debian package prometheus; scripts/install-deps.sh installs it)")
        p = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, f"promtool check metrics:\n{p.stdout.decode()}{p.stderr.decode()}\n{text}")


class MetricsTest(MetricsCase):
    def test_metrics_of_a_mining_node(self):
        node, secret = self.new_funded_miner(BLOCK_TIME_MS)

        before = self.metrics(node)
        for name, kind in FAMILIES.items():
            self.assertRegex(before, re.compile(f"^# HELP {name} .+$", re.M), name)
            self.assertIn(f"# TYPE {name} {kind}\n", before)
        height0 = sample(before, "cloudchain_height")
        blocks0 = sample(before, "cloudchain_blocks_processed_total")

        # A few blocks and a transaction in one of them.
        txid = node.send_transfer(secret)
        wait_for(lambda: node.tx_status(txid) == "included", 60, f"tx {txid} included")
        node.wait_height(int(height0) + 3)

        after = self.metrics(node)
        self.promtool_check(after)
        self.assertGreaterEqual(sample(after, "cloudchain_height"), height0 + 3)
        self.assertGreaterEqual(sample(after, "cloudchain_blocks_processed_total"), blocks0 + 3)
        self.assertGreaterEqual(sample(after, "cloudchain_transactions_processed_total"), 1)
        blocks = sample(after, "cloudchain_blocks_processed_total")
        for h in ("cloudchain_block_validation_seconds", "cloudchain_block_commit_seconds"):
            # One observation per tip change: as many as blocks connected (no reorg on one node).
            self.assertEqual(sample(after, f"{h}_count"), blocks, h)
            self.assertEqual(sample(after, f"{h}_bucket", 'le="+Inf"'), blocks, h)
            self.assertGreater(sample(after, f"{h}_sum"), 0, h)
        self.assertEqual(sample(after, "cloudchain_sync_progress_ratio"), 1.0)
        # The hashrate is sampled every few seconds: wait for the first sample.
        wait_for(lambda: sample(self.metrics(node), "cloudchain_miner_hashrate") > 0, 30, "a hashrate above 0")
        self.assertGreaterEqual(
            sample(after, "cloudchain_api_requests_total", 'route="/v1/txs",status="202"'), 1)
        self.assertGreaterEqual(
            sample(after, "cloudchain_api_requests_total", 'route="/v1/txs/{txid}",status="200"'), 1)
        self.assertGreaterEqual(sample(after, "cloudchain_api_requests_total", 'route="/metrics",status="200"'), 1)


class PosMetricsTest(MetricsCase):
    """Two validators from `cloudchain devnet up --consensus pos` (both needed for a
    quorum). The daemons run detached: cleanup is `devnet down`, then SIGKILL."""

    def setUp(self) -> None:
        super().setUp()
        self.dir = self.tmp / "devnet"
        self.env = dict(os.environ, CLOUDCHAIND=daemon_binary())

    def devnet(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [cli_binary(), "devnet", *args, "--dir", str(self.dir)]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=180, env=self.env, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            self.fail(f"$ {' '.join(argv)}\nexit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def tearDown(self) -> None:
        state = self.dir / "devnet.json"
        if state.exists():
            self.devnet("down", "--stop-timeout", "10", check=False)
            for node in json.loads(state.read_text())["nodes"]:
                pid = node.get("pid")
                try:
                    cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().decode() if pid else ""
                except OSError:
                    cmd = ""
                if pid and node["home"] in cmd:
                    os.kill(pid, signal.SIGKILL)
        super().tearDown()

    def test_metrics_and_final_events_of_a_pos_validator(self):
        self.devnet("up", "--consensus", "pos", "--nodes", "2", "--base-port", str(free_port()),
                    "--accounts", "2", "--block-time-ms", "500")
        node = json.loads((self.dir / "devnet.json").read_text())["nodes"][0]
        host, port = node["api"].rsplit(":", 1)
        port = int(port)

        stream = EventStream(port)
        self.addCleanup(stream.close)
        blocks = {}
        final = None
        for _ in range(200):
            e = stream.next()
            if e["event"] == "block":
                blocks[e["data"]["height"]] = e["data"]["hash"]
            elif e["event"] == "final" and e["data"]["height"] in blocks:
                # (a final event for a block connected before the stream opened is skipped)
                final = e["data"]
                break
        self.assertIsNotNone(final, "no final event")
        # Decided by this node's consensus: its block event came first, same hash.
        self.assertEqual(blocks.get(final["height"]), final["hash"], (blocks, final))

        text = self.metrics_at(host, port)
        self.promtool_check(text)
        self.assertGreaterEqual(sample(text, "cloudchain_consensus_height"), final["height"])
        sample(text, "cloudchain_consensus_round")
        self.assertGreaterEqual(sample(text, "cloudchain_peers"), 1)
        self.assertGreater(sample(text, "cloudchain_p2p_bytes_received_total"), 0)
        self.assertGreater(sample(text, "cloudchain_p2p_bytes_sent_total"), 0)
        self.assertEqual(sample(text, "cloudchain_miner_hashrate"), 0)
        self.assertGreaterEqual(sample(text, "cloudchain_blocks_processed_total"), 1)


if __name__ == "__main__":
    unittest.main()
