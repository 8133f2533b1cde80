// The signed-in associate (token, staff, store) and the device id. Both live in localStorage so
// that a reload, even offline, reopens the sell screen. Signing out forgets the token only: the
// outbox stays in IndexedDB and is sent after the next sign-in.

import { getMeta, setMeta } from './db';
import type { Session } from './types';
import { uuidv7 } from './uuid';

const sessionKey = 'aisle.session';
const lastStoreKey = 'aisle.last_store';
const deviceKey = 'aisle.device_id';

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
}

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
