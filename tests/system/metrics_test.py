"""GET /metrics of a real mining node: valid Prometheus text (promtool check metrics),
every documented family present, and the chain counters moving as blocks and a
transaction go through."""

import re
import secrets
import shutil
import subprocess
import unittest

import txcodec as tc
from harness import SystemTestCase, wait_for

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


class MetricsTest(SystemTestCase):
    def metrics(self, node) -> str:
        r = node.api("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8")
        return r.body.decode()

    def promtool_check(self, text: str) -> None:
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool not installed (Debian package prometheus; scripts/install-deps.sh installs it)")
        p = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, f"promtool check metrics:\n{p.stdout.decode()}{p.stderr.decode()}\n{text}")

    def test_metrics_of_a_mining_node(self):
        secret = secrets.token_bytes(32)
        sender = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secret)))
        miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        node = self.new_node()
        node.init(allocations={sender: 10**12}, block_time_ms=BLOCK_TIME_MS)
        node.start(mine=True, miner_address=miner)

        before = self.metrics(node)
        for name, kind in FAMILIES.items():
            self.assertRegex(before, re.compile(f"^# HELP {name} .+$", re.M), name)
            self.assertIn(f"# TYPE {name} {kind}\n", before)
        height0 = sample(before, "cloudchain_height")
        blocks0 = sample(before, "cloudchain_blocks_processed_total")

        # A few blocks and a transaction in one of them.
        chain_id = node.status()["chain_id"]
        to = tc.address_bytes(tc.public_key(secrets.token_bytes(32)))
        tx = tc.signed_tx(secret, chain_id, tc.KIND_TRANSFER, 0, 1_000, tc.transfer_body(to, 5))
        r = node.post("/v1/txs", {"tx": tx.hex()})
        self.assertEqual(r.status, 202, r)
        txid = r.json["txid"]
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


if __name__ == "__main__":
    unittest.main()
