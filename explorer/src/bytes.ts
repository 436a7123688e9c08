// Bytes, hex and the hashes of docs/protocol.md section 2, on WebCrypto.

export type Bytes = Uint8Array;

export function fromHex(hex: string): Bytes {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`bad hex: ${hex.slice(0, 16)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Bytes): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function concat(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equal(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const utf8 = new TextEncoder();
export const ascii = (s: string): Bytes => utf8.encode(s);

/// SHA256 (FIPS 180-4), by the browser's (or Node's) WebCrypto.
export async function sha256(m: Bytes): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', m as BufferSource));
}

/// SHA256d(m) = SHA256(SHA256(m)).
export async function sha256d(m: Bytes): Promise<Bytes> {
  return sha256(await sha256(m));
}

const tagHashes = new Map<string, Bytes>();

/// H_tag(m) = SHA256(SHA256(tag) || SHA256(tag) || m)  (protocol.md section 2, as BIP340).
export async function taggedHash(tag: string, m: Bytes): Promise<Bytes> {
  let t = tagHashes.get(tag);
  if (!t) {
    t = await sha256(ascii(tag));
    tagHashes.set(tag, t);
  }
  return sha256(concat(t, t, m));
}

/// Little-endian u64 at `offset`, as a bigint.
export function readU64(b: Bytes, offset: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[offset + i]);
  return v;
}

export function readU32(b: Bytes, offset: number): number {
  return (b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24)) >>> 0;
}

// bech32m (BIP350) decoding of an address: the 20 address bytes and the prefix.
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32M_CONST = 0x2bc830a3;

function polymod(values: number[]): number {
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GEN[i]) >>> 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

/// Decodes a bech32m address; null when the checksum, case or length is wrong.
export function decodeAddress(addr: string): { prefix: string; bytes: Bytes } | null {
  if (addr.length > 90 || (addr !== addr.toLowerCase() && addr !== addr.toUpperCase())) return null;
  const s = addr.toLowerCase();
  const pos = s.lastIndexOf('1');
  if (pos < 1 || pos + 7 > s.length) return null;
  const hrp = s.slice(0, pos);
  const data: number[] = [];
  for (const c of s.slice(pos + 1)) {
    const v = CHARSET.indexOf(c);
    if (v < 0) return null;
    data.push(v);
  }
  if (polymod([...hrpExpand(hrp), ...data]) !== BECH32M_CONST) return null;
  // 5-bit groups -> bytes, no padding beyond 4 zero bits.
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const v of data.slice(0, -6)) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) return null;
  if (out.length !== 20) return null;
  return { prefix: hrp, bytes: new Uint8Array(out) };
}
