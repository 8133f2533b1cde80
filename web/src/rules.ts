// The pricing rules the terminal prices with (docs/pricing.md): the latest document of the
// server's promotions feed, kept in IndexedDB so a cart is priced with promotions offline too.
// The sale records the version it was priced with; the server re-prices it with that version.

import { getMeta, setMeta } from './db';

export interface RulesDocument {
  version: string;
  [field: string]: unknown;
}

let current: RulesDocument | null = null;

/** Reads the stored rules into memory (once at start). */
export async function loadRules(): Promise<void> {
  current = (await getMeta<RulesDocument>('rules')) ?? null;
}

/** The rules to price with now, or null when the server has published none yet. */
export function currentRules(): RulesDocument | null {
  return current;
}

export async function promotionsCursor(): Promise<number> {
  return (await getMeta<number>('promotions_cursor')) ?? 0;
}

/** Keeps the newest rules (null: none new) and the feed cursor they came with. */
export async function saveRules(rules: RulesDocument | null, cursor: number): Promise<void> {
  if (rules) await setMeta('rules', rules);
  await setMeta('promotions_cursor', cursor);
  if (rules) current = rules;
}
