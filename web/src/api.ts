// HTTP client for aisled (same origin). Every call carries the device's credential once it is
// enrolled (X-Aisle-Device), and every call but sign-in and enrollment the bearer token.
// Failures are split the way the sync loop needs them: ApiError (the server answered with an
// error body: do not retry blindly) and NetworkError (no answer: keep the work and retry).
// A 401 anywhere means the session is gone: the app goes back to sign-in, keeping the outbox.

import { deviceCredential, requestToken } from './session';
import type { RulesDocument } from './rules';
import type { ApiErrorBody, Product, PushResult, Session } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    readonly retryAfterSeconds: number | null,
  ) {
    super(body.message || body.code);
  }
  get code(): string {
    return this.body.code;
  }
}

export class NetworkError extends Error {}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
const reachabilityListeners = new Set<(reachable: boolean) => void>();

export function onUnauthorized(fn: Listener): void {
  unauthorizedListeners.add(fn);
}

/** Called with true whenever the server answered, false whenever a request got no answer. */
export function onReachability(fn: (reachable: boolean) => void): void {
  reachabilityListeners.add(fn);
}

function reachable(yes: boolean): void {
  for (const fn of reachabilityListeners) fn(yes);
}

/** Raw response of a call (for downloads such as the audit CSV); errors as for the JSON calls. */
export async function requestRaw(method: string, path: string, body?: unknown, auth = true): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const credential = deviceCredential();
  if (credential) headers['X-Aisle-Device'] = credential;
  if (auth) {
    const token = requestToken();
    if (!token) {
      for (const fn of unauthorizedListeners) fn();
      throw new ApiError(401, { code: 'unauthenticated', message: 'not signed in' }, null);
    }
    headers.Authorization = `Bearer ${token}`;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    reachable(false);
    throw new NetworkError(e instanceof Error ? e.message : String(e));
  }
  reachable(true);
  if (res.ok) return res;
  const text = await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  const err = (json as { error?: ApiErrorBody } | null)?.error ?? {
    code: `http_${res.status}`,
    message: text.slice(0, 200) || res.statusText,
  };
  const retry = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
  const apiError = new ApiError(res.status, err, Number.isFinite(retry) ? retry : null);
  if (res.status === 401 && auth) for (const fn of unauthorizedListeners) fn();
  throw apiError;
}

/** A JSON call: method, path (with query), optional body; auth = send the staff session's token. */
export async function request<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
  const res = await requestRaw(method, path, body, auth);
  const text = await res.text().catch(() => '');
  return (text ? JSON.parse(text) : null) as T;
}

/** A device joins the chain: a one-time code from the back office for its credential. */
export function enrollDevice(code: string, device_id: string) {
  return request<{ device_id: string; store_id: string; name: string; credential: string }>(
    'POST',
    '/api/v1/devices/enroll',
    { code, device_id },
    false,
  );
}

export function signIn(req: {
  store_id: string;
  device_id: string;
  staff_code: string;
  pin: string;
}): Promise<Session> {
  return request<Session>('POST', '/api/v1/sessions', req, false);
}

export async function lookupBarcode(barcode: string): Promise<Product> {
  const r = await request<{ product: Product }>(
    'GET',
    `/api/v1/catalog/lookup?barcode=${encodeURIComponent(barcode)}`,
  );
  return r.product;
}

export interface PullChange {
  seq: number;
  scope: string;
  kind: string;
  op: 'upsert' | 'delete';
  product?: Product;
  barcode?: string;
  /** scope members: a member record, or (kind "points") a points movement of member_id. */
  member?: { member_id: string; phone: string; name: string; tier: string; points?: number };
  member_id?: string;
  delta?: number;
  /** scope stock:<location>: the movements of one sale, count or transfer. */
  movements?: { sku: string; delta: number }[];
  /** scope promotions: a published rules document and its version. */
  version?: string;
  rules?: RulesDocument;
  /** scope promotions, kind "promotion_usage": units a capped promotion has sold chain-wide. */
  promotion_id?: string;
  used?: number;
}

export function pull(since: number, scope: string, limit: number) {
  return request<{ changes: PullChange[]; cursor: number; more: boolean }>(
    'GET',
    `/api/v1/sync/pull?since=${since}&scope=${encodeURIComponent(scope)}&limit=${limit}`,
  );
}

/** A snapshot page's facts (docs/sync.md, "Snapshot"): its feed cursor, item count and next key (null on the last page). */
export interface SnapshotHead {
  cursor: number;
  count: number;
  next: string | null;
}

/**
 * One page of a scope's current state (docs/sync.md, "Snapshot"), in two steps: it resolves when
 * the answer's headers arrive — with the page's cursor, count and next key when the server sent
 * them (`X-Aisle-Cursor`, `X-Aisle-Count`, `X-Aisle-Next`), so the caller can ask for the next page
 * while this one downloads — and `body` is the page's JSON, unparsed (the device stores it as it is).
 */
export async function snapshot(scope: string, after: string, limit: number): Promise<{ head: SnapshotHead | null; body: Promise<Blob> }> {
  const res = await requestRaw(
    'GET',
    `/api/v1/sync/snapshot?scope=${encodeURIComponent(scope)}&after=${encodeURIComponent(after)}&limit=${limit}`,
  );
  const cursor = res.headers.get('X-Aisle-Cursor');
  const count = res.headers.get('X-Aisle-Count');
  const next = res.headers.get('X-Aisle-Next');
  const body = res.blob();
  body.catch(() => {});  // the caller awaits it; an error then is handled there
  const head = cursor !== null && count !== null ? { cursor: Number(cursor), count: Number(count), next: next === null ? null : decodeURIComponent(next) } : null;
  return { head, body };
}

/** A one-time ticket (valid 30 s) to open the live WebSocket with. */
export function liveTicket() {
  return request<{ ticket: string; expires_at: string }>('POST', '/api/v1/live/tickets', {});
}

/** A remote approval request (docs/api.md, "Remote approvals"). */
export interface ApprovalRequest {
  request_id: string;
  requested_by: string;
  requested_by_name?: string;
  rule: string;
  subject: string;
  reason: string;
  detail: Record<string, string | number>;
  discount_bp: number;
  status: 'pending' | 'approved' | 'declined' | 'expired';
  created_at: string;
  expires_at: string;
  approval?: unknown;
}

export function askApproval(body: Pick<ApprovalRequest, 'request_id' | 'rule' | 'subject' | 'reason' | 'detail' | 'discount_bp'>) {
  return request<ApprovalRequest>('POST', '/api/v1/approvals/requests', body);
}

export function approvalRequest(id: string) {
  return request<ApprovalRequest>('GET', `/api/v1/approvals/requests/${encodeURIComponent(id)}`);
}

export function pendingApprovals() {
  return request<{ requests: ApprovalRequest[] }>('GET', '/api/v1/approvals/requests');
}

export function decideApproval(id: string, body: { decision: 'approve'; approval: unknown } | { decision: 'decline' }) {
  return request<ApprovalRequest>('POST', `/api/v1/approvals/requests/${encodeURIComponent(id)}/decision`, body);
}

export function push(ops: unknown[]) {
  return request<{ results: PushResult[]; hlc?: string }>('POST', '/api/v1/sync/push', { ops });
}

/** A receipt printer on the store's network (aisle printer add; docs/printing.md). */
export interface NetworkPrinter {
  printer_id: string;
  store_id: string;
  name: string;
  host: string;
  port: number;
  columns: number;
  encoding: 'gb18030' | 'utf8';
}

/** The printers of this device's store. */
export function listPrinters() {
  return request<{ store_id: string; printers: NetworkPrinter[] }>('GET', '/api/v1/printers');
}

/** aisled relays ESC/POS bytes (base64) to a network printer of the store. */
export function printOnNetwork(printer_id: string, data: string) {
  return request<{ status: string; printer_id: string; bytes: number }>('POST', '/api/v1/print', { printer_id, data });
}
