"""Bad input to the HTTP API of a real node: each request gets an
application/problem+json answer with the documented status and stable code
(docs/api.md), and the node keeps serving (/v1/status answers 200 after each). The
admin routes refuse a missing or wrong token (401) and obey the token from the home
directory (mining off, then on)."""

import json
import secrets
import socket
import time
import unittest

import txcodec as tc
from harness import SystemTestCase, wait_for

BLOCK_TIME_MS = 500
MIB = 1 << 20


def raw_exchange(port: int, request: bytes, timeout: float = 15) -> tuple[int, dict, bytes]:
    """Sends `request` as it is on a fresh connection (ignoring a reset while sending:
    a server may answer and close before reading an oversize body) and parses the
    answer: (status, lower-case headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                head, sep, body = data.partition(b"\r\n\r\n")
                if sep:
                    length = [int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")]
                    if length and len(body) >= length[0]:
                        break
        except ConnectionResetError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/1.1 "):
        raise AssertionError(f"no HTTP answer: {data[:200]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


class ApiBadInputTest(SystemTestCase):
    @classmethod
    def setUpClass(cls):
        cls.secret = secrets.token_bytes(32)
        cls.sender = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(cls.secret)))
        cls.miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))

    def setUp(self):
        super().setUp()
        self.node = self.new_node()
        self.node.init(allocations={self.sender: 10_000_000}, block_time_ms=BLOCK_TIME_MS)
        self.node.start(mine=True, miner_address=self.miner)
        self.chain_id = self.node.status()["chain_id"]

    def still_serving(self, what):
        r = self.node.api("/v1/status")
        self.assertEqual(r.status, 200, f"after {what}: /v1/status -> {r!r}\n{self.node.log_tail()}")
        self.assertTrue(self.node.running(), f"after {what}: the node exited\n{self.node.log_tail()}")

    def expect(self, r, status, code, what):
        self.assertProblem(r, status, code, what)
        self.still_serving(what)

    def submit(self, tx: bytes):
        return self.node.post("/v1/txs", {"tx": tx.hex()})

    def transfer(self, nonce=0, chain_id=None, amount=1_000, fee=1_000):
        to = tc.address_bytes(tc.public_key(secrets.token_bytes(32)))
        return tc.signed_tx(self.secret, self.chain_id if chain_id is None else chain_id, tc.KIND_TRANSFER,
                            nonce, fee, tc.transfer_body(to, amount))

    def test_request_bodies(self):
        n = self.node
        self.expect(n.post("/v1/txs", raw=b'{"tx": '), 400, "malformed_json", "truncated JSON")
        self.expect(n.post("/v1/txs", raw=b'{"tx": "00", "tx": "00"}'), 400, "malformed_json", "duplicate key")
        self.expect(n.post("/v1/txs", raw=b"\xff\xfe"), 400, "malformed_json", "not UTF-8")
        self.expect(n.post("/v1/txs", {"tx": "00", "extra": 1}), 400, "bad_field", "unknown field")
        self.expect(n.post("/v1/txs", {"tx": 12}), 400, "bad_field", "tx not a string")
        self.expect(n.post("/v1/txs", {}), 400, "bad_field", "no tx")
        self.expect(n.post("/v1/txs", raw=b'{"tx": "00"}', headers={"Content-Type": "text/plain"}), 415,
                    "unsupported_media_type", "text/plain body")

        deep = b"[" * 17 + b"]" * 17
        self.expect(n.post("/v1/txs", raw=b'{"tx": ' + deep + b"}"), 400, "json_too_deep", "18 levels")
        self.expect(n.post("/v1/txs", raw=deep), 400, "json_too_deep", "17 levels")
        # 16 levels is allowed: the body parses and fails on its shape instead.
        self.expect(n.post("/v1/txs", raw=b'{"tx": ' + b"[" * 15 + b"]" * 15 + b"}"), 400, "bad_field",
                    "16 levels")
        very_deep = b"[" * 100_000 + b"]" * 100_000
        self.expect(n.post("/v1/txs", raw=very_deep), 400, "json_too_deep", "100000 levels")

        # Over 1 MiB: 413, whether the length is declared or the body is sent.
        big = b'{"tx": "' + b"00" * (MIB // 2) + b'"}'
        self.assertGreater(len(big), MIB)
        status, headers, body = raw_exchange(n.port, b"POST /v1/txs HTTP/1.1\r\nHost: x\r\n"
                                             b"Content-Type: application/json\r\nContent-Length: "
                                             + str(len(big)).encode() + b"\r\n\r\n" + big)
        self.assertEqual(status, 413, body[:300])
        self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"), headers)
        self.assertEqual(json.loads(body)["code"], "body_too_large")
        self.still_serving("1 MiB body")
        # The same without a declared length: chunked, 17 chunks of 64 KiB.
        chunk = b"0" * 65536
        chunked = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(17)) + b"0\r\n\r\n"
        status, headers, body = raw_exchange(n.port, b"POST /v1/txs HTTP/1.1\r\nHost: x\r\n"
                                             b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                             + chunked)
        self.assertEqual(status, 413, body[:300])
        self.assertEqual(json.loads(body)["code"], "body_too_large")
        self.still_serving("chunked body over 1 MiB")
        # Exactly at the limit is not too large (it fails later, as a bad transaction).
        at_limit = b'{"tx": "' + b"0" * (MIB - 10) + b'"}'
        self.assertEqual(len(at_limit), MIB)
        r = n.post("/v1/txs", raw=at_limit)
        self.assertNotEqual(r.status, 413, r)
        self.assertEqual(r.status, 400, r)
        self.still_serving("body of exactly 1 MiB")

    def test_transactions(self):
        n = self.node
        # Hex that is not hex, odd-length hex, bytes that are not a transaction.
        self.expect(n.post("/v1/txs", {"tx": "zz"}), 400, "hex_bad_character", "bad hex digit")
        self.expect(n.post("/v1/txs", {"tx": "abc"}), 400, "hex_odd_length", "odd hex")
        self.expect(n.post("/v1/txs", {"tx": "0011"}), 400, "codec_unknown_version", "version 0")
        self.expect(n.post("/v1/txs", {"tx": "0101"}), 400, "codec_truncated", "2 bytes")
        good = self.transfer(nonce=0)
        self.expect(n.post("/v1/txs", {"tx": (good + b"\x00").hex()}), 400, "codec_trailing_bytes", "trailing byte")

        # A bad signature: one bit of r flipped in an otherwise valid transaction.
        bad_sig = bytearray(good)
        bad_sig[-64 + 5] ^= 0x01
        self.expect(self.submit(bytes(bad_sig)), 422, "tx_invalid_signature", "bad signature")
        # High S: the same signature with s' = n - s (valid math, non-canonical).
        s = int.from_bytes(good[-32:], "big")
        high_s = good[:-32] + (tc.N - s).to_bytes(32, "big")
        self.expect(self.submit(high_s), 422, "tx_high_s", "high-S signature")
        # Signed correctly, for another chain.
        self.expect(self.submit(self.transfer(nonce=0, chain_id=self.chain_id + 1)), 422, "tx_wrong_chain",
                    "wrong chain id")
        # A zero amount, correctly signed.
        self.expect(self.submit(self.transfer(nonce=0, amount=0)), 422, "tx_zero_amount", "zero amount")
        # Mempool policy: a nonce beyond the queued-gap bound (64 ahead), a fee below
        # 1 per byte, more than the balance, fee + amount overflowing u64.
        self.expect(self.submit(self.transfer(nonce=65)), 422, "mempool_nonce_gap", "nonce 65 ahead")
        self.expect(self.submit(self.transfer(fee=1)), 422, "mempool_fee_too_low", "fee 1")
        self.expect(self.submit(self.transfer(amount=10**12)), 422, "mempool_insufficient_balance", "overspend")
        self.expect(self.submit(self.transfer(amount=2**64 - 1)), 422, "mempool_cost_overflow", "u64 overflow")
        self.assertEqual(n.status()["mempool"]["size"], 0, "a rejected transaction is pending")

        # The unmodified transaction is accepted: the rejections above were for the
        # one thing each changed, not for the encoder. (Upper-case hex: decoding accepts
        # either case, src/util/hex.hpp.)
        r = n.post("/v1/txs", {"tx": good.hex().upper()})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json["txid"], tc.txid(good).hex())
        # Again: still pooled (already known), or a block took it meanwhile (nonce used).
        self.expect(self.submit(good), 422, ("mempool_already_known", "mempool_nonce_too_low"), "the same tx again")
        # Pending or included (polled: a 404 for a moment is the lookup race, see harness).
        wait_for(lambda: n.tx_status(tc.txid(good).hex()) in ("pending", "included"), 10, "the accepted tx")

    def test_paths_methods_and_queries(self):
        n = self.node
        self.expect(n.api("/v1/nope"), 404, "not_found", "unknown route")
        self.expect(n.api("/v2/status"), 404, "not_found", "unknown version")
        self.expect(n.api("/assets/../v1/status"), 404, "not_found", "a path out of the explorer's assets")
        self.expect(n.api("/assets/nope.js"), 404, "not_found", "an unknown explorer asset")
        root = n.api("/")  # the explorer
        self.assertEqual(root.status, 200, root)
        self.assertTrue(root.headers.get("content-type", "").startswith("text/html"), root.headers)
        r = n.request("DELETE", "/v1/status")
        self.expect(r, 405, "method_not_allowed", "DELETE /v1/status")
        self.assertIn("GET", r.headers.get("allow", ""), r.headers)
        self.expect(n.post("/v1/status", {}), 405, "method_not_allowed", "POST /v1/status")
        self.expect(n.api("/v1/txs"), 405, "method_not_allowed", "GET /v1/txs")

        self.expect(n.api("/v1/blocks/notablock"), 400, "bad_block_id", "bad block id")
        self.expect(n.api("/v1/blocks/" + "ab" * 31), 400, "bad_block_id", "short hash")
        self.expect(n.api("/v1/blocks/999999999"), 404, "block_not_found", "height above the tip")
        self.expect(n.api("/v1/blocks/" + "00" * 32), 404, "block_not_found", "unknown hash")
        self.expect(n.api("/v1/txs/xyz"), 400, "hex_odd_length", "odd txid")
        self.expect(n.api("/v1/txs/" + "zz" * 32), 400, "hex_bad_character", "txid not hex")
        self.expect(n.api("/v1/receipts/" + "ab" * 31), 400, "hex_wrong_length", "short txid")
        self.expect(n.api("/v1/txs/" + "00" * 32), 404, "tx_not_found", "unknown txid")
        self.expect(n.api("/v1/receipts/" + "00" * 32), 404, "tx_not_found", "receipt of an unknown txid")
        self.expect(n.api("/v1/anchors/1234"), 400, "hex_wrong_length",
                    "short digest")

        # Addresses: each bech32m rule has its code.
        typo = self.sender[:-1] + ("q" if self.sender[-1] != "q" else "p")
        other_network = tc.encode_address("cc", tc.decode_address(self.sender)[1])
        short = tc.encode_address("ccdev", b"\x01" * 19)
        for bad, code in ((typo, "bech32_bad_checksum"), (other_network, "bech32_wrong_prefix"),
                          ("hello", "bech32_no_separator"), ("ccdev1" + "q" * 90, "bech32_too_long"),
                          (short, "bech32_wrong_data_length"), (self.sender[:-3] + "b" + self.sender[-2:],
                                                                 "bech32_bad_character")):
            self.expect(n.api(f"/v1/accounts/{bad}"), 400, code, f"address {bad}")
            self.expect(n.api(f"/v1/accounts/{bad}/txs"), 400, code, f"address {bad} txs")

        # Paging.
        for query, code in (("limit=0", "bad_limit"), ("limit=1001", "bad_limit"), ("limit=abc", "bad_limit"),
                            ("limit=-1", "bad_limit"), ("limit=1&limit=2", "bad_param"),
                            ("bogus=1", "bad_param"), ("limit=%zz", "bad_param")):
            self.expect(n.api(f"/v1/mempool?{query}"), 400, code, f"/v1/mempool?{query}")
        self.expect(n.api("/v1/blocks?limit=101"), 400, "bad_limit", "/v1/blocks?limit=101")
        self.expect(n.api("/v1/blocks?from=abc"), 400, "bad_param", "/v1/blocks?from=abc")
        self.expect(n.api(f"/v1/accounts/{self.sender}/txs?cursor=garbage"), 400, "bad_cursor", "bad cursor")
        self.expect(n.api(f"/v1/accounts/{self.sender}/txs?limit=0"), 400, "bad_limit", "account txs limit 0")
        self.expect(n.api("/v1/status?x=1"), 400, "bad_param", "status with a query")
        # Boundaries that are fine.
        self.assertEqual(n.api("/v1/mempool?limit=1000").status, 200)
        self.assertEqual(n.api("/v1/blocks?limit=100").status, 200)

        # Over-long request head: 431.
        status, headers, body = raw_exchange(n.port, b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Pad: "
                                             + b"a" * 9000 + b"\r\n\r\n")
        self.assertEqual(status, 431, body[:200])
        self.assertEqual(json.loads(body)["code"], "header_too_large")
        self.still_serving("9 KB header")
        # Not HTTP at all: 400 bad_request, and the node serves on.
        status, headers, body = raw_exchange(n.port, b"\x00\x01garbage\r\n\r\n")
        self.assertEqual(status, 400, body[:200])
        self.assertEqual(json.loads(body)["code"], "bad_request")
        self.still_serving("garbage bytes")

    def test_connection_limit(self):
        # api.max_connections (64 by default) idle connections are held open; one more
        # gets a canned 503 and is closed; once they close the node serves again.
        n = self.node
        held = []
        try:
            for _ in range(64):
                held.append(socket.create_connection(("127.0.0.1", n.port), timeout=10))
            # The server counts a connection once it accepts it: let it take them all.
            wait_for(lambda: self._over_limit(n.port), 20, "the 65th connection to be refused")
        finally:
            for s in held:
                s.close()
        wait_for(lambda: n.api("/v1/status").status == 200, 20, "/v1/status once the connections closed")

    @staticmethod
    def _over_limit(port):
        status, headers, body = raw_exchange(port, b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
        if status == 200:
            return False
        assert status == 503 and json.loads(body)["code"] == "too_many_connections", (status, body[:200])
        return True

    def test_admin_token(self):
        n = self.node
        n.wait_height(1)
        for headers, what in (({}, "no Authorization"),
                              ({"Authorization": "Bearer wrong-token"}, "wrong token"),
                              ({"Authorization": "Bearer " + n.admin_token[:-1]}, "token minus a character"),
                              ({"Authorization": n.admin_token}, "token without Bearer"),
                              ({"Authorization": "Basic " + n.admin_token}, "Basic scheme")):
            started = time.monotonic()
            r = n.post("/v1/admin/mining", {"enabled": False}, headers=headers)
            self.expect(r, 401, "unauthorized", what)
            self.assertEqual(r.headers.get("www-authenticate"), "Bearer", what)
            self.assertGreaterEqual(time.monotonic() - started, 0.2, f"{what}: answered without the delay")
            self.assertTrue(n.status()["mining"]["enabled"], f"{what}: mining was switched off")
        self.expect(n.post("/v1/admin/shutdown", {}, headers={"Authorization": "Bearer nope"}), 401, "unauthorized",
                    "shutdown with a wrong token")

        # The right token: a bad body is still checked ...
        r = n.admin("/v1/admin/mining", {"enabled": "no"})
        self.expect(r, 400, "bad_field", "enabled not a boolean")

        # ... and mining goes off: the height stops moving.
        r = n.admin("/v1/admin/mining", {"enabled": False})
        self.assertEqual(r.status, 200, r)
        wait_for(lambda: n.status()["mining"]["enabled"] is False, 10, "mining off")
        height = n.height()
        time.sleep(4 * BLOCK_TIME_MS / 1000)  # several block times: proving absence needs a wait
        self.assertLessEqual(n.height(), height + 1, "blocks kept coming with mining off")

        r = n.admin("/v1/admin/mining", {"enabled": True})
        self.assertEqual(r.status, 200, r)
        # set_mining is applied by the node's actor: /v1/status shows it a moment later.
        wait_for(lambda: n.status()["mining"]["enabled"] is True, 10, "mining on")
        n.wait_height(n.height() + 2)

        # Shutdown with the token: a graceful exit, status 0.
        r = n.admin("/v1/admin/shutdown", {})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(n.wait_exit(), 0, n.log_tail())


if __name__ == "__main__":
    unittest.main()
