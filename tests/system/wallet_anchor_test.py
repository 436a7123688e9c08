"""Anchoring a file and proving it: `anchor --wait`, `verify` against the node
(VERIFIED, exit 0), the same file with one byte changed (FAILED, exit 1), and offline
verification from a saved receipt once the node is gone."""

import hashlib
import json
import os
import unittest

from harness import SystemTestCase

BLOCK_TIME_MS = 500


class WalletAnchorTest(SystemTestCase):
    def test_anchor_verify_tamper_and_offline_receipt(self):
        node = self.new_node()
        cli = self.new_cli(node)
        miner = cli.new_key("miner")
        node.init(block_time_ms=BLOCK_TIME_MS)
        node.start(mine=True, miner_address=miner)
        node.wait_height(2)

        document = self.tmp / "audit-log.txt"
        content = b"audit log 2026-11-25\n" + os.urandom(4096)
        document.write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()

        anchored = cli.run("anchor", str(document), "--from", "miner", "--memo", "audit-log", "--wait").json
        self.assertEqual(anchored["digest"], digest)
        self.assertIn("height", anchored, anchored)
        txid = anchored["txid"]

        # The node indexes the digest.
        anchors = node.get_json(f"/v1/anchors/{digest}")
        self.assertIn(txid, json.dumps(anchors))

        # Online: VERIFIED, exit 0, naming the transaction and block anchored above.
        verified = cli.run("verify", str(document))
        self.assertEqual(verified.returncode, 0)
        self.assertIs(verified.json["verified"], True, verified.describe())
        self.assertEqual(verified.json["txid"], txid)
        self.assertEqual(verified.json["height"], anchored["height"])
        self.assertEqual(verified.json["block_hash"], anchored["block_hash"])
        self.assertEqual(verified.json["memo"], "audit-log")
        self.assertEqual(verified.json["sender"], miner)
        self.assertIs(verified.json["offline"], False)
        text = cli.run("verify", str(document), json_output=False)
        self.assertTrue(text.stdout.startswith("VERIFIED"), text.describe())

        receipt = self.tmp / "receipt.json"
        cli.run("receipt", txid, "--out", str(receipt))
        self.assertEqual(json.loads(receipt.read_text())["txid"], txid)

        # One byte changed anywhere: FAILED, exit 1, online and against the receipt.
        tampered = self.tmp / "audit-log-tampered.txt"
        changed = bytearray(content)
        changed[len(changed) // 2] ^= 0x01
        tampered.write_bytes(bytes(changed))
        failed = cli.run("verify", str(tampered), check=False)
        self.assertEqual(failed.returncode, 1, failed.describe())
        self.assertIs(failed.json["verified"], False, failed.describe())
        self.assertEqual(failed.json["reason"], "not_anchored")
        text = cli.run("verify", str(tampered), json_output=False, check=False)
        self.assertEqual(text.returncode, 1)
        self.assertTrue(text.stdout.startswith("FAILED"), text.describe())
        failed = cli.run("verify", str(tampered), "--receipt", str(receipt), check=False)
        self.assertEqual(failed.returncode, 1, failed.describe())
        self.assertIs(failed.json["verified"], False, failed.describe())

        # Offline: the node is stopped and its port closed; the receipt alone proves it.
        self.assertEqual(node.stop(), 0, node.log_tail())
        offline = cli.run("verify", str(document), "--receipt", str(receipt))
        self.assertIs(offline.json["verified"], True, offline.describe())
        self.assertIs(offline.json["offline"], True)
        self.assertEqual(offline.json["txid"], txid)
        self.assertEqual(offline.json["block_hash"], anchored["block_hash"])
        # ... while an online verify now has no node to ask: an error, not VERIFIED.
        r = cli.run("verify", str(document), check=False)
        self.assertEqual(r.returncode, 1, r.describe())
        self.assertNotEqual((r.json or {}).get("verified"), True, r.describe())

        # A receipt whose proof, header or transaction was altered proves nothing.
        original = json.loads(receipt.read_text())
        for name, mutate in self._receipt_mutations():
            doc = json.loads(json.dumps(original))
            mutate(doc)
            bad = self.tmp / f"receipt-{name}.json"
            bad.write_text(json.dumps(doc))
            r = cli.run("verify", str(document), "--receipt", str(bad), check=False)
            self.assertEqual(r.returncode, 1, f"{name}: {r.describe()}")
            self.assertNotEqual((r.json or {}).get("verified"), True, f"{name}: {r.describe()}")
        (self.tmp / "receipt-garbage.json").write_text("{not json")
        r = cli.run("verify", str(document), "--receipt", str(self.tmp / "receipt-garbage.json"), check=False)
        self.assertEqual(r.returncode, 1, r.describe())

    @staticmethod
    def _flip_hex(text: str, position: int) -> str:
        digit = int(text[position], 16) ^ 0x1
        return text[:position] + format(digit, "x") + text[position + 1:]

    def _receipt_mutations(self):
        flip = self._flip_hex

        def proof_path(doc):
            if doc["proof"]["path"]:
                doc["proof"]["path"][0] = flip(doc["proof"]["path"][0], 10)
            else:  # a one-transaction block: the proof is empty, so claim a bigger tree
                doc["proof"]["tree_size"] = doc["proof"]["tree_size"] + 1

        def header_tx_root(doc):
            # The header's last bytes are the seal; a byte well inside it is the tx root
            # or state root area, which the block hash covers either way.
            doc["header"] = flip(doc["header"], len(doc["header"]) // 2)

        def tx_digest(doc):
            doc["tx"] = flip(doc["tx"], len(doc["tx"]) - 200)

        def block_hash(doc):
            doc["block_hash"] = flip(doc["block_hash"], 0)

        return [("proof", proof_path), ("header", header_tx_root), ("tx", tx_digest), ("block_hash", block_hash)]


if __name__ == "__main__":
    unittest.main()
