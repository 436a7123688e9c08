"""GET /v1/txs/{txid} of an accepted transaction answers at every moment: "pending"
until a block includes it, "included" from then on, and never 404 in between (one
node, no reorganization: nothing takes the transaction out of the chain or the pool).

The test submits transactions one at a time to a mining node and polls each as fast as
it can until it is included, so it looks at the moment of a block's connection many
times."""

import secrets
import time
import unittest

import txcodec as tc
from harness import SystemTestCase

BLOCK_TIME_MS = 300
TRANSACTIONS = 30


class ApiTxLookupTest(SystemTestCase):
    # An accepted transaction must never be answered 404: while its block connects, the
    # chain lookup can miss it (snapshot taken before the block's batch) and the mempool
    # has already dropped it; get_tx and get_receipt look in the chain again after a
    # mempool miss (src/api/routes_txs.cpp, locate).
    def test_accepted_transaction_is_never_404(self):
        node, secret = self.new_funded_miner(BLOCK_TIME_MS)
        chain_id = node.status()["chain_id"]
        to = tc.address_bytes(tc.public_key(secrets.token_bytes(32)))

        for nonce in range(TRANSACTIONS):
            tx = tc.signed_tx(secret, chain_id, tc.KIND_TRANSFER, nonce, 1_000, tc.transfer_body(to, 1 + nonce))
            r = node.post("/v1/txs", {"tx": tx.hex()})
            self.assertEqual(r.status, 202, r)
            txid = r.json["txid"]
            deadline = time.monotonic() + 60
            while True:
                r = node.api(f"/v1/txs/{txid}")
                self.assertEqual(r.status, 200, f"tx {txid} (nonce {nonce}), accepted, now: {r!r}; "
                                                f"tip at height {node.height()}")
                if r.json["status"] == "included":
                    break
                self.assertEqual(r.json["status"], "pending", r.json)
                self.assertLess(time.monotonic(), deadline, f"tx {txid} never included")


if __name__ == "__main__":
    unittest.main()
