// The sync loop. Pulls the store's catalog and the pricing rules into IndexedDB (on start, after
// sign-in, on coming online, every 60 s, and when the live WebSocket says the catalog or
// promotions moved) and pushes the outbox (after every sale, on coming online, and with backoff
// from 1 s doubling to 30 s while the server cannot be reached). Publishes a small status
// (online, pending, rejected, catalog size) that the header shows.

import { ApiError, NetworkError, onReachability, pull, push } from './api';
import * as store from './db';
import { liveNow, startLive } from './live';
import { promotionsCursor, saveRules, type RulesDocument } from './rules';
import { requestToken, session } from './session';
import type { RejectedOperation } from './types';

export interface SyncStatus {
  online: boolean;
  pending: number;
  rejected: number;
  catalogCount: number;
  /** True once a full catalog pull finished in this page's life. */
  catalogSynced: boolean;
  /** When the server last acknowledged an upload, and when the catalog was last pulled (ISO, kept in IndexedDB). */
  lastPushAt: string | null;
  lastPullAt: string | null;
}

const status: SyncStatus = {
  online: navigator.onLine,
  pending: 0,
  rejected: 0,
  catalogCount: 0,
  catalogSynced: false,
  lastPushAt: null,
  lastPullAt: null,
};
let serverReachable = true;
const listeners = new Set<(s: SyncStatus) => void>();

export function syncStatus(): SyncStatus {
  return { ...status };
}

/** Calls fn now and on every change; returns the function that stops the calls. */
export function onSyncStatus(fn: (s: SyncStatus) => void): () => void {
  listeners.add(fn);
  fn(syncStatus());
  return () => {
    listeners.delete(fn);
  };
}

function publish(): void {
  status.online = navigator.onLine && serverReachable;
  const s = syncStatus();
  for (const fn of listeners) fn(s);
}

// Tabs of the app on one device share the outbox: a tab whose counts changed tells the others.
const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel('aisle-outbox') : null;
if (tabs) tabs.onmessage = () => void refreshCounts();

async function refreshCounts(): Promise<void> {
  const before = `${status.pending}/${status.rejected}/${status.lastPushAt}`;
  [status.pending, status.rejected, status.catalogCount, status.lastPushAt, status.lastPullAt] = await Promise.all([
    store.outboxCount(),
    store.rejectedCount(),
    store.productCount(),
    store.getMeta<string>('last_push_at').then((v) => v ?? null),
    store.getMeta<string>('last_pull_at').then((v) => v ?? null),
  ]);
  if (`${status.pending}/${status.rejected}/${status.lastPushAt}` !== before) tabs?.postMessage('changed');
  publish();
}

// ---- catalog pull

const catalogListeners = new Set<() => void>();
/** Called after the local catalog changed. */
export function onCatalogChanged(fn: () => void): void {
  catalogListeners.add(fn);
}

let pulling: Promise<void> | null = null;

/** Pulls catalog changes until the server has no more. Never throws. */
export function pullCatalog(): Promise<void> {
  pulling ??= (async () => {
    try {
      const s = session();
      if (!s) return;
      if ((await store.getMeta<string>('catalog_store')) !== s.store.store_id) {
        await store.resetCatalog(s.store.store_id);
      }
      let cursor = (await store.getMeta<number>('catalog_cursor')) ?? 0;
      let changed = false;
      for (let page = 0; page < 10_000; page++) {
        const r = await pull(cursor, 'catalog', 500);
        const changes = r.changes.filter((c) => c.scope === 'catalog' || c.kind === 'product');
        await store.applyCatalogPage(changes, r.cursor);
        changed ||= changes.length > 0;
        cursor = r.cursor;
        if (!r.more) break;
      }
      // The promotions feed: every published rules version in order; the last one is current.
      let promoCursor = await promotionsCursor();
      let latest: RulesDocument | null = null;
      for (let page = 0; page < 1_000; page++) {
        const r = await pull(promoCursor, 'promotions', 50);
        for (const c of r.changes) if (c.kind === 'rules' && c.rules) latest = c.rules;
        promoCursor = r.cursor;
        if (!r.more) break;
      }
      await saveRules(latest, promoCursor);
      changed ||= latest !== null;
      status.catalogSynced = true;
      await store.setMeta('last_pull_at', new Date().toISOString());
      if (changed) for (const fn of catalogListeners) fn();
    } catch (e) {
      if (!(e instanceof NetworkError) && !(e instanceof ApiError)) console.error('catalog pull', e);
    } finally {
      pulling = null;
      await refreshCounts();
    }
  })();
  return pulling;
}

// ---- outbox push

const batchSize = 50;
const minBackoffMs = 1000;
const maxBackoffMs = 30_000;
let backoffMs = minBackoffMs;
let retryTimer: number | undefined;
let pushing: Promise<void> | null = null;
let again = false;

function scheduleRetry(): void {
  if (retryTimer !== undefined) return;
  retryTimer = window.setTimeout(() => {
    retryTimer = undefined;
    void pushOutbox();
  }, backoffMs);
  backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
}

/** Sends the outbox in batches until it is empty or the server cannot take more. */
/**
 * Runs `fn` holding the outbox lock that every tab of the app on this device shares (Web Locks), so
 * two tabs never upload the same operations at once: the second waits, then finds them acknowledged.
 * Browsers without Web Locks (none that run this app's other APIs) run it as is.
 */
async function withOutboxLock(fn: () => Promise<void>): Promise<void> {
  if (navigator.locks) await navigator.locks.request('aisle-outbox-push', fn);
  else await fn();
}

export function pushOutbox(): Promise<void> {
  if (pushing) {
    again = true;
    return pushing;
  }
  // Checked before the promise exists: a synchronous return inside it would run its `finally`
  // before `pushing` is assigned, leaving a settled promise there that blocks every later push.
  if (!requestToken()) return Promise.resolve();
  pushing = (async () => {
    try {
      await withOutboxLock(async () => {
        do {
          again = false;
          // After an offline sign-in or a sign-out the last online session's token still carries
          // the queue (each op names its own staff); with none left, the next sign-in does.
          if (!requestToken()) return;
          for (;;) {
            const ops = await store.outboxBatch(batchSize);
            if (ops.length === 0) break;
            const { results, hlc } = await push(ops);
            await store.observeHlc(hlc);
            const done: string[] = [];
            const rejected: RejectedOperation[] = [];
            const now = new Date().toISOString();
            for (const r of results) {
              const op = ops.find((o) => o.op_id === r.op_id);
              if (!op) continue;
              // Every answer but "rejected" means the server has the op durably.
              if (['applied', 'duplicate', 'accepted_with_exception', 'held'].includes(r.status)) {
                done.push(r.op_id);
              } else if (r.status === 'rejected') {
                rejected.push({ op_id: r.op_id, op, error: r.error ?? null, rejected_at: now });
              }
            }
            await store.acknowledge(done, rejected);
            if (done.length + rejected.length > 0) await store.setMeta('last_push_at', new Date().toISOString());
            await refreshCounts();
            // An answer that acknowledged nothing would loop forever: wait and retry later.
            if (done.length + rejected.length === 0) {
              scheduleRetry();
              return;
            }
          }
          backoffMs = minBackoffMs;
        } while (again);
      });
    } catch (e) {
      // No answer, or the server failed (5xx): keep everything and retry with backoff.
      // A 401 sends the associate to sign-in (see api.ts); the outbox waits for the new token.
      if (e instanceof NetworkError || (e instanceof ApiError && e.status >= 500)) scheduleRetry();
      else if (e instanceof ApiError && e.status === 429) scheduleRetry();
      else if (!(e instanceof ApiError)) console.error('outbox push', e);
    } finally {
      pushing = null;
      await refreshCounts();
    }
  })();
  return pushing;
}

/** Called once at start: wires events and timers. */
export function startSync(): void {
  onReachability((yes) => {
    if (serverReachable === yes) return;
    serverReachable = yes;
    publish();
  });
  window.addEventListener('online', () => {
    serverReachable = true;
    publish();
    backoffMs = minBackoffMs;
    if (retryTimer !== undefined) {
      clearTimeout(retryTimer);
      retryTimer = undefined;
    }
    void pushOutbox();
    void pullCatalog();
  });
  window.addEventListener('offline', publish);
  startLive((scope) => {
    if (scope === '*' || scope === 'catalog' || scope === 'promotions') void pullCatalog();
  });
  window.setInterval(() => {
    void pullCatalog();
    if (status.pending > 0 && retryTimer === undefined) void pushOutbox();
  }, 60_000);
  void refreshCounts();
}

/** After sign-in or at start with a session: fetch the catalog and send what is queued. */
export function syncNow(): void {
  void pullCatalog();
  void pushOutbox();
  liveNow();
}

export { refreshCounts };
