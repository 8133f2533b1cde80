// Shapes exchanged with aisled and the WASM core. Money is integer minor units (fen).

export type SoldBy = 'unit' | 'weight';

export interface Product {
  sku: string;
  barcode: string;
  name_zh: string;
  name_en: string;
  category: string;
  brand?: string;
  /** Per unit, or per kilogram when sold_by is "weight". */
  price: number;
  tax_rate_bp: number;
  sold_by: SoldBy;
  currency: string;
}

/** A member as the device caches it (IndexedDB `members`; db.ts findMember). */
export interface Member {
  member_id: string;
  phone: string;
  name: string;
  tier: string;
  /** The points balance as the device last heard it (a sum of points movements). */
  points: number;
  /** The feed seq that balance includes movements up to. */
  points_as_of: number;
  /** How often they had each per-member capped promotion, as the device last heard (absent: never). */
  promotions?: Record<string, number>;
}

/** The device's store's stock of one SKU (IndexedDB `stock`), as of feed seq `as_of`. */
export interface StockLevel {
  sku: string;
  qty: number;
  as_of: number;
}

export interface Staff {
  staff_code: string;
  name: string;
  role: string;
  store_id: string;
}

export interface Store {
  store_id: string;
  name_zh: string;
  name_en: string;
  currency: string;
}

export interface Session {
  token: string;
  expires_at: string;
  staff: Staff;
  store: Store;
  /** What the staff member's role may do (docs/security.md); absent in sessions saved before. */
  permissions?: string[];
  /** The role's limits (docs/security.md); absent in sessions saved before. */
  limits?: { max_discount_bp: number; max_refund_without_approval: number };
  /** Signed in against the device's verifier cache, without the server: no token to sync with. */
  offline?: boolean;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
}

/** A cart line as the associate built it; its price comes from the core. */
export interface CartLine {
  barcode: string;
  /** Units, or grams when sold by weight. */
  qty: number;
  product: Product;
  /** A price change by the associate: a new unit price, or a discount in basis points, and why. */
  override_price?: number;
  manual_discount_bp?: number;
  override_reason?: string;
}

export interface PricedLine {
  barcode: string;
  qty: number;
  unit_price: number;
  tax_rate_bp: number;
  sold_by: SoldBy;
  /** The line at its price before promotions, what they took off, and after. */
  list_amount?: number;
  discount?: number;
  gross: number;
  net: number;
  tax: number;
  promotions?: { id: string; discount: number }[];
  /** catalog | price_list | member_price | override | manual_discount */
  price_source?: string;
  /** A manual discount: its basis points and the unit price it was taken off. */
  manual_discount_bp?: number;
  undiscounted_unit_price?: number;
}

/** One promotion the engine applied, with what it took off (docs/pricing.md). */
export interface Adjustment {
  id: string;
  type: string;
  layer: number;
  name?: { zh: string; en: string };
  applications: number;
  discount: number;
  lines?: { line: number; units: number; discount: number }[];
}

/** Layer 5 of the pricing: the member's points (docs/pricing.md, "Points"). */
export interface PricedPoints {
  balance: number;
  redeemable_points: number;
  redeemable_value: number;
  requested_points: number;
  redeemed_points: number;
  redeemed_value: number;
  earned: number;
  balance_after: number;
}

/** A presented coupon code as the engine answered for it (docs/pricing.md, layer 4). */
export interface PricedCoupon {
  code: string;
  coupon_id: string;
  applied: boolean;
  discount?: number;
  reason?: string;
}

export interface PricedCart {
  currency: string;
  points?: PricedPoints;
  coupons?: PricedCoupon[];
  lines: PricedLine[];
  adjustments?: Adjustment[];
  rules_version?: string;
  list_total?: number;
  discount?: number;
  /** Sum of the lines, before cash rounding; amount_due is what the customer pays. */
  total: number;
  amount_due?: number;
  net: number;
  tax: number;
  units: number;
}

export interface SaleLine {
  barcode: string;
  qty: number;
  /** The price charged; with manual_discount_bp, the price the discount was taken off. */
  unit_price: number;
  override_reason?: string;
  manual_discount_bp?: number;
}

export interface SalePayload {
  sale_id: string;
  currency: string;
  lines: SaleLine[];
  tenders: { type: string; amount: number }[];
  total: number;
  /** The pricing rules version and the instant the cart was priced at (absent: no rules). */
  rules_version?: string;
  priced_at?: string;
  /** Units scanned and taken off before payment, the approvals they needed, the drawer. */
  voided_lines?: SaleLine[];
  approvals?: unknown[];
  drawer_session_id?: string;
  /** Coupon codes presented (the server re-prices with them and records those that applied). */
  coupons?: { code: string; coupon_id: string }[];
  /** The member the sale is for, their tier, and the points as the device priced them. */
  member_id?: string;
  member_tier?: string;
  points?: { balance: number; redeem: number };
}

/** drawer.opened / drawer.moved / drawer.closed (docs/api.md). */
export interface DrawerOpPayload {
  session_id: string;
  float?: number;
  kind?: 'pay_in' | 'paid_out' | 'no_sale';
  amount?: number;
  reason?: string;
  counted?: { type: string; amount: number }[];
  approvals?: unknown[];
}

/** One business operation queued in the outbox until the server acknowledges it. */
export interface Operation {
  op_id: string;
  type: 'sale.completed' | 'sale.returned' | 'drawer.opened' | 'drawer.moved' | 'drawer.closed';
  store_id: string;
  device_id: string;
  /** Who did it, when another associate than the session's (an offline sign-in). */
  staff_id?: string;
  depends_on?: string[];
  /** 1, 2, 3 ... per device install, given when the op is queued (docs/sync.md). */
  device_seq: number;
  device_time: string;
  /** The device's hybrid logical clock at that moment (hlc.ts). */
  hlc: string;
  payload: SalePayload | ReturnPayload | DrawerOpPayload;
}

/** An operation before the outbox numbers and stamps it. */
export type NewOperation = Omit<Operation, 'device_seq' | 'hlc'>;

export interface RejectedOperation {
  op_id: string;
  op: Operation;
  error: ApiErrorBody | null;
  rejected_at: string;
}

/** What the device keeps of a sale to show its receipt (not sent to the server). */
export interface SaleRecord {
  sale_id: string;
  op_id: string;
  device_time: string;
  store: Store;
  staff: Staff;
  priced: PricedCart;
  /** Product names as sold, by barcode. */
  names: Record<string, { name_zh: string; name_en: string }>;
  tendered: number;
  change: number;
  /** The member, when the sale was for one. */
  member?: { member_id: string; name: string; tier: string };
  /** The new sale of an exchange: the return's credit, and what was given back beyond it. */
  exchange?: { return_id: string; credit: number; back: number };
  /** The priceCart request it was priced with (a return prices the units kept with it). */
  request?: unknown;
  /** Returns made of it on this device, in order (what a return offline replays). */
  returns?: { return_id: string; op_id: string; items: ReturnItemRecord[] }[];
}

export interface ReturnItemRecord {
  line: number;
  qty: number;
}

/** sale.returned (docs/api.md): units of an earlier sale of any store come back. */
export interface ReturnPayload {
  return_id: string;
  /** The sale; absent for a return without a receipt (`no_receipt`, with `lines` instead of `items`). */
  sale_id?: string;
  no_receipt?: boolean;
  lines?: { barcode: string; qty: number }[];
  currency: string;
  items?: ReturnItemRecord[];
  /** The money paid back (the core's refund_money) and how. */
  refund: number;
  tenders: { type: string; amount: number }[];
  reason: string;
  approvals?: unknown[];
  drawer_session_id?: string;
}

/** The server's answer for one pushed op (docs/api.md, "Sync"). */
export interface PushResult {
  op_id: string;
  status: 'applied' | 'duplicate' | 'accepted_with_exception' | 'held' | 'rejected' | string;
  error?: ApiErrorBody;
  /** A sale that took units of capped promotions: each one's chain-wide count after it. */
  promotion_usage?: Record<string, number>;
  /** A member's sale that had per-member capped promotions: how often the member has had each now. */
  member_applications?: Record<string, number>;
  /** duplicate: the first answer. */
  first?: { promotion_usage?: Record<string, number>; member_applications?: Record<string, number> };
}
