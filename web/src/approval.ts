// Manager approval on the spot: when the associate's role may not do an act (void a line, pay
// cash out, open the drawer without a sale), a sheet asks a manager for their staff code, PIN and
// a reason. The PIN is checked against the device's verifier cache (so it works offline), then
// the approval is signed with the manager's approval key (docs/security.md, "Manager approval").

import { approvalRequest, askApproval } from './api';
import { h } from './dom';
import { formatMoney, minorToInput } from './money';
import { t, type MessageKey } from './i18n';
import { session } from './session';
import { onLiveMessage } from './live';
import { uuidv7 } from './uuid';
import { checkPinOffline, cryptoAvailable, loadVerifiers, signApproval, type Approval } from './verifiers';

/** The permission an approval rule stands for (as server/approvals.cpp). */
const permissionFor: Record<string, string> = {
  void_line: 'void',
  void_sale: 'void',
  price_override: 'price_override',
  manual_discount: 'price_override',
  refund: 'refund',
  no_sale: 'no_sale',
  paid_out: 'paid_out',
};

/**
 * True when the signed-in associate's role does the act itself. A manual discount is measured
 * against the role's max_discount_bp instead of a permission (as server/approvals.cpp).
 */
export function mayDo(rule: string, discountBp = 0, refund = 0): boolean {
  const s = session();
  if (rule === 'manual_discount') return (s?.limits?.max_discount_bp ?? 0) >= discountBp;
  const allowed = s?.permissions?.includes(permissionFor[rule] ?? rule) ?? false;
  if (rule === 'refund') return allowed && (s?.limits?.max_refund_without_approval ?? 0) >= refund;
  return allowed;
}

const reasons: Record<string, MessageKey[]> = {
  void_line: ['reason_changed_mind', 'reason_scanned_twice', 'reason_wrong_item', 'reason_damaged'],
  void_sale: ['reason_changed_mind', 'reason_wrong_item'],
  paid_out: ['reason_supplies', 'reason_courier', 'reason_petty_cash'],
  no_sale: ['reason_change_for_till', 'reason_check_drawer'],
  refund: ['reason_return_fit', 'reason_return_quality', 'reason_changed_mind', 'reason_wrong_item'],
};

/** What an approval is for, line by line (item × qty, price, new price, discount, amount, units). */
export function describeAct(d: Record<string, string | number>, discountBp: number, currency: string): string[] {
  const money = (v: unknown) => (typeof v === 'number' ? formatMoney(v, currency) : '');
  const out: string[] = [];
  if (typeof d.item === 'string') out.push(`${d.item}${typeof d.qty === 'number' ? ` × ${d.qty}` : ''}`);
  if (typeof d.unit_price === 'number') out.push(`${t('price_now')} ${money(d.unit_price)}`);
  if (typeof d.new_price === 'number') out.push(`${t('price_mode_price')} ${money(d.new_price)}`);
  if (discountBp > 0) out.push(t('inbox_discount', { pct: minorToInput(discountBp) }));
  if (typeof d.amount === 'number') out.push(money(d.amount));
  if (typeof d.units === 'number') out.push(t('items', { n: d.units }));
  return out;
}

/** What the caller knows about the act: a reason already chosen, a discount, what the manager sees. */
export interface ApprovalAsk {
  reason?: string;
  discountBp?: number;
  /** For a refund: the money paid back, measured against max_refund_without_approval. */
  refund?: number;
  /** Ask a manager even when the associate's role would do it (a refund without a receipt). */
  always?: boolean;
  detail?: Record<string, string | number>;
}

/**
 * The approval for `rule` on `subject` (a sale id or drawer session id): nothing to ask when the
 * associate may do it (resolves null), else a signed approval, or undefined when cancelled. The
 * manager types their code and PIN here, or — online — approves on their own device: the sheet
 * then waits for the server to hand the signed approval back (docs/security.md).
 */
export function requireApproval(rule: string, subject: string, ask: ApprovalAsk = {}): Promise<Approval | null | undefined> {
  const discountBp = ask.discountBp ?? 0;
  const refund = ask.refund ?? 0;
  if (!ask.always && mayDo(rule, discountBp, refund)) return Promise.resolve(null);
  return new Promise((resolve) => {
    const choices = reasons[rule] ?? [];
    const reason = h(
      'select',
      { id: 'approval-reason', 'data-testid': 'approval-reason' },
      choices.map((k) => h('option', { value: t(k) }, t(k))),
      h('option', { value: '' }, t('reason_other')),
    );
    const other = h('input', { id: 'approval-other', 'data-testid': 'approval-other', placeholder: t('reason_other'), value: ask.reason ?? '', hidden: choices.length > 0 });
    const code = h('input', { id: 'approval-staff', 'data-testid': 'approval-staff', inputmode: 'numeric', autocomplete: 'off', required: true });
    const pin = h('input', { id: 'approval-pin', 'data-testid': 'approval-pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', required: true });
    const error = h('p', { class: 'form-error', 'data-testid': 'approval-error', role: 'alert', hidden: true });
    const ok = h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'approval-ok' }, t('approve'));
    const cancel = h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'approval-cancel' }, t('cancel'));
    const canAskRemote = !!session()?.token && !session()?.offline && navigator.onLine;
    const remote = canAskRemote
      ? h('button', { class: 'btn btn-block btn-secondary', type: 'button', 'data-testid': 'approval-remote' }, t('approval_remote'))
      : null;
    const waiting = h('p', { class: 'banner', 'data-testid': 'approval-waiting', role: 'status', hidden: true }, t('approval_waiting'));
    const onSpot = h(
      'div',
      {},
      h('label', { class: 'field', for: 'approval-staff' }, h('span', {}, t('manager_code')), code),
      h('label', { class: 'field', for: 'approval-pin' }, h('span', {}, t('manager_pin')), pin),
    );
    reason.addEventListener('change', () => (other.hidden = reason.value !== ''));
    const form = h(
      'form',
      { method: 'dialog', novalidate: true },
      h('h2', {}, t('approval_title')),
      h('p', { class: 'muted' }, t(`approval_rule_${rule}` as MessageKey)),
      h('p', { class: 'approval-act', 'data-testid': 'approval-act' }, describeAct(ask.detail ?? {}, discountBp, session()?.store.currency ?? 'CNY').join(' · ')),
      choices.length ? h('label', { class: 'field', for: 'approval-reason' }, h('span', {}, t('reason')), reason) : null,
      h('label', { class: 'field', for: 'approval-other' }, other),
      onSpot,
      remote,
      waiting,
      error,
      h('div', { class: 'dialog-actions' }, cancel, ok),
    );
    const dialog = h('dialog', { class: 'sheet', 'data-testid': 'approval-dialog' }, form);
    let result: Approval | undefined;
    let stopWaiting: (() => void) | null = null;
    const fail = (key: MessageKey, params: Record<string, string | number> = {}) => {
      error.textContent = t(key, params);
      error.hidden = false;
      ok.disabled = false;
      pin.value = '';
      pin.focus();
    };
    cancel.addEventListener('click', () => dialog.close());
    const why = () => (reason.value || other.value).trim();
    remote?.addEventListener('click', () => {
      if (!why()) return fail('approval_fields');
      error.hidden = true;
      onSpot.hidden = true;
      ok.hidden = true;
      remote.hidden = true;
      waiting.hidden = false;
      stopWaiting = waitForRemote({ rule, subject, reason: why(), detail: ask.detail ?? {}, discount_bp: discountBp }, (outcome) => {
        if (typeof outcome === 'object') {
          result = outcome;
          dialog.close();
          return;
        }
        waiting.hidden = true;
        onSpot.hidden = false;
        ok.hidden = false;
        remote.hidden = false;
        fail(outcome === 'declined' ? 'approval_declined' : outcome === 'expired' ? 'approval_expired' : 'approval_remote_failed');
      });
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!why() || !code.value.trim() || !pin.value) return fail('approval_fields');
      ok.disabled = true;
      void (async () => {
        const s = session();
        if (!s || !cryptoAvailable()) return fail('approval_needs_https');
        const cache = await loadVerifiers();
        if (!cache || cache.store_id !== s.store.store_id) return fail('approval_no_cache');
        const checked = await checkPinOffline(cache, code.value.trim(), pin.value);
        if (!checked.ok) return fail(checked.reason === 'locked' ? 'offline_locked' : 'err_invalid_credentials');
        const approver = checked.staff;
        if (approver.staff_code === s.staff.staff_code) return fail('approval_not_self');
        const needed = permissionFor[rule] ?? rule;
        if (!approver.permissions.includes('approve') || !approver.permissions.includes(needed)) {
          return fail('approval_role_cannot', { role: approver.role });
        }
        if (rule === 'manual_discount' && approver.limits.max_discount_bp < discountBp) {
          return fail('approval_limit', { role: approver.role, max: approver.limits.max_discount_bp / 100 });
        }
        if (rule === 'refund' && approver.limits.max_refund_without_approval < refund) {
          const max = formatMoney(approver.limits.max_refund_without_approval, s.store.currency || 'CNY');
          return fail('approval_refund_limit', { role: approver.role, max });
        }
        result = await signApproval(s.store.store_id, approver, pin.value, {
          rule,
          subject,
          reason: why(),
          approved_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        });
        dialog.close();
      })();
    });
    dialog.addEventListener('close', () => {
      stopWaiting?.();
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    code.focus();
  });
}

/**
 * Asks the store's managers to approve on their own devices, then waits for the decision: the
 * live socket's nudge, or a poll every 3 s (a missed nudge costs a delay, never the answer).
 * Returns a function that stops waiting.
 */
function waitForRemote(
  body: Parameters<typeof askApproval>[0] extends infer B ? Omit<B, 'request_id'> : never,
  done: (outcome: Approval | 'declined' | 'expired' | 'failed') => void,
): () => void {
  const id = uuidv7();
  let stopped = false;
  let timer: number | undefined;
  const check = async (): Promise<void> => {
    if (stopped) return;
    try {
      const r = await approvalRequest(id);
      if (stopped) return;
      if (r.status === 'approved') return finish(r.approval as Approval);
      if (r.status === 'declined' || r.status === 'expired') return finish(r.status);
    } catch {
      // offline for a moment: the next poll asks again
    }
    if (!stopped) timer = window.setTimeout(() => void check(), 3000);
  };
  const off = onLiveMessage('approvals', (m) => {
    if (m.request_id === id) {
      if (timer !== undefined) clearTimeout(timer);
      void check();
    }
  });
  const stop = () => {
    stopped = true;
    off();
    if (timer !== undefined) clearTimeout(timer);
  };
  const finish = (outcome: Approval | 'declined' | 'expired' | 'failed') => {
    stop();
    done(outcome);
  };
  askApproval({ request_id: id, ...body }).then(
    () => void check(),
    () => finish('failed'),
  );
  return stop;
}
