// Cash payment: amount due (from the core), cash received with quick buttons for the common
// notes and "exact", the change (from the core), and Complete, enabled only when the core says
// the cash covers the total. Completing writes the sale to the IndexedDB outbox first, then
// shows the receipt, then asks the sync loop to push.

import { go } from '../app';
import { cartApprovals, cartCoupons, cartExchange, cartLines, cartMember, cartSaleId, cartVoided, clearCart, priced, pricedRequest, saleLine } from '../cart';
import { cashChange, coreReady, isoSeconds, priceExchange } from '../core';
import { queueExchange, queueSale, saleRecord } from '../db';
import { currentDrawer, noteRefund, noteSale } from '../drawer';
import { h, toast } from '../dom';
import { localName, t } from '../i18n';
import { formatGrams, formatMoney, minorToInput, parseMoneyInput } from '../money';
import { capCounts, notePromotionUse } from '../rules';
import { ensureDeviceId, session } from '../session';
import { pushOutbox, refreshCounts } from '../sync';
import type { NewOperation, ReturnPayload, SaleRecord } from '../types';
import { uuidv7 } from '../uuid';
import { storePolicies } from '../verifiers';

let tenderedText = '';

export function renderPay(main: HTMLElement): void {
  const s = session();
  const lines = cartLines();
  if (!s) return go({ name: 'signin' });
  if (lines.length === 0 || !coreReady()) return go({ name: 'sell' });
  const currency = s.store.currency || 'CNY';
  // Priced once, at this instant: the sale records it so the server re-prices the same way.
  const pricedAt = new Date();
  const counts = capCounts(cartMember());  // the caps left at that instant, for every pricing of this screen
  const first = priced(currency, pricedAt, undefined, counts);
  if (!first.ok) {
    toast(t('pricing_error', { message: first.error.message }), 'error');
    return go({ name: 'sell' });
  }
  // A member may pay part with points: the core proposes the most the cart allows, the associate
  // may lower it (docs/pricing.md, "Points"); the cart is priced again with what is chosen.
  const member = cartMember();
  const proposal = first.value.points?.redeemable_points ?? 0;
  let redeem = proposal;
  let cart = first.value;
  // What the sale costs, and what is left to collect in cash: less an exchange's credit, whose
  // surplus (`back`) is given back to the customer (the core settles it: priceExchange).
  const exchange = cartExchange();
  let saleDue = 0;
  let due = 0;
  let back = 0;
  const creditEl = h('div', { class: 'due-credit', 'data-testid': 'exchange-credit-row', hidden: !exchange });
  const dueEl = h('strong', { 'data-testid': 'amount-due' });
  const summary = h('ul', { class: 'pay-summary', 'data-testid': 'pay-summary' });
  const pointsNote = h('p', { class: 'muted', 'data-testid': 'points-note' });
  const reprice = (): boolean => {
    const r = priced(currency, pricedAt, redeem, counts);
    if (!r.ok) {
      toast(t('pricing_error', { message: r.error.message }), 'error');
      return false;
    }
    cart = r.value;
    saleDue = cart.amount_due ?? cart.total;
    due = saleDue;
    back = 0;
    if (exchange) {
      const settled = priceExchange(exchange.returnInput, pricedRequest(currency, pricedAt, redeem, counts));
      if (!settled.ok) {
        toast(t('pricing_error', { message: settled.error.message }), 'error');
        return false;
      }
      due = settled.value.due > 0 ? settled.value.due : 0;
      back = settled.value.due < 0 ? -settled.value.due : 0;
      creditEl.replaceChildren(
        h('span', {}, t('exchange_credit', { amount: '' }).trim()),
        h('strong', {}, `−${formatMoney(exchange.credit, currency)}`),
        back > 0 ? h('span', { 'data-testid': 'exchange-back', 'data-back': back }, `${t('exchange_back')} ${formatMoney(back, currency)}`) : '',
      );
    }
    dueEl.textContent = formatMoney(due, currency);
    summary.replaceChildren(
      ...cart.lines.map((l, i) => {
        const p = lines[i]?.product;
        const qty = l.sold_by === 'weight' ? formatGrams(l.qty) : `× ${l.qty}`;
        return h('li', {}, h('span', { class: 'ps-name' }, p ? localName(p) : l.barcode), h('span', { class: 'muted' }, qty), h('span', { class: 'ps-gross' }, formatMoney(l.gross, currency)));
      }),
    );
    dueEl.dataset.total = String(due);
    const p = cart.points;
    pointsNote.textContent = p && p.redeemed_value > 0 ? t('pay_points_value', { value: formatMoney(p.redeemed_value, currency) }) : '';
    return true;
  };
  if (!reprice()) return go({ name: 'sell' });
  const pointsInput = h('input', { class: 'big-input', id: 'points', 'data-testid': 'points-input', inputmode: 'numeric', autocomplete: 'off', value: String(redeem) });
  // Offline, the store caps the points one sale may redeem (its offline policy: nobody can check the balance).
  let cap = proposal;
  const capNote = h('p', { class: 'warn-text', 'data-testid': 'points-offline-cap', hidden: true });
  pointsInput.addEventListener('input', () => {
    const v = pointsInput.value.trim();
    redeem = /^\d{1,9}$/.test(v) ? Math.min(Number(v), cap) : 0;
    reprice();
    update();
  });
  if (member && proposal > 0 && !navigator.onLine) {
    void storePolicies().then((p) => {
      cap = Math.min(proposal, p.offline_points_max);
      capNote.hidden = false;
      capNote.textContent = t('pay_points_offline_cap', { n: cap });
      if (redeem > cap) {
        redeem = cap;
        pointsInput.value = String(cap);
        reprice();
        update();
      }
    });
  }
  const pointsField =
    member && proposal > 0
      ? h('label', { class: 'field', for: 'points' },
          h('span', {}, t('pay_points')),
          pointsInput,
          h('span', { class: 'muted' }, t('pay_points_hint', { points: proposal, value: formatMoney(first.value.points?.redeemable_value ?? 0, currency), balance: member.points })),
          capNote,
          pointsNote)
      : null;

  const input = h('input', {
    class: 'big-input',
    'data-testid': 'tendered-input',
    id: 'tendered',
    inputmode: 'decimal',
    autocomplete: 'off',
    placeholder: '0.00',
    value: tenderedText,
  });
  const changeEl = h('strong', { 'data-testid': 'change', class: 'change-value' });
  const hint = h('p', { class: 'form-error', 'data-testid': 'tender-hint', hidden: true });
  const complete = h('button', { class: 'btn btn-primary btn-lg btn-block', type: 'button', 'data-testid': 'complete-button', disabled: true }, t('complete'));
  let tendered: number | null = null;
  let change: number | null = null;

  const update = () => {
    tenderedText = input.value;
    tendered = parseMoneyInput(input.value);
    change = null;
    hint.hidden = true;
    if (input.value.trim() !== '' && tendered === null) {
      hint.hidden = false;
      hint.textContent = t('err_amount');
    } else if (tendered !== null) {
      const r = cashChange(due, tendered);
      if (r.ok) change = r.value.change;
      else {
        hint.hidden = false;
        hint.textContent = r.error.code === 'tender_insufficient' ? t('tender_short') : r.error.message;
      }
    }
    if (exchange && due === 0 && input.value.trim() === '') {  // the credit pays it all
      tendered = 0;
      change = 0;
    }
    changeEl.textContent = change === null ? '—' : formatMoney(change, currency);
    changeEl.dataset.change = change === null ? '' : String(change);
    complete.disabled = change === null;
  };
  input.addEventListener('input', update);

  const note = (amount: number) => formatMoney(amount, currency).replace(/\.00$/, '');
  const quick = (label: string, testid: string, amount: number) =>
    h(
      'button',
      {
        class: 'btn btn-secondary quick',
        type: 'button',
        'data-testid': testid,
        onclick: () => {
          input.value = minorToInput(amount);
          update();
        },
      },
      label,
    );

  let saving = false;
  complete.addEventListener('click', () => {
    if (saving || change === null || tendered === null) return;
    saving = true;
    complete.disabled = true;
    complete.textContent = t('saving');
    void completeSale(tendered, change).catch((e: unknown) => {
      saving = false;
      complete.textContent = t('complete');
      update();
      toast(t('err_save', { message: e instanceof Error ? e.message : String(e) }), 'error');
    });
  });

  async function completeSale(cash: number, changeDue: number): Promise<void> {
    const sess = session();
    if (!sess) throw new Error('not signed in');
    const deviceId = await ensureDeviceId();
    const saleId = cartSaleId();
    const now = new Date().toISOString();
    const voided = cartVoided();
    const approvals = cartApprovals();
    const drawer = currentDrawer();
    // The exchange's credit pays what it covers of the sale; cash pays the rest.
    const fromCredit = exchange ? saleDue - due : 0;
    const tenders: { type: string; amount: number }[] = [
      ...(fromCredit > 0 ? [{ type: 'exchange', amount: fromCredit }] : []),
      ...(cash > 0 || fromCredit <= 0 ? [{ type: 'cash', amount: cash }] : []),
    ];
    // What a return of this sale prices with: the request, its rules named by version (not copied).
    const request: Record<string, unknown> = { ...pricedRequest(currency, pricedAt, redeem, counts), rules_version: cart.rules_version ?? '' };
    delete request.rules;
    const points = cart.points;
    const op: NewOperation = {
      op_id: uuidv7(),
      type: 'sale.completed',
      store_id: sess.store.store_id,
      device_id: deviceId,
      staff_id: sess.staff.staff_code,
      device_time: now,
      payload: {
        sale_id: saleId,
        currency: cart.currency,
        lines: cart.lines.map((l, i) => saleLine(l, lines[i])),
        tenders,
        total: saleDue,
        ...(cart.rules_version ? { rules_version: cart.rules_version, priced_at: isoSeconds(pricedAt) } : {}),
        ...(voided.length ? { voided_lines: [...voided] } : {}),
        ...(approvals.length ? { approvals: [...approvals] } : {}),
        ...(drawer ? { drawer_session_id: drawer.session_id } : {}),
        ...(cartCoupons().length ? { coupons: [...cartCoupons()] } : {}),
        ...(Object.keys(counts.promotion_used).length ? { promotion_used: counts.promotion_used } : {}),
        ...(Object.keys(counts.member_applications).length ? { member_applications: counts.member_applications } : {}),
        ...(member ? { member_id: member.member_id, member_tier: member.tier } : {}),
        ...(member && points ? { points: { balance: points.balance, redeem: points.redeemed_points } } : {}),
      },
    };
    const names: SaleRecord['names'] = {};
    for (const l of lines) names[l.barcode] = { name_zh: l.product.name_zh, name_en: l.product.name_en };
    const record: SaleRecord = {
      sale_id: saleId,
      op_id: op.op_id,
      device_time: now,
      store: sess.store,
      staff: sess.staff,
      priced: cart,
      names,
      tendered: cash,
      change: changeDue,
      request,
      returns: [],
      ...(member ? { member: { member_id: member.member_id, name: member.name, tier: member.tier } } : {}),
    };
    if (exchange) {
      // The return half: its credit went into this sale, the surplus back in cash.
      const returnTenders = [
        ...(fromCredit > 0 ? [{ type: 'exchange', amount: fromCredit }] : []),
        ...(back > 0 ? [{ type: 'cash', amount: back }] : []),
      ];
      const payload: ReturnPayload = {
        return_id: exchange.return_id,
        sale_id: exchange.sale_id,
        currency: cart.currency,
        items: exchange.items,
        refund: exchange.credit,
        tenders: returnTenders,
        reason: exchange.reason,
        ...(exchange.approvals.length ? { approvals: exchange.approvals } : {}),
        ...(drawer && back > 0 ? { drawer_session_id: drawer.session_id } : {}),
      };
      const returnOp: NewOperation = {
        op_id: uuidv7(),
        type: 'sale.returned',
        store_id: sess.store.store_id,
        device_id: deviceId,
        staff_id: sess.staff.staff_code,
        device_time: now,
        payload,
        ...(exchange.depends_on ? { depends_on: exchange.depends_on } : {}),
      };
      op.depends_on = [returnOp.op_id];
      record.exchange = { return_id: exchange.return_id, credit: exchange.credit, back };
      const original = await saleRecord(exchange.sale_id);
      const records = [record, ...(original ? [{ ...original, returns: [...(original.returns ?? []), { return_id: exchange.return_id, op_id: returnOp.op_id, items: exchange.items }] }] : [])];
      await queueExchange(returnOp, op, records);
      if (back > 0) noteRefund([{ type: 'cash', amount: back }]);
    } else {
      await queueSale(op, record);
    }
    await notePromotionUse(op.op_id, cart.adjustments ?? [], member?.member_id);
    noteSale(tenders, changeDue);
    tenderedText = '';
    clearCart();
    await refreshCounts();
    go({ name: 'receipt', sale: record });
    void pushOutbox();
  }

  main.append(
    h(
      'div',
      { class: 'pay' },
      summary,
      h('h1', { class: 'screen-title' }, t('pay_cash')),
      pointsField,
      creditEl,
      h('div', { class: 'due' }, h('span', {}, t(exchange ? 'exchange_due' : 'amount_due')), dueEl),
      h('label', { class: 'field', for: 'tendered' }, h('span', {}, t('tendered')), input),
      h(
        'div',
        { class: 'quick-row' },
        quick(note(5000), 'quick-50', 5000),
        quick(note(10000), 'quick-100', 10000),
        quick(note(20000), 'quick-200', 20000),
        h('button', { class: 'btn btn-secondary quick', type: 'button', 'data-testid': 'quick-exact', onclick: () => { input.value = minorToInput(due); update(); } }, t('exact')),
      ),
      hint,
      h('div', { class: 'change' }, h('span', {}, t('change')), changeEl),
    ),
    h(
      'div',
      { class: 'checkout-bar' },
      h('div', { class: 'checkout-actions' }, h('button', { class: 'btn btn-secondary', type: 'button', 'data-testid': 'pay-back', onclick: () => go({ name: 'sell' }) }, t('back')), complete),
    ),
  );
  update();
  input.focus();
}
