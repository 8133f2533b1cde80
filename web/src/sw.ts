// Type-checked on its own with the WebWorker library (tsconfig.sw.json).
// The terminal's service worker. It precaches the whole app shell, including the WASM core, so
// the terminal opens and sells with no network (API answers are never cached: they come from the
// server or fail, and the outbox keeps the op). And it answers Background Sync: when an upload
// failed, the page asked the browser for a sync (sync.ts), which the browser runs here once the
// network is back, even if every tab of the app was closed by then (docs/sync.md, "The outbox").

import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { getMeta } from './db';
import { drainOutbox, outboxChannelName, outboxSyncTag, withOutboxLock, type PushAnswer } from './outbox';
import { loadRules } from './rules';
import type { Operation, PushResult } from './types';

declare const self: ServiceWorkerGlobalScope;

void self.skipWaiting();
clientsClaim();
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//, /^\/healthz/] }));

/** What the page keeps in IndexedDB for this worker (session.ts): the last online session's token. */
interface SyncToken {
  token: string;
  expires_at: string;
}

/** The browser retries a sync whose promise rejects (later, a few times); one that resolves is done. */
class Retry extends Error {}

async function uploadOutbox(): Promise<void> {
  const saved = await getMeta<SyncToken>('sync_token');
  // No token, or an expired one: the next sign-in's page uploads the queue (the server would refuse it).
  if (!saved || Date.parse(saved.expires_at) <= Date.now()) return;
  const credential = await getMeta<string>('device_credential');
  const send = async (ops: Operation[]): Promise<PushAnswer> => {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Authorization: `Bearer ${saved.token}`,
    };
    if (credential) headers['X-Aisle-Device'] = credential;
    let res: Response;
    try {
      res = await fetch('/api/v1/sync/push', { method: 'POST', headers, cache: 'no-store', body: JSON.stringify({ ops }) });
    } catch (e) {
      throw new Retry(`no answer: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (res.status >= 500 || res.status === 429) throw new Retry(`the server answered ${res.status}`);
    if (!res.ok) throw new Error(`the server refused the upload (${res.status})`);
    return (await res.json()) as { results: PushResult[]; hlc?: string };
  };
  await loadRules();  // the cap counts of queued sales are settled with the stored ones
  const channel = new BroadcastChannel(outboxChannelName);
  try {
    await withOutboxLock(() => drainOutbox(send, async () => channel.postMessage('changed')));
  } catch (e) {
    if (e instanceof Retry) throw e;
    // Refused (401: the token was revoked): a retry would be refused too; the page signs in again.
    console.warn('background sync', e);
  } finally {
    channel.close();
  }
}

interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
}

self.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag === outboxSyncTag) e.waitUntil(uploadOutbox());
});
