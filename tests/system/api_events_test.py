"""GET /v1/events of a real mining node: block events in height order with increasing
ids, and a submitted transaction's tx event before the block that includes it."""

import json
import socket
import time
import unittest

from harness import SystemTestCase

BLOCK_TIME_MS = 300


class EventStream:
    """A raw socket reading the event stream (http.client would buffer the endless body)."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(b"GET /v1/events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n")
        self.buffer = b""
        self.head = self._until(b"\r\n\r\n").decode()

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"stream closed; got {self.buffer[:300]!r}")
            self.buffer += chunk
        part, _, self.buffer = self.buffer.partition(marker)
        return part

    def next(self) -> dict:
        """The next event (comments skipped) as {"id", "event", "data"}."""
        while True:
            fields = {}
            for line in self._until(b"\n\n").decode().split("\n"):
                if line.startswith(":"):
                    continue
                key, _, value = line.partition(": ")
                fields[key] = value
            if fields:
                return {"id": int(fields["id"]), "event": fields["event"], "data": json.loads(fields["data"])}

    def close(self) -> None:
        self.sock.close()


class ApiEventsTest(SystemTestCase):
    def test_block_and_tx_events_of_a_mining_node(self):
        node, secret = self.new_funded_miner(BLOCK_TIME_MS)

        stream = EventStream(node.port)
        self.addCleanup(stream.close)
        self.assertTrue(stream.head.startswith("HTTP/1.1 200 OK\r\n"), stream.head)
        self.assertIn("Content-Type: text/event-stream\r\n", stream.head)

        txid = node.send_transfer(secret)

        last_id = 0
        last_height = None
        tx_seen = False
        deadline = time.monotonic() + 60
        while True:
            self.assertLess(time.monotonic(), deadline, "no block with the transaction")
            e = stream.next()
            self.assertEqual(e["id"], last_id + 1, e)
            last_id = e["id"]
            if e["event"] == "tx":
                self.assertEqual(e["data"], {"txid": txid})
                tx_seen = True
                continue
            self.assertEqual(e["event"], "block", e)
            if last_height is not None:
                self.assertEqual(e["data"]["height"], last_height + 1, e)  # one miner: no reorg
            last_height = e["data"]["height"]
            # Connected before it is announced: its page answers.
            self.assertEqual(node.api(f"/v1/blocks/{e['data']['hash']}").status, 200)
            if e["data"]["txs"] >= 1:
                self.assertTrue(tx_seen, "the block came before the transaction's event")
                break

        metrics = node.api("/metrics").body.decode()
        self.assertIn("\ncloudchain_api_event_clients 1\n", metrics)


if __name__ == "__main__":
    unittest.main()
