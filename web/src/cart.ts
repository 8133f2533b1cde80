// The cart being sold: lines (barcode, quantity or grams, product snapshot), kept in
// localStorage so a reload or a forced sign-in does not lose it. Prices are never computed
// here: priced() asks the WASM core.

import { priceCart, type Result } from './core';
import { currentRules } from './rules';
import { session } from './session';
import type { CartLine, PricedCart, Product } from './types';

const key = 'aisle.cart';
let lines: CartLine[] = load();
const listeners = new Set<() => void>();

function load(): CartLine[] {
  try {
    const raw = localStorage.getItem(key);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? (parsed as CartLine[]) : [];
  } catch {
    return [];
  }
}

function changed(): void {
  localStorage.setItem(key, JSON.stringify(lines));
  for (const fn of listeners) fn();
}

export function onCartChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function cartLines(): readonly CartLine[] {
  return lines;
}

/** Adds a scanned unit product (one more if it is already in the cart) or a weighed one. */
export function addProduct(product: Product, qty: number): void {
  const existing = product.sold_by === 'unit' ? lines.find((l) => l.barcode === product.barcode) : undefined;
  if (existing) existing.qty += qty;
  else lines.push({ barcode: product.barcode, qty, product });
  changed();
}

export function setQty(index: number, qty: number): void {
  const line = lines[index];
  if (!line || qty < 1) return;
  line.qty = qty;
  changed();
}

export function removeLine(index: number): void {
  lines.splice(index, 1);
  changed();
}

export function clearCart(): void {
  lines = [];
  changed();
}

/** The cart priced now (or at `at`) with the current rules, for the signed-in store. */
export function priced(currency: string, at: Date = new Date()): Result<PricedCart> {
  return priceCart(currency, lines, currentRules(), { now: at, storeId: session()?.store.store_id ?? '' });
}
