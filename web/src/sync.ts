// The sync loop. Keeps the device's caches — the store's catalog, the pricing rules (prices and
// promotions), the members with their points and the store's stock levels — in IndexedDB: a new
// device starts each from the server's snapshot, then follows the change feed (on start, after
// sign-in, on coming online, every 60 s, and when the live WebSocket says a scope moved). Pushes
// the outbox (after every sale, on coming online, and with backoff from 1 s doubling to 30 s while
// the server cannot be reached). Publishes a small status (online, pending, rejected, each cache's
// size and age) that the header and the sync screen show.

import { ApiError, NetworkError, onReachability, pull, push, snapshot, type PullChange } from './api';
import * as store from './db';
import { liveNow, startLive } from './live';
import { drainOutbox, outboxChannelName, outboxSyncTag, withLock, withOutboxLock } from './outbox';
import { currentRules, promotionsCursor, reloadPromotionUse, saveFeedUsage, saveRules, settlePromotionUse, type RulesDocument } from './rules';
import { requestToken, session } from './session';

/** One cache the device sells from, how big it is and when it was last brought up to date. */
export interface CacheState {
  /** Rows held (products, members, SKUs with a stock level); for promotions, 1 when rules are held. */
  count: number;
  /** When a pull of it last finished with nothing more to fetch (ISO, kept in IndexedDB), or null. */
  syncedAt: string | null;
}

/** `chain`: other locations' stock, kept per item looked up online (web/src/chain_stock.ts). */
export type CacheKind = 'catalog' | 'promotions' | 'members' | 'stock' | 'chain';
export const cacheKinds: CacheKind[] = ['catalog', 'promotions', 'members', 'stock', 'chain'];

export interface SyncStatus {
  online: boolean;
  pending: number;
  rejected: number;
  catalogCount: number;
  /** True once a full pull of every cache finished in this page's life. */
  catalogSynced: boolean;
  /** When the server last acknowledged an upload, and when the caches were last pulled (ISO, kept in IndexedDB). */
  lastPushAt: string | null;
  lastPullAt: string | null;
  /** Each cache and its age (the sync screen shows them). */
  caches: Record<CacheKind, CacheState>;
}

const noCache = (): CacheState => ({ count: 0, syncedAt: null });
const status: SyncStatus = {
  online: navigator.onLine,
  pending: 0,
  rejected: 0,
  catalogCount: 0,
  catalogSynced: false,
  lastPushAt: null,
  lastPullAt: null,
  caches: { catalog: noCache(), promotions: noCache(), members: noCache(), stock: noCache(), chain: noCache() },
};
let serverReachable = true;
const listeners = new Set<(s: SyncStatus) => void>();

export function syncStatus(): SyncStatus {
  return { ...status, caches: { ...status.caches } };
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

// Tabs of the app on one device share the outbox: a tab whose counts changed tells the others, and
// so does the service worker after a background sync (the cap counts of what it uploaded go too).
const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel(outboxChannelName) : null;
if (tabs) tabs.onmessage = () => void reloadPromotionUse().then(() => settlePromotionUse({})).then(refreshCounts);

const syncedAt = (cache: CacheKind) => store.getMeta<string>(`synced_at:${cache}`).then((v) => v ?? null);

async function refreshCounts(): Promise<void> {
  const before = `${status.pending}/${status.rejected}/${status.lastPushAt}`;
  const [pending, rejected, products, members, stock, chain, lastPushAt, lastPullAt, ...ages] = await Promise.all([
    store.outboxCount(),
    store.rejectedCount(),
    store.productCount(),
    store.memberCount(),
    store.stockCount(),
    store.chainStockCount(),
    store.getMeta<string>('last_push_at').then((v) => v ?? null),
    store.getMeta<string>('last_pull_at').then((v) => v ?? null),
    ...cacheKinds.map(syncedAt),
  ]);
  Object.assign(status, { pending, rejected, catalogCount: products, lastPushAt, lastPullAt });
  const counts: Record<CacheKind, number> = { catalog: products, promotions: currentRules() ? 1 : 0, members, stock, chain };
  cacheKinds.forEach((k, i) => (status.caches[k] = { count: counts[k], syncedAt: ages[i] ?? null }));
  if (`${status.pending}/${status.rejected}/${status.lastPushAt}` !== before) tabs?.postMessage('changed');
  publish();
}

// ---- pulling the caches

const catalogListeners = new Set<() => void>();
/** Called after the local catalog or pricing rules changed. */
export function onCatalogChanged(fn: () => void): () => void {
  catalogListeners.add(fn);
  return () => catalogListeners.delete(fn);
}

const stockListeners = new Set<() => void>();
/** Called after the store's stock levels on the device changed. */
export function onStockChanged(fn: () => void): () => void {
  stockListeners.add(fn);
  return () => stockListeners.delete(fn);
}

/** Snapshot pages are as big as the server allows (docs/benchmarks.md, "Bootstrap"); feed pages too. */
const snapshotPage = 5000;
const feedPage = 1000;

/**
 * A new device (or one that switched store) starts a cache from the server's snapshot instead of
 * replaying the whole feed. Pages are stored one transaction each, with the progress, so an
 * interrupted snapshot resumes; the next page is fetched while the current one is read and stored.
 * Returns whether it took a snapshot.
 */
async function takeSnapshot(cache: store.CacheName, scope: string): Promise<boolean> {
  if ((await store.cacheCursor(cache)) !== null) return false;
  const progress = await store.snapshotProgress(cache);
  let first: number | null = progress?.cursor ?? null;
  let fresh = progress === undefined;  // a new snapshot clears what the cache held
  let after = progress?.after ?? '';
  let pending = snapshot(scope, after, snapshotPage);
  for (;;) {
    const page = await pending;
    // The next page is asked for as soon as this one's headers name it, before its body is read.
    if (page.head?.next) pending = snapshot(scope, page.head.next, snapshotPage);
    const blob = await page.body;
    let head = page.head;
    if (!head) {  // a server that sends no headers: the facts are in the body
      const body = JSON.parse(await blob.text()) as { cursor: number; items: unknown[]; next: string | null };
      head = { cursor: body.cursor, count: body.items.length, next: body.next };
      if (head.next !== null) pending = snapshot(scope, head.next, snapshotPage);
    }
    if (head.next !== null) pending.catch(() => {});  // awaited on the next turn; an error then is handled there
    first ??= head.cursor;
    await store.applySnapshotPage(cache, after, blob, head, first, fresh);
    fresh = false;
    if (head.next === null) return true;
    after = head.next;
  }
}

/** Pulls a scope's feed from the cache's cursor until the server has no more; returns whether anything changed. */
async function pullFeed(
  cache: store.CacheName,
  scope: string,
  apply: (changes: PullChange[], cursor: number) => Promise<void>,
): Promise<boolean> {
  let cursor = (await store.cacheCursor(cache)) ?? 0;
  let changed = false;
  for (let page = 0; page < 100_000; page++) {
    const r = await pull(cursor, scope, feedPage);
    await apply(r.changes, r.cursor);
    changed ||= r.changes.length > 0;
    cursor = r.cursor;
    if (!r.more) break;
  }
  return changed;
}

/** Brings one cache up to date (snapshot if it has none, then the feed) and records when. */
async function syncCache(cache: store.CacheName, scope: string, apply: (changes: PullChange[], cursor: number) => Promise<void>): Promise<boolean> {
  const fresh = await takeSnapshot(cache, scope);
  const changed = (await pullFeed(cache, scope, apply)) || fresh;
  await store.setMeta(`synced_at:${cache}`, new Date().toISOString());
  return changed;
}

async function syncPromotions(): Promise<boolean> {
  // The promotions feed: every published rules version in order; the last one is current.
  let promoCursor = await promotionsCursor();
  // Also the chain-wide count of units each capped promotion has sold.
  let latest: RulesDocument | null = null;
  const used: Record<string, number> = {};
  for (let page = 0; page < 1_000; page++) {
    const r = await pull(promoCursor, 'promotions', 50);
    for (const c of r.changes) {
      if (c.kind === 'rules' && c.rules) latest = c.rules;
      else if (c.kind === 'promotion_usage' && c.promotion_id !== undefined && c.used !== undefined) used[c.promotion_id] = c.used;
    }
    promoCursor = r.cursor;
    if (!r.more) break;
  }
  await saveFeedUsage(used);
  await saveRules(latest, promoCursor);
  await store.setMeta('synced_at:promotions', new Date().toISOString());
  return latest !== null || Object.keys(used).length > 0;
}

let pulling: Promise<void> | null = null;
let pullAgain = false;

/**
 * Brings every cache up to date: the catalog, the pricing rules (prices and promotions), the
 * members and the store's stock, all four at once. A call while a pull runs makes it run once more
 * when it ends (a live nudge may name a commit the running pull read before). Never throws.
 */
export function pullCaches(): Promise<void> {
  if (pulling) {
    pullAgain = true;
    return pulling;
  }
  pulling = (async () => {
    try {
      // One tab of the device pulls at a time (a second one waits, then finds the snapshot taken).
      await withLock('aisle-caches-pull', async () => {
        do {
          pullAgain = false;
          const s = session();
          if (!s) return;
          if ((await store.getMeta<string>('catalog_store')) !== s.store.store_id) {
            await store.resetCatalog(s.store.store_id);
          }
          const results = await Promise.allSettled([
            syncCache('catalog', 'catalog', (changes, cursor) =>
              store.applyCatalogPage(changes.filter((c) => c.kind === 'product') as store.CatalogChange[], cursor),
            ),
            syncPromotions(),
            syncCache('members', 'members', (changes, cursor) => store.applyMembersPage(changes as store.MemberChange[], cursor)),
            syncCache('stock', `stock:${s.store.store_id}`, (changes, cursor) => store.applyStockPage(changes as store.StockChange[], cursor)),
          ]);
          const [catalog, promotions, , stock] = results.map((r) => r.status === 'fulfilled' && r.value);
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (catalog || promotions) for (const fn of catalogListeners) fn();
          if (stock) for (const fn of stockListeners) fn();
          if (failed) throw failed.reason;
          status.catalogSynced = true;
          await store.setMeta('last_pull_at', new Date().toISOString());
        } while (pullAgain);
      });
    } catch (e) {
      if (!(e instanceof NetworkError) && !(e instanceof ApiError)) console.error('pull', e);
    } finally {
      pulling = null;
      await refreshCounts();
    }
  })();
  return pulling;
}

// ---- outbox push

const minBackoffMs = 1000;
const maxBackoffMs = 30_000;
let backoffMs = minBackoffMs;
let retryTimer: number | undefined;
let pushing: Promise<void> | null = null;
let again = false;
// A live nudge that came while uploading: mostly the echo of this device's own pushes (each moves
// the store's stock feed). Pulled once the upload ends, not once per push (docs/benchmarks.md, "Drain").
let pullAfterPush = false;

/**
 * Retries after the backoff, less a random part of up to half of it, so a store's devices coming
 * back together do not all retry at once. At the first failure of a streak it also asks the
 * browser for a background sync, so the service worker uploads when the network returns even if
 * the page is closed by then (sw.ts); not at every retry, since the browser runs a sync at once
 * when it thinks it is online.
 */
function scheduleRetry(): void {
  if (backoffMs === minBackoffMs) void requestBackgroundSync();
  if (retryTimer !== undefined) return;
  retryTimer = window.setTimeout(() => {
    retryTimer = undefined;
    void pushOutbox();
  }, backoffMs * (0.5 + Math.random() / 2));
  backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
}

/** Background Sync (Chromium-based browsers): elsewhere the page's own retries carry the queue. */
async function requestBackgroundSync(): Promise<void> {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    const sync = (registration as (ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }) | undefined)?.sync;
    await sync?.register(outboxSyncTag);
  } catch {
    // No service worker yet (first load) or the permission is refused: the page retries anyway.
  }
}

/** Sends the outbox in batches until it is empty or the server cannot take more. */
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
          // An answer that acknowledged nothing would loop forever: wait and retry later.
          if (!(await drainOutbox(push, refreshCounts))) {
            scheduleRetry();
            return;
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
      if (pullAfterPush) {
        pullAfterPush = false;
        void pullCaches();
      }
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
    void pullCaches();
  });
  window.addEventListener('offline', publish);
  // Leaving the app (another app in front, the screen off, the tab closed) with ops waiting: the
  // browser's background sync may still upload them (it gives up after a few tries; see docs/web.md).
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && status.pending > 0) void requestBackgroundSync();
  });
  startLive((scope) => {
    const own = session()?.store.store_id;
    if (!['*', 'catalog', 'promotions', 'members', `stock:${own}`].includes(scope)) return;
    if (pushing) pullAfterPush = true;
    else void pullCaches();
  });
  window.setInterval(() => {
    void pullCaches();
    if (status.pending > 0 && retryTimer === undefined) void pushOutbox();
  }, 60_000);
  void refreshCounts();
}

/** After sign-in or at start with a session: fetch the catalog and send what is queued. */
export function syncNow(): void {
  void pullCaches();
  void pushOutbox();
  liveNow();
}

export { refreshCounts };
