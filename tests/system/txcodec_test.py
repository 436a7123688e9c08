"""Checks tests/system/txcodec.py against the vectors of docs/protocol.md, so that the
system tests that build transactions in Python build exactly what the node expects.
Needs no node."""

import hashlib
import unittest

import txcodec as tc


class TxCodecTest(unittest.TestCase):
    def test_tagged_hash_vectors(self):
        self.assertEqual(tc.tagged_hash("cloudchain/txid", b"").hex(),
                         "88ad4937e2210e955aa0ec3532f1a4b461e7f2a23fdb67ff53ad8f3b790ed1de")
        self.assertEqual(tc.tagged_hash("cloudchain/tx", b"abc").hex(),
                         "544e569ad87fc60d59cae792838c2903daeb0366ea262978699b83388a1f4c57")

    def test_key_signature_and_address_vectors(self):
        one = (1).to_bytes(32, "big")
        self.assertEqual(tc.public_key(one).hex(),
                         "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
        sig = tc.sign(one, hashlib.sha256(b"Satoshi Nakamoto").digest())
        self.assertEqual(sig[:32].hex(), "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8")
        self.assertEqual(sig[32:].hex(), "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5")
        addr = tc.address_bytes(tc.public_key(one))
        self.assertEqual(addr.hex(), "698a7f845e8300a545cc84b2745130b3c55b2ab0")
        self.assertEqual(tc.encode_address("ccdev", addr), "ccdev1dx98lpz7svq223wvsje8g5fsk0z4k24s8zklcx")
        self.assertEqual(tc.decode_address("cc1dx98lpz7svq223wvsje8g5fsk0z4k24sqjhu6t"), ("cc", addr))
        with self.assertRaises(ValueError):
            tc.decode_address("ccdev1dx98lpz7svq223wvsje8g5fsk0z4k24s8zklcq")

    def test_transaction_vectors(self):
        alice = bytes([1]) * 32
        bob = tc.address_bytes(tc.public_key(bytes([2]) * 32))
        self.assertEqual(tc.public_key(alice).hex(),
                         "031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f")
        self.assertEqual(bob.hex(), "610afb338da9a24e6552ef45fc299b4f8a57f8b1")
        transfer = tc.signed_tx(alice, 1, tc.KIND_TRANSFER, 0, 1000, tc.transfer_body(bob, 5000000))
        self.assertEqual(transfer.hex(),
                         "010100000001031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c"
                         "17f5e9d5dd078f0000000000000000e803000000000000610afb338da9a24e65"
                         "52ef45fc299b4f8a57f8b1404b4c0000000000b41ec67dc3b9ae5a21191040ce"
                         "d6d3de54402f999dd902052e47c8119f9adf876bb465addb0ec833bda625752d"
                         "cf4ce521577eafc6ace35a67815cdd5aa62cc2")
        self.assertEqual(tc.sighash(transfer[:-64]).hex(),
                         "562dcaf0f70a2d20c223a9597a8cca182ba13a7e6031874dc0495554b3928a54")
        self.assertEqual(tc.txid(transfer).hex(),
                         "9bcf271a63d5e3ddb7ccc987b8c7354c6f3c7e400cf86437153808b038b52a46")
        digest = hashlib.sha256(b"hello, cloudchain\n").digest()
        anchor = tc.signed_tx(alice, 1, tc.KIND_ANCHOR, 1, 500, tc.anchor_body(digest, b"audit-log/2024-01-01"))
        self.assertEqual(tc.txid(anchor).hex(), "ca44382b7120a0661656b47d74f84b4817afa2dca15aae1aa8e0f87261e5edcd")
        unjail = tc.signed_tx(alice, 1, tc.KIND_UNJAIL, 2, 1000, tc.unjail_body(tc.public_key(bytes([3]) * 32)))
        self.assertEqual(tc.txid(unjail).hex(), "f2f8733ed40d3ad7e5c8f839f6c843387cd1ccfa76c32772314667d2037489d2")


if __name__ == "__main__":
    unittest.main()
