// In-browser verification of what the node serves, by the rules of docs/protocol.md:
// RFC 9162 inclusion proofs of a transaction id against a header's tx_root (section 4),
// state proofs against a header's state_root (section 9.4), and receipts (docs/api.md).
// Every function recomputes from bytes; nothing the JSON claims is trusted unchecked.

import { type Bytes, ascii, concat, equal, fromHex, readU32, sha256, sha256d, taggedHash, toHex } from './bytes';

export interface InclusionProof {
  index: number;
  tree_size: number;
  path: string[];
}

/// The outcome of a check: ok, or the first rule that failed.
export type Verdict = { ok: true } | { ok: false; reason: string };
const fail = (reason: string): Verdict => ({ ok: false, reason });
const OK: Verdict = { ok: true };

/// RFC 6962 leaf hash: SHA256(0x00 || d).
export const merkleLeafHash = (d: Bytes) => sha256(concat(new Uint8Array([0]), d));
/// RFC 6962 node hash: SHA256(0x01 || left || right).
export const merkleNodeHash = (l: Bytes, r: Bytes) => sha256(concat(new Uint8Array([1]), l, r));

/// Merkle root of RFC 6962 over leaf data (empty tree: SHA256("")); split at the largest
/// power of two below n.
export async function merkleRoot(leaves: Bytes[]): Promise<Bytes> {
  if (leaves.length === 0) return sha256(new Uint8Array());
  if (leaves.length === 1) return merkleLeafHash(leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return merkleNodeHash(await merkleRoot(leaves.slice(0, k)), await merkleRoot(leaves.slice(k)));
}

/// RFC 9162 section 2.1.3.2: verifies that `leafData` is leaf `index` of the tree of
/// `tree_size` leaves whose root is `root`. A path of the wrong length fails.
export async function verifyInclusion(leafData: Bytes, proof: InclusionProof, root: Bytes): Promise<Verdict> {
  const { index, tree_size: size } = proof;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return fail('index not below tree_size');
  }
  let fn = index;
  let sn = size - 1;
  let r = await merkleLeafHash(leafData);
  for (const hex of proof.path) {
    if (sn === 0) return fail('audit path too long');
    const p = fromHex(hex);
    if (p.length !== 32) return fail('path entry is not 32 bytes');
    if (fn % 2 === 1 || fn === sn) {
      r = await merkleNodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await merkleNodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail('audit path too short');
  return equal(r, root) ? OK : fail(`root mismatch: computed ${toHex(r)}, header has ${toHex(root)}`);
}

// ---- Block headers (protocol.md section 6) ----

export interface Header {
  version: number;
  chainId: number;
  height: bigint;
  parent: Bytes;
  timestampMs: bigint;
  txRoot: Bytes;
  stateRoot: Bytes;
  beneficiary: Bytes;
}

/// The fixed prefix of a header encoding (the seal follows and is not needed here).
export function parseHeader(h: Bytes): Header {
  if (h.length < 128 + 1) throw new Error('header too short');
  let height = 0n;
  let ts = 0n;
  for (let i = 7; i >= 0; i--) height = (height << 8n) | BigInt(h[8 + i]);
  for (let i = 7; i >= 0; i--) ts = (ts << 8n) | BigInt(h[48 + i]);
  return {
    version: readU32(h, 0),
    chainId: readU32(h, 4),
    height,
    parent: h.slice(16, 48),
    timestampMs: ts,
    txRoot: h.slice(56, 88),
    stateRoot: h.slice(88, 120),
    beneficiary: h.slice(120, 140),
  };
}

/// Block hash: SHA256d("cloudchain/hdr/1" || header).
export const blockHash = (header: Bytes) => sha256d(concat(ascii('cloudchain/hdr/1'), header));

/// txid = H_cloudchain/txid(full encoding).
export const txid = (encoding: Bytes) => taggedHash('cloudchain/txid', encoding);

/// The digest of an anchor transaction (kind 4), or null for another kind.
/// tx = version:u8 chain_id:u32 kind:u8 sender:pubkey nonce:u64 fee:u64 body signature
export function anchorDigest(tx: Bytes): Bytes | null {
  const kindAt = 1 + 4;
  const bodyAt = kindAt + 1 + 33 + 8 + 8;
  if (tx.length < bodyAt + 32 || tx[kindAt] !== 4) return null;
  return tx.slice(bodyAt, bodyAt + 32);
}

export interface Receipt {
  txid: string;
  tx: string;
  header: string;
  block_hash: string;
  height: number;
  proof: InclusionProof;
}

/// A receipt (docs/api.md "Receipt"): the tx encoding hashes to txid, the header to
/// block_hash, and the proof puts txid under the header's tx_root.
export async function verifyReceipt(r: Receipt): Promise<Verdict> {
  const tx = fromHex(r.tx);
  const header = fromHex(r.header);
  const id = await txid(tx);
  if (toHex(id) !== r.txid) return fail('the transaction does not hash to its txid');
  if (toHex(await blockHash(header)) !== r.block_hash) return fail('the header does not hash to block_hash');
  const h = parseHeader(header);
  if (Number(h.height) !== r.height) return fail('the header is not at the stated height');
  return verifyInclusion(id, r.proof, h.txRoot);
}

// ---- State proofs (protocol.md section 9.4) ----

export interface StateProof {
  siblings: Bytes[];
  leaf: { key: Bytes; valueHash: Bytes } | null;
}

/// state_proof = siblings:list(hash, 256) leaf_flag:u8 [leaf_key:hash leaf_value_hash:hash]
export function decodeStateProof(b: Bytes): StateProof {
  if (b.length < 4) throw new Error('state proof truncated');
  const n = readU32(b, 0);
  if (n > 256) throw new Error('state proof: too many siblings');
  let o = 4;
  if (b.length < o + 32 * n + 1) throw new Error('state proof truncated');
  const siblings: Bytes[] = [];
  for (let i = 0; i < n; i++, o += 32) siblings.push(b.slice(o, o + 32));
  const flag = b[o++];
  let leaf: StateProof['leaf'] = null;
  if (flag === 1) {
    if (b.length < o + 64) throw new Error('state proof truncated');
    leaf = { key: b.slice(o, o + 32), valueHash: b.slice(o + 32, o + 64) };
    o += 64;
  } else if (flag !== 0) {
    throw new Error('state proof: bad leaf flag');
  }
  if (o !== b.length) throw new Error('state proof: trailing bytes');
  return { siblings, leaf };
}

const keyBit = (key: Bytes, d: number) => (key[d >> 3] >> (7 - (d & 7))) & 1;
const ZERO32 = new Uint8Array(32);

/// Verifies (root, key, claimed value hash or null for absent, proof), the five rules of
/// protocol.md 9.4 in order.
export async function verifyStateProof(
  root: Bytes,
  key: Bytes,
  valueHash: Bytes | null,
  proof: StateProof,
): Promise<Verdict> {
  const n = proof.siblings.length;
  if (n > 256) return fail('too many siblings');
  if (n > 0 && equal(proof.siblings[n - 1], ZERO32)) return fail('non-minimal proof');
  if (proof.leaf && !equal(proof.leaf.key, key)) {
    for (let d = 0; d < n; d++) {
      if (keyBit(proof.leaf.key, d) !== keyBit(key, d)) return fail('leaf prefix mismatch');
    }
  }
  let h = proof.leaf
    ? await taggedHash('cloudchain/smt-leaf', concat(proof.leaf.key, proof.leaf.valueHash))
    : ZERO32;
  for (let i = n - 1; i >= 0; i--) {
    h = keyBit(key, i)
      ? await taggedHash('cloudchain/smt-node', concat(proof.siblings[i], h))
      : await taggedHash('cloudchain/smt-node', concat(h, proof.siblings[i]));
  }
  if (!equal(h, root)) return fail(`root mismatch: computed ${toHex(h)}, header has ${toHex(root)}`);
  const present = proof.leaf !== null && equal(proof.leaf.key, key);
  if (valueHash === null) return present ? fail('the key is present') : OK;
  if (!present) return fail('the key is absent');
  return equal(proof.leaf!.valueHash, valueHash) ? OK : fail('value hash mismatch');
}

/// key = H_cloudchain/state-key(1 || address) of an account.
export const accountKey = (address: Bytes) =>
  taggedHash('cloudchain/state-key', concat(new Uint8Array([1]), address));
/// value_hash = H_cloudchain/account(account encoding).
export const accountValueHash = (encoding: Bytes) => taggedHash('cloudchain/account', encoding);

export interface AccountFields {
  balance: bigint;
  nonce: bigint;
  stake: bigint;
}

/// account = balance:u64 nonce:u64 stake:u64 ...
export function decodeAccount(b: Bytes): AccountFields {
  if (b.length < 24) throw new Error('account record truncated');
  const u64 = (o: number) => {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i]);
    return v;
  };
  return { balance: u64(0), nonce: u64(8), stake: u64(16) };
}
