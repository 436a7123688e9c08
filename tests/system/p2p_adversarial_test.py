"""A scripted bad peer against the real cloudchaind: two honest nodes A (mining) and B
(seeding A) run while the test process, over raw TCP to A's P2P port, sends garbage,
a wrong magic, an oversize length, a bad checksum, a second version, a version split
over many sends, and a connection flood beyond A's max_inbound. After each: A dropped
the bad connection, its API answers, B stays connected and keeps following A's chain.

Bans (docs/p2p.md "Bans and loopback"): the offending connection is closed and its IP
banned (shown in /v1/peers "bans" and the log); other connections from the same IP stay
(B, also 127.0.0.1, is not cut off) but new inbound ones from it are closed on accept.
The test lifts each ban with /v1/admin/peers/unban before the next case.
"""

import secrets
import struct
import time
import unittest

import txcodec as tc
from harness import SystemTestCase, free_port, wait_for
from p2pwire import BadPeer, INV_LIMIT, T_INV, T_PING, T_PONG, T_VERACK, T_VERSION, frame, version_payload

BLOCK_TIME_MS = 500
MAX_INBOUND = 8
FLOOD = 20

class P2pAdversarialTest(SystemTestCase):
    def test_a_bad_peer_is_dropped_and_banned_while_honest_peers_keep_syncing(self):
        t0 = time.monotonic()
        miner = tc.encode_address("ccdev", tc.address_bytes(tc.public_key(secrets.token_bytes(32))))
        a, b = self.new_node("A"), self.new_node("B")
        a.init(block_time_ms=BLOCK_TIME_MS)
        b.init()
        (b.home / "genesis.json").write_text((a.home / "genesis.json").read_text())
        config = a.home / "config.toml"
        text = config.read_text()
        self.assertIn("max_inbound = 32", text)
        config.write_text(text.replace("max_inbound = 32", f"max_inbound = {MAX_INBOUND}"))
        a.p2p_port, b.p2p_port = free_port(), free_port()
        b.seeds = [a.p2p_address]
        a.start(mine=True, miner_address=miner, threads=1)
        b.start(mine=False)

        wait_for(lambda: a.ready_peers() == 1 and b.ready_peers() == 1, 30, "A and B connected")
        b.wait_height(2, timeout=30)
        b_on_a = [p for p in a.peers() if p["ready"]][0]
        self.assertTrue(b_on_a["inbound"])

        status = a.status()
        genesis = bytes.fromhex(status["genesis_hash"])
        magic, chain_id = genesis[:4], int(status["chain_id"])

        def peer() -> BadPeer:
            return BadPeer(a.p2p_port, magic, chain_id, genesis)

        def assert_healthy(what: str) -> None:
            self.assertEqual(a.api("/v1/status").status, 200, what)
            peers = a.peers()
            self.assertIn(b_on_a["id"], [p["id"] for p in peers if p["ready"]], f"{what}: B still on A: {peers}")
            # B follows A: its tip advances past A's current height and matches A's block.
            h = a.height()
            b.wait_height(h + 1, timeout=15)
            wait_for(lambda: b.get_json(f"/v1/blocks/{h}")["hash"] == a.get_json(f"/v1/blocks/{h}")["hash"], 10,
                     f"{what}: B's block {h} is A's")

        logged: dict[str, int] = {}

        def assert_banned_then_unban(reason: str, what: str) -> None:
            def banned():
                bans = a.get_json("/v1/peers")["bans"]
                return [x for x in bans if x["ip"] == "127.0.0.1" and x["reason"].endswith(reason)]
            wait_for(banned, 5, f"{what}: 127.0.0.1 banned for {reason} in /v1/peers")
            def ban_lines():
                return [ln for ln in a.log_text().splitlines() if "p2p: banned 127.0.0.1" in ln and reason in ln]
            wait_for(lambda: len(ban_lines()) > logged.get(reason, 0), 5, f"{what}: the ban in A's log")
            logged[reason] = len(ban_lines())
            r = a.admin("/v1/admin/peers/unban", {"ip": "127.0.0.1"})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(a.get_json("/v1/peers")["bans"], [], what)

        # (1) Garbage: the first byte already is not the magic.
        p = peer()
        p.send(bytes([magic[0] ^ 0xFF]) + secrets.token_bytes(63))
        self.assertTrue(p.closed_by_peer(), "garbage: A keeps the connection")
        p.close()
        # While 127.0.0.1 is banned: B's connection stays (checked by assert_healthy), a new
        # inbound connection from it is closed on accept, before any byte is sent.
        fresh = peer()
        self.assertTrue(fresh.closed_by_peer(), "banned IP: a new connection is not closed")
        self.assertEqual(fresh.buf, b"", "banned IP: A sent something before closing")
        fresh.close()
        assert_healthy("garbage")
        assert_banned_then_unban("bad_magic", "garbage")

        # (2) A well-formed version frame under another chain's magic.
        p = peer()
        p.send(frame(bytes(x ^ 0x5A for x in magic), T_VERSION, version_payload(chain_id, genesis, 7)))
        self.assertTrue(p.closed_by_peer(), "wrong magic: A keeps the connection")
        p.close()
        assert_healthy("wrong magic")
        assert_banned_then_unban("bad_magic", "wrong magic")

        # (3) Handshake, then a header announcing a payload over the type's limit.
        p = peer()
        theirs = p.handshake()
        self.assertEqual(struct.unpack_from("<II", theirs), (1, chain_id))
        self.assertEqual(theirs[8:40], genesis)
        p.send(magic + struct.pack("<HI", T_INV, INV_LIMIT + 1) + b"\0\0\0\0")
        self.assertTrue(p.closed_by_peer(), "oversize: A keeps the connection")
        p.close()
        assert_healthy("oversize")
        assert_banned_then_unban("oversize_frame", "oversize")

        # (4) Handshake, then a ping whose checksum is wrong.
        p = peer()
        p.handshake()
        p.send(frame(magic, T_PING, struct.pack("<Q", 42), checksum=b"\xde\xad\xbe\xef"))
        self.assertTrue(p.closed_by_peer(), "bad checksum: A keeps the connection")
        p.close()
        assert_healthy("bad checksum")
        assert_banned_then_unban("bad_checksum", "bad checksum")

        # (5) A version split over many sends with pauses is reassembled, not punished.
        p = peer()
        data = p.version_frame()
        for i in range(0, len(data), 5):
            p.send(data[i:i + 5])
            time.sleep(0.02)
        got = p.wait_for_frames({T_VERSION})
        p.send(frame(magic, T_VERACK, b""))
        p.wait_for_frames({T_VERACK})
        p.send(frame(magic, T_PING, struct.pack("<Q", 99)))
        self.assertEqual(p.wait_for_frames({T_PONG})[T_PONG], struct.pack("<Q", 99))
        self.assertEqual(got[T_VERSION][8:40], genesis)
        wait_for(lambda: a.ready_peers() == 2, 5, "the split-version peer is ready on A")
        p.close()
        self.assertEqual(a.get_json("/v1/peers")["bans"], [], "split version: banned")
        assert_healthy("split version")

        # (6) A second version after the handshake.
        p = peer()
        p.handshake()
        p.send(p.version_frame())
        self.assertTrue(p.closed_by_peer(), "second version: A keeps the connection")
        p.close()
        assert_healthy("second version")
        assert_banned_then_unban("duplicate_handshake", "second version")

        # (7) A flood of connections beyond max_inbound: those over the limit are accepted
        # and closed at once (no ban); A never holds more than max_inbound inbound peers.
        wait_for(lambda: len([x for x in a.peers() if x["inbound"]]) == 1, 10, "only B inbound on A")
        flood = [peer() for _ in range(FLOOD)]
        try:
            closed = 0
            for s in flood:
                if s.closed_by_peer(timeout=0.3):
                    closed += 1
            self.assertGreaterEqual(closed, FLOOD - (MAX_INBOUND - 1), "connections over the limit closed")
            inbound = [x for x in a.peers() if x["inbound"]]
            self.assertLessEqual(len(inbound), MAX_INBOUND, inbound)
            self.assertEqual(a.get_json("/v1/peers")["bans"], [], "flood: banned")
            assert_healthy("flood")
        finally:
            for s in flood:
                s.close()
        wait_for(lambda: len([x for x in a.peers() if x["inbound"]]) == 1, 10, "the flood's slots freed")
        p = peer()  # room again: an honest handshake works
        p.handshake()
        p.close()
        assert_healthy("after the flood")
        self.assertLess(time.monotonic() - t0, 60, "the test's time budget")


if __name__ == "__main__":
    unittest.main()
