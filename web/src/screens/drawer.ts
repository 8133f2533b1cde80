// The cash drawer: open a session with a counted float, pay in, pay out (with a reason, and a
// manager's approval when the associate's role may not), open without a sale, see the X report
// at any time, and close with a blind count that shows the Z report. Everything works offline:
// the operations go through the outbox and the reports come from the core.

import { requireApproval } from '../approval';
import { drawerReport, type DrawerReport } from '../core';
import { closeDrawer, currentDrawer, moveDrawer, openDrawer } from '../drawer';
import { h, toast } from '../dom';
import { formatDateTime, localName, t, tenderName, type MessageKey } from '../i18n';
import { formatMoney, parseMoneyInput } from '../money';
import { drawerReportLines, printButton } from '../print';
import { session } from '../session';
import { pushOutbox, refreshCounts } from '../sync';

export function renderDrawer(main: HTMLElement): void {
  const s = session();
  const currency = s?.store.currency || 'CNY';
  const money = (n: number) => formatMoney(n, currency);
  const state = currentDrawer();
  // What a printed report says besides the numbers: the store, the associate, when.
  const printed = (r: DrawerReport, title: string, opened?: string) => () =>
    drawerReportLines(r, {
      title,
      store: s ? localName(s.store) || s.store.store_id : '',
      staff: s ? `${s.staff.name} (${s.staff.staff_code})` : '',
      at: new Date(),
      ...(opened ? { opened } : {}),
    });
  const after = async () => {
    await refreshCounts();
    void pushOutbox();
    main.replaceChildren();
    renderDrawer(main);
  };
  const failed = (e: unknown) => toast(t('err_save', { message: e instanceof Error ? e.message : String(e) }), 'error');

  if (!state) {
    const lastZ = loadLastZ();
    const float = h('input', { class: 'big-input', id: 'drawer-float', 'data-testid': 'drawer-float', inputmode: 'decimal', placeholder: '0.00' });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    main.append(
      h(
        'form',
        {
          class: 'drawer',
          novalidate: true,
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            const amount = parseMoneyInput(float.value);
            if (amount === null) {
              error.textContent = t('err_amount');
              error.hidden = false;
              return;
            }
            void openDrawer(amount).then(after, failed);
          },
        },
        h('h1', { class: 'screen-title' }, t('drawer_title')),
        lastZ ? reportCard(lastZ, money, t('drawer_z_title')) : null,
        lastZ ? printButton('print-z', printed(lastZ, t('drawer_z_title'))) : null,
        lastZ
          ? h('button', { class: 'btn btn-secondary btn-block', type: 'button', 'data-testid': 'drawer-z-dismiss', onclick: () => { localStorage.removeItem(lastZKey); main.replaceChildren(); renderDrawer(main); } }, t('close'))
          : null,
        h('p', { class: 'muted' }, t('drawer_none')),
        h('label', { class: 'field', for: 'drawer-float' }, h('span', {}, t('drawer_float')), float),
        error,
        h('button', { class: 'btn btn-primary btn-lg btn-block', type: 'submit', 'data-testid': 'drawer-open' }, t('drawer_open')),
      ),
    );
    if (!lastZ) float.focus();
    return;
  }

  const x = drawerReport(currency, state.float, state.movements);
  const action = (key: MessageKey, testid: string, fn: () => void) =>
    h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': testid, onclick: fn }, t(key));

  const moneySheet = (kind: 'pay_in' | 'paid_out') => {
    const amount = h('input', { class: 'big-input', id: 'move-amount', 'data-testid': 'move-amount', inputmode: 'decimal', placeholder: '0.00' });
    const reason = h('input', { id: 'move-reason', 'data-testid': 'move-reason', maxlength: 100 });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const dialog = h(
      'dialog',
      { class: 'sheet', 'data-testid': 'move-dialog' },
      h(
        'form',
        {
          method: 'dialog',
          novalidate: true,
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            const value = parseMoneyInput(amount.value);
            const why = reason.value.trim();
            if (value === null || value <= 0 || !why) {
              error.textContent = t('drawer_move_fields');
              error.hidden = false;
              return;
            }
            dialog.close();
            void (async () => {
              const approval = kind === 'paid_out' ? await requireApproval('paid_out', state.session_id, { reason: why, detail: { amount: value } }) : null;
              if (approval === undefined) return;
              await moveDrawer(kind, value, why, approval);
              await after();
            })().catch(failed);
          },
        },
        h('h2', {}, t(kind === 'pay_in' ? 'drawer_pay_in' : 'drawer_paid_out')),
        h('label', { class: 'field', for: 'move-amount' }, h('span', {}, t('amount')), amount),
        h('label', { class: 'field', for: 'move-reason' }, h('span', {}, t('reason')), reason),
        error,
        h(
          'div',
          { class: 'dialog-actions' },
          h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => dialog.close() }, t('cancel')),
          h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'move-ok' }, t('ok')),
        ),
      ),
    );
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    amount.focus();
  };

  const noSale = () =>
    void (async () => {
      const approval = await requireApproval('no_sale', state.session_id);
      if (approval === undefined) return;
      await moveDrawer('no_sale', 0, '', approval);
      toast(t('drawer_no_sale_done'));
      await after();
    })().catch(failed);

  // Blind count: the associate counts each tender without seeing what is expected.
  const closeSheet = () => {
    const tenders = ['cash', ...new Set(state.movements.filter((m) => m.tender !== 'cash' && m.kind === 'sale').map((m) => m.tender))];
    const inputs = tenders.map((tender) => ({
      tender,
      input: h('input', { id: `count-${tender}`, 'data-testid': `count-${tender}`, inputmode: 'decimal', placeholder: '0.00' }),
    }));
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const dialog = h(
      'dialog',
      { class: 'sheet', 'data-testid': 'close-dialog' },
      h(
        'form',
        {
          method: 'dialog',
          novalidate: true,
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            const counted = inputs.map(({ tender, input }) => ({ type: tender, amount: parseMoneyInput(input.value) }));
            if (counted.some((c) => c.amount === null)) {
              error.textContent = t('err_amount');
              error.hidden = false;
              return;
            }
            const count = counted as { type: string; amount: number }[];
            dialog.close();
            void (async () => {
              const closed = await closeDrawer(count);
              const z = drawerReport(currency, closed.float, closed.movements, count);
              if (z.ok) localStorage.setItem(lastZKey, JSON.stringify(z.value));
              await after();
            })().catch(failed);
          },
        },
        h('h2', {}, t('drawer_close')),
        h('p', { class: 'muted' }, t('drawer_blind_hint')),
        inputs.map(({ tender, input }) => h('label', { class: 'field', for: `count-${tender}` }, h('span', {}, tenderName(tender)), input)),
        error,
        h(
          'div',
          { class: 'dialog-actions' },
          h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => dialog.close() }, t('cancel')),
          h('button', { class: 'btn btn-primary', type: 'submit', 'data-testid': 'close-ok' }, t('drawer_close')),
        ),
      ),
    );
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
    inputs[0]?.input.focus();
  };

  main.append(
    h(
      'div',
      { class: 'drawer', 'data-testid': 'drawer-open-session', 'data-session': state.session_id },
      h('h1', { class: 'screen-title' }, t('drawer_title')),
      h('p', { class: 'muted' }, t('drawer_opened', { at: formatDateTime(state.opened_at), by: state.opened_by, float: money(state.float) })),
      x.ok ? reportCard(x.value, money, t('drawer_x_title')) : h('p', { class: 'form-error' }, x.error.message),
      x.ok ? printButton('print-x', printed(x.value, t('drawer_x_title'), formatDateTime(state.opened_at))) : null,
      h(
        'div',
        { class: 'drawer-actions' },
        action('drawer_pay_in', 'drawer-pay-in', () => moneySheet('pay_in')),
        action('drawer_paid_out', 'drawer-paid-out', () => moneySheet('paid_out')),
        action('drawer_no_sale', 'drawer-no-sale', noSale),
        h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'drawer-close', onclick: closeSheet }, t('drawer_close')),
      ),
    ),
  );
}

// The Z report of the last session closed on this device, shown until dismissed.
const lastZKey = 'aisle.drawer.last_z';

function loadLastZ(): DrawerReport | null {
  try {
    return JSON.parse(localStorage.getItem(lastZKey) ?? 'null') as DrawerReport | null;
  } catch {
    return null;
  }
}

function reportCard(r: DrawerReport, money: (n: number) => string, title: string): HTMLElement {
  return h(
    'section',
    { class: 'report-card', 'data-testid': `drawer-report-${r.report}` },
    h('h2', {}, title),
    h(
      'dl',
      { class: 'report-counts' },
      h('dt', {}, t('drawer_float')), h('dd', {}, money(r.float)),
      h('dt', {}, t('drawer_sales')), h('dd', {}, r.sales),
      h('dt', {}, t('drawer_pay_ins')), h('dd', {}, r.pay_ins),
      h('dt', {}, t('drawer_paid_outs')), h('dd', {}, r.paid_outs),
      h('dt', {}, t('drawer_no_sales')), h('dd', {}, r.no_sales),
    ),
    h(
      'table',
      { class: 'report-table' },
      h('thead', {}, h('tr', {}, h('th', {}, t('tender')), h('th', {}, t('expected')), r.report === 'Z' ? [h('th', {}, t('counted')), h('th', {}, t('variance'))] : null)),
      h(
        'tbody',
        {},
        r.tenders.map((line) =>
          h(
            'tr',
            { 'data-testid': `report-${line.tender}`, 'data-expected': line.expected, 'data-variance': line.variance ?? '' },
            h('td', {}, tenderName(line.tender)),
            h('td', {}, money(line.expected)),
            r.report === 'Z'
              ? [h('td', {}, money(line.counted ?? 0)), h('td', { class: (line.variance ?? 0) !== 0 ? 'variance-off' : '' }, money(line.variance ?? 0))]
              : null,
          ),
        ),
      ),
    ),
    r.report === 'Z' ? h('p', { class: (r.variance ?? 0) !== 0 ? 'variance-off' : 'muted', 'data-testid': 'z-variance', 'data-variance': r.variance ?? 0 }, t('drawer_variance', { amount: money(r.variance ?? 0) })) : null,
  );
}
