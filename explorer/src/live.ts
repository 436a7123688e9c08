// Live updates of the tip: the node's SSE stream /v1/events when it answers, polling
// /v1/status every second otherwise. Subscribers get every new Status.
import { type Status, get } from './api';

type Listener = (s: Status) => void;
const listeners = new Set<Listener>();
let last: Status | null = null;
let started = false;
export let mode: 'sse' | 'polling' = 'polling';

async function refresh() {
  try {
    const s = await get<Status>('/v1/status');
    last = s;
    for (const l of listeners) l(s);
  } catch {
    // the node may be restarting: the next tick tries again
  }
}

function poll(ms: number) {
  const tick = async () => {
    await refresh();
    setTimeout(tick, ms);
  };
  tick();
}

function start() {
  if (started) return;
  started = true;
  if (typeof EventSource === 'undefined') {
    poll(1000);
    return;
  }
  // Any event means "something changed": re-read the status (one code path for both).
  const es = new EventSource('/v1/events');
  let opened = false;
  const onEvent = () => void refresh();
  es.onopen = () => {
    opened = true;
    mode = 'sse';
    void refresh();
  };
  es.onmessage = onEvent;
  for (const name of ['block', 'tip', 'new_block', 'tx', 'status']) es.addEventListener(name, onEvent);
  es.onerror = () => {
    if (!opened || es.readyState === EventSource.CLOSED) {
      // No stream here (404, an old node): poll instead.
      es.close();
      mode = 'polling';
      poll(1000);
    }
  };
  // A safety net while streaming: a slow poll.
  setInterval(() => {
    if (mode === 'sse') void refresh();
  }, 10000);
}

export function subscribe(l: Listener): () => void {
  start();
  listeners.add(l);
  if (last) l(last);
  return () => listeners.delete(l);
}
