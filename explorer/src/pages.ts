// The pages. Each draws into `main` and checks `alive()` after every await.
import {
  type Account, type Block, type BlockSummary, type HistoryEntry, type Status, type Tx, type TxLookup,
  type Validators, ApiError, find, get,
} from './api';
import { decodeAddress, fromHex, sha256, toHex } from './bytes';
import { intervalChart, tpsChart, txsChart } from './charts';
import { mode, subscribe } from './live';
import { navigate, onLeave } from './router';
import { type Raw, addrLink, ago, badge, blockLink, html, num, short, time, txLink } from './ui';
import {
  type Receipt, accountKey, accountValueHash, anchorDigest, blockHash, decodeAccount, decodeStateProof, parseHeader,
  txid as computeTxid, verifyInclusion, verifyReceipt, verifyStateProof,
} from './verify';

type Alive = () => boolean;
const put = (el: HTMLElement, r: Raw) => {
  el.innerHTML = r.html;
};

export function error(main: HTMLElement, e: unknown) {
  const msg = e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  put(main, html`<h1>Error</h1><p class="bad-text">${msg}</p>`);
}

export function notFound(main: HTMLElement, what: string) {
  put(main, html`<h1 data-testid="not-found">Not found</h1>
    <p>Nothing on this chain matches <code class="mono">${what}</code>.</p>
    <p class="muted">Search takes a block height, a block hash, a transaction id (64 hex digits) or an address.</p>`);
}

/// A definition list; a Raw value is inserted as is, anything else escaped.
function kv(rows: [string, unknown][]): Raw {
  return html`<dl class="kv">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function txRows(txs: Tx[]): Raw {
  if (txs.length === 0) return html`<p class="muted">No transactions.</p>`;
  return html`<div class="scroll"><table><thead><tr><th>txid</th><th>kind</th><th>from</th><th>to / detail</th><th>fee</th></tr></thead><tbody>
    ${txs.map((t) => html`<tr><td>${txLink(t.txid)}</td><td>${t.kind}</td><td>${addrLink(t.sender_address)}</td><td>${txDetail(t)}</td><td>${num(t.fee)}</td></tr>`)}
  </tbody></table></div>`;
}

function txDetail(t: Tx): Raw {
  const b = t.body as Record<string, string>;
  switch (t.kind) {
    case 'transfer': return html`${addrLink(b.to)} ${num(b.amount)}`;
    case 'stake': return html`${num(b.amount)} to ${link66(b.validator)}`;
    case 'unstake': return html`${num(b.amount)}`;
    case 'anchor': return html`digest <span class="mono">${short(b.digest)}</span>`;
    default: return html`${t.kind}`;
  }
}
const link66 = (key: string) => html`<a class="mono" href="#/validator/${key}">${short(key)}</a>`;

// ---------------------------------------------------------------- dashboard

export async function dashboard(main: HTMLElement, _args: string[], alive: Alive) {
  put(main, html`<h1>Dashboard</h1>
  <section class="cards">
    <div class="card"><div class="label">Height</div><div class="big" id="height">…</div></div>
    <div class="card"><div class="label">Tip age</div><div class="big" id="tip-age">…</div></div>
    <div class="card"><div class="label">Peers</div><div class="big" id="peers">…</div></div>
    <div class="card"><div class="label">Mempool</div><div class="big"><a href="#/mempool" id="mempool">…</a></div></div>
    <div class="card wide"><div class="label">Consensus</div><div id="consensus">…</div></div>
  </section>
  <section class="charts">
    <div class="chart"><h3>Block interval</h3><div id="c-interval"></div></div>
    <div class="chart"><h3>Transactions per block</h3><div id="c-txs"></div></div>
    <div class="chart"><h3>Throughput</h3><div id="c-tps"></div></div>
  </section>
  <h2>Latest blocks <span class="muted small" id="live-mode"></span></h2>
  <div class="scroll"><table id="blocks"><thead><tr><th>height</th><th>hash</th><th>time</th><th>txs</th><th>size</th><th>${'beneficiary'}</th></tr></thead><tbody></tbody></table></div>
  <h2>Latest transactions</h2>
  <div class="scroll"><table id="txs"><thead><tr><th>txid</th><th>kind</th><th>from</th><th>state</th></tr></thead><tbody></tbody></table></div>`);
  const $ = (id: string) => document.getElementById(id)!;
  const charts = [intervalChart($('c-interval')), txsChart($('c-txs')), tpsChart($('c-tps'))];
  let blocks: BlockSummary[] = [];
  let shownHeight = -1;
  let status: Status | null = null;
  let validatorsAt = -1;
  let txsKey = '';

  const drawTipAge = () => {
    if (status) $('tip-age').textContent = ago(status.tip_timestamp_ms);
  };
  const ageTimer = setInterval(drawTipAge, 1000);

  const drawConsensus = async (s: Status) => {
    if (s.consensus === 'pow') {
      const bits = parseInt(s.bits, 16);
      // Difficulty relative to the easiest target a devnet uses (0x207fffff).
      const target = (b: number) => BigInt(b & 0x7fffff) * 256n ** BigInt((b >>> 24) - 3);
      const diff = Number((target(0x207fffff) * 1000n) / target(bits)) / 1000;
      put($('consensus'), html`<div><b>Proof of Work</b> · bits <span class="mono">${s.bits}</span> · difficulty ${diff.toFixed(3)}
        · hashrate ${s.mining.enabled ? `${num(s.mining.hashrate)} H/s (this node)` : 'this node does not mine'}</div>`);
      return;
    }
    if (validatorsAt === s.height) return;
    validatorsAt = s.height;
    const v = await get<Validators>('/v1/validators');
    if (!alive()) return;
    put($('consensus'), html`<div><b>Proof of Stake</b> · ${v.validators.length} validators · total power ${num(v.total_power ?? '0')}
      ${s.bft ? html` · round ${s.bft.round}, ${s.bft.step}` : ''}</div>
      <div class="shares">${v.validators.map((x) => html`<div class="share"><a class="mono" href="#/validator/${x.key}">${short(x.key, 8)}</a>
        <span class="bar"><span style="width:${(x.power_bps / 100).toFixed(2)}%"></span></span><span>${(x.power_bps / 100).toFixed(2)}%</span></div>`)}</div>`);
  };

  // The pool's newest transactions (pending), then those of the latest block that has any:
  // re-read when the pool or the tip changes (every `tx` or `block` event re-reads the status).
  const drawTxs = async (s: Status) => {
    const key = `${s.height}/${s.mempool.size}`;
    if (key === txsKey) return;
    txsKey = key;
    const pool = await get<{ txs: Tx[] }>('/v1/mempool?limit=10');
    const latest = blocks.find((b) => b.tx_count > 0);
    const included = latest ? (await get<Block>(`/v1/blocks/${latest.hash}`)).txs.slice(0, 10) : [];
    if (!alive()) return;
    const row = (t: Tx, state: Raw) =>
      html`<tr><td>${txLink(t.txid)}</td><td>${t.kind}</td><td>${addrLink(t.sender_address)}</td><td>${state}</td></tr>`.html;
    document.querySelector('#txs tbody')!.innerHTML = [
      ...pool.txs.map((t) => row(t, html`<span class="muted">pending</span>`)),
      ...included.map((t) => row(t, html`in block ${blockLink(latest!.height)}`)),
    ].join('') || html`<tr><td colspan="4" class="muted">No transactions yet.</td></tr>`.html;
  };

  const onStatus = async (s: Status) => {
    if (!alive()) return;
    status = s;
    $('height').textContent = String(s.height);
    $('peers').textContent = String(s.peers);
    $('mempool').textContent = `${s.mempool.size} txs`;
    $('live-mode').textContent = mode === 'sse' ? '(live: event stream)' : '(live: polling every second)';
    drawTipAge();
    void drawConsensus(s).catch(() => undefined);
    if (s.height === shownHeight) {
      await drawTxs(s);
      return;
    }
    const page = await get<{ blocks: BlockSummary[] }>('/v1/blocks?limit=60');
    if (!alive()) return;
    const known = new Set(blocks.map((b) => b.hash));
    blocks = page.blocks;
    shownHeight = s.height;
    for (const c of charts) c.update(blocks);
    const body = document.querySelector('#blocks tbody')!;
    body.innerHTML = blocks
      .slice(0, 15)
      .map((b) => html`<tr class="${known.size && !known.has(b.hash) ? 'new' : ''}"><td>${blockLink(b.height)}</td>
        <td>${blockLink(b.hash, short(b.hash))}</td><td>${ago(b.timestamp_ms)}</td><td>${b.tx_count}</td><td>${b.size}</td><td>${addrLink(b.beneficiary)}</td></tr>`.html)
      .join('');
    await drawTxs(s);
  };
  const unsubscribe = subscribe((s) => void onStatus(s).catch(() => undefined));
  onLeave(() => {
    unsubscribe();
    clearInterval(ageTimer);
  });
}

// ---------------------------------------------------------------- block

export async function block(main: HTMLElement, [id]: string[], alive: Alive) {
  const b = await find<Block & { last_commit?: { round: number; sigs: { validator: string }[] } }>(`/v1/blocks/${id}`);
  if (!alive()) return;
  if (!b) return notFound(main, id);
  const header = fromHex(b.header);
  const hashOk = toHex(await blockHash(header)) === b.hash;
  const h = parseHeader(header);
  const fieldsOk = toHex(h.txRoot) === b.tx_root && toHex(h.stateRoot) === b.state_root && Number(h.height) === b.height;
  if (!alive()) return;
  put(main, html`<h1>Block ${b.height}</h1>
    <p>${badge(hashOk && fieldsOk, hashOk && fieldsOk ? 'header hash VERIFIED' : 'header hash FAILED', 'block-verify')}
      <span class="muted small">SHA256d("cloudchain/hdr/1" ‖ header) recomputed here</span></p>
    ${kv([
      ['hash', html`<span class="mono">${b.hash}</span>`],
      ['parent', b.height > 0 ? blockLink(b.parent, b.parent) : b.parent],
      ['time', `${time(b.timestamp_ms)} (${ago(b.timestamp_ms)})`],
      ['confirmations', b.confirmations],
      ['transactions', b.tx_count],
      ['size', `${b.size} bytes`],
      ['beneficiary', addrLink(b.beneficiary)],
      ['tx_root', html`<span class="mono">${b.tx_root}</span>`],
      ['state_root', html`<span class="mono">${b.state_root}</span>`],
      ['seal', html`<span class="mono">${JSON.stringify(b.seal)}</span>`],
      ...(b.last_commit ? [['commit', `round ${b.last_commit.round}, ${b.last_commit.sigs.length} signatures`] as [string, unknown]] : []),
    ])}
    <p>${b.height > 0 ? blockLink(b.height - 1, '← previous') : ''} ${blockLink(b.height + 1, 'next →')}</p>
    <h2>Transactions</h2>${txRows(b.txs)}`);
}

// ---------------------------------------------------------------- transaction

export async function tx(main: HTMLElement, [id]: string[], alive: Alive) {
  const t = await find<TxLookup>(`/v1/txs/${id.toLowerCase()}`);
  if (!alive()) return;
  if (!t) return notFound(main, id);
  const x = t.tx;
  put(main, html`<h1>Transaction</h1>
    <p id="verify-line">${t.status === 'pending' ? badge(null, 'PENDING: in the mempool, no proof yet', 'tx-verify') : badge(null, 'verifying…', 'tx-verify')}</p>
    ${kv([
      ['txid', html`<span class="mono">${x.txid}</span>`],
      ['status', t.status === 'included' ? html`included in ${blockLink(t.height!)} at position ${t.position}, ${t.confirmations} confirmations` : 'pending'],
      ['kind', x.kind],
      ['from', addrLink(x.sender_address)],
      ['detail', txDetail(x)],
      ['nonce', x.nonce],
      ['fee', num(x.fee)],
      ...(x.kind === 'anchor' ? [['memo', `${(x.body as { memo: string }).memo}`] as [string, unknown]] : []),
    ])}
    <h2>Inclusion proof</h2><div id="proof"></div>`);
  if (t.status !== 'included') return;
  // The leaf is the txid recomputed from the encoding; the root comes from the header
  // (whose hash is checked), not from the JSON.
  const enc = fromHex(x.encoding);
  const leaf = await computeTxid(enc);
  const blk = await get<Block>(`/v1/blocks/${t.block_hash}`);
  if (!alive()) return;
  const header = fromHex(blk.header);
  const steps: [string, boolean, string][] = [];
  steps.push(['encoding hashes to the txid', toHex(leaf) === x.txid, 'H_cloudchain/txid(encoding)']);
  steps.push(['header hashes to the block hash', toHex(await blockHash(header)) === t.block_hash, 'SHA256d("cloudchain/hdr/1" ‖ header)']);
  const root = parseHeader(header).txRoot;
  const proof = await verifyInclusion(leaf, t.proof!, root);
  steps.push(['RFC 9162 audit path reaches the header tx_root', proof.ok, proof.ok ? `${t.proof!.path.length} hashes, leaf ${t.proof!.index} of ${t.proof!.tree_size}` : proof.reason]);
  if (!alive()) return;
  const ok = steps.every((s) => s[1]);
  put(document.getElementById('verify-line')!, badge(ok, ok ? 'VERIFIED: included in the block' : 'FAILED: the proof does not check', 'tx-verify'));
  put(document.getElementById('proof')!, html`<ul class="steps">${steps.map(([what, good, note]) => html`<li class="${good ? 'ok' : 'bad'}">${good ? '✔' : '✘'} ${what} <span class="muted small">${note}</span></li>`)}</ul>
    <p class="muted small">tx_root from the header: <span class="mono">${toHex(root)}</span></p>
    <ol class="mono small">${t.proof!.path.map((p) => html`<li>${p}</li>`)}</ol>`);
}

// ---------------------------------------------------------------- account

export async function account(main: HTMLElement, [addr, cursor]: string[], alive: Alive) {
  const a = await find<Account>(`/v1/accounts/${addr}`);
  if (!alive()) return;
  if (!a) return notFound(main, addr);
  put(main, html`<h1>Account</h1>
    <p class="mono wrap">${a.address}</p>
    <p id="account-verify-line">${badge(null, 'verifying state proof…', 'account-verify')}</p>
    ${kv([
      ['balance', num(a.balance)],
      ['nonce', a.nonce],
      ['next nonce (with mempool)', a.next_nonce],
      ['stake', num(a.stake)],
      ...(a.validator ? [['validator key', link66(a.validator)] as [string, unknown]] : []),
      ['unbonding', a.unbonding === '0' ? '0' : `${num(a.unbonding)} (released at height ${a.unbonding_release_height})`],
      ['as of', html`${blockLink(a.height)} (state root <span class="mono">${short(a.state_root)}</span>)`],
    ])}
    <h2>History</h2><div id="history"><p class="muted">Loading…</p></div>`);
  void verifyAccount(a, alive);
  const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
  const h = await get<{ txs: HistoryEntry[]; next_cursor?: string }>(`/v1/accounts/${addr}/txs?limit=25${q}`);
  if (!alive()) return;
  put(document.getElementById('history')!, html`${h.txs.length === 0 ? html`<p class="muted">No transactions.</p>` :
    html`<div class="scroll"><table><thead><tr><th>height</th><th>time</th><th>txid</th><th>kind</th><th>from</th><th>detail</th></tr></thead><tbody>
    ${h.txs.map((e) => html`<tr><td>${blockLink(e.height)}</td><td>${ago(e.timestamp_ms)}</td><td>${txLink(e.tx.txid)}</td><td>${e.tx.kind}</td><td>${addrLink(e.tx.sender_address)}</td><td>${txDetail(e.tx)}</td></tr>`)}
    </tbody></table></div>`}
    <p>${cursor ? html`<a href="#/account/${addr}">newest</a> ` : ''}${h.next_cursor ? html`<a href="#/account/${addr}/${encodeURIComponent(h.next_cursor)}" data-testid="older">older →</a>` : ''}</p>`);
}

async function verifyAccount(a: Account, alive: Alive) {
  const steps: [string, boolean, string][] = [];
  try {
    const decoded = decodeAddress(a.address);
    const key = await accountKey(decoded!.bytes);
    steps.push(['the state key is H_cloudchain/state-key(1 ‖ address)', toHex(key) === a.key, short(toHex(key))]);
    const blk = await get<BlockSummary>(`/v1/blocks/${a.block_hash}`);
    const header = fromHex(blk.header);
    steps.push(['the header hashes to the block hash', toHex(await blockHash(header)) === a.block_hash, `height ${a.height}`]);
    const root = parseHeader(header).stateRoot;
    let valueHash: Uint8Array | null = null;
    if (a.value) {
      const value = fromHex(a.value);
      valueHash = await accountValueHash(value);
      const f = decodeAccount(value);
      steps.push(['the record holds the balance, nonce and stake shown',
        f.balance === BigInt(a.balance) && f.nonce === BigInt(a.nonce) && f.stake === BigInt(a.stake), '']);
    } else {
      steps.push(['no record: the zero account', a.balance === '0' && a.nonce === '0' && a.stake === '0', 'proof of absence']);
    }
    const v = await verifyStateProof(root, key, valueHash, decodeStateProof(fromHex(a.proof)));
    steps.push(['the state proof reaches the header state_root', v.ok, v.ok ? `${toHex(root).slice(0, 16)}…` : v.reason]);
  } catch (e) {
    steps.push(['the proof decodes', false, e instanceof Error ? e.message : String(e)]);
  }
  if (!alive()) return;
  const ok = steps.every((s) => s[1]);
  const line = document.getElementById('account-verify-line');
  if (!line) return;
  put(line, html`${badge(ok, ok ? 'VERIFIED: state proof' : 'FAILED: state proof', 'account-verify')}
    <ul class="steps">${steps.map(([w, g, n]) => html`<li class="${g ? 'ok' : 'bad'}">${g ? '✔' : '✘'} ${w} <span class="muted small">${n}</span></li>`)}</ul>`);
}

// ---------------------------------------------------------------- validators

export async function validators(main: HTMLElement, _a: string[], alive: Alive) {
  const v = await get<Validators>('/v1/validators');
  if (!alive()) return;
  if (v.consensus !== 'pos') {
    put(main, html`<h1>Validators</h1><p>This chain runs Proof of Work: blocks are mined, there are no validators.</p>`);
    return;
  }
  put(main, html`<h1>Validators</h1><p>Active set at height ${v.height}, total power ${num(v.total_power ?? '0')}.</p>
    <div class="scroll"><table><thead><tr><th>key</th><th>power</th><th>share</th><th>stake now</th><th>payout</th><th>missed</th><th>jailed</th></tr></thead><tbody>
    ${v.validators.map((x) => html`<tr><td>${link66(x.key)}</td><td>${num(x.power)}</td><td>${(x.power_bps / 100).toFixed(2)}%</td><td>${num(x.stake)}</td>
      <td>${addrLink(x.payout)}</td><td>${x.missed_blocks ?? '–'}</td><td>${x.jailed ? 'yes' : 'no'}</td></tr>`)}
    </tbody></table></div>
    <h2>Candidates</h2><div class="scroll"><table><thead><tr><th>key</th><th>stake</th><th>jailed</th></tr></thead><tbody>
    ${v.candidates.map((x) => html`<tr><td>${link66(x.key)}</td><td>${num(x.stake)}</td><td>${x.jailed ? 'yes' : 'no'}</td></tr>`)}
    </tbody></table></div>`);
}

export async function validator(main: HTMLElement, [key]: string[], alive: Alive) {
  const v = await get<Validators>('/v1/validators');
  if (!alive()) return;
  const k = key.toLowerCase();
  const active = v.validators.find((x) => x.key === k);
  const cand = v.candidates.find((x) => x.key === k);
  if (!active && !cand) return notFound(main, key);
  put(main, html`<h1>Validator</h1><p class="mono wrap">${k}</p>
    ${kv([
      ['in the active set', active ? 'yes' : 'no (candidate)'],
      ...(active ? [['power', `${num(active.power)} (${(active.power_bps / 100).toFixed(2)}% of ${num(v.total_power ?? '0')})`], ['payout account', addrLink(active.payout)],
        ['missed blocks (last 100)', active.missed_blocks ?? '–']] as [string, unknown][] : []),
      ['stake bonded now', num((active ?? cand)!.stake)],
      ['jailed', (active ?? cand)!.jailed ? 'yes' : 'no'],
    ])}`);
}

// ---------------------------------------------------------------- mempool

export async function mempool(main: HTMLElement, _a: string[], alive: Alive) {
  const m = await get<{ size: number; bytes: number; txs: Tx[] }>('/v1/mempool?limit=100');
  if (!alive()) return;
  put(main, html`<h1>Mempool</h1><p>${m.size} pending transactions, ${m.bytes} bytes (first 100 in block-selection order).</p>${txRows(m.txs)}`);
}

// ---------------------------------------------------------------- search

export async function search(main: HTMLElement, [q]: string[], alive: Alive) {
  const s = q.trim();
  let target: string | null = null;
  if (/^\d+$/.test(s)) {
    if (await find(`/v1/blocks/${s}`)) target = `#/block/${s}`;
  } else if (/^[0-9a-fA-F]{64}$/.test(s)) {
    const h = s.toLowerCase();
    if (await find(`/v1/blocks/${h}`)) target = `#/block/${h}`;
    else if (await find(`/v1/txs/${h}`)) target = `#/tx/${h}`;
  } else if (decodeAddress(s)) {
    if (await find(`/v1/accounts/${s}`)) target = `#/account/${s}`;
  } else if (/^[0-9a-fA-F]{66}$/.test(s)) {
    target = `#/validator/${s.toLowerCase()}`;
  }
  if (!alive()) return;
  if (target) {
    history.replaceState(null, '', target);
    navigate(target);
  } else {
    notFound(main, s);
  }
}

// ---------------------------------------------------------------- anchor (file verification)

export function anchor(main: HTMLElement, _a: string[], alive: Alive) {
  put(main, html`<h1>Verify a file against its anchor</h1>
    <p>Drop a file: its SHA-256 is computed here, in your browser (the file is not uploaded), then the chain is asked for anchor
    transactions of that digest, and each one's receipt is verified here: txid, block hash, RFC 9162 proof to the header's tx_root,
    and the digest inside the signed transaction.</p>
    <label id="drop" class="drop">Drop a file here, or click to choose one<input type="file" id="file"></label>
    <div id="anchor-result"></div>`);
  const drop = document.getElementById('drop')!;
  const input = document.getElementById('file') as HTMLInputElement;
  const handle = (f: File | undefined) => {
    if (f) void checkFile(f, alive);
  };
  input.addEventListener('change', () => handle(input.files?.[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    handle(e.dataTransfer?.files[0]);
  });
}

async function checkFile(f: File, alive: Alive) {
  const out = document.getElementById('anchor-result')!;
  put(out, html`<p>${badge(null, 'hashing…', 'anchor-verify')}</p>`);
  const digest = toHex(await sha256(new Uint8Array(await f.arrayBuffer())));
  const list = await get<{ anchors: HistoryEntry[] }>(`/v1/anchors/${digest}`);
  if (!alive()) return;
  if (list.anchors.length === 0) {
    put(out, html`<p>${badge(false, 'FAILED: no anchor of this file on the chain', 'anchor-verify')}</p>
      <p>${f.name}: SHA-256 <span class="mono wrap" data-testid="digest">${digest}</span></p>`);
    return;
  }
  const rows: Raw[] = [];
  let anyOk = false;
  for (const e of list.anchors) {
    const r = await get<Receipt>(`/v1/receipts/${e.tx.txid}`);
    const v = await verifyReceipt(r);
    const inner = anchorDigest(fromHex(r.tx));
    const digestOk = inner !== null && toHex(inner) === digest;
    const ok = v.ok && digestOk;
    anyOk ||= ok;
    rows.push(html`<li class="${ok ? 'ok' : 'bad'}">${ok ? '✔' : '✘'} ${txLink(e.tx.txid)} in ${blockLink(e.height)}, ${time(e.timestamp_ms)}
      by ${addrLink(e.tx.sender_address)} <span class="muted small">${v.ok ? (digestOk ? 'receipt and digest check' : 'the signed digest differs') : v.reason}</span></li>`);
  }
  if (!alive()) return;
  put(out, html`<p>${badge(anyOk, anyOk ? 'VERIFIED: this file is anchored' : 'FAILED: no anchor verifies', 'anchor-verify')}</p>
    <p>${f.name}: SHA-256 <span class="mono wrap" data-testid="digest">${digest}</span></p><ul class="steps">${rows}</ul>`);
}
