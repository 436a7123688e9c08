"""kill -9 at a random moment while the node mines and takes a stream of transactions,
a few rounds: after each restart, every block the API reported is still there with the
same hash, every transaction it reported as included is still included in the same
block, and the node goes on mining.

One node has no competitor, so its chain never reorganizes: anything the API showed
was committed (one synced RocksDB batch per block), and losing it is a storage bug.

The random moments come from a seed printed at the start (set SYSTEST_SEED to replay).
"""

import os
import random
import secrets
import sys
import time
import unittest

import txcodec as tc
from harness import SystemTestCase, wait_for

BLOCK_TIME_MS = 300
ROUNDS = 3
FEE = 1_000
ALLOCATION = 10**12


class CrashKill9Test(SystemTestCase):
    def test_kill9_loses_no_reported_block_or_transaction(self):
        seed = int(os.environ.get("SYSTEST_SEED", secrets.randbits(32)))
        sys.stderr.write(f"crash_kill9_test: SYSTEST_SEED={seed}\n")
        rng = random.Random(seed)

        sender_secret = secrets.token_bytes(32)
        sender_pub = tc.public_key(sender_secret)
        sender = tc.encode_address("ccdev", tc.address_bytes(sender_pub))
        miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        recipients = [tc.address_bytes(tc.public_key(secrets.token_bytes(32))) for _ in range(4)]

        node = self.new_node()
        node.init(allocations={sender: ALLOCATION}, block_time_ms=BLOCK_TIME_MS)
        chain_id = None

        blocks: dict[int, str] = {}       # height -> hash, as the API reported
        included: dict[str, tuple] = {}   # txid -> (height, block hash), as the API reported
        pending: set[str] = set()          # txids accepted (202), not yet seen included
        top_before_kill = 0

        for round_number in range(ROUNDS):
            node.start(mine=True, miner_address=miner)
            status = node.status()
            if chain_id is None:
                chain_id = status["chain_id"]

            # After a restart: nothing reported before any kill is lost.
            if round_number > 0:
                self.check_history(node, blocks, included, f"after kill #{round_number}")
                self.check_state_matches_blocks(node, sender, ALLOCATION, f"after kill #{round_number}")
                # ... and it mines on past the old tip.
                node.wait_height(top_before_kill + 2)
                # Accepted but never seen in a block: lost with the mempool or not; the
                # contract covers only what was reported included. Forget them.
                pending.clear()

            kill_after = rng.uniform(1.5, 4.0)
            deadline = time.monotonic() + kill_after
            start_height = status["height"]
            while time.monotonic() < deadline or node.height() < start_height + 2:
                self.submit_one(node, chain_id, sender_secret, sender, rng.choice(recipients), pending)
                self.observe(node, blocks, included, pending)
            top_before_kill = max(blocks)
            node.kill9()
            sys.stderr.write(f"round {round_number}: killed after {kill_after:.2f} s at height >= "
                             f"{top_before_kill}; {len(included)} txs seen included\n")

        node.start(mine=True, miner_address=miner)
        self.check_history(node, blocks, included, f"after kill #{ROUNDS}")
        self.check_state_matches_blocks(node, sender, ALLOCATION, f"after kill #{ROUNDS}")
        node.wait_height(top_before_kill + 2)
        self.assertGreater(len(included), 0, "no transaction was ever seen included: the stream did not work")
        self.assertEqual(node.stop(), 0, node.log_tail())

    def submit_one(self, node, chain_id, secret, sender, to, pending):
        nonce = int(node.get_json(f"/v1/accounts/{sender}")["next_nonce"])
        tx = tc.signed_tx(secret, chain_id, tc.KIND_TRANSFER, nonce, FEE, tc.transfer_body(to, 1 + nonce % 97))
        r = node.post("/v1/txs", {"tx": tx.hex()})
        # 202, or a race with a block that just took the previous one (nonce rules).
        if r.status == 202:
            self.assertEqual(r.json["txid"], tc.txid(tx).hex())
            pending.add(r.json["txid"])
        else:
            self.assertEqual(r.status, 422, f"submit: {r!r}")

    def observe(self, node, blocks, included, pending):
        status = node.status()
        height, tip = status["height"], status["tip_hash"]
        if blocks.get(height, tip) != tip:
            self.fail(f"height {height} was {blocks[height]}, the API now says {tip} (single node: no reorg)")
        blocks[height] = tip
        for summary in node.get_json(f"/v1/blocks?from={height}&limit=20")["blocks"]:
            h, block_hash = summary["height"], summary["hash"]
            self.assertEqual(blocks.setdefault(h, block_hash), block_hash, f"height {h} changed hash")
        for txid in list(pending):
            if node.tx_status(txid) == "included":  # None (404): the lookup race, see harness
                doc = node.get_json(f"/v1/txs/{txid}")
                included[txid] = (doc["height"], doc["block_hash"])
                pending.discard(txid)

    def check_state_matches_blocks(self, node, sender, allocation, when):
        """The sender's account (state) agrees with its transactions (blocks and the
        account index): nonce = their count, balance = allocation - their costs. Read
        until the tip did not move in between, so both describe one chain."""
        def consistent():
            before = node.get_json(f"/v1/accounts/{sender}")
            txs, cursor = [], None
            while True:
                page = node.get_json(f"/v1/accounts/{sender}/txs?limit=1000" + (f"&cursor={cursor}" if cursor else ""))
                txs += page["txs"]
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            after = node.get_json(f"/v1/accounts/{sender}")
            return (before, txs) if before["block_hash"] == after["block_hash"] else None

        account, txs = wait_for(consistent, 30, f"{when}: a stable read of the sender's account and history")
        spent = sum(int(t["tx"]["fee"]) + int(t["tx"]["body"]["amount"]) for t in txs
                    if t["height"] <= account["height"])
        count = sum(1 for t in txs if t["height"] <= account["height"])
        self.assertEqual(int(account["nonce"]), count, f"{when}: nonce vs. the sender's transactions")
        self.assertEqual(int(account["balance"]), allocation - spent, f"{when}: balance vs. the sender's transactions")

    def check_history(self, node, blocks, included, when):
        for height, block_hash in sorted(blocks.items()):
            r = node.api(f"/v1/blocks/{height}")
            self.assertEqual(r.status, 200, f"{when}: block {height} ({block_hash}) is gone: {r!r}")
            self.assertEqual(r.json["hash"], block_hash, f"{when}: block {height} changed")
        for txid, (height, block_hash) in included.items():
            r = node.api(f"/v1/txs/{txid}")
            self.assertEqual(r.status, 200, f"{when}: tx {txid} (height {height}) is gone: {r!r}")
            self.assertEqual(r.json["status"], "included", f"{when}: tx {txid}: {r.json}")
            self.assertEqual((r.json["height"], r.json["block_hash"]), (height, block_hash), f"{when}: tx {txid}")


if __name__ == "__main__":
    unittest.main()
