// The receipt of the sale just completed (already saved in the outbox): store, date, lines,
// totals with tax, cash received, change and the sale id, "Print" and "New sale".

import { go, type Route } from '../app';
import { h } from '../dom';
import { formatDateTime, localName, t } from '../i18n';
import { formatGrams, formatMoney } from '../money';
import { printButton, receiptLines } from '../print';
import { linePromotions } from '../promotions';
import { onSyncStatus, type SyncStatus } from '../sync';

export function renderReceipt(main: HTMLElement, route: Route): (() => void) | void {
  if (route.name !== 'receipt') return;
  const sale = route.sale;
  const cur = sale.priced.currency;
  const m = (v: number) => formatMoney(v, cur);
  const row = (label: string, value: string, attrs: Record<string, string> = {}) =>
    h('div', { class: 'r-row' }, h('span', {}, label), h('span', attrs, value));

  const status = h('span', { class: 'muted', 'data-testid': 'receipt-sync' });
  const showSync = (st: SyncStatus) => {
    const sent = st.pending === 0;
    status.textContent = sent ? '' : ` ${t('receipt_queued')}`;
  };
  main.append(
    h(
      'div',
      { class: 'receipt-wrap' },
      h('p', { class: 'receipt-status' }, h('strong', {}, `✓ ${t('receipt_saved')}`), status),
      h(
        'article',
        { class: 'receipt', 'data-testid': 'receipt', 'data-sale-id': sale.sale_id },
        h('header', { class: 'r-head' }, h('h2', {}, localName(sale.store) || sale.store.store_id), h('div', { class: 'muted' }, sale.store.store_id)),
        row(t('date'), formatDateTime(sale.device_time)),
        row(t('cashier'), `${sale.staff.name} (${sale.staff.staff_code})`),
        h(
          'ul',
          { class: 'r-lines' },
          sale.priced.lines.map((l) => {
            const names = sale.names[l.barcode] ?? {};
            const qty = l.sold_by === 'weight' ? `${formatGrams(l.qty)} × ${m(l.unit_price)}${t('per_kg')}` : `${l.qty} × ${m(l.unit_price)}`;
            return h(
              'li',
              { 'data-testid': 'receipt-line' },
              h('div', { class: 'r-row' }, h('span', { class: 'r-name' }, localName(names) || l.barcode), h('span', {}, m(l.gross))),
              h('div', { class: 'r-sub muted' }, qty),
              ...linePromotions(sale.priced, l),
            );
          }),
        ),
        h(
          'div',
          { class: 'r-totals' },
          sale.priced.discount ? row(t('savings'), `−${m(sale.priced.discount)}`, { 'data-testid': 'receipt-savings' }) : null,
          row(t('subtotal'), m(sale.priced.net)),
          row(t('tax'), m(sale.priced.tax)),
          h('div', { class: 'r-row r-total' }, h('span', {}, t('total_incl_tax')), h('span', { 'data-testid': 'receipt-total' }, m(sale.priced.amount_due ?? sale.priced.total))),
          row(t('tendered'), m(sale.tendered), { 'data-testid': 'receipt-tendered' }),
          row(t('change'), m(sale.change), { 'data-testid': 'receipt-change' }),
          sale.exchange ? row(t('tender_exchange'), `−${m(sale.exchange.credit)}`, { 'data-testid': 'receipt-exchange' }) : null,
          sale.exchange?.back ? row(t('exchange_back'), m(sale.exchange.back), { 'data-testid': 'receipt-exchange-back' }) : null,
          sale.member ? row(t('receipt_member'), `${sale.member.name} (${sale.member.member_id})`, { 'data-testid': 'receipt-member' }) : null,
          sale.priced.points?.redeemed_points
            ? row(t('receipt_points_redeemed'), `${sale.priced.points.redeemed_points} (−${m(sale.priced.points.redeemed_value)})`, { 'data-testid': 'receipt-points-redeemed' })
            : null,
          sale.priced.points?.earned ? row(t('receipt_points_earned'), String(sale.priced.points.earned), { 'data-testid': 'receipt-points-earned' }) : null,
        ),
        h('footer', { class: 'r-foot' }, h('span', { class: 'muted' }, t('sale_id')), h('span', { class: 'mono', 'data-testid': 'receipt-sale-id' }, sale.sale_id)),
      ),
      printButton('print-receipt', () => receiptLines(sale)),
    ),
    h(
      'div',
      { class: 'checkout-bar' },
      h('button', { class: 'btn btn-primary btn-lg btn-block', type: 'button', 'data-testid': 'new-sale-button', onclick: () => go({ name: 'sell' }) }, t('new_sale')),
    ),
  );
  return onSyncStatus(showSync);
}
