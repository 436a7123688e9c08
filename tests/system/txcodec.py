"""An independent, pure-Python encoder and signer for cloudchain transactions
(docs/protocol.md sections 2, 3 and 5): tagged hashes, secp256k1 with RFC 6979 and
low-S, addresses in bech32m, and the transaction encoding.

The system tests use it to build transactions the CLI would never send (a wrong chain
id, a broken signature) and submit them over the API. It is checked against the
protocol document's own vectors (txcodec_test.py), so a transaction it signs is one
the node must accept and a mutation of one is exactly the mutation intended.

Not constant-time and not for real keys: test code only.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

# --- hashes --------------------------------------------------------------------------

def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tagged_hash(tag: str, data: bytes) -> bytes:
    t = sha256(tag.encode())
    return sha256(t + t + data)


# --- secp256k1 -----------------------------------------------------------------------

P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % P == 0:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], -1, P) % P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, P) % P
    x = (lam * lam - a[0] - b[0]) % P
    return (x, (lam * (a[0] - x) - a[1]) % P)


def _mul(k: int, point=G):
    result = None
    addend = point
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _add(addend, addend)
        k >>= 1
    return result


def public_key(secret: bytes) -> bytes:
    """33-byte compressed public key of a 32-byte secret."""
    d = int.from_bytes(secret, "big")
    if not 1 <= d < N:
        raise ValueError("secret out of range")
    x, y = _mul(d)
    return bytes([2 + (y & 1)]) + x.to_bytes(32, "big")


def sign(secret: bytes, digest: bytes) -> bytes:
    """RFC 6979 deterministic ECDSA (HMAC-SHA256), low-S, compact r || s."""
    d = int.from_bytes(secret, "big")
    x = secret
    h1 = (int.from_bytes(digest, "big") % N).to_bytes(32, "big")
    v = b"\x01" * 32
    k = b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + x + h1, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + x + h1, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    z = int.from_bytes(digest, "big")
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        nonce = int.from_bytes(v, "big")
        if 1 <= nonce < N:
            r = _mul(nonce)[0] % N
            if r != 0:
                s = pow(nonce, -1, N) * (z + r * d) % N
                if s != 0:
                    if s > N // 2:
                        s = N - s
                    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()
        v = hmac.new(k, v, hashlib.sha256).digest()


# --- addresses (BIP350 bech32m) --------------------------------------------------------

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONST = 0x2BC830A3


def _polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def _hrp_expand(hrp: str):
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convertbits(data, frombits, tobits, pad):
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise ValueError("bad padding")
    return out


def encode_address(hrp: str, addr: bytes) -> str:
    data = _convertbits(addr, 8, 5, True)
    polymod = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ _BECH32M_CONST
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + checksum)


def decode_address(text: str) -> tuple[str, bytes]:
    pos = text.rfind("1")
    hrp, rest = text[:pos], text[pos + 1:]
    data = [_CHARSET.index(c) for c in rest]
    if _polymod(_hrp_expand(hrp) + data) != _BECH32M_CONST:
        raise ValueError("bad checksum")
    return hrp, bytes(_convertbits(data[:-6], 5, 8, False))


def address_bytes(pubkey: bytes) -> bytes:
    return tagged_hash("cloudchain/address", pubkey)[:20]


# --- transactions (protocol.md section 5) ------------------------------------------------

KIND_TRANSFER = 1
KIND_ANCHOR = 4
KIND_UNJAIL = 6


def transfer_body(to: bytes, amount: int) -> bytes:
    return to + struct.pack("<Q", amount)


def anchor_body(digest: bytes, memo: bytes = b"") -> bytes:
    return digest + struct.pack("<I", len(memo)) + memo


def unjail_body(validator: bytes) -> bytes:
    return validator


def unsigned_tx(chain_id: int, kind: int, sender: bytes, nonce: int, fee: int, body: bytes,
                version: int = 1) -> bytes:
    return struct.pack("<BIB", version, chain_id, kind) + sender + struct.pack("<QQ", nonce, fee) + body


def sighash(unsigned: bytes) -> bytes:
    return tagged_hash("cloudchain/tx", unsigned)


def txid(encoding: bytes) -> bytes:
    return tagged_hash("cloudchain/txid", encoding)


def signed_tx(secret: bytes, chain_id: int, kind: int, nonce: int, fee: int, body: bytes) -> bytes:
    """The full encoding of a transaction signed with `secret`."""
    unsigned = unsigned_tx(chain_id, kind, public_key(secret), nonce, fee, body)
    return unsigned + sign(secret, sighash(unsigned))
