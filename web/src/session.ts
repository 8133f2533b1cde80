// The signed-in associate (token, staff, store) and the device id. Both live in localStorage so
// that a reload, even offline, reopens the sell screen. Signing out forgets the token only: the
// outbox stays in IndexedDB and is sent after the next sign-in.

import { getMeta, setMeta } from './db';
import type { Session } from './types';
import { uuidv7 } from './uuid';

const sessionKey = 'aisle.session';
const lastStoreKey = 'aisle.last_store';
const deviceKey = 'aisle.device_id';
const credentialKey = 'aisle.device_credential';
const syncTokenKey = 'aisle.sync_token';
const storeInfoKey = 'aisle.store_info';

let current: Session | null = load();

function load(): Session | null {
  try {
    const raw = localStorage.getItem(sessionKey);
    if (!raw) return null;
    const s = JSON.parse(raw) as Partial<Session>;
    if (typeof s.token !== 'string' || !s.staff || !s.store) return null;
    return s as Session;
  } catch {
    return null;
  }
}

export function session(): Session | null {
  return current;
}

export function saveSession(s: Session): void {
  current = s;
  localStorage.setItem(sessionKey, JSON.stringify(s));
  localStorage.setItem(lastStoreKey, s.store.store_id);
  if (!s.offline) {
    localStorage.setItem(syncTokenKey, JSON.stringify({ token: s.token, expires_at: s.expires_at }));
    localStorage.setItem(storeInfoKey, JSON.stringify(s.store));
    // The service worker's background sync uploads the outbox with it (it cannot read localStorage).
    void setMeta('sync_token', { token: s.token, expires_at: s.expires_at });
  }
}

/**
 * The token requests are made with: the session's own, or after an offline sign-in the last
 * online session's while it lasts (ops name their own staff, so the server knows who sold).
 */
export function requestToken(): string | null {
  if (current && !current.offline) return current.token;
  try {
    const saved = JSON.parse(localStorage.getItem(syncTokenKey) ?? 'null') as { token: string; expires_at: string } | null;
    return saved && Date.parse(saved.expires_at) > Date.now() ? saved.token : null;
  } catch {
    return null;
  }
}

/** The store as the last online sign-in described it (names and currency for offline sign-in). */
export function lastStoreInfo(): Session['store'] | null {
  try {
    return JSON.parse(localStorage.getItem(storeInfoKey) ?? 'null') as Session['store'] | null;
  } catch {
    return null;
  }
}

/** Signs out (or locks): the next associate signs in; the cart and the outbox stay. */
export function clearSession(): void {
  current = null;
  localStorage.removeItem(sessionKey);
}

export function lastStoreId(): string {
  return localStorage.getItem(lastStoreKey) || 'SH01';
}

let deviceId: string | null = null;

/** This browser install's id: made once, kept in localStorage and mirrored in IndexedDB. */
export async function ensureDeviceId(): Promise<string> {
  if (deviceId) return deviceId;
  let id = localStorage.getItem(deviceKey);
  if (!id) id = (await getMeta<string>('device_id')) ?? null;
  if (!id) id = uuidv7();
  localStorage.setItem(deviceKey, id);
  await setMeta('device_id', id);
  deviceId = id;
  return id;
}

/** The credential this device got at enrollment (null: not enrolled; a --demo server lets it in). */
export function deviceCredential(): string | null {
  return localStorage.getItem(credentialKey);
}

export async function saveDeviceCredential(credential: string, storeId: string): Promise<void> {
  localStorage.setItem(credentialKey, credential);
  localStorage.setItem(lastStoreKey, storeId);
  await setMeta('device_credential', credential);
}

/** After a reload that lost localStorage but kept IndexedDB. */
export async function restoreDeviceCredential(): Promise<void> {
  if (deviceCredential()) return;
  const saved = await getMeta<string>('device_credential');
  if (saved) localStorage.setItem(credentialKey, saved);
}
