// The manager's approval inbox: requests that associates' devices sent (approval.ts, "ask a
// manager's device") for this store, while they wait. The manager approves one with their own PIN
// — checked against the device's verifier cache, then signed with the key derived from it, method
// "remote" — or declines it. Refreshed by the live socket's "approvals" nudge, at sign-in and every
// 30 s while signed in with the `approve` permission.

import { ApiError, decideApproval, pendingApprovals, type ApprovalRequest } from './api';
import { describeAct } from './approval';
import { h } from './dom';
import { formatDateTime, t, type MessageKey } from './i18n';
import { onLiveMessage } from './live';
import { session } from './session';
import { checkPinOffline, cryptoAvailable, loadVerifiers, signApproval } from './verifiers';

let pending: ApprovalRequest[] = [];
const listeners = new Set<() => void>();
let timer: number | undefined;
let started = false;

const mayApprove = () => !!session()?.token && !session()?.offline && (session()?.permissions?.includes('approve') ?? false);

export function inboxCount(): number {
  return pending.length;
}

export function onInboxChange(fn: () => void): void {
  listeners.add(fn);
}

/** Fetches the store's pending requests now (nothing for roles that cannot approve). */
export async function refreshInbox(): Promise<void> {
  if (!started) {
    started = true;
    onLiveMessage('approvals', (m) => {
      if (m.store_id === session()?.store.store_id) void refreshInbox();
    });
  }
  if (timer !== undefined) clearTimeout(timer);
  const before = new Set(pending.map((r) => r.request_id));
  if (!mayApprove()) {
    pending = [];
  } else {
    try {
      pending = (await pendingApprovals()).requests;
    } catch {
      // offline: keep what we had, try again at the next nudge or tick
    }
    timer = window.setTimeout(() => void refreshInbox(), 30_000);
  }
  if (pending.some((r) => !before.has(r.request_id))) navigator.vibrate?.(200);
  for (const fn of listeners) fn();
}

/** The inbox sheet: each request with who asks, what and why; approve with the PIN, or decline. */
export function showInbox(): void {
  const s = session();
  if (!s) return;
  const pin = h('input', { id: 'inbox-pin', 'data-testid': 'inbox-pin', type: 'password', inputmode: 'numeric', autocomplete: 'off' });
  const error = h('p', { class: 'form-error', 'data-testid': 'inbox-error', role: 'alert', hidden: true });
  const list = h('ul', { class: 'inbox-list', 'data-testid': 'inbox-list' });
  const fail = (key: MessageKey, params: Record<string, string | number> = {}) => {
    error.textContent = t(key, params);
    error.hidden = false;
  };
  const decide = async (r: ApprovalRequest, approve: boolean): Promise<void> => {
    error.hidden = true;
    try {
      if (!approve) {
        await decideApproval(r.request_id, { decision: 'decline' });
      } else {
        if (!pin.value) return fail('inbox_pin_needed');
        if (!cryptoAvailable()) return fail('approval_needs_https');
        const cache = await loadVerifiers();
        if (!cache || cache.store_id !== s.store.store_id) return fail('approval_no_cache');
        const checked = await checkPinOffline(cache, s.staff.staff_code, pin.value);
        if (!checked.ok) {
          pin.value = '';
          return fail(checked.reason === 'locked' ? 'offline_locked' : 'err_invalid_credentials');
        }
        const approval = await signApproval(
          s.store.store_id,
          checked.staff,
          pin.value,
          { rule: r.rule, subject: r.subject, reason: r.reason, approved_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
          'remote',
        );
        await decideApproval(r.request_id, { decision: 'approve', approval });
      }
    } catch (e) {
      return fail('inbox_failed', { message: e instanceof ApiError ? e.message : String(e) });
    }
    await refreshInbox();
  };
  const render = () => {
    list.replaceChildren(
      ...(pending.length === 0
        ? [h('li', { class: 'muted' }, t('inbox_empty'))]
        : pending.map((r) =>
            h(
              'li',
              { class: 'inbox-item', 'data-testid': 'inbox-item', 'data-request': r.request_id },
              h('strong', {}, t(`rule_name_${r.rule}` as MessageKey)),
              h('div', {}, `${t('inbox_from', { staff: r.requested_by_name ? `${r.requested_by_name} (${r.requested_by})` : r.requested_by })} · ${formatDateTime(r.created_at)}`),
              ...describeAct(r.detail, r.discount_bp, s.store.currency).map((line) => h('div', { class: 'muted' }, line)),
              h('div', {}, `${t('reason')}: ${r.reason}`),
              h(
                'div',
                { class: 'dialog-actions' },
                h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'inbox-decline', onclick: () => void decide(r, false) }, t('inbox_decline')),
                h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'inbox-approve', onclick: () => void decide(r, true) }, t('approve')),
              ),
            ),
          )),
    );
  };
  const dialog = h(
    'dialog',
    { class: 'sheet', 'data-testid': 'inbox' },
    h('h2', {}, t('inbox_title')),
    h('label', { class: 'field', for: 'inbox-pin' }, h('span', {}, t('inbox_your_pin')), pin),
    error,
    list,
    h('button', { class: 'btn btn-block', type: 'button', onclick: () => dialog.close() }, t('close')),
  );
  listeners.add(render);
  dialog.addEventListener('close', () => {
    listeners.delete(render);
    dialog.remove();
  });
  render();
  document.body.append(dialog);
  dialog.showModal();
  pin.focus();
}
