"""A raw P2P peer for the system tests (docs/protocol.md section 10): frames, the
version/verack handshake and reading frames, over plain TCP to a real node. Used by the
adversarial test (garbage and floods) and the equivocation test (votes signed in Python).
"""

import hashlib
import secrets
import socket
import struct
import time

T_VERSION, T_VERACK, T_PING, T_PONG, T_INV = 1, 2, 3, 4, 7
INV_LIMIT = 4 + 5000 * 33


def frame(magic: bytes, kind: int, payload: bytes, checksum: bytes | None = None) -> bytes:
    if checksum is None:
        checksum = hashlib.sha256(payload).digest()[:4]
    return magic + struct.pack("<HI", kind, len(payload)) + checksum + payload


def version_payload(chain_id: int, genesis: bytes, nonce: int) -> bytes:
    agent = b"advsys-test/1"
    return (struct.pack("<II", 1, chain_id) + genesis + struct.pack("<Q", 0) + genesis +
            struct.pack("<QI", nonce, 0) + struct.pack("<I", len(agent)) + agent)


class BadPeer:
    """One raw TCP connection to a node's P2P port."""

    def __init__(self, port: int, magic: bytes, chain_id: int, genesis: bytes):
        self.magic, self.chain_id, self.genesis = magic, chain_id, genesis
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def version_frame(self) -> bytes:
        return frame(self.magic, T_VERSION, version_payload(self.chain_id, self.genesis, secrets.randbits(64)))

    def read_frame(self, timeout: float = 5.0) -> tuple[int, bytes]:
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 14:
                kind, length = struct.unpack_from("<HI", self.buf, 4)
                if len(self.buf) >= 14 + length:
                    if self.buf[:4] != self.magic:
                        raise AssertionError(f"node sent magic {self.buf[:4].hex()}")
                    payload = self.buf[14:14 + length]
                    if hashlib.sha256(payload).digest()[:4] != self.buf[10:14]:
                        raise AssertionError("node sent a bad checksum")
                    self.buf = self.buf[14 + length:]
                    return kind, payload
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no whole frame from the node in time")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise AssertionError("the node closed the connection")
            self.buf += data

    def wait_for_frames(self, kinds: set[int], timeout: float = 5.0) -> dict[int, bytes]:
        got: dict[int, bytes] = {}
        deadline = time.monotonic() + timeout
        while not kinds <= got.keys():
            kind, payload = self.read_frame(max(0.01, deadline - time.monotonic()))
            if kind == T_PING:  # keep the node happy while we wait
                self.send(frame(self.magic, T_PONG, payload))
            got.setdefault(kind, payload)
        return got

    def handshake(self) -> bytes:
        """Sends version, reads the node's version and verack, sends verack. Returns the
        node's version payload."""
        self.send(self.version_frame())
        got = self.wait_for_frames({T_VERSION})
        self.send(frame(self.magic, T_VERACK, b""))
        self.wait_for_frames({T_VERACK})
        return got[T_VERSION]

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """True once the node closes (EOF or reset) within `timeout`; what it sends
        before (its version) is read and dropped."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
            except (ConnectionResetError, BrokenPipeError):
                return True
            except socket.timeout:
                return False
        return False
