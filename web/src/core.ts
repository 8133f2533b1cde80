// The C++ core compiled to WebAssembly: the only place where the terminal prices a cart,
// checks a barcode or works out change. Loaded once from /wasm/core.js (emscripten,
// MODULARIZE, non-ES6, so it defines the global createAisleCore) and /wasm/core.wasm, both
// precached by the service worker. Each function takes and returns JSON text; an answer of the
// form {"error":{…}} becomes a CoreError.

import type { RulesDocument } from './rules';
import type { ApiErrorBody, CartLine, PricedCart, SoldBy } from './types';

interface AisleCoreModule {
  priceCart(json: string): string;
  loadRules(json: string): string;
  normalizeBarcode(code: string): string;
  cashChange(json: string): string;
  drawerReport(json: string): string;
  escposEncode(json: string): string;
  priceReturn(json: string): string;
  priceExchange(json: string): string;
}

declare global {
  interface Window {
    createAisleCore?: (options: { locateFile: (file: string) => string }) => Promise<AisleCoreModule>;
  }
}

export class CoreError extends Error {
  constructor(readonly body: ApiErrorBody) {
    super(body.message || body.code);
  }
  get code(): string {
    return this.body.code;
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

let corePromise: Promise<AisleCoreModule> | null = null;
let core: AisleCoreModule | null = null;

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const el = document.createElement('script');
    el.src = src;
    el.async = true;
    el.onload = () => resolve();
    el.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(el);
  });
}

/** Loads the core (once). Rejects when the script or the module cannot be loaded. */
export function loadCore(): Promise<void> {
  corePromise ??= (async () => {
    if (!window.createAisleCore) await loadScript('/wasm/core.js');
    const create = window.createAisleCore;
    if (!create) throw new Error('/wasm/core.js did not define createAisleCore');
    const m = await create({ locateFile: (f) => `/wasm/${f}` });
    core = m;
    return m;
  })();
  corePromise.catch(() => {
    corePromise = null;
  });
  return corePromise.then(() => undefined);
}

export function coreReady(): boolean {
  return core !== null;
}

function call<T>(fn: (m: AisleCoreModule) => string): Result<T> {
  if (!core) return { ok: false, error: { code: 'core_not_loaded', message: 'pricing engine not loaded' } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fn(core));
  } catch (e) {
    return { ok: false, error: { code: 'core_failure', message: e instanceof Error ? e.message : String(e) } };
  }
  const err = (parsed as { error?: ApiErrorBody }).error;
  if (err) return { ok: false, error: err };
  return { ok: true, value: parsed as T };
}

/** An instant as the engine reads it: ISO 8601 UTC in whole seconds ("2026-11-24T10:00:00Z"). */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Who and where a cart is priced for: promotions depend on the time, the store and the member tier. */
export interface PricingContext {
  now: Date;
  storeId: string;
  memberTier?: string;
  /** The member's points balance and the points to pay with (docs/pricing.md, "Points"). */
  points?: { balance: number; redeem?: number };
  /** Coupon codes presented (layer 4): the engine chooses which apply and says why not for the others. */
  coupons?: readonly { code: string; coupon_id: string }[];
  /** Units capped promotions already sold elsewhere (docs/sync.md, "Conflicts"). */
  promotionUsed?: Record<string, number>;
  /** Applications of per-member capped promotions the member already had (docs/pricing.md, `per_member`). */
  memberApplications?: Record<string, number>;
}

/** The priceCart request of a cart: what the sale keeps so a return can price it again. */
export function cartRequest(
  currency: string,
  lines: readonly CartLine[],
  rules: RulesDocument | null,
  context: PricingContext,
): Record<string, unknown> {
  return {
    currency,
    lines: lines.map((l) => ({
      barcode: l.barcode,
      sku: l.product.sku,
      category: l.product.category,
      brand: l.product.brand,
      qty: l.qty,
      unit_price: l.product.price,
      tax_rate_bp: l.product.tax_rate_bp,
      sold_by: l.product.sold_by,
      ...(l.override_price !== undefined ? { override_price: l.override_price } : {}),
      ...(l.manual_discount_bp ? { manual_discount_bp: l.manual_discount_bp } : {}),
      ...(l.override_reason ? { override_reason: l.override_reason } : {}),
    })),
    ...(rules
      ? {
          rules,
          context: {
            now: isoSeconds(context.now),
            store_id: context.storeId,
            member_tier: context.memberTier ?? null,
            ...(context.promotionUsed && Object.keys(context.promotionUsed).length ? { promotion_used: context.promotionUsed } : {}),
            ...(context.memberApplications && Object.keys(context.memberApplications).length ? { member_applications: context.memberApplications } : {}),
          },
          ...(context.points ? { points: context.points } : {}),
          ...(context.coupons ? { coupons: context.coupons } : {}),
        }
      : {}),
  };
}

// The rules documents loaded into the core (loadRules: read, checked and
// compiled once), by the document object: the terminal prices every scan with
// the same rules, and reading a large document each time would cost more than
// the pricing (docs/benchmarks.md). A rules document is never changed in
// place: new rules, or an edited draft, are a new object.
const loadedRules = new WeakMap<object, string>();

function rulesId(rules: RulesDocument, again: boolean): Result<string> {
  const known = again ? undefined : loadedRules.get(rules);
  if (known) return { ok: true, value: known };
  const r = call<{ rules_id: string }>((m) => m.loadRules(JSON.stringify(rules)));
  if (!r.ok) return r;
  loadedRules.set(rules, r.value.rules_id);
  return { ok: true, value: r.value.rules_id };
}

export function priceCart(
  currency: string,
  lines: readonly CartLine[],
  rules: RulesDocument | null,
  context: PricingContext,
): Result<PricedCart> {
  const { rules: _document, ...input } = cartRequest(currency, lines, rules, context);
  if (!rules) return call<PricedCart>((m) => m.priceCart(JSON.stringify(input)));
  // The core keeps the last few documents loaded: one it forgot is loaded again.
  for (let again = false; ; again = true) {
    const id = rulesId(rules, again);
    if (!id.ok) return id;
    const r = call<PricedCart>((m) => m.priceCart(JSON.stringify({ ...input, rules_id: id.value })));
    if (r.ok || r.error.code !== 'rules_not_loaded' || again) return r;
  }
}

/** Units of a sale coming back: line index (0-based) and quantity. */
export interface ReturnItem {
  line: number;
  qty: number;
}

/** The refund of a return, priced by the core from the sale's request (docs/pricing.md). */
export interface PricedReturn {
  currency: string;
  lines: { line: number; barcode: string; sku?: string; qty: number; sold_by: SoldBy; paid: number; refund: number; points_value: number; tax: number; points_reversed: number }[];
  refund: number;
  refund_money: number;
  refund_tax: number;
  points_returned: number;
  points_value_returned: number;
  points_reversed: number;
  paid_total: number;
  kept_total: number;
  refunded_before: number;
  refundable_left: number;
  fully_returned: boolean;
}

/** An exchange settled by the core: `due` > 0 the customer pays it, < 0 it is given back. */
export function priceExchange(returnInput: unknown, sale: unknown): Result<{ due: number }> {
  return call((m) => m.priceExchange(JSON.stringify({ return: returnInput, sale })));
}

export function priceReturn(sale: unknown, earlier: ReturnItem[][], returning: ReturnItem[]): Result<PricedReturn> {
  return call((m) => m.priceReturn(JSON.stringify({ sale, earlier_returns: earlier, returning })));
}

export function normalizeBarcode(code: string): Result<{ barcode: string; symbology: string }> {
  return call((m) => m.normalizeBarcode(code));
}

export function cashChange(total: number, tendered: number): Result<{ change: number }> {
  return call((m) => m.cashChange(JSON.stringify({ total, tendered })));
}

export interface DrawerMovement {
  kind: 'sale' | 'refund' | 'pay_in' | 'paid_out' | 'no_sale';
  tender: string;
  amount: number;
}

export interface DrawerReport {
  report: 'X' | 'Z';
  currency: string;
  float: number;
  sales: number;
  pay_ins: number;
  paid_outs: number;
  no_sales: number;
  tenders: { tender: string; expected: number; counted?: number; variance?: number }[];
  variance?: number;
}

/** The X report (no count) or Z report (with the blind count) of a drawer session (core/drawer.h). */
export function drawerReport(
  currency: string,
  float: number,
  movements: DrawerMovement[],
  counted?: { type: string; amount: number }[],
): Result<DrawerReport> {
  return call((m) => m.drawerReport(JSON.stringify({ currency, float, movements, ...(counted ? { counted } : {}) })));
}

/** One line of a print document (core/escpos.h, docs/printing.md). */
export type PrintLine =
  | { type: 'text'; text: string; align?: 'left' | 'center' | 'right'; bold?: boolean; double?: boolean }
  | { type: 'row'; left: string; right: string; bold?: boolean }
  | { type: 'rule'; char?: string }
  | { type: 'qr'; data: string; size?: number; ec?: 'L' | 'M' | 'Q' | 'H' }
  | { type: 'feed'; lines?: number }
  | { type: 'cut'; partial?: boolean };

export type PrintEncoding = 'gb18030' | 'utf8';

/** Paper width in columns (32 for 58 mm, 48 for 80 mm), the printer's encoding and the lines. */
export interface PrintDocument {
  columns: number;
  encoding: PrintEncoding;
  lines: PrintLine[];
}

/** The ESC/POS bytes of a document, laid out and encoded by the core. */
export function escposEncode(doc: PrintDocument): Result<Uint8Array> {
  const r = call<{ bytes: number; data: string }>((m) => m.escposEncode(JSON.stringify(doc)));
  if (!r.ok) return r;
  const raw = atob(r.value.data);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return { ok: true, value: bytes };
}

/** Base64 of bytes, as POST /api/v1/print takes them. */
export function toBase64(bytes: Uint8Array): string {
  let raw = '';
  for (let i = 0; i < bytes.length; i += 0x8000) raw += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(raw);
}
