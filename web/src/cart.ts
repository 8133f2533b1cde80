// The cart being sold: lines (barcode, quantity or grams, product snapshot), kept in
// localStorage so a reload or a forced sign-in does not lose it. Prices are never computed
// here: priced() asks the WASM core. The cart also keeps its sale id (made at the first scan, so
// a manager's approval can name the sale before it is paid), the units voided before payment and
// the approvals given for them: all travel in the sale operation (docs/security.md).

import { cartRequest, priceCart, type Result } from './core';
import { capCounts, currentRules, type CapCounts } from './rules';
import { session } from './session';
import type { CartLine, PricedCart, PricedLine, Product, SaleLine } from './types';
import { uuidv7 } from './uuid';
import type { Approval } from './verifiers';

export interface VoidedLine {
  barcode: string;
  qty: number;
  unit_price: number;
}

/** The member the cart is for: their tier prices it, their points may pay part of it. */
export interface CartMember {
  member_id: string;
  name: string;
  tier: string;
  /** The balance as the device last heard it. */
  points: number;
  /** Coupon codes in their wallet (from the server when online), to tap onto the sale. */
  wallet?: CartCoupon[];
  /** Per-member capped promotions they already had (the members cache). */
  promotions?: Record<string, number>;
}

/**
 * The return half of an exchange, waiting for the new sale: its refund becomes a credit on this
 * cart, and both operations are queued together when the sale is paid (docs/web.md).
 */
export interface PendingExchange {
  return_id: string;
  sale_id: string;
  items: { line: number; qty: number }[];
  /** The money the return gives back (the core's refund_money). */
  credit: number;
  reason: string;
  approvals: unknown[];
  /** The sale's op when it still waits in this device's outbox (the return is queued after it). */
  depends_on?: string[];
  /** What priceReturn took: the core settles the exchange from it (priceExchange). */
  returnInput: { sale: unknown; earlier_returns: unknown[]; returning: unknown[] };
}

interface CartExtra {
  saleId: string;
  voided: VoidedLine[];
  approvals: Approval[];
  member?: CartMember;
  exchange?: PendingExchange;
  /** Coupon codes the customer presented (docs/pricing.md, layer 4): the engine decides which apply. */
  coupons?: CartCoupon[];
}

export interface CartCoupon {
  code: string;
  coupon_id: string;
}

const key = 'aisle.cart';
const extraKey = 'aisle.cart.extra';
let lines: CartLine[] = load();
let extra: CartExtra = loadExtra();
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

function loadExtra(): CartExtra {
  try {
    const parsed = JSON.parse(localStorage.getItem(extraKey) ?? 'null') as Partial<CartExtra> | null;
    if (parsed && Array.isArray(parsed.voided) && Array.isArray(parsed.approvals)) {
      return {
        saleId: parsed.saleId ?? '',
        voided: parsed.voided,
        approvals: parsed.approvals,
        ...(parsed.member ? { member: parsed.member } : {}),
        ...(parsed.exchange ? { exchange: parsed.exchange } : {}),
        ...(Array.isArray(parsed.coupons) ? { coupons: parsed.coupons } : {}),
      };
    }
  } catch {
    // a fresh cart
  }
  return { saleId: '', voided: [], approvals: [] };
}

function changed(): void {
  localStorage.setItem(key, JSON.stringify(lines));
  localStorage.setItem(extraKey, JSON.stringify(extra));
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

/** Takes `qty` units (default: the whole line) off the cart, recording them as voided. */
export function voidUnits(index: number, qty?: number): void {
  const line = lines[index];
  if (!line) return;
  const n = qty === undefined || qty >= line.qty || line.product.sold_by === 'weight' ? line.qty : qty;
  extra.voided.push({ barcode: line.barcode, qty: n, unit_price: line.product.price });
  if (n === line.qty) lines.splice(index, 1);
  else line.qty -= n;
  changed();
}

/**
 * Changes a line's price: a new unit price (an override) or a discount in basis points, with the
 * reason; `null` takes the change off. The manager's approval, when needed, is added by the caller.
 */
export function setLinePrice(index: number, change: { price?: number; discountBp?: number; reason: string } | null): void {
  const line = lines[index];
  if (!line) return;
  delete line.override_price;
  delete line.manual_discount_bp;
  delete line.override_reason;
  if (change) {
    if (change.discountBp) line.manual_discount_bp = change.discountBp;
    else if (change.price !== undefined) line.override_price = change.price;
    line.override_reason = change.reason;
  }
  changed();
}

/** Voids every line (the associate empties the cart before payment). */
export function voidAll(): void {
  while (lines.length > 0) voidUnits(0);
}

/**
 * A priced line as the sale operation carries it: the price charged, or for a manual discount the
 * price it was taken off and its basis points, so the server re-prices it the same way.
 */
export function saleLine(p: PricedLine, line: CartLine | undefined): SaleLine {
  const out: SaleLine = { barcode: p.barcode, qty: p.qty, unit_price: p.unit_price };
  if (line?.override_reason) out.override_reason = line.override_reason;
  if (p.manual_discount_bp && p.undiscounted_unit_price !== undefined) {
    out.unit_price = p.undiscounted_unit_price;
    out.manual_discount_bp = p.manual_discount_bp;
  }
  return out;
}

/** The sale id of the cart, made at first use and kept until the sale completes. */
export function cartSaleId(): string {
  if (!extra.saleId) {
    extra.saleId = uuidv7();
    changed();
  }
  return extra.saleId;
}

export function cartVoided(): readonly VoidedLine[] {
  return extra.voided;
}

export function cartApprovals(): readonly Approval[] {
  return extra.approvals;
}

export function addApproval(a: Approval): void {
  extra.approvals.push(a);
  changed();
}

/** After the sale is queued: a new cart, a new sale id. */
export function clearCart(): void {
  lines = [];
  extra = { saleId: '', voided: [], approvals: [] };
  changed();
}

export function cartCoupons(): readonly CartCoupon[] {
  return extra.coupons ?? [];
}

/**
 * The coupon template of the rules a code is for: the code is the coupon id, a dash and eight
 * characters of the server's alphabet (server/coupons.cpp); undefined when it is not such a code.
 */
export function couponTemplateOf(raw: string): { id: string; single_use?: boolean } | undefined {
  const code = raw.trim().toUpperCase();
  const cut = code.lastIndexOf('-');
  if (cut <= 0 || !/^[2-9A-HJKMNP-TV-Z]{8}$/.test(code.slice(cut + 1))) return undefined;
  const templates = (currentRules()?.coupons as { id: string; single_use?: boolean }[] | undefined) ?? [];
  return templates.find((c) => c.id === code.slice(0, cut));
}

/**
 * Adds a presented coupon code. A code names its coupon ("CPN-20-OFF-200-7K3M9QXD": the coupon
 * id, a dash, eight characters), so it is known offline; null when added, else why not.
 */
export function addCartCoupon(raw: string): 'coupon_unknown' | 'coupon_twice' | null {
  const code = raw.trim().toUpperCase();
  const template = couponTemplateOf(code);
  if (!template) return 'coupon_unknown';
  const couponId = template.id;
  if ((extra.coupons ?? []).some((c) => c.code === code)) return 'coupon_twice';
  extra.coupons = [...(extra.coupons ?? []), { code, coupon_id: couponId }];
  changed();
  return null;
}

export function removeCartCoupon(code: string): void {
  extra.coupons = (extra.coupons ?? []).filter((c) => c.code !== code);
  changed();
}

export function cartExchange(): PendingExchange | undefined {
  return extra.exchange;
}

export function setCartExchange(exchange: PendingExchange | undefined): void {
  if (exchange) extra.exchange = exchange;
  else delete extra.exchange;
  changed();
}

export function cartMember(): CartMember | undefined {
  return extra.member;
}

export function setCartMember(member: CartMember | undefined): void {
  if (member) extra.member = member;
  else delete extra.member;
  changed();
}

/**
 * Who and when the cart is priced for, the member's points (`redeem`: points to pay with) and what
 * capped promotions already gave (`counts`; default: what the device knows now).
 */
function context(at: Date, redeem?: number, counts: CapCounts = capCounts(extra.member)) {
  const m = extra.member;
  return {
    now: at,
    storeId: session()?.store.store_id ?? '',
    ...(m ? { memberTier: m.tier, points: { balance: m.points, ...(redeem ? { redeem } : {}) } } : {}),
    ...(extra.coupons?.length ? { coupons: extra.coupons } : {}),
    promotionUsed: counts.promotion_used,
    memberApplications: counts.member_applications,
  };
}

/** The cart priced now (or at `at`) with the current rules, for the signed-in store and member. */
export function priced(currency: string, at: Date = new Date(), redeem?: number, counts?: CapCounts): Result<PricedCart> {
  return priceCart(currency, lines, currentRules(), context(at, redeem, counts));
}

/** The request priced() sends the core: the sale keeps it for its returns. */
export function pricedRequest(currency: string, at: Date, redeem?: number, counts?: CapCounts): Record<string, unknown> {
  return cartRequest(currency, lines, currentRules(), context(at, redeem, counts));
}
