// The device's cache of its store's staff verifiers (GET /api/v1/staff/verifiers), for signing
// in and approving without the server (docs/security.md, "Offline sign-in").
//
// The cache is encrypted with AES-GCM under a device key that WebCrypto made non-extractable and
// IndexedDB keeps as a CryptoKey: copying the browser's storage off the device does not give the
// key. Wrong offline PINs are counted here; five lock offline sign-in and approvals for five
// minutes. A PIN is checked by recomputing its PBKDF2-SHA256 verifier; a manager's approval is
// signed with their approval key, derived from the PIN they typed and never stored.

import { request } from './api';
import { getMeta, setMeta } from './db';

export interface StaffVerifier {
  staff_code: string;
  name: string;
  role: string;
  permissions: string[];
  limits: { max_discount_bp: number; max_refund_without_approval: number; min_pin_length: number };
  kdf: { name: string; iterations: number; salt: string; approval_salt: string };
  verifier: string;
}

/**
 * The store's offline policies (docs/sync.md, "Store offline policies"), as the server last sent
 * them with the verifiers. For the sell screen: `offline_coupons` — may a single-use coupon be
 * redeemed while offline; `offline_points_max` — the most points one sale may redeem offline (0:
 * none). `offline_signin_hours` — how long the device may go without reaching the server before
 * staff must sign in online (the terminal locks itself then).
 */
export interface StorePolicies {
  offline_signin_hours: number;
  offline_coupons: boolean;
  offline_points_max: number;
}

export interface VerifierCache {
  store_id: string;
  offline_signin_hours: number;
  /** Absent in caches fetched from an older server. */
  policies?: StorePolicies;
  fetched_at: string;
  staff: StaffVerifier[];
}

interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
}

export const maxOfflineFailures = 5;
const lockMs = 5 * 60 * 1000;

/** WebCrypto exists only in a secure context (https, or localhost). */
export function cryptoAvailable(): boolean {
  return typeof crypto !== 'undefined' && crypto.subtle !== undefined;
}

async function deviceKey(): Promise<CryptoKey> {
  const existing = await getMeta<CryptoKey>('device_key');
  if (existing) return existing;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  await setMeta('device_key', key);
  return key;
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(hex.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesToHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function pbkdf2Hex(pin: string, saltHex: string, iterations: number): Promise<string> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: hexToBytes(saltHex), iterations },
    material,
    256,
  );
  return bytesToHex(bits);
}

/** Fetches the store's verifiers (a signed-in, online session) and stores them encrypted. */
export async function refreshVerifiers(): Promise<void> {
  if (!cryptoAvailable()) return;
  const cache = await request<VerifierCache>('GET', '/api/v1/staff/verifiers');
  const iv = crypto.getRandomValues(new Uint8Array(new ArrayBuffer(12)));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await deviceKey(), new TextEncoder().encode(JSON.stringify(cache)));
  await setMeta('verifiers', { iv, data } satisfies Sealed);
  await setMeta('last_online', Date.now());
}

/** The decrypted cache, or null when there is none (or it cannot be opened on this device). */
export async function loadVerifiers(): Promise<VerifierCache | null> {
  if (!cryptoAvailable()) return null;
  const sealed = await getMeta<Sealed>('verifiers');
  if (!sealed) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, await deviceKey(), sealed.data);
    return JSON.parse(new TextDecoder().decode(plain)) as VerifierCache;
  } catch {
    return null;
  }
}

/** When the server last answered this device (ms), for the store's offline period. */
export async function lastOnline(): Promise<number | null> {
  return (await getMeta<number>('last_online')) ?? null;
}

export async function noteOnline(): Promise<void> {
  await setMeta('last_online', Date.now());
}

/**
 * The signed-in store's offline policies, from the device's cache (works offline); the strict
 * defaults (72 h, no coupons, no points offline) when the device has none or cannot open it.
 */
export async function storePolicies(): Promise<StorePolicies> {
  const cache = await loadVerifiers();
  return {
    offline_signin_hours: cache?.policies?.offline_signin_hours ?? cache?.offline_signin_hours ?? 72,
    offline_coupons: cache?.policies?.offline_coupons ?? false,
    offline_points_max: cache?.policies?.offline_points_max ?? 0,
  };
}

/** True when the device has not reached the server for longer than the store allows. */
export async function offlineTooLong(now = Date.now()): Promise<boolean> {
  const since = await lastOnline();
  if (since === null) return false;  // never online on this device: sign-in itself needs the server
  return now - since > (await storePolicies()).offline_signin_hours * 3600 * 1000;
}

interface Failures {
  count: number;
  lockedUntil: number;
}

/** Milliseconds offline PIN checks stay locked (0: not locked). */
export async function offlineLockRemaining(): Promise<number> {
  const f = (await getMeta<Failures>('offline_failures')) ?? { count: 0, lockedUntil: 0 };
  return Math.max(0, f.lockedUntil - Date.now());
}

async function recordFailure(): Promise<void> {
  const f = (await getMeta<Failures>('offline_failures')) ?? { count: 0, lockedUntil: 0 };
  const count = f.lockedUntil && f.lockedUntil <= Date.now() ? 1 : f.count + 1;
  await setMeta('offline_failures', { count, lockedUntil: count >= maxOfflineFailures ? Date.now() + lockMs : 0 });
}

export type PinCheck = { ok: true; staff: StaffVerifier } | { ok: false; reason: 'unknown' | 'wrong_pin' | 'locked' };

/** Checks a staff code and PIN against the cache, counting failures toward the lockout. */
export async function checkPinOffline(cache: VerifierCache, staffCode: string, pin: string): Promise<PinCheck> {
  if ((await offlineLockRemaining()) > 0) return { ok: false, reason: 'locked' };
  const staff = cache.staff.find((s) => s.staff_code === staffCode);
  const computed = staff ? await pbkdf2Hex(pin, staff.kdf.salt, staff.kdf.iterations) : '';
  if (!staff || computed !== staff.verifier) {
    await recordFailure();
    return { ok: false, reason: staff ? 'wrong_pin' : 'unknown' };
  }
  await setMeta('offline_failures', { count: 0, lockedUntil: 0 });
  return { ok: true, staff };
}

export interface Approval {
  rule: string;
  approver: string;
  approved_at: string;
  reason: string;
  method: 'pin' | 'remote';
  subject: string;
  proof: string;
}

/** Signs an approval with the approver's key, derived from the PIN they just typed. */
export async function signApproval(
  storeId: string,
  approver: StaffVerifier,
  pin: string,
  a: Omit<Approval, 'proof' | 'approver' | 'method'>,
  method: 'pin' | 'remote' = 'pin',
): Promise<Approval> {
  const keyHex = await pbkdf2Hex(pin, approver.kdf.approval_salt, approver.kdf.iterations);
  const key = await crypto.subtle.importKey('raw', hexToBytes(keyHex), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const full = { ...a, approver: approver.staff_code, method };
  const message = ['aisle-approval-v1', storeId, full.subject, full.rule, full.approver, full.approved_at, full.reason].join('\n');
  const proof = bytesToHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)));
  return { ...full, proof };
}
