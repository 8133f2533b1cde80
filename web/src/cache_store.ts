// The device's big caches — the catalog (by barcode), the members (by member id) and the store's
// stock (by SKU) — in IndexedDB, stored so that a new device can take a snapshot of 100,000
// products and 50,000 members in seconds (docs/sync.md, "The device's caches").
//
// Chromium spends ~0.2 ms on every IndexedDB request however small, so one record per product
// makes a 100,000-product snapshot take most of a minute; turning each page into objects and
// structured-cloning them costs more than the download; a long string costs ~150 ms a megabyte.
// A Blob costs ~15 ms (docs/benchmarks.md, "Bootstrap"). So a snapshot page is stored as it came:
// one **chunk** record `{cache, after, as_of, count, blob}` holding the answer's body, unparsed,
// keyed by the key the page was asked `after` (its entries are the keys above that, up to the next
// page's). The changes that follow from the feed are one **overlay** record per key (`{cache, key,
// item, as_of}`; `item` null = deleted), which wins over the chunks. A lookup reads the overlay
// record, then the chunk with the greatest `after` below the key, read and parsed once and kept in
// memory (chunks never change once written; a new snapshot clears them first). `as_of` is the feed
// cursor a balance (points, stock) includes movements up to. Counts are in `meta['<cache>_count']`.
//
// Reading a Blob is not an IndexedDB request, so it cannot happen inside a transaction (which
// would commit meanwhile): code that looks keys up inside a readwrite transaction first calls
// `warm` for them, and a lookup inside a transaction only uses chunks already in memory.

import type { IDBPDatabase, IDBPTransaction } from 'idb';

export type CacheName = 'catalog' | 'members' | 'stock';

export interface Chunk {
  cache: CacheName;
  /** The page holds the keys above this one (exclusive), up to the next page's `after`. */
  after: string;
  as_of: number;
  count: number;
  /** The snapshot page as the server sent it: `{"items": [...], ...}`. */
  blob: Blob;
}

/** Thrown by a lookup inside a transaction that needs a chunk not in memory (warm it first). */
export class ChunkNotWarm extends Error {}

export interface OverlayEntry<T> {
  cache: CacheName;
  key: string;
  item: T | null;
  as_of: number;
}

/** An entry found: the item (null when deleted) and the feed cursor it is as of. */
export interface Found<T> {
  item: T | null;
  as_of: number;
}

// The subset of the database schema these functions use.
export type ChunkSchema = {
  chunks: { key: [string, string]; value: Chunk };
  overlay: { key: [string, string]; value: OverlayEntry<unknown> };
  meta: { key: string; value: unknown };
};
type Tx = IDBPTransaction<ChunkSchema, ('chunks' | 'overlay' | 'meta')[], 'readwrite'>;
type Source = Tx | IDBPDatabase<ChunkSchema>;

const whole = (cache: CacheName) => IDBKeyRange.bound([cache], [cache, []]);

/** What a snapshot item of each cache is keyed by, and the value the cache keeps for it. */
function entryOf(cache: CacheName, item: Record<string, unknown>): [string, unknown] {
  if (cache === 'catalog') return [item.barcode as string, item];
  if (cache === 'members') return [item.member_id as string, item];
  return [item.sku as string, item.qty];
}

// Chunks this tab parsed recently, by cache and `after`.
interface Parsed {
  entries: Map<string, unknown>;
  as_of: number;
}
const memory = new Map<string, Parsed>();
const memoryLimit = 24;
const memKey = (cache: string, after: string) => `${cache}\u0000${after}`;

async function readPage(chunk: Chunk): Promise<Parsed> {
  const key = memKey(chunk.cache, chunk.after);
  let parsed = memory.get(key);
  if (!parsed) {
    const items = (JSON.parse(await chunk.blob.text()) as { items: Record<string, unknown>[] }).items;
    parsed = { entries: new Map(items.map((i) => entryOf(chunk.cache, i))), as_of: chunk.as_of };
    if (memory.size >= memoryLimit) memory.delete(memory.keys().next().value!);
    memory.set(key, parsed);
  }
  return parsed;
}

/** Removes a cache's chunks, overlay and count (before a new snapshot of it). */
export function clearCache(tx: Tx, cache: CacheName): void {
  void tx.objectStore('chunks').delete(whole(cache));
  void tx.objectStore('overlay').delete(whole(cache));
  void tx.objectStore('meta').put(0, `${cache}_count`);
  for (const k of [...memory.keys()]) if (k.startsWith(`${cache}\u0000`)) memory.delete(k);
}

/** Stores one snapshot page, unparsed: the body of the answer to `?after=<after>`, its count and cursor. */
export async function writeSnapshotPage(tx: Tx, cache: CacheName, after: string, blob: Blob, count: number, asOf: number): Promise<void> {
  void tx.objectStore('chunks').put({ cache, after, as_of: asOf, count, blob });
  const meta = tx.objectStore('meta');
  const total = ((await meta.get(`${cache}_count`)) as number | undefined) ?? 0;
  void meta.put(total + count, `${cache}_count`);
}

/** The chunk that would hold `key`: the one with the greatest `after` below it. */
async function chunkFor(source: Source, cache: CacheName, key: string): Promise<Parsed | undefined> {
  const inTx = 'objectStore' in source;
  const store = inTx ? source.objectStore('chunks') : source.transaction('chunks').store;
  const cursor = await store.openKeyCursor(IDBKeyRange.bound([cache], [cache, key], false, true), 'prev');
  if (!cursor) return undefined;
  const [, after] = cursor.primaryKey as [string, string];
  const cached = memory.get(memKey(cache, after));
  if (cached) return cached;
  if (inTx) throw new ChunkNotWarm(`${cache} chunk after ${after}`);
  const chunk = await store.get([cache, after]);
  return chunk ? readPage(chunk) : undefined;
}

/** Reads into memory the chunks that hold these keys, before a transaction looks them up. */
export async function warm(d: IDBPDatabase<ChunkSchema>, cache: CacheName, keys: Iterable<string>): Promise<void> {
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    await chunkFor(d, cache, key);
  }
}

/** Looks a key up: the overlay first, then the chunks. Undefined when the cache never had it. */
export async function findEntry<T>(source: Source, cache: CacheName, key: string): Promise<Found<T> | undefined> {
  const o = ('objectStore' in source ? await source.objectStore('overlay').get([cache, key]) : await source.get('overlay', [cache, key])) as
    | OverlayEntry<T>
    | undefined;
  if (o) return { item: o.item, as_of: o.as_of };
  const chunk = await chunkFor(source, cache, key);
  if (!chunk || !chunk.entries.has(key)) return undefined;
  return { item: chunk.entries.get(key) as T, as_of: chunk.as_of };
}

/** Writes one key's new state from the feed (null: deleted), keeping the cache's count right (`known`: its state before, when the caller read it). */
export async function putEntry<T>(
  tx: Tx,
  cache: CacheName,
  key: string,
  item: T | null,
  asOf: number,
  known?: { before: Found<T> | undefined },
): Promise<void> {
  const before = known ? known.before : await findEntry<T>(tx, cache, key);
  const had = before !== undefined && before.item !== null;
  void tx.objectStore('overlay').put({ cache, key, item, as_of: asOf });
  if (had !== (item !== null)) {
    const meta = tx.objectStore('meta');
    const count = ((await meta.get(`${cache}_count`)) as number | undefined) ?? 0;
    void meta.put(count + (item !== null ? 1 : -1), `${cache}_count`);
  }
}

/** Every item of a cache (the overlay over the chunks), for searches and indexes built in memory. */
export async function allItems<T>(d: IDBPDatabase<ChunkSchema>, cache: CacheName): Promise<T[]> {
  const tx = d.transaction(['chunks', 'overlay'], 'readonly');
  const [chunks, overlay] = await Promise.all([
    tx.objectStore('chunks').getAll(whole(cache)),
    tx.objectStore('overlay').getAll(whole(cache)),
  ]);
  const byKey = new Map<string, T | null>();
  for (const c of chunks) {
    const items = (JSON.parse(await c.blob.text()) as { items: Record<string, unknown>[] }).items;
    for (const i of items) {
      const [k, v] = entryOf(cache, i);
      byKey.set(k, v as T);
    }
  }
  for (const o of overlay as OverlayEntry<T>[]) byKey.set(o.key, o.item);
  return [...byKey.values()].filter((v): v is T => v !== null);
}

export async function countOf(d: IDBPDatabase<ChunkSchema>, cache: CacheName): Promise<number> {
  return ((await d.get('meta', `${cache}_count`)) as number | undefined) ?? 0;
}
