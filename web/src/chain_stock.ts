// A SKU's stock in every location of the chain (GET /api/v1/stock/{sku}, docs/api.md): asked for
// when an item is scanned or its stock is tapped, and kept in IndexedDB (meta `chain_stock:<sku>`),
// so a device offline still shows the other stores and the warehouse as it last saw them, with the
// age of that view (docs/sync.md, "The device's caches").

import { ApiError, NetworkError, request } from './api';
import { getMeta, pruneChainStock, setMeta } from './db';

export interface ChainStock {
  sku: string;
  /** When the server read it (ISO 8601). */
  as_of: string;
  cursor: number;
  locations: { location_id: string; kind: 'store' | 'warehouse'; name_zh: string; name_en: string; qty: number }[];
}

const fetchedAt = new Map<string, number>();
/** The device keeps the views of 2,000 SKUs at most (a few MB), the most recently read: past that, 1,800. */
const mostViews = 2000;
const keepViews = 1800;

/** Keeps the chain's view of an item just scanned, at most once a minute per SKU and only online. */
export function prefetchChainStock(sku: string): void {
  const now = Date.now();
  if (!navigator.onLine || now - (fetchedAt.get(sku) ?? 0) < 60_000) return;
  fetchedAt.set(sku, now);
  void chainStock(sku).catch(() => undefined);
}

/** The view from the server when it answers (and kept), else the last one kept (`live` false), or null. */
export async function chainStock(sku: string): Promise<{ view: ChainStock | null; live: boolean }> {
  try {
    const view = await request<ChainStock>('GET', `/api/v1/stock/${encodeURIComponent(sku)}`);
    await setMeta(`chain_stock:${sku}`, view);
    await setMeta('synced_at:chain', view.as_of);
    await pruneChainStock(mostViews, keepViews);
    return { view, live: true };
  } catch (e) {
    if (!(e instanceof NetworkError) && !(e instanceof ApiError && e.status >= 500)) throw e;
    return { view: (await getMeta<ChainStock>(`chain_stock:${sku}`)) ?? null, live: false };
  }
}
