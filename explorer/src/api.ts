// The node's HTTP API (docs/api.md), same origin as the explorer.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

export async function get<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { Accept: 'application/json' } });
  const text = await r.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(r.status, 'not_json', `${path}: ${r.status} ${text.slice(0, 80)}`);
  }
  if (!r.ok) {
    const p = body as { code?: string; detail?: string };
    throw new ApiError(r.status, p.code ?? 'http_error', p.detail ?? `${path}: ${r.status}`);
  }
  return body as T;
}

/// null for 404 (and 400: a malformed id is "not found" to a search), the body otherwise.
export async function find<T>(path: string): Promise<T | null> {
  try {
    return await get<T>(path);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

export interface Status {
  version: string;
  chain_id: number;
  network: string;
  consensus: 'pow' | 'pos';
  genesis_hash: string;
  height: number;
  tip_hash: string;
  tip_timestamp_ms: number;
  cumulative_work: string;
  bits: string;
  mempool: { size: number; bytes: number };
  mining: { enabled: boolean; threads: number; hashrate: number };
  peers: number;
  sync: { syncing: boolean; height: number; target_height: number; percent: number };
  bft?: { height: number; round: number; step: string; validators: number; total_power: string; decided: number };
}

export interface Tx {
  txid: string;
  version: number;
  chain_id: number;
  kind: string;
  sender: string;
  sender_address: string;
  nonce: string;
  fee: string;
  body: Record<string, unknown>;
  signature: string;
  encoding: string;
}

export interface BlockSummary {
  height: number;
  hash: string;
  parent: string;
  timestamp_ms: number;
  tx_root: string;
  state_root: string;
  beneficiary: string;
  seal: Record<string, unknown>;
  tx_count: number;
  size: number;
  header: string;
  confirmations: number;
}

export interface Block extends BlockSummary {
  txs: Tx[];
}

export interface TxLookup {
  status: 'pending' | 'included';
  tx: Tx;
  block_hash?: string;
  height?: number;
  position?: number;
  proof?: { index: number; tree_size: number; path: string[] };
  tx_root?: string;
  confirmations?: number;
}

export interface Account {
  address: string;
  balance: string;
  nonce: string;
  stake: string;
  unbonding: string;
  unbonding_release_height: number;
  next_nonce: string;
  height: number;
  block_hash: string;
  state_root: string;
  key: string;
  value?: string;
  proof: string;
  validator?: string;
}

export interface HistoryEntry {
  height: number;
  position: number;
  block_hash: string;
  timestamp_ms: number;
  tx: Tx;
}

export interface Validators {
  consensus: string;
  height: number;
  total_power?: string;
  validators: {
    key: string;
    power: string;
    power_bps: number;
    payout: string;
    stake: string;
    jailed: boolean;
    missed_blocks?: number | null;
  }[];
  candidates: { key: string; stake: string; jailed: boolean }[];
}
