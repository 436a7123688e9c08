"""`cloudchaind --reindex` rebuilds state and indexes from the stored blocks: after a
run with transfers and anchors, a stop, and a start with --reindex, the tip is the
same, the rebuilt state's root is the tip block's state root, every account has the
same balance and nonce, and every transaction is found in the same place."""

import hashlib
import secrets
import unittest

import txcodec as tc
from harness import SystemTestCase, wait_for

BLOCK_TIME_MS = 400
TRANSFERS = 12


class ChainReindexTest(SystemTestCase):
    def test_reindex_keeps_tip_state_and_indexes(self):
        sender_secret = secrets.token_bytes(32)
        sender = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(sender_secret)))
        miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        recipients = [tc.address_bytes(tc.public_key(secrets.token_bytes(32))) for _ in range(5)]
        addresses = [sender, miner] + [tc.encode_address("ccdev", r) for r in recipients]

        node = self.new_node()
        node.init(allocations={sender: 50_000_000}, block_time_ms=BLOCK_TIME_MS)
        node.start(mine=True, miner_address=miner)
        chain_id = node.status()["chain_id"]

        txids = []
        for nonce in range(TRANSFERS):
            if nonce % 4 == 3:
                body = tc.anchor_body(hashlib.sha256(b"doc %d" % nonce).digest(), b"memo")
                tx = tc.signed_tx(sender_secret, chain_id, tc.KIND_ANCHOR, nonce, 1_000, body)
            else:
                body = tc.transfer_body(recipients[nonce % len(recipients)], 10_000 + nonce)
                tx = tc.signed_tx(sender_secret, chain_id, tc.KIND_TRANSFER, nonce, 1_000 + nonce, body)
            r = node.post("/v1/txs", {"tx": tx.hex()})
            self.assertEqual(r.status, 202, r)
            txids.append(r.json["txid"])
        wait_for(lambda: all(node.tx_status(t) == "included" for t in txids), 60,
                 "every transfer to be included", on_timeout=node.log_tail)
        node.wait_height(node.height() + 2)

        self.assertEqual(node.stop(), 0, node.log_tail())
        node.start(mine=False)
        before = self.snapshot(node, addresses, txids)
        self.assertEqual(node.stop(), 0, node.log_tail())

        node.start(mine=False, extra_args=["--reindex"])
        after = self.snapshot(node, addresses, txids)
        self.assertEqual(after["tip"], before["tip"])
        self.assertEqual(after["accounts"], before["accounts"])
        self.assertEqual(after["txs"], before["txs"])
        self.assertEqual(after["blocks"], before["blocks"])
        self.assertEqual(after["history"], before["history"])
        self.assertEqual(after["anchors"], before["anchors"])
        # --reindex did rebuild (and was not ignored): the run says so in its log.
        self.assertIn("reindex", node.log_of_last_start().lower())

        # The reindexed node is a working node: it mines on from the same tip.
        self.assertEqual(node.stop(), 0, node.log_tail())
        node.start(mine=True, miner_address=miner)
        node.wait_height(before["tip"]["height"] + 1)
        self.assertEqual(node.get_json(f"/v1/blocks/{before['tip']['height'] + 1}")["parent"],
                         before["tip"]["hash"])

    def snapshot(self, node, addresses, txids):
        status = node.status()
        tip_block = node.get_json(f"/v1/blocks/{status['tip_hash']}")
        tip = {"height": status["height"], "hash": status["tip_hash"], "state_root": tip_block["state_root"],
               "work": status["cumulative_work"]}
        accounts = {}
        for address in addresses:
            a = node.get_json(f"/v1/accounts/{address}")
            # The state the node answers from is the state the tip block commits to.
            self.assertEqual(a["state_root"], tip_block["state_root"], f"{address}: {a}")
            self.assertEqual(a["block_hash"], status["tip_hash"])
            accounts[address] = (a["balance"], a["nonce"], a.get("value"), a["proof"])
        txs = {}
        for txid in txids:
            t = node.get_json(f"/v1/txs/{txid}")
            txs[txid] = (t["status"], t["height"], t["block_hash"], t["position"], t["proof"])
        blocks = node.get_json("/v1/blocks?limit=100")["blocks"]
        # The account and anchor indexes are rebuilt too.
        history = node.get_json(f"/v1/accounts/{addresses[0]}/txs?limit=100")
        self.assertEqual(len(history["txs"]), len(txids), history)
        anchors = node.get_json(f"/v1/anchors/{hashlib.sha256(b'doc 3').hexdigest()}")
        return {"tip": tip, "accounts": accounts, "txs": txs, "history": history, "anchors": anchors,
                "blocks": [(b["height"], b["hash"], b["state_root"]) for b in blocks]}


if __name__ == "__main__":
    unittest.main()
