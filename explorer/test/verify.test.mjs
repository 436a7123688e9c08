// The TypeScript verifier (src/verify.ts, src/bytes.ts) against the test vectors of
// docs/protocol.md: hash vectors (2.1), RFC 6962 Merkle vectors (4.1), the header vector
// (6), and the state vectors (9), read from the document itself where they are in
// ```vectors blocks. Run: npm test (builds test-build/ with esbuild, then node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { webcrypto } from 'node:crypto';
// Node 18 (Debian 12's) has WebCrypto only under node:crypto.
if (!globalThis.crypto) globalThis.crypto = webcrypto;
import * as v from '../test-build/verify.mjs';
import * as b from '../test-build/bytes.mjs';

const protocol = readFileSync(fileURLToPath(new URL('../../docs/protocol.md', import.meta.url)), 'utf8');

// name: value lines of every ```vectors block; indented lines continue the value.
const vectors = new Map();
for (const block of protocol.matchAll(/```vectors\n([\s\S]*?)```/g)) {
  let name = null;
  for (const line of block[1].split('\n')) {
    const m = /^([a-z0-9_.]+):\s*(.*)$/.exec(line);
    if (m) {
      name = m[1];
      vectors.set(name, m[2].trim());
    } else if (name && /^\s+\S/.test(line)) {
      vectors.set(name, vectors.get(name) + line.trim());
    }
  }
}
const vec = (name) => {
  assert.ok(vectors.has(name), `protocol.md has no vector ${name}`);
  return vectors.get(name);
};
const hex = b.toHex;
const un = b.fromHex;

test('section 2.1: SHA-256, SHA-256d and tagged hashes', async () => {
  assert.match(protocol, /ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/);
  assert.equal(hex(await b.sha256(b.ascii('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hex(await b.sha256d(b.ascii('abc'))), '4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358');
  assert.equal(hex(await b.taggedHash('cloudchain/txid', new Uint8Array())),
    '88ad4937e2210e955aa0ec3532f1a4b461e7f2a23fdb67ff53ad8f3b790ed1de');
  assert.equal(hex(await b.taggedHash('cloudchain/tx', b.ascii('abc'))),
    '544e569ad87fc60d59cae792838c2903daeb0366ea262978699b83388a1f4c57');
});

test('section 3.1: bech32m addresses', () => {
  for (const a of ['cc1dx98lpz7svq223wvsje8g5fsk0z4k24sqjhu6t', 'cctest1dx98lpz7svq223wvsje8g5fsk0z4k24sstjmq9',
    'ccdev1dx98lpz7svq223wvsje8g5fsk0z4k24s8zklcx']) {
    assert.match(protocol, new RegExp(a));
    assert.equal(hex(b.decodeAddress(a).bytes), '698a7f845e8300a545cc84b2745130b3c55b2ab0');
  }
  assert.equal(b.decodeAddress('ccdev1dx98lpz7svq223wvsje8g5fsk0z4k24s8zklcy'), null);  // checksum
});

// RFC 6962 reference leaves.
const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(un);

test('section 4.1: RFC 6962 roots', async () => {
  assert.equal(hex(await v.merkleRoot([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(await v.merkleRoot(leaves.slice(0, 1))), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  assert.equal(hex(await v.merkleRoot(leaves.slice(0, 3))), 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77');
  assert.equal(hex(await v.merkleRoot(leaves)), '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
});

test('section 4.1: the audit path of index 5 verifies; tampering fails', async () => {
  const root = un('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  const path = ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'];
  for (const p of path) assert.match(protocol, new RegExp(p));
  assert.deepEqual(await v.verifyInclusion(leaves[5], { index: 5, tree_size: 8, path }, root), { ok: true });
  assert.equal((await v.verifyInclusion(leaves[4], { index: 5, tree_size: 8, path }, root)).ok, false);
  assert.equal((await v.verifyInclusion(leaves[5], { index: 4, tree_size: 8, path }, root)).ok, false);
  assert.equal((await v.verifyInclusion(leaves[5], { index: 5, tree_size: 8, path: path.slice(0, 2) }, root)).ok, false);
  assert.equal((await v.verifyInclusion(leaves[5], { index: 5, tree_size: 8, path: [...path, path[0]] }, root)).ok, false);
  assert.equal((await v.verifyInclusion(leaves[5], { index: 8, tree_size: 8, path }, root)).ok, false);
  const flipped = path.map((p, i) => (i === 1 ? (p[0] === '0' ? '1' : '0') + p.slice(1) : p));
  assert.equal((await v.verifyInclusion(leaves[5], { index: 5, tree_size: 8, path: flipped }, root)).ok, false);
});

test('section 4: every index of every tree size up to 9 verifies with paths built here', async () => {
  // Audit paths computed from the RFC 9162 definition, checked against merkleRoot.
  async function auditPath(m, ls) {
    if (ls.length <= 1) return [];
    let k = 1;
    while (k * 2 < ls.length) k *= 2;
    if (m < k) return [...(await auditPath(m, ls.slice(0, k))), hex(await v.merkleRoot(ls.slice(k)))];
    return [...(await auditPath(m - k, ls.slice(k))), hex(await v.merkleRoot(ls.slice(0, k)))];
  }
  const data = [...leaves, un('ff')];
  for (let n = 1; n <= data.length; n++) {
    const ls = data.slice(0, n);
    const root = await v.merkleRoot(ls);
    for (let m = 0; m < n; m++) {
      const r = await v.verifyInclusion(ls[m], { index: m, tree_size: n, path: await auditPath(m, ls) }, root);
      assert.deepEqual(r, { ok: true }, `n=${n} m=${m}`);
    }
  }
});

test('section 6: block hash and header fields of the header vector', async () => {
  const header = un(vec('header.pow.encoding'));
  assert.equal(hex(await v.blockHash(header)), vec('header.pow.block_hash'));
  const h = v.parseHeader(header);
  assert.equal(h.height, 1n);
  assert.equal(h.timestampMs, 1700000000000n);
  assert.equal(hex(h.parent), '11'.repeat(32));
  assert.equal(hex(h.stateRoot), '22'.repeat(32));
});

test('section 9: account keys and value hashes', async () => {
  for (const name of ['account_a', 'account_b', 'account_c']) {
    assert.equal(hex(await v.accountKey(un(vec(`state.${name}.address`)))), vec(`state.${name}.key`));
    assert.equal(hex(await v.accountValueHash(un(vec(`state.${name}.encoding`)))), vec(`state.${name}.value_hash`));
  }
  assert.equal(hex(await v.accountKey(un(vec('state.absent.address')))), vec('state.absent.key'));
  const b_ = v.decodeAccount(un(vec('state.account_b.encoding')));
  assert.equal(b_.balance, 2000n);
  assert.equal(b_.nonce, 5n);
});

test('section 9.4: the inclusion proof of account_b and the absence proof verify', async () => {
  const root = un(vec('state.root'));
  const key = un(vec('state.account_b.key'));
  const vh = un(vec('state.account_b.value_hash'));
  const proof = v.decodeStateProof(un(vec('state.proof.account_b')));
  assert.deepEqual(await v.verifyStateProof(root, key, vh, proof), { ok: true });
  // Wrong claims and a wrong root fail.
  assert.equal((await v.verifyStateProof(root, key, null, proof)).ok, false);
  assert.equal((await v.verifyStateProof(root, key, un(vec('state.account_a.value_hash')), proof)).ok, false);
  assert.equal((await v.verifyStateProof(un(vec('state.pos.root')), key, vh, proof)).ok, false);
  const tampered = un(vec('state.proof.account_b'));
  tampered[10] ^= 1;
  assert.equal((await v.verifyStateProof(root, key, vh, v.decodeStateProof(tampered))).ok, false);

  const absent = v.decodeStateProof(un(vec('state.proof.absent')));
  const absentKey = un(vec('state.absent.key'));
  assert.deepEqual(await v.verifyStateProof(root, absentKey, null, absent), { ok: true });
  assert.equal((await v.verifyStateProof(root, absentKey, vh, absent)).ok, false);
});

test('section 9.4: the active-set proof verifies against the PoS root', async () => {
  const proof = v.decodeStateProof(un(vec('state.proof.active_set')));
  const vh = await b.taggedHash('cloudchain/active-set', un(vec('state.active_set.encoding')));
  assert.equal(hex(vh), vec('state.active_set.value_hash'));
  assert.deepEqual(await v.verifyStateProof(un(vec('state.pos.root')), un(vec('state.active_set.key')), vh, proof),
    { ok: true });
});

test('section 9.4: strict decoding', () => {
  const good = un(vec('state.proof.account_b'));
  assert.throws(() => v.decodeStateProof(good.slice(0, good.length - 1)));
  assert.throws(() => v.decodeStateProof(b.concat(good, new Uint8Array([0]))));
});
