// The cash drawer session this device has open (docs/security.md, "Cash drawer"): its id, float
// and every movement since, so the X report is computed here by the core with no network. The
// drawer operations themselves go through the outbox like sales; this is the device's own view,
// kept in localStorage beside the cart.

import type { DrawerMovement } from './core';
import { queueOp } from './db';
import { ensureDeviceId, session } from './session';
import type { DrawerOpPayload, NewOperation } from './types';
import { uuidv7 } from './uuid';

export interface DrawerState {
  session_id: string;
  opened_op_id: string;
  float: number;
  opened_at: string;
  opened_by: string;
  movements: DrawerMovement[];
}

const key = 'aisle.drawer';

export function currentDrawer(): DrawerState | null {
  try {
    const parsed = JSON.parse(localStorage.getItem(key) ?? 'null') as DrawerState | null;
    return parsed && typeof parsed.session_id === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

function save(state: DrawerState | null): void {
  if (state) localStorage.setItem(key, JSON.stringify(state));
  else localStorage.removeItem(key);
}

async function queueDrawerOp(type: NewOperation['type'], payload: DrawerOpPayload, dependsOn?: string): Promise<string> {
  const s = session();
  if (!s) throw new Error('not signed in');
  const op: NewOperation = {
    op_id: uuidv7(),
    type,
    store_id: s.store.store_id,
    device_id: await ensureDeviceId(),
    staff_id: s.staff.staff_code,
    device_time: new Date().toISOString(),
    ...(dependsOn ? { depends_on: [dependsOn] } : {}),
    payload,
  };
  await queueOp(op);
  return op.op_id;
}

export async function openDrawer(float: number): Promise<DrawerState> {
  const s = session();
  const sessionId = `drawer-${uuidv7()}`;
  const opId = await queueDrawerOp('drawer.opened', { session_id: sessionId, float });
  const state: DrawerState = {
    session_id: sessionId,
    opened_op_id: opId,
    float,
    opened_at: new Date().toISOString(),
    opened_by: s?.staff.staff_code ?? '',
    movements: [],
  };
  save(state);
  return state;
}

/** A pay-in, paid-out or no-sale opening, with the approval it needed (if any). */
export async function moveDrawer(
  kind: 'pay_in' | 'paid_out' | 'no_sale',
  amount: number,
  reason: string,
  approval: unknown | null,
): Promise<void> {
  const state = currentDrawer();
  if (!state) throw new Error('no drawer open');
  await queueDrawerOp(
    'drawer.moved',
    {
      session_id: state.session_id,
      kind,
      ...(kind === 'no_sale' ? {} : { amount }),
      ...(reason ? { reason } : {}),
      ...(approval ? { approvals: [approval] } : {}),
    },
    state.opened_op_id,
  );
  state.movements.push({ kind, tender: 'cash', amount: kind === 'no_sale' ? 0 : amount });
  save(state);
}

/** What a completed sale put in the open drawer (cash net of change). */
export function noteSale(tenders: { type: string; amount: number }[], change: number): void {
  const state = currentDrawer();
  if (!state) return;
  let back = change;
  for (const t of tenders) {
    let amount = t.amount;
    if (t.type === 'cash') {
      const c = Math.min(back, amount);
      amount -= c;
      back -= c;
    }
    state.movements.push({ kind: 'sale', tender: t.type, amount });
  }
  save(state);
}

/** A refund paid out of the drawer (per tender), for the X and Z reports. */
export function noteRefund(tenders: { type: string; amount: number }[]): void {
  const state = currentDrawer();
  if (!state) return;
  for (const t of tenders) state.movements.push({ kind: 'refund', tender: t.type, amount: t.amount });
  save(state);
}

/** Closes with the blind count; the caller shows the Z report. */
export async function closeDrawer(counted: { type: string; amount: number }[]): Promise<DrawerState> {
  const state = currentDrawer();
  if (!state) throw new Error('no drawer open');
  await queueDrawerOp('drawer.closed', { session_id: state.session_id, counted }, state.opened_op_id);
  save(null);
  return state;
}
