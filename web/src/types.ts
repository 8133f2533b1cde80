// Shapes exchanged with aisled and the WASM core. Money is integer minor units (fen).

export type SoldBy = 'unit' | 'weight';

export interface Product {
  sku: string;
  barcode: string;
  name_zh: string;
  name_en: string;
  category: string;
  /** Per unit, or per kilogram when sold_by is "weight". */
  price: number;
  tax_rate_bp: number;
  sold_by: SoldBy;
  currency: string;
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
}

export interface PricedLine {
  barcode: string;
  qty: number;
  unit_price: number;
  tax_rate_bp: number;
  sold_by: SoldBy;
  gross: number;
  net: number;
  tax: number;
}

export interface PricedCart {
  currency: string;
  lines: PricedLine[];
  total: number;
  net: number;
  tax: number;
  units: number;
}

export interface SaleLine {
  barcode: string;
  qty: number;
  unit_price: number;
}

export interface SalePayload {
  sale_id: string;
  currency: string;
  lines: SaleLine[];
  tenders: { type: 'cash'; amount: number }[];
  total: number;
}

/** One business operation queued in the outbox until the server acknowledges it. */
export interface Operation {
  op_id: string;
  type: 'sale.completed';
  store_id: string;
  device_id: string;
  device_time: string;
  payload: SalePayload;
}

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
}
