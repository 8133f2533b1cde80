// The terminal's IndexedDB: the store's catalog, the chain's members with their points and the
// store's stock levels (to sell offline), the outbox of operations
// not yet acknowledged by the server, operations the server rejected, the device's own record
// of its sales (for receipts), and small settings (device id, catalog cursor).
// Nothing is ever deleted from the outbox before the server has it durably (any answer but
// "rejected"; a rejected op moves to `rejected`).

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { allItems, ChunkNotWarm, clearCache, countOf, findEntry, putEntry, warm, writeSnapshotPage, type CacheName, type Chunk, type ChunkSchema, type OverlayEntry } from './cache_store';
import { formatHlc, observe, parseHlc, tick } from './hlc';
import type { Member, NewOperation, Operation, Product, RejectedOperation, SaleRecord, StockLevel } from './types';

interface AisleDB extends DBSchema {
  /** The catalog, members and stock caches (cache_store.ts): snapshot chunks and feed overlay. */
  chunks: { key: [string, string]; value: Chunk };
  overlay: { key: [string, string]; value: OverlayEntry<unknown> };
  outbox: { key: string; value: Operation };
  rejected: { key: string; value: RejectedOperation };
  sales: { key: string; value: SaleRecord };
  meta: { key: string; value: unknown };
}

let dbPromise: Promise<IDBPDatabase<AisleDB>> | null = null;

export function db(): Promise<IDBPDatabase<AisleDB>> {
  dbPromise ??= openDB<AisleDB>('aisle', 2, {
    upgrade(d, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        d.createObjectStore('outbox', { keyPath: 'op_id' });
        d.createObjectStore('rejected', { keyPath: 'op_id' });
        d.createObjectStore('sales', { keyPath: 'sale_id' });
        d.createObjectStore('meta');
      }
      if (oldVersion < 2) {
        // Version 2: the catalog (one record per product in version 1), members and stock in
        // chunks with an overlay; the catalog is downloaded again from the snapshot.
        if (oldVersion >= 1) {
          (d as unknown as IDBPDatabase).deleteObjectStore('products');
          void tx.objectStore('meta').delete('catalog_cursor');
        }
        d.createObjectStore('chunks', { keyPath: ['cache', 'after'] });
        d.createObjectStore('overlay', { keyPath: ['cache', 'key'] });
      }
    },
    // A newer version of the app in another tab wants to upgrade: let it (this tab reopens on its next use).
    blocking() {
      const open = dbPromise;
      dbPromise = null;
      void open?.then((d) => d.close());
    },
  });
  return dbPromise;
}

export async function getMeta<T>(key: string): Promise<T | undefined> {
  return (await (await db()).get('meta', key)) as T | undefined;
}

export async function setMeta(key: string, value: unknown): Promise<void> {
  await (await db()).put('meta', value, key);
}

// ---- catalog, members and stock (chunked caches: cache_store.ts)

const chunked = async () => (await db()) as unknown as IDBPDatabase<ChunkSchema>;
const cacheTx = async (durability: IDBTransactionDurability = 'default') =>
  (await chunked()).transaction(['chunks', 'overlay', 'meta'], 'readwrite', { durability });

export async function productByBarcode(barcode: string): Promise<Product | undefined> {
  return (await findEntry<Product>(await chunked(), 'catalog', barcode))?.item ?? undefined;
}

export async function allProducts(): Promise<Product[]> {
  return allItems<Product>(await chunked(), 'catalog');
}

export async function productCount(): Promise<number> {
  return countOf(await chunked(), 'catalog');
}

export interface CatalogChange {
  seq: number;
  op: 'upsert' | 'delete';
  product?: Product;
  barcode?: string;
}

/**
 * Runs a feed page's transaction after reading into memory the snapshot chunks holding its keys
 * (cache_store.ts, "warm"); once more if a chunk was dropped from memory meanwhile.
 */
async function withWarmChunks(cache: CacheName, keys: string[], apply: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await warm(await chunked(), cache, keys);
    try {
      return await apply();
    } catch (e) {
      if (!(e instanceof ChunkNotWarm) || attempt > 0) throw e;
    }
  }
}

/** Applies one page of catalog changes and its cursor in a single transaction. */
export async function applyCatalogPage(changes: CatalogChange[], cursor: number): Promise<void> {
  const keys = changes.map((c) => c.product?.barcode ?? c.barcode ?? '');
  await withWarmChunks('catalog', keys, async () => {
    const tx = await cacheTx();
    for (const c of changes) {
      if (c.op === 'upsert' && c.product) await putEntry(tx, 'catalog', c.product.barcode, c.product, c.seq);
      else if (c.op === 'delete') {
        const barcode = c.product?.barcode ?? c.barcode;
        if (barcode) await putEntry(tx, 'catalog', barcode, null, c.seq);
      }
    }
    void tx.objectStore('meta').put(cursor, 'catalog_cursor');
    await tx.done;
  });
}

/** Forgets the catalog and the stock levels (when the device signs in to another store). */
export async function resetCatalog(storeId: string): Promise<void> {
  const tx = await cacheTx();
  const meta = tx.objectStore('meta');
  for (const cache of ['catalog', 'stock'] as const) {
    clearCache(tx, cache);
    void meta.delete(`${cache}_cursor`);
    void meta.delete(`${cache}_snapshot`);
    void meta.delete(`synced_at:${cache}`);
  }
  void meta.put(storeId, 'catalog_store');
  await tx.done;
}

// ---- snapshots (a new device's start, docs/sync.md "Snapshot")

/** Where an unfinished snapshot of a cache stands: the first page's feed cursor and the next key. */
export interface SnapshotProgress {
  cursor: number;
  after: string;
}

export type { CacheName };

/** The feed cursor of a cache, or null when the device must first take its snapshot. */
export async function cacheCursor(cache: CacheName): Promise<number | null> {
  const c = await getMeta<number>(`${cache}_cursor`);
  return c === undefined || c === 0 ? null : c;
}

export async function snapshotProgress(cache: CacheName): Promise<SnapshotProgress | undefined> {
  return getMeta<SnapshotProgress>(`${cache}_snapshot`);
}

/**
 * Stores one snapshot page of a cache (its body as it came, unparsed: the answer to `?after=<after>`)
 * in one transaction with the progress, so an interrupted snapshot resumes after its last stored
 * page (the first page of a new snapshot clears the cache).
 * `pageCursor` is the feed cursor the page was read at: members' points and stock quantities are
 * balances as of that cursor, and the feed changes up to it are skipped when the device replays
 * the feed from the first page's cursor. On the last page (`next` null) the cache's feed cursor
 * becomes the first page's.
 */
export async function applySnapshotPage(
  cache: CacheName,
  after: string,
  body: Blob,
  page: { cursor: number; count: number; next: string | null },
  first: number,
  fresh: boolean,
): Promise<void> {
  // Relaxed: a snapshot page lost to a power cut is fetched again (its progress is in the same
  // transaction), so it need not wait for the disk; the outbox's transactions keep the default.
  const tx = await cacheTx('relaxed');
  if (fresh) clearCache(tx, cache);
  await writeSnapshotPage(tx, cache, after, body, page.count, page.cursor);
  if (cache === 'members') phoneIndex = null;
  const meta = tx.objectStore('meta');
  if (page.next === null) {
    void meta.put(first, `${cache}_cursor`);
    void meta.delete(`${cache}_snapshot`);
  } else {
    void meta.put({ cursor: first, after: page.next } satisfies SnapshotProgress, `${cache}_snapshot`);
  }
  await tx.done;
}

// ---- members (docs/sync.md: the members scope)

/**
 * A members feed change: a member's record, a points movement (`delta`, with its feed `seq`), or
 * how often the member has had a per-member capped promotion (`promotion_id`, `applications`).
 */
export interface MemberChange {
  seq: number;
  kind: string;
  op?: string;
  member?: { member_id: string; phone: string; name: string; tier: string; points?: number };
  member_id?: string;
  delta?: number;
  promotion_id?: string;
  applications?: number;
}

type StoredMember = Omit<Member, 'points_as_of'>;

/**
 * Applies one page of the members feed and its cursor in one transaction. A member upsert keeps
 * the points the device holds (the feed's member records carry no balance); a points movement
 * (`{"kind": "points", "member_id", "delta"}`) is added unless the member's balance already
 * includes it (its seq is not after the cursor the balance is as of). A per-member promotion count
 * (`{"kind": "member_promotion", "member_id", "promotion_id", "applications"}`) is the member's
 * total: the higher of it and the one held is kept.
 */
export async function applyMembersPage(changes: MemberChange[], cursor: number): Promise<void> {
  const keys = changes.map((c) => c.member?.member_id ?? c.member_id ?? '');
  await withWarmChunks('members', keys, async () => {
    const tx = await cacheTx();
    for (const c of changes) {
      if (c.kind === 'member' && c.member) {
        const m = c.member;
        const old = await findEntry<StoredMember>(tx, 'members', m.member_id);
        if (c.op === 'delete') await putEntry(tx, 'members', m.member_id, null, c.seq);
        else {
          const keep = m.points === undefined && old?.item;
          const member: StoredMember = { member_id: m.member_id, phone: m.phone, name: m.name, tier: m.tier, points: keep ? old.item!.points : (m.points ?? 0) };
          if (old?.item?.promotions) member.promotions = old.item.promotions;
          await putEntry(tx, 'members', m.member_id, member, keep ? old.as_of : c.seq);
        }
      } else if (c.kind === 'points' && c.member_id && typeof c.delta === 'number') {
        const old = await findEntry<StoredMember>(tx, 'members', c.member_id);
        if (old?.item && c.seq > old.as_of) await putEntry(tx, 'members', c.member_id, { ...old.item, points: old.item.points + c.delta }, c.seq);
      } else if (c.kind === 'member_promotion' && c.member_id && c.promotion_id && typeof c.applications === 'number') {
        const old = await findEntry<StoredMember>(tx, 'members', c.member_id);
        if (old?.item && c.seq > old.as_of) {
          // A total, and totals only grow: a page read before a newer push answer never lowers it.
          const promotions = { ...old.item.promotions, [c.promotion_id]: Math.max(old.item.promotions?.[c.promotion_id] ?? 0, c.applications) };
          await putEntry(tx, 'members', c.member_id, { ...old.item, promotions }, c.seq);
        }
      }
    }
    void tx.objectStore('meta').put(cursor, 'members_cursor');
    await tx.done;
  });
  if (changes.length > 0) phoneIndex = null;
}

// Phone number → member id, built in memory from the members cache at the first phone lookup
// (members are stored by member id); rebuilt after the members changed, and once on a miss (another
// tab may have pulled new members).
let phoneIndex: Map<string, string> | null = null;

async function memberById(id: string): Promise<Member | undefined> {
  const found = await findEntry<StoredMember>(await chunked(), 'members', id);
  return found?.item ? { ...found.item, points_as_of: found.as_of } : undefined;
}

/**
 * Finds a member on the device, offline too: by member id (what a member card or its QR code
 * holds, e.g. "M000001"; letters in any case) or by phone number (11 digits; spaces, dashes and a
 * leading +86 / 86 are ignored). Undefined when the device knows no such member (a member who
 * joined on another device appears after the next members pull). The result carries the tier
 * and the points balance as the device last heard it (`points`, as of feed seq `points_as_of`).
 * The first phone lookup after the members changed builds an index in memory (~0.1 s for 50,000).
 */
export async function findMember(codeOrPhone: string): Promise<Member | undefined> {
  const raw = codeOrPhone.trim();
  if (!raw) return undefined;
  const byId = (await memberById(raw)) ?? (await memberById(raw.toUpperCase()));
  if (byId) return byId;
  let phone = raw.replace(/[\s-]/g, '');
  if (/^\+?86\d{11}$/.test(phone)) phone = phone.replace(/^\+?86/, '');
  if (!/^\d{5,15}$/.test(phone)) return undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!phoneIndex || attempt === 1) {
      phoneIndex = new Map((await allItems<StoredMember>(await chunked(), 'members')).map((m) => [m.phone, m.member_id]));
    }
    const id = phoneIndex.get(phone);
    if (id) return memberById(id);
  }
  return undefined;
}

export async function memberCount(): Promise<number> {
  return countOf(await chunked(), 'members');
}

// ---- stock levels of the device's store (scope stock:<store>)

export interface StockChange {
  seq: number;
  kind: string;
  movements?: { sku: string; delta: number }[];
}

/**
 * Applies one page of the store's stock feed and its cursor in one transaction: per SKU, the sum
 * of the movements its balance does not include yet (seq after its `as_of`), one write per SKU (a
 * page of 1,000 sales of the same three items is three writes, not 3,000).
 */
export async function applyStockPage(changes: StockChange[], cursor: number): Promise<void> {
  const bySku = new Map<string, { seq: number; delta: number }[]>();
  for (const c of changes) {
    if (c.kind !== 'stock') continue;
    for (const m of c.movements ?? []) {
      if (!bySku.has(m.sku)) bySku.set(m.sku, []);
      bySku.get(m.sku)!.push({ seq: c.seq, delta: m.delta });
    }
  }
  await withWarmChunks('stock', [...bySku.keys()], async () => {
    const tx = await cacheTx();
    for (const [sku, moves] of bySku) {
      const before = await findEntry<number>(tx, 'stock', sku);
      const asOf = before?.item != null ? before.as_of : 0;
      let qty = before?.item ?? 0;
      let last = asOf;
      for (const m of moves) {
        if (m.seq <= asOf) continue;
        qty += m.delta;
        last = Math.max(last, m.seq);
      }
      if (last > asOf) await putEntry(tx, 'stock', sku, qty, last, { before });
    }
    void tx.objectStore('meta').put(cursor, 'stock_cursor');
    await tx.done;
  });
}

/** The store's stock of a SKU as the device last heard it (undefined: not cached yet). */
export async function stockLevel(sku: string): Promise<StockLevel | undefined> {
  const found = await findEntry<number>(await chunked(), 'stock', sku);
  return found && found.item !== null ? { sku, qty: found.item, as_of: found.as_of } : undefined;
}

/**
 * Reads, changes and writes meta[key] in one transaction (tabs of the app never lose each other's
 * changes); `queued(opId)` says whether an op is still in the outbox.
 */
export async function updateMeta<T>(key: string, change: (value: T | undefined, queued: (opId: string) => Promise<boolean>) => Promise<T>): Promise<T> {
  const tx = (await db()).transaction(['meta', 'outbox'], 'readwrite');
  const value = (await tx.objectStore('meta').get(key)) as T | undefined;
  const next = await change(value, async (opId) => (await tx.objectStore('outbox').getKey(opId)) !== undefined);
  void tx.objectStore('meta').put(next, key);
  await tx.done;
  return next;
}

/**
 * Keeps the chain-wide stock views of at most `most` SKUs: past that, drops those the server read
 * longest ago (`as_of`) down to `keep`, in one transaction (so the reading and sorting is done once
 * per `most - keep` new items, not for each); returns how many were dropped.
 */
export async function pruneChainStock(most: number, keep: number): Promise<number> {
  const range = IDBKeyRange.bound('chain_stock:', 'chain_stock:\uffff');
  if ((await (await db()).count('meta', range)) <= most) return 0;
  const tx = (await db()).transaction('meta', 'readwrite');
  const count = await tx.store.count(range);
  const [keys, views] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
  const asOf = (i: number) => String((views[i] as { as_of?: unknown } | undefined)?.as_of ?? '');
  const oldest = keys.map((_, i) => i).sort((a, b) => (asOf(a) < asOf(b) ? -1 : asOf(a) > asOf(b) ? 1 : 0));
  const drop = Math.max(0, count - keep);
  for (const i of oldest.slice(0, drop)) void tx.store.delete(keys[i]!);
  await tx.done;
  return drop;
}

/** How many SKUs the device keeps a chain-wide stock view of (web/src/chain_stock.ts). */
export async function chainStockCount(): Promise<number> {
  return (await db()).count('meta', IDBKeyRange.bound('chain_stock:', 'chain_stock:\uffff'));
}

export async function stockCount(): Promise<number> {
  return countOf(await chunked(), 'stock');
}

// ---- outbox

/**
 * Queues a completed sale and keeps its receipt, atomically. The op gets the device's next
 * sequence number and clock stamp in the same transaction, so no two ops share either.
 */
export async function queueSale(op: NewOperation, record: SaleRecord): Promise<void> {
  await queue(op, record);
}

/** Queues any other operation (drawer movements, feedback) the same way. */
export async function queueOp(op: NewOperation): Promise<void> {
  await queue(op, null);
}

async function queue(op: NewOperation, record: SaleRecord | null): Promise<void> {
  await queueAll([op], record ? [record] : []);
}

/** Queues ops in order (each its own sequence number and clock stamp) and keeps records, in one transaction. */
async function queueAll(ops: NewOperation[], records: SaleRecord[]): Promise<void> {
  const tx = (await db()).transaction(['outbox', 'sales', 'meta'], 'readwrite');
  const meta = tx.objectStore('meta');
  let seq = ((await meta.get('device_seq')) as number | undefined) ?? 0;
  let stamp = parseHlc(await meta.get('hlc'));
  for (const op of ops) {
    stamp = tick(stamp, Date.now());
    seq += 1;
    void tx.objectStore('outbox').add({ ...op, device_seq: seq, hlc: formatHlc(stamp) });
  }
  void meta.put(seq, 'device_seq');
  if (stamp) void meta.put(formatHlc(stamp), 'hlc');
  for (const r of records) void tx.objectStore('sales').put(r);
  await tx.done;
}

/** Moves the device's clock past a stamp the server sent (never backwards). */
export async function observeHlc(remote: string | undefined): Promise<void> {
  const tx = (await db()).transaction('meta', 'readwrite');
  const last = parseHlc(await tx.store.get('hlc'));
  const next = observe(last, parseHlc(remote));
  if (next && next !== last) void tx.store.put(formatHlc(next), 'hlc');
  await tx.done;
}

/** The oldest `limit` queued ops, or the oldest after op `after` (op ids are UUIDv7: key order is creation order). */
export async function outboxBatch(limit: number, after?: string): Promise<Operation[]> {
  return (await db()).getAll('outbox', after === undefined ? null : IDBKeyRange.lowerBound(after, true), limit);
}

export async function outboxCount(): Promise<number> {
  return (await db()).count('outbox');
}

/**
 * Forgets acknowledged ops and moves rejected ones, in one transaction. When the acknowledged ops
 * are exactly the outbox's keys from the first to the last of them (the usual case: a batch is
 * the oldest ops), one range delete replaces one request per op (docs/benchmarks.md, "Drain").
 */
export async function acknowledge(opIds: string[], rejected: RejectedOperation[]): Promise<void> {
  const tx = (await db()).transaction(['outbox', 'rejected'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const sorted = [...opIds].sort();
  const range = sorted.length > 1 ? IDBKeyRange.bound(sorted[0]!, sorted[sorted.length - 1]!) : null;
  if (range && new Set(sorted).size === sorted.length && (await outbox.count(range)) === sorted.length) void outbox.delete(range);
  else for (const id of opIds) void outbox.delete(id);
  for (const r of rejected) {
    void tx.objectStore('rejected').put(r);
    void outbox.delete(r.op_id);
  }
  await tx.done;
}

export async function rejectedOps(): Promise<RejectedOperation[]> {
  return (await db()).getAll('rejected');
}

export async function rejectedCount(): Promise<number> {
  return (await db()).count('rejected');
}

// ---- sales kept for receipts and returns

export async function saleRecord(saleId: string): Promise<SaleRecord | undefined> {
  return (await db()).get('sales', saleId);
}

/** The device's latest sales, newest first (sale ids are UUIDv7: key order is time order). */
export async function recentSales(limit: number): Promise<SaleRecord[]> {
  const out: SaleRecord[] = [];
  let cursor = await (await db()).transaction('sales').store.openCursor(null, 'prev');
  while (cursor && out.length < limit) {
    out.push(cursor.value);
    cursor = await cursor.continue();
  }
  return out;
}

export async function inOutbox(opId: string): Promise<boolean> {
  return (await (await db()).getKey('outbox', opId)) !== undefined;
}

/** Queues a return and, when the sale is this device's, records it on the sale, atomically. */
export async function queueReturn(op: NewOperation, sale: SaleRecord | null): Promise<void> {
  await queue(op, sale);
}

/** An exchange: the return and the new sale (which names the return in depends_on), atomically. */
export async function queueExchange(returnOp: NewOperation, saleOp: NewOperation, records: SaleRecord[]): Promise<void> {
  await queueAll([returnOp, saleOp], records);
}
