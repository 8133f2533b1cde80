// Uploading the outbox: shared by the page's sync loop (sync.ts) and the service worker's
// background sync (sw.ts), so both send, acknowledge and settle queued ops the same way. Neither
// reads the page's session or DOM here: the caller passes how to send one push.

import * as store from './db';
import { settlePromotionUse } from './rules';
import type { Operation, PushResult, RejectedOperation } from './types';

/** The Web Lock every tab and the service worker take to upload, so no two upload the same ops at once. */
const outboxLockName = 'aisle-outbox-push';
/** The background sync tag the page registers when an upload fails (sw.ts answers it). */
export const outboxSyncTag = 'aisle-outbox';
/** Tabs and the service worker tell each other here that the outbox changed. */
export const outboxChannelName = 'aisle-outbox';

export interface PushAnswer {
  results: PushResult[];
  hlc?: string;
}

// A push carries up to 500 ops (the server's limit) and stays under aisled's default body limit
// (1 MiB): a big queue drains in few round trips (docs/benchmarks.md, "Drain").
const batchSize = 500;
const batchBytes = 900_000;
const pushesInFlight = 2;
const utf8 = new TextEncoder();

/** The longest head of `ops` under batchBytes as JSON (at least one op). */
function fitBatch(ops: Operation[]): Operation[] {
  for (let bytes = 0, i = 0; i < ops.length; i++) {
    bytes += utf8.encode(JSON.stringify(ops[i])).length + 1;
    if (bytes > batchBytes && i > 0) return ops.slice(0, i);
  }
  return ops;
}

/**
 * Runs `fn` holding the outbox lock that every tab of the app on this device and its service
 * worker share (Web Locks), so two never upload the same operations at once: the second waits,
 * then finds them acknowledged. Browsers without Web Locks (none that run this app's other APIs)
 * run it as is.
 */
export function withOutboxLock<T>(fn: () => Promise<T>): Promise<T> {
  return withLock(outboxLockName, fn);
}

/** Runs `fn` holding the Web Lock `name`, which every tab of the app on this device and its service worker share. */
export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return navigator.locks ? navigator.locks.request(name, fn) : fn();
}

/**
 * Sends the queued ops, oldest first, until the outbox is empty (true) or an answer acknowledged
 * nothing (false: retry later, or it would loop). Call it holding the outbox lock. Throws what
 * `send` throws (no answer, or the server failed): every op not acknowledged stays queued, and
 * the server answers a resent op "duplicate", so nothing is lost or applied twice.
 * `afterBatch` runs after each answer is recorded (the page refreshes its counts there).
 */
export async function drainOutbox(send: (ops: Operation[]) => Promise<PushAnswer>, afterBatch: () => Promise<void>): Promise<boolean> {
  // Two pushes in flight: the server applies one while the device reads, sends and forgets the
  // other (docs/benchmarks.md, "Drain"). Each batch starts after the last op of the one before,
  // so no op is in two pushes at once.
  const inflight: { ops: Operation[]; answer: Promise<PushAnswer> }[] = [];
  let after: string | undefined;
  const fill = async (): Promise<void> => {
    while (inflight.length < pushesInFlight) {
      const ops = fitBatch(await store.outboxBatch(batchSize, after));
      if (ops.length === 0) return;
      // A drawer's close must reach the server after every op queued before it (its Z report
      // counts them): its batch waits until the pushes in flight are answered.
      if (inflight.length > 0 && ops.some((o) => o.type === 'drawer.closed')) return;
      after = ops[ops.length - 1]!.op_id;
      const answer = send(ops);
      answer.catch(() => undefined);  // awaited below, in order; a failure there fails the drain
      inflight.push({ ops, answer });
    }
  };
  for (;;) {
    await fill();
    const next = inflight.shift();
    if (!next) return true;
    const { results, hlc } = await next.answer;
    // The next push goes out before this answer is recorded, so the server always has one to apply.
    await fill();
    const byId = new Map(next.ops.map((o) => [o.op_id, o]));
    await store.observeHlc(hlc);
    const done: string[] = [];
    const rejected: RejectedOperation[] = [];
    const counts: Record<string, number> = {};
    const members: [string, Record<string, number>][] = [];
    const now = new Date().toISOString();
    for (const r of results) {
      const op = byId.get(r.op_id);
      if (!op) continue;
      // Every answer but "rejected" means the server has the op durably.
      if (['applied', 'duplicate', 'accepted_with_exception', 'held'].includes(r.status)) {
        done.push(r.op_id);
        for (const [id, n] of Object.entries(r.promotion_usage ?? r.first?.promotion_usage ?? {})) counts[id] = Math.max(counts[id] ?? 0, n);
        const had = r.member_applications ?? r.first?.member_applications;
        const member = (op.payload as { member_id?: string } | undefined)?.member_id;
        if (had && member) members.push([member, had]);
      } else if (r.status === 'rejected') {
        rejected.push({ op_id: r.op_id, op, error: r.error ?? null, rejected_at: now });
      }
    }
    // The server's totals are kept before the ops they count are forgotten, then the queued
    // counts of those ops go (no moment, nor crash, where the device counts less than the server).
    await settlePromotionUse(counts, members);
    await store.acknowledge(done, rejected);
    await settlePromotionUse({});
    if (done.length + rejected.length > 0) await store.setMeta('last_push_at', new Date().toISOString());
    await afterBatch();
    if (done.length + rejected.length === 0) return false;
  }
}
