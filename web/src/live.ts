// Live nudges (docs/sync.md, "Live"): a WebSocket to /api/v1/live on which the server says
// "scope S moved to cursor C" after each commit; the terminal then pulls. A hint only: the pull
// on start, on coming online and every 60 s stays, so a missed nudge costs a delay, never data.
// Browsers cannot set headers on a WebSocket, so each connection spends a one-time ticket.

import { liveTicket } from './api';
import { session } from './session';

const minDelayMs = 1000;
const maxDelayMs = 30_000;
let socket: WebSocket | null = null;
let connecting = false;
let delayMs = minDelayMs;
let timer: number | undefined;
let moved: (scope: string) => void = () => {};
const listeners = new Map<string, Set<(m: Record<string, unknown>) => void>>();

/** Calls `fn` with every live message of `type` other than hello/moved (e.g. "approvals"). */
export function onLiveMessage(type: string, fn: (m: Record<string, unknown>) => void): () => void {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type)!.add(fn);
  return () => listeners.get(type)?.delete(fn);
}

/** Connects (and keeps reconnecting); `onMoved` gets each scope that moved ('*' after a (re)connect). */
export function startLive(onMoved: (scope: string) => void): void {
  moved = onMoved;
  window.addEventListener('online', () => {
    delayMs = minDelayMs;
    reconnect(0);
  });
  void connect();
}

/** After sign-in: connect now rather than at the next retry. */
export function liveNow(): void {
  delayMs = minDelayMs;
  reconnect(0);
}

function reconnect(afterMs: number): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = window.setTimeout(() => {
    timer = undefined;
    void connect();
  }, afterMs);
}

/** Exponential backoff with jitter, so a store full of handhelds does not reconnect in step. */
function retryLater(): void {
  reconnect(delayMs + Math.random() * delayMs * 0.5);
  delayMs = Math.min(delayMs * 2, maxDelayMs);
}

async function connect(): Promise<void> {
  if (socket || connecting) return;
  if (!session()) {
    retryLater();
    return;
  }
  let ticket: string;
  connecting = true;
  try {
    ticket = (await liveTicket()).ticket;
  } catch {
    retryLater();
    return;
  } finally {
    connecting = false;
  }
  const url = new URL(`/api/v1/live?ticket=${encodeURIComponent(ticket)}`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    delayMs = minDelayMs;
  };
  ws.onmessage = (e: MessageEvent) => {
    let m: { type?: string; scope?: string } & Record<string, unknown> = {};
    try {
      m = JSON.parse(String(e.data)) as typeof m;
    } catch {
      return;
    }
    if (m.type === 'hello') moved('*');  // what moved while disconnected is pulled now
    else if (m.type === 'moved' && typeof m.scope === 'string') moved(m.scope);
    else if (typeof m.type === 'string') for (const fn of listeners.get(m.type) ?? []) fn(m);
  };
  ws.onclose = () => {
    socket = null;
    retryLater();
  };
}
