// The back office's exceptions page (docs/security.md, "Exceptions"): what the server kept instead
// of refusing — a revoked device's sale, an approval that did not check out, a drawer off by more
// than the store allows, stock that went negative — newest first, open ones by default, filtered
// by kind; each with what to do about it, resolved with a resolution and a note (audited).

import { request } from '../api';
import { h, toast } from '../dom';
import { formatDateTime } from '../i18n';
import { formatMoney } from '../money';
import { session } from '../session';
import { tb, type BoKey } from '../i18n_backoffice';

export interface StoreException {
  id: number;
  kind: string;
  op_id: string;
  detail: Record<string, unknown>;
  status: 'open' | 'resolved';
  suggestion: string;
  created_at: string;
  resolved_at?: string;
  resolved_by?: string;
  resolution?: string;
  note?: string;
}

const kinds = ['', 'stock_negative', 'approval_invalid', 'drawer_variance', 'device_revoked', 'points_overdraft', 'refund_difference', 'member_unknown', 'coupon_reused', 'coupon_unknown', 'cap_exceeded', 'price_drift'];
const resolutions = ['accepted', 'corrected', 'written_off', 'escalated'];

/** One line on what the exception is about, from its detail. */
function summary(e: StoreException, currency: string): string {
  const d = e.detail;
  const parts: string[] = [];
  if (typeof d.sale_id === 'string') parts.push(`${tb('exc_sale')} ${d.sale_id.slice(0, 8)}`);
  if (Array.isArray(d.skus)) {
    for (const s of d.skus as { sku: string; balance: number }[]) parts.push(tb('exc_stock_line', { sku: s.sku, n: s.balance }));
  }
  if (typeof d.staff_code === 'string') parts.push(`${tb('exc_staff')} ${d.staff_code}`);
  if (Array.isArray(d.problems)) parts.push(...(d.problems as string[]));
  if (typeof d.variance === 'number') parts.push(tb('exc_variance', { amount: formatMoney(d.variance, currency) }));
  if (typeof d.member_id === 'string') parts.push(`${d.member_id}${typeof d.balance === 'number' ? ` · ${d.balance}` : ''}`);
  if (typeof d.code === 'string') parts.push(`${tb('exc_coupon')} ${d.code}`);
  if (typeof d.return_id === 'string') parts.push(`${tb('exc_return')} ${d.return_id.slice(0, 8)}`);
  if (typeof d.device_refund === 'number' && typeof d.server_refund === 'number') {
    parts.push(`${formatMoney(d.device_refund, currency)} ≠ ${formatMoney(d.server_refund, currency)}`);
  }
  if (typeof d.promotion_id === 'string' && typeof d.cap === 'number') {
    parts.push(tb('exc_cap_line', { id: d.promotion_id, used: String(d.used), cap: d.cap }));
  }
  if (typeof d.promotion_id === 'string' && typeof d.per_member === 'number') {
    parts.push(tb('exc_member_cap_line', { id: d.promotion_id, n: String(d.applications), cap: d.per_member }));
  }
  if (typeof d.current_rules_version === 'string') parts.push(`${String(d.rules_version) || '—'} → ${d.current_rules_version}`);
  if (Array.isArray(d.prices)) {
    for (const p of d.prices as { sku: string; device_price: number; price: number }[]) {
      parts.push(`${p.sku} ${formatMoney(p.device_price, currency)} → ${formatMoney(p.price, currency)}`);
    }
  }
  if (typeof d.difference === 'number' && d.difference !== 0) parts.push(tb('exc_drift_difference', { amount: formatMoney(d.difference, currency) }));
  return parts.join(' · ');
}

/** Renders the page into `panel` for `store`; `alive()` is false once the page was left. */
export function exceptionsTab(panel: HTMLElement, store: string, alive: () => boolean, errorText: (e: unknown) => string): void {
  const status = h('select', { 'data-testid': 'exc-status' }, h('option', { value: 'open' }, tb('exc_open')), h('option', { value: 'resolved' }, tb('exc_resolved')), h('option', { value: '' }, tb('exc_all')));
  const kind = h('select', { 'data-testid': 'exc-kind' }, kinds.map((k) => h('option', { value: k }, k ? tb(`exc_kind_${k}` as BoKey) : tb('exc_every_kind'))));
  const list = h('ul', { class: 'bo-list', 'data-testid': 'exc-list' });
  const load = async (): Promise<void> => {
    list.replaceChildren(h('li', { class: 'muted' }, tb('loading')));
    const q = new URLSearchParams({ store, ...(status.value ? { status: status.value } : {}), ...(kind.value ? { kind: kind.value } : {}) });
    let rows: StoreException[];
    try {
      rows = (await request<{ exceptions: StoreException[] }>('GET', `/api/v1/exceptions?${q}`)).exceptions;
    } catch (e) {
      if (alive()) list.replaceChildren(h('li', { class: 'form-error' }, errorText(e)));
      return;
    }
    if (!alive()) return;
    list.replaceChildren(...(rows.length === 0 ? [h('li', { class: 'bo-empty muted' }, tb('exc_none'))] : rows.map(row)));
  };
  const row = (e: StoreException): HTMLElement => {
    const note = h('input', { 'data-testid': 'exc-note', maxlength: 500, placeholder: tb('exc_note') });
    const resolution = h('select', { 'data-testid': 'exc-resolution' }, resolutions.map((r) => h('option', { value: r }, tb(`exc_res_${r}` as BoKey))));
    const resolve = h(
      'button',
      {
        class: 'btn btn-primary btn-sm',
        type: 'button',
        'data-testid': 'exc-resolve',
        onclick: () => {
          resolve.disabled = true;
          request('POST', `/api/v1/exceptions/${e.id}/resolve`, { resolution: resolution.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) }).then(
            () => {
              if (!alive()) return;
              toast(tb('exc_done'));
              void load();
            },
            (err: unknown) => {
              resolve.disabled = false;
              if (alive()) toast(errorText(err), 'error');
            },
          );
        },
      },
      tb('exc_resolve'),
    );
    return h(
      'li',
      { class: 'bo-row exc-row', 'data-testid': 'exc-row', 'data-kind': e.kind, 'data-status': e.status, 'data-id': e.id },
      h(
        'div',
        { class: 'exc-main' },
        h('strong', {}, tb(`exc_kind_${e.kind}` as BoKey)),
        h('div', { class: 'muted' }, `${formatDateTime(e.created_at)} · ${summary(e, session()?.store.currency ?? 'CNY')}`),
        h('div', { class: 'exc-suggestion' }, tb(`exc_suggest_${e.suggestion}` as BoKey)),
        e.status === 'resolved'
          ? h('div', { class: 'muted' }, tb('exc_resolved_by', { who: e.resolved_by ?? '', what: tb(`exc_res_${e.resolution ?? 'accepted'}` as BoKey), note: e.note ?? '' }))
          : h('div', { class: 'exc-actions' }, resolution, note, resolve),
      ),
    );
  };
  status.addEventListener('change', () => void load());
  kind.addEventListener('change', () => void load());
  panel.replaceChildren(
    h(
      'section',
      { class: 'bo-section' },
      h('div', { class: 'bo-section-head' }, h('div', {}, h('h2', {}, tb('exc_title', { store })), h('p', { class: 'muted' }, tb('exc_hint')))),
      h('div', { class: 'exc-filters' }, status, kind),
      list,
    ),
  );
  void load();
}
