// The terminal's IndexedDB: the store's catalog (to sell offline), the outbox of operations
// not yet acknowledged by the server, operations the server rejected, the device's own record
// of its sales (for receipts), and small settings (device id, catalog cursor).
// Nothing is ever deleted from the outbox before the server has it durably (any answer but
// "rejected"; a rejected op moves to `rejected`).

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { formatHlc, observe, parseHlc, tick } from './hlc';
import type { NewOperation, Operation, Product, RejectedOperation, SaleRecord } from './types';

interface AisleDB extends DBSchema {
  products: { key: string; value: Product; indexes: { sku: string } };
  outbox: { key: string; value: Operation };
  rejected: { key: string; value: RejectedOperation };
  sales: { key: string; value: SaleRecord };
  meta: { key: string; value: unknown };
}

let dbPromise: Promise<IDBPDatabase<AisleDB>> | null = null;

export function db(): Promise<IDBPDatabase<AisleDB>> {
  dbPromise ??= openDB<AisleDB>('aisle', 1, {
    upgrade(d) {
      const products = d.createObjectStore('products', { keyPath: 'barcode' });
      products.createIndex('sku', 'sku');
      d.createObjectStore('outbox', { keyPath: 'op_id' });
      d.createObjectStore('rejected', { keyPath: 'op_id' });
      d.createObjectStore('sales', { keyPath: 'sale_id' });
      d.createObjectStore('meta');
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

// ---- catalog

export async function productByBarcode(barcode: string): Promise<Product | undefined> {
  return (await db()).get('products', barcode);
}

export async function allProducts(): Promise<Product[]> {
  return (await db()).getAll('products');
}

export async function productCount(): Promise<number> {
  return (await db()).count('products');
}

export interface CatalogChange {
  op: 'upsert' | 'delete';
  product?: Product;
  barcode?: string;
}

/** Applies one page of catalog changes and its cursor in a single transaction. */
export async function applyCatalogPage(changes: CatalogChange[], cursor: number): Promise<void> {
  const tx = (await db()).transaction(['products', 'meta'], 'readwrite');
  const products = tx.objectStore('products');
  for (const c of changes) {
    if (c.op === 'upsert' && c.product) void products.put(c.product);
    else if (c.op === 'delete') {
      const barcode = c.product?.barcode ?? c.barcode;
      if (barcode) void products.delete(barcode);
    }
  }
  void tx.objectStore('meta').put(cursor, 'catalog_cursor');
  await tx.done;
}

/** Forgets the catalog (when the device signs in to another store). */
export async function resetCatalog(storeId: string): Promise<void> {
  const tx = (await db()).transaction(['products', 'meta'], 'readwrite');
  void tx.objectStore('products').clear();
  void tx.objectStore('meta').put(0, 'catalog_cursor');
  void tx.objectStore('meta').put(storeId, 'catalog_store');
  await tx.done;
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
  const tx = (await db()).transaction(['outbox', 'sales', 'meta'], 'readwrite');
  const meta = tx.objectStore('meta');
  const seq = ((await meta.get('device_seq')) as number | undefined) ?? 0;
  const stamp = tick(parseHlc(await meta.get('hlc')), Date.now());
  const queued: Operation = { ...op, device_seq: seq + 1, hlc: formatHlc(stamp) };
  void meta.put(seq + 1, 'device_seq');
  void meta.put(queued.hlc, 'hlc');
  void tx.objectStore('outbox').add(queued);
  if (record) void tx.objectStore('sales').put(record);
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

/** The oldest queued operations first (op ids are UUIDv7, so key order is creation order). */
export async function outboxBatch(limit: number): Promise<Operation[]> {
  return (await db()).getAll('outbox', null, limit);
}

export async function outboxCount(): Promise<number> {
  return (await db()).count('outbox');
}

export async function acknowledge(opIds: string[], rejected: RejectedOperation[]): Promise<void> {
  const tx = (await db()).transaction(['outbox', 'rejected'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  for (const id of opIds) void outbox.delete(id);
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
