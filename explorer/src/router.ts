// Hash routes -> pages. Each render gets a token; a page that finishes after the user
// moved on draws nothing.
import * as pages from './pages';

export type Page = (main: HTMLElement, args: string[], alive: () => boolean) => Promise<void> | void;

const routes: [RegExp, Page][] = [
  [/^#?\/?$/, pages.dashboard],
  [/^#\/block\/([^/]+)$/, pages.block],
  [/^#\/tx\/([0-9a-fA-F]{64})$/, pages.tx],
  [/^#\/account\/([^/]+)(?:\/([^/]+))?$/, pages.account],
  [/^#\/validators$/, pages.validators],
  [/^#\/validator\/([0-9a-fA-F]{66})$/, pages.validator],
  [/^#\/mempool$/, pages.mempool],
  [/^#\/anchor$/, pages.anchor],
  [/^#\/search\/(.+)$/, pages.search],
];

let generation = 0;
let cleanup: (() => void) | null = null;

export function onLeave(f: () => void) {
  cleanup = f;
}

export function navigate(hash: string) {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

export async function route() {
  const g = ++generation;
  cleanup?.();
  cleanup = null;
  const main = document.getElementById('main')!;
  main.innerHTML = '<p class="muted">Loading…</p>';
  const hash = location.hash || '#/';
  const alive = () => g === generation;
  for (const [re, page] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    try {
      await page(main, m.slice(1).map((x) => (x === undefined ? '' : decodeURIComponent(x))), alive);
    } catch (e) {
      if (alive()) pages.error(main, e);
    }
    return;
  }
  pages.notFound(main, hash.slice(1));
}
