"""Restarts that keep or refuse data (docs/node.md "Signals and shutdown", "kill -9",
genesis): a graceful stop saves the pending pool and the next start reloads it, in
order, ready to be mined; a kill -9 loses the pool but no block; a database created
for another genesis is refused (exit 2) and left as it was."""

import secrets
import shutil
import subprocess
import unittest

import txcodec as tc
from harness import SystemTestCase, daemon_binary, wait_for

BLOCK_TIME_MS = 400
PENDING = 6


class ChainRestartTest(SystemTestCase):
    def setUp(self):
        super().setUp()
        self.secret = secrets.token_bytes(32)
        self.sender = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(self.secret)))
        self.miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))

    def submit_pending(self, node, count):
        chain_id = node.status()["chain_id"]
        to = tc.address_bytes(tc.public_key(secrets.token_bytes(32)))
        first = int(node.get_json(f"/v1/accounts/{self.sender}")["next_nonce"])
        txids = []
        for nonce in range(first, first + count):
            tx = tc.signed_tx(self.secret, chain_id, tc.KIND_TRANSFER, nonce, 1_000 + nonce, tc.transfer_body(to, 7))
            r = node.post("/v1/txs", {"tx": tx.hex()})
            self.assertEqual(r.status, 202, r)
            txids.append(r.json["txid"])
        return txids

    def mempool_txids(self, node):
        return [t["txid"] for t in node.get_json("/v1/mempool?limit=1000")["txs"]]

    def test_graceful_stop_keeps_the_pool_kill9_loses_only_the_pool(self):
        node = self.new_node()
        node.init(allocations={self.sender: 10**9}, block_time_ms=BLOCK_TIME_MS)
        node.start(mine=True, miner_address=self.miner)
        node.wait_height(2)
        node.admin("/v1/admin/mining", {"enabled": False})
        wait_for(lambda: node.status()["mining"]["enabled"] is False, 10, "mining off")

        txids = self.submit_pending(node, PENDING)
        pool = self.mempool_txids(node)
        self.assertEqual(sorted(pool), sorted(txids))
        tip = node.status()["tip_hash"]

        # Graceful: the pool is saved and reloaded in the same block-selection order.
        self.assertEqual(node.stop(), 0, node.log_tail())
        self.assertTrue((node.home / "mempool.dat").exists(), "no mempool.dat after a graceful stop")
        node.start(mine=False)
        self.assertEqual(node.status()["tip_hash"], tip)
        self.assertEqual(self.mempool_txids(node), pool)
        self.assertEqual(node.status()["mempool"]["size"], PENDING)
        self.assertEqual(int(node.get_json(f"/v1/accounts/{self.sender}")["next_nonce"]), PENDING)

        # kill -9: blocks stay, the pending pool is gone (it is saved only on a graceful stop).
        more = self.submit_pending(node, 2)
        node.kill9()
        node.start(mine=False)
        self.assertEqual(node.status()["tip_hash"], tip)
        self.assertFalse(set(more) & set(self.mempool_txids(node)), "transactions submitted after the "
                         "last graceful stop survived a kill -9: where were they saved?")

        # What was reloaded is minable: mining on, every reloaded transaction is included.
        self.assertEqual(node.stop(), 0, node.log_tail())
        node.start(mine=True, miner_address=self.miner)
        reloaded = self.mempool_txids(node)
        wait_for(lambda: all(node.tx_status(t) == "included" for t in reloaded), 60,
                 "the reloaded transactions to be mined", on_timeout=node.log_tail)

    def test_database_of_another_genesis_is_refused(self):
        first = self.new_node("first")
        first.init(block_time_ms=BLOCK_TIME_MS)
        first.start(mine=True, miner_address=self.miner)
        first.wait_height(2)
        tip = first.status()["tip_hash"]
        self.assertEqual(first.stop(), 0, first.log_tail())

        # Another home with another chain id; give it the first home's database.
        second = self.new_node("second")
        second.init(extra_args=["--chain-id", "4242"])
        shutil.rmtree(second.home / "data", ignore_errors=True)
        shutil.copytree(first.home / "data", second.home / "data")
        r = subprocess.run([daemon_binary(), "--home", str(second.home), "--api-listen", "127.0.0.1:0"],
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("genesis", r.stderr.lower(), r)

        # Refused untouched: the first node still opens it on the same tip.
        shutil.rmtree(first.home / "data")
        shutil.copytree(second.home / "data", first.home / "data")
        first.start(mine=False)
        self.assertEqual(first.status()["tip_hash"], tip)


if __name__ == "__main__":
    unittest.main()
