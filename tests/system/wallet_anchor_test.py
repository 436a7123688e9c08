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

        # A receipt whose proof, header or transaction was altered proves nothing; each
        # alteration is caught by its own check (docs/cli.md "Verifying an anchor").
        original = json.loads(receipt.read_text())
        for name, mutate, reason in self._receipt_mutations():
            doc = json.loads(json.dumps(original))
            mutate(doc)
            bad = self.tmp / f"receipt-{name}.json"
            bad.write_text(json.dumps(doc))
            r = cli.run("verify", str(document), "--receipt", str(bad), check=False)
            self.assertEqual(r.returncode, 1, f"{name}: {r.describe()}")
            self.assertIs((r.json or {}).get("verified"), False, f"{name}: {r.describe()}")
            self.assertEqual(r.json["reason"], reason, f"{name}: {r.describe()}")
        failed = cli.run("verify", str(tampered), "--receipt", str(receipt), check=False)
        self.assertEqual(failed.json["reason"], "receipt_digest_mismatch", failed.describe())
        (self.tmp / "receipt-garbage.json").write_text("{not json")
        r = cli.run("verify", str(document), "--receipt", str(self.tmp / "receipt-garbage.json"), check=False)
        self.assertEqual(r.returncode, 1, r.describe())
        self.assertNotEqual((r.json or {}).get("verified"), True, r.describe())

    @staticmethod
    def _flip_hex(text: str, position: int) -> str:
        digit = int(text[position], 16) ^ 0x1
        return text[:position] + format(digit, "x") + text[position + 1:]

    def _receipt_mutations(self):
        flip = self._flip_hex
        # Header (protocol.md 6): version u32, chain_id u32, height u64, parent, timestamp_ms
        # u64 at byte 48, tx_root at byte 56, ...
        timestamp_at, tx_root_at = 48, 56

        def reseal(doc, header: bytes):
            """A forger's header: changed, with its block hash recomputed to match."""
            doc["header"] = header.hex()
            doc["block_hash"] = hashlib.sha256(hashlib.sha256(b"cloudchain/hdr/1" + header).digest()).hexdigest()

        def proof_size(doc):  # a path too short or too long for the claimed tree
            doc["proof"]["tree_size"] = 2 * doc["proof"]["tree_size"] + 2

        def header_byte(doc):
            doc["header"] = flip(doc["header"], 2 * tx_root_at + 5)

        def forged_tx_root(doc):
            header = bytearray.fromhex(doc["header"])
            header[tx_root_at] ^= 0x01
            reseal(doc, bytes(header))

        def forged_timestamp(doc):
            header = bytearray.fromhex(doc["header"])
            header[timestamp_at] ^= 0x01
            reseal(doc, bytes(header))

        def tx_byte(doc):
            doc["tx"] = flip(doc["tx"], len(doc["tx"]) - 200)  # inside the anchored digest

        def block_hash(doc):
            doc["block_hash"] = flip(doc["block_hash"], 0)

        def height(doc):
            doc["height"] += 1

        return [
            ("proof-size", proof_size, "receipt_proof_malformed"),
            ("header", header_byte, "receipt_block_hash_mismatch"),
            ("forged-tx-root", forged_tx_root, "receipt_proof_root_mismatch"),
            ("forged-timestamp", forged_timestamp, "receipt_pow_insufficient"),
            ("tx", tx_byte, "receipt_txid_mismatch"),
            ("block-hash", block_hash, "receipt_block_hash_mismatch"),
            ("height", height, "receipt_height_mismatch"),
        ]


if __name__ == "__main__":
    unittest.main()
