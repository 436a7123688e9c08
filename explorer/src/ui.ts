// Small DOM helpers: escaped HTML templates and formatting.

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/// A tagged template whose interpolations are escaped unless wrapped in raw().
export class Raw {
  constructor(readonly html: string) {}
}
export const raw = (html: string) => new Raw(html);
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0];
  values.forEach((v, i) => {
    if (v instanceof Raw) out += v.html;
    else if (Array.isArray(v)) out += v.map((x) => (x instanceof Raw ? x.html : esc(x))).join('');
    else out += esc(v ?? '');
    out += strings[i + 1];
  });
  return new Raw(out);
}

export const short = (h: string, n = 10) => (h.length > 2 * n + 1 ? `${h.slice(0, n)}…${h.slice(-6)}` : h);
export const link = (href: string, text: string, cls = '') => html`<a href="${href}" class="${cls}">${text}</a>`;
export const blockLink = (id: string | number, text?: string) => link(`#/block/${id}`, text ?? String(id));
export const txLink = (txid: string) => link(`#/tx/${txid}`, short(txid), 'mono');
export const addrLink = (a: string) => link(`#/account/${a}`, short(a, 12), 'mono');

export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
export const num = (s: string | number | bigint) => BigInt(s).toLocaleString('en-US');

export function badge(ok: boolean | null, text: string, id = ''): Raw {
  const cls = ok === null ? 'badge pending' : ok ? 'badge ok' : 'badge bad';
  return html`<span class="${cls}" data-testid="${id}">${text}</span>`;
}
